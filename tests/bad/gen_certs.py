#!/usr/bin/env python3
"""Mints the certificate fixtures of tests/cli/t_cert.sh with
python3-cryptography and the CA keys model_signing published with its tests
(tests/interop/oms/keys/certificate-ca-private/: RSA root 'root-ca', RSA
intermediate 'intermediate-ca', ECDSA P-384 signing key).

tests/bad/cert/*.sig are certificate bundles over the statement of
tests/interop/oms/v1.1.0-certificate (so they verify against that model's
files), each wrong in one way unless named good-*; tests/data/certs/ holds a
P-256 signing key with its certificate chain, for `sign --certificate-chain`.
Run from the repository root: python3 tests/bad/gen_certs.py"""
import base64
import datetime
import json
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

OMS = "tests/interop/oms"
PRIV = f"{OMS}/keys/certificate-ca-private"
OUT = "tests/bad/cert"
DATA = "tests/data/certs"
UTC = datetime.timezone.utc
GOOD_FROM = datetime.datetime(2025, 1, 1, tzinfo=UTC)
GOOD_UNTIL = datetime.datetime(2045, 1, 1, tzinfo=UTC)


def pem_tail(path):
    """certtool writes a text dump before the PEM block."""
    text = open(path, "rb").read()
    return text[text.index(b"-----BEGIN"):]


def load_key(path):
    return serialization.load_pem_private_key(pem_tail(path), None)


def load_cert(path):
    return x509.load_pem_x509_certificate(pem_tail(path))


ROOT_KEY = load_key(f"{PRIV}/ca-priv.pem")
INT_KEY = load_key(f"{PRIV}/int-ca-priv.pem")
LEAF_KEY = load_key(f"{PRIV}/signing-key.pem")
ROOT = load_cert(f"{OMS}/keys/ca-cert.pem")
INT = load_cert(f"{OMS}/keys/int-ca-cert.pem")


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_cert(subject_key, cn, issuer_cert, issuer_key, *, ca=False, eku=(ExtendedKeyUsageOID.CODE_SIGNING,),
              digital_signature=True, sans=(), not_before=GOOD_FROM, not_after=GOOD_UNTIL, self_signed=False):
    pub = subject_key.public_key()
    b = (x509.CertificateBuilder()
         .subject_name(name(cn))
         .issuer_name(name(cn) if self_signed else issuer_cert.subject)
         .public_key(pub)
         .serial_number(x509.random_serial_number())
         .not_valid_before(not_before)
         .not_valid_after(not_after)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False))
    if not self_signed:  # the issuer's own SKID: certtool's is not the SHA-1 of the key
        ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                            critical=False)
    b = b.add_extension(x509.KeyUsage(digital_signature=digital_signature, content_commitment=False,
                                      key_encipherment=not digital_signature and not ca, data_encipherment=False, key_agreement=False,
                                      key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                                      decipher_only=False), critical=True)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    return b.sign(issuer_key if not self_signed else subject_key, hashes.SHA256())


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


# The statement model_signing 1.1.0 signed for v1.1.0-certificate.
BASE = json.load(open(f"{OMS}/v1.1.0-certificate/model.sig"))
PAYLOAD = base64.b64decode(BASE["dsseEnvelope"]["payload"])
TYPE = BASE["dsseEnvelope"]["payloadType"]


def pae(payload=PAYLOAD):
    return b"DSSEv1 %d %s %d " % (len(TYPE), TYPE.encode(), len(payload)) + payload


def bundle(name_, chain_ders, sig, *, payload=PAYLOAD, tlog=None, single=False):
    if single:  # v0.3's verificationMaterial.certificate: the leaf alone
        vm = {"certificate": {"rawBytes": base64.b64encode(chain_ders[0]).decode()}}
    else:
        vm = {"x509CertificateChain": {"certificates": [
            {"rawBytes": base64.b64encode(d).decode()} for d in chain_ders]}}
    if tlog is not None:
        vm["tlogEntries"] = tlog
    b = {"mediaType": BASE["mediaType"], "verificationMaterial": vm,
         "dsseEnvelope": {"payload": base64.b64encode(payload).decode(), "payloadType": TYPE,
                          "signatures": [{"sig": base64.b64encode(sig).decode(), "keyid": ""}]}}
    with open(f"{OUT}/{name_}.sig", "w") as f:
        json.dump(b, f, indent=1)
        f.write("\n")


def sign(key=LEAF_KEY, data=None, h=hashes.SHA384()):
    return key.sign(pae() if data is None else data, ec.ECDSA(h))


SANS = (x509.RFC822Name("signer@example.com"), x509.UniformResourceIdentifier("https://example.com/ci"),
        x509.DNSName("build.example.com"))


