#!/usr/bin/env python3
"""Regenerates tests/bad/bundle/*.sig from good.sig: the fixture model's
statement (statement/good.json) signed with tests/data/keys/ed25519.key
(`ms_tool sign KEY application/vnd.in-toto+json statement/good.json`).
Each case breaks one thing; signatures stay as they were, so a case that
changes signed bytes must fail the signature check. Run from tests/bad/.

Made with ms_tool directly (K = the test key, O and O2 = throwaway keys):
  two-signatures-one-trusted     ms_tool sign K  TYPE statement/good.json O
  two-signatures-trusted-second  ms_tool sign O  TYPE statement/good.json K
  two-signatures-untrusted       ms_tool sign O  TYPE statement/good.json O2
  untrusted-key                  ms_tool sign O  TYPE statement/good.json
  signed-as-other-type           ms_tool sign K  application/json statement/good.json
"""
import base64, copy, json

good = json.load(open("bundle/good.sig"))
text = open("bundle/good.sig").read()


def env(b):
    return b["dsseEnvelope"]


def case(name, change=None, raw=None):
    b = copy.deepcopy(good)
    if change:
        change(b)
    out = raw if raw is not None else json.dumps(b, separators=(",", ":"))
    with open(f"bundle/{name}.sig", "w") as f:
        f.write(out)


def setp(path, value):
    def change(b):
        obj = b
        for k in path[:-1]:
            obj = obj[k]
        obj[path[-1]] = value
    return change


def delp(path):
    def change(b):
        obj = b
        for k in path[:-1]:
            obj = obj[k]
        del obj[path[-1]]
    return change


payload = base64.b64decode(good["dsseEnvelope"]["payload"])

case("truncated", raw=text[: len(text) // 2])
case("empty", raw="")
case("not-json", raw="model.sig\n")
case("json-array", raw="[]")
case("trailing-garbage", raw=text.rstrip("\n") + "garbage")
case("duplicate-payload-key", raw=text.replace('"payloadType":', '"payload":"e30=","payloadType":', 1))
case("deeply-nested", raw='{"dsseEnvelope":' + "[" * 5000 + "]" * 5000 + "}")
case("wrong-media-type", setp(["mediaType"], "application/vnd.dev.sigstore.bundle+json;version=0.1"))
case("media-type-number", setp(["mediaType"], 3))
case("huge-number", setp(["mediaType"], 1e308))
case("no-envelope", delp(["dsseEnvelope"]))
case("envelope-array", setp(["dsseEnvelope"], []))
case("payload-number", setp(["dsseEnvelope", "payload"], 12345678901234567890))
case("payload-not-base64", setp(["dsseEnvelope", "payload"], "not base64!"))
case("payload-whitespace-base64", lambda b: env(b).update(payload=env(b)["payload"][:40] + "\n" + env(b)["payload"][40:]))
case("payload-type-null", setp(["dsseEnvelope", "payloadType"], None))
case("signatures-object", setp(["dsseEnvelope", "signatures"], {}))
case("signatures-empty", setp(["dsseEnvelope", "signatures"], []))
case("seventeen-signatures", lambda b: env(b).update(signatures=env(b)["signatures"] * 17))
case("sig-number", setp(["dsseEnvelope", "signatures", 0, "sig"], 7))
case("sig-missing", delp(["dsseEnvelope", "signatures", 0, "sig"]))
case("sig-not-base64", setp(["dsseEnvelope", "signatures", 0, "sig"], "%%%"))
case("sig-truncated", lambda b: env(b)["signatures"][0].update(sig=env(b)["signatures"][0]["sig"][:20]))
case("sig-zeros", setp(["dsseEnvelope", "signatures", 0, "sig"], base64.b64encode(bytes(64)).decode()))
case("keyid-number", setp(["dsseEnvelope", "signatures", 0, "keyid"], 1))
# Signed bytes changed: the signature no longer matches.
case("payload-tampered", setp(["dsseEnvelope", "payload"],
     base64.b64encode(payload.replace(b'"model"', b'"modem"')).decode()))
case("payload-type-changed", setp(["dsseEnvelope", "payloadType"], "application/json"))
# A lying hint (naming another key) must not matter: the key that verifies does.
case("hint-lies", setp(["verificationMaterial", "publicKey", "hint"], "00" * 32))
# Certificate material beside a signature by the trusted key (issue 10,
# class 8): never passes on a bare key. The certificate's bytes do not
# matter for that; the parser only checks their shape.
cert = json.load(open("../interop/oms/v1.1.0-certificate/model.sig"))["verificationMaterial"]
chain = cert["x509CertificateChain"]
leaf_raw = chain["certificates"][0]["rawBytes"]


def material(vm):
    def change(b):
        b["verificationMaterial"] = vm
    return change


case("with-x509-chain", material({"x509CertificateChain": chain}))
case("with-certificate", material({"certificate": {"rawBytes": leaf_raw}, "tlogEntries": [{}]}))
case("hint-and-chain", material({"publicKey": {"hint": "00" * 32}, "x509CertificateChain": chain}))
case("chain-empty", material({"x509CertificateChain": {"certificates": []}}))
case("chain-nine-certificates", material({"x509CertificateChain": {"certificates": chain["certificates"] * 5}}))
case("chain-rawbytes-not-base64", material({"x509CertificateChain": {"certificates": [{"rawBytes": "%%"}]}}))
case("certificate-rawbytes-missing", material({"certificate": {}}))
case("tlog-entries-object", material({"publicKey": {"hint": "00" * 32}, "tlogEntries": {}}))
