model.sig
