/* Verify an archive, then extract it safely (see unpack.c). */
#ifndef MODELSEAL_UNPACK_H
#define MODELSEAL_UNPACK_H

#include "modelseal/verify.h"

/* Verifies the archive req->model exactly as `verify --archive` does and,
 * only when it verified, makes dest the model directory (dest/model.sig
 * included). dest must not exist or be an empty directory. Nothing is ever
 * written outside a private directory beside dest, and a failure leaves no
 * dest. Returns MS_OK, MS_FAIL (res->problems says why) or MS_ERR
 * (reported). */
/* DEST must not exist, or be an empty directory (rename replaces it); -1
 * after reporting otherwise. */
int ms_unpack_check_dest(const char *dest);

int ms_unpack(const struct ms_verify_request *req, const char *dest, struct ms_verify_result *res);

#endif