def leaf(**kw):
    return make_cert(LEAF_KEY, "modelseal test signer", INT, INT_KEY, sans=SANS, **kw)


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(DATA, exist_ok=True)
    good = leaf()
    bundle("good", [der(good), der(INT)], sign())
    bundle("good-with-root", [der(good), der(INT), der(ROOT)], sign())
    bundle("expired", [der(leaf(not_before=datetime.datetime(2020, 1, 1, tzinfo=UTC),
                                not_after=datetime.datetime(2021, 1, 1, tzinfo=UTC))), der(INT)], sign())
    bundle("not-yet-valid", [der(leaf(not_before=datetime.datetime(2099, 1, 1, tzinfo=UTC),
                                      not_after=datetime.datetime(2100, 1, 1, tzinfo=UTC))), der(INT)], sign())
    bundle("wrong-eku", [der(leaf(eku=(ExtendedKeyUsageOID.SERVER_AUTH,))), der(INT)], sign())
    bundle("no-eku", [der(leaf(eku=())), der(INT)], sign())
    bundle("no-digital-signature", [der(leaf(digital_signature=False)), der(INT)], sign())

    # another CA: a root and intermediate of the same names, other keys
    other_root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_root = make_cert(other_root_key, "root-ca", None, None, ca=True, eku=(), self_signed=True)
    other_int_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_int = make_cert(other_int_key, "intermediate-ca", other_root, other_root_key, ca=True, eku=())
    other_leaf = make_cert(LEAF_KEY, "modelseal test signer", other_int, other_int_key, sans=SANS)
    bundle("other-ca", [der(other_leaf), der(other_int)], sign())
    with open(f"{OUT}/other-ca-root.pem", "wb") as f:
        f.write(other_root.public_bytes(serialization.Encoding.PEM))

    # tampered chain: one bit of the intermediate's signature flipped
    bad_int = bytearray(der(INT))
    bad_int[-10] ^= 1
    bundle("tampered-intermediate", [der(good), bytes(bad_int)], sign())
    # tampered chain: the leaf's subject rewritten (its CA signature breaks)
    bad_leaf = der(good).replace(b"modelseal test signer", b"modelseal test signeR")
    bundle("tampered-leaf", [bad_leaf, der(INT)], sign())
    # the chain in the wrong order
    bundle("chain-reversed", [der(INT), der(good)], sign())
    # a valid chain for another key: the signature is not the leaf's
    stranger = ec.generate_private_key(ec.SECP384R1())
    stranger_leaf = make_cert(stranger, "modelseal test signer", INT, INT_KEY, sans=SANS)
    bundle("leaf-of-another-key", [der(stranger_leaf), der(INT)], sign())
    # P-384 with SHA-256: the hash does not match the curve
    bundle("hash-not-curve", [der(good), der(INT)], sign(h=hashes.SHA256()))
    # model_signing 0.2.0's compat signature over a current statement: the
    # fallback is for the legacy predicate only
    def compat(payload):
        return ("DSSEV1 %d %s %d %r" % (len(TYPE), TYPE, len(payload), payload)).encode()
    bundle("compat-signature-new-predicate", [der(good), der(INT)],
           sign(data=compat(PAYLOAD), h=hashes.SHA256()))
    # ... also when the legacy predicate's name appears elsewhere in it
    mention = PAYLOAD.replace(b'"predicate": {', b'"note": "https://model_signing/Digests/v0.1",\n  "predicate": {', 1)
    assert mention != PAYLOAD
    bundle("compat-signature-mentions-legacy", [der(good), der(INT)],
           sign(data=compat(mention), h=hashes.SHA256()), payload=mention)
    # the v0.3 'certificate' field: the leaf alone, its issuer from the roots
    bundle("single-certificate", [der(good)], sign(), single=True)
    from_root = make_cert(LEAF_KEY, "modelseal test signer", ROOT, ROOT_KEY, sans=SANS)
    bundle("single-certificate-from-root", [der(from_root)], sign(), single=True)
    # a subject and SAN that try to paint over the verdict on a terminal
    paint = make_cert(LEAF_KEY, "x\x1b[2K\rverified OK", INT, INT_KEY,
                      sans=(x509.RFC822Name("a\x1b[2K@example.com"),))
    bundle("terminal-escapes", [der(paint), der(INT)], sign())
    # evidence --ca cannot check
    bundle("tlog-entry", [der(good), der(INT)], sign(), tlog=[{"logIndex": "1"}])

    # A P-256 signing key and its chain for sign --certificate-chain.
    signer = ec.generate_private_key(ec.SECP256R1())
    signer_leaf = make_cert(signer, "modelseal ci", INT, INT_KEY,
                            sans=(x509.RFC822Name("ci@example.com"),))
    with open(f"{DATA}/signer-p256.key", "wb") as f:
        f.write(signer.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))
    with open(f"{DATA}/signer-p256-chain.pem", "wb") as f:
        f.write(signer_leaf.public_bytes(serialization.Encoding.PEM))
        f.write(INT.public_bytes(serialization.Encoding.PEM))
    # its certificate alone, and a leaf without codeSigning for the same key
    with open(f"{DATA}/signer-p256-wrong-eku-chain.pem", "wb") as f:
        f.write(make_cert(signer, "modelseal ci", INT, INT_KEY, eku=(ExtendedKeyUsageOID.SERVER_AUTH,))
                .public_bytes(serialization.Encoding.PEM))
        f.write(INT.public_bytes(serialization.Encoding.PEM))


main()
