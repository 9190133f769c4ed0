#!/usr/bin/env python3
"""Writes mutants/: the production keyless bundles of tests/interop/oms/v*-sigstore/
with one piece of evidence changed each, and mutants/index.tsv (file, the check that
must catch it). Every mutant must fail verification (exit 1). Run from this folder;
the output is committed, so tests need neither Python nor the network."""
import base64
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OMS = os.path.join(HERE, "..", "..", "interop", "oms")
OUT = os.path.join(HERE, "mutants")


def load(version):
    with open(os.path.join(OMS, f"v{version}-sigstore", "model.sig")) as f:
        return json.load(f)


def flip_b64(s, at=10):
    """The base64 text of the same bytes with one bit of byte `at` flipped."""
    raw = bytearray(base64.b64decode(s))
    raw[at % len(raw)] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def entry(b):
    return b["verificationMaterial"]["tlogEntries"][0]


def proof(b):
    return entry(b)["inclusionProof"]


def set_body(b, edit):
    body = json.loads(base64.b64decode(entry(b)["canonicalizedBody"]))
    edit(body)
    text = json.dumps(body, separators=(",", ":"), sort_keys=True)
    entry(b)["canonicalizedBody"] = base64.b64encode(text.encode()).decode()


def checkpoint_edit(b, old, new):
    env = proof(b)["checkpoint"]["envelope"]
    assert old in env
    proof(b)["checkpoint"]["envelope"] = env.replace(old, new, 1)


def mutations(v, other):
    """(name, check, function changing the bundle) for bundle version v."""
    def cert_sig(b):
        c = b["verificationMaterial"]["certificate"]
        c["rawBytes"] = flip_b64(c["rawBytes"], -5)  # inside the CA's signature

    def cert_swap(b):
        b["verificationMaterial"]["certificate"] = copy.deepcopy(
            other["verificationMaterial"]["certificate"])

    def sct(b):
        # A bit of the embedded SCT's signature (it sits just before the CA's
        # signature). The certificate then differs from the logged one; the
        # SCT check itself is tested on its own in tests/unit/test_sigstore.c.
        c = b["verificationMaterial"]["certificate"]
        c["rawBytes"] = flip_b64(c["rawBytes"], -110)

    def ts_split(b):
        p = proof(b)
        p["treeSize"] = str(int(p["treeSize"]) + 1)

    def cp_size(b):
        size = proof(b)["treeSize"]
        checkpoint_edit(b, "\n" + size + "\n", "\n" + str(int(size) + 1) + "\n")

    def cp_sig(b):
        env = proof(b)["checkpoint"]["envelope"]
        line = env.rstrip("\n").split("\n")[-1]
        name, sig = line.rsplit(" ", 1)
        checkpoint_edit(b, line, name + " " + flip_b64(sig, 20))

    def cp_unsigned(b):
        env = proof(b)["checkpoint"]["envelope"]
        proof(b)["checkpoint"]["envelope"] = env[: env.index("\n\n") + 2]

    def cp_origin(b):
        checkpoint_edit(b, "rekor.sigstore.dev - ", "rekor.sigstore.dev  - ")

    def body_payload_hash(b):
        def edit(body):
            h = body["spec"]["payloadHash"]
            h["value"] = "0" + h["value"][1:]
        set_body(b, edit)

    def body_verifier(b):
        def edit(body):
            body["spec"]["signatures"][0]["verifier"] = base64.b64encode(
                b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n").decode()
        set_body(b, edit)

    def no_set(b):
        del entry(b)["inclusionPromise"]
        b["verificationMaterial"].pop("timestampVerificationData", None)

    muts = [
        ("proof-hash", "inclusion proof", lambda b: proof(b)["hashes"].__setitem__(
            3, flip_b64(proof(b)["hashes"][3], 0))),
        ("proof-index", "inclusion proof", lambda b: proof(b).__setitem__(
            "logIndex", str(int(proof(b)["logIndex"]) - 1))),
        ("proof-root", "inclusion proof", lambda b: proof(b).__setitem__(
            "rootHash", flip_b64(proof(b)["rootHash"], 31))),
        ("proof-short", "inclusion proof", lambda b: proof(b)["hashes"].pop()),
        ("proof-tree-size", "inclusion proof", ts_split),
        ("proof-missing", "no inclusion proof", lambda b: entry(b).pop("inclusionProof")),
        ("checkpoint-size", "checkpoint", cp_size),
        ("checkpoint-sig", "checkpoint", cp_sig),
        ("checkpoint-unsigned", "checkpoint", cp_unsigned),
        ("checkpoint-origin", "checkpoint", cp_origin),
        ("set-sig", "signed entry timestamp", lambda b: entry(b).__setitem__(
            "inclusionPromise", {"signedEntryTimestamp": flip_b64(
                entry(b)["inclusionPromise"]["signedEntryTimestamp"], 12)})),
        ("integrated-time", "signed entry timestamp", lambda b: entry(b).__setitem__(
            "integratedTime", str(int(entry(b)["integratedTime"]) + 1))),
        ("log-index", "signed entry timestamp", lambda b: entry(b).__setitem__(
            "logIndex", str(int(entry(b)["logIndex"]) + 1))),
        ("log-id", "not in the trusted root", lambda b: entry(b)["logId"].__setitem__(
            "keyId", flip_b64(entry(b)["logId"]["keyId"], 5))),
        ("cert-signature", "certificate is not the bundle's", cert_sig),
        ("cert-sct", "certificate is not the bundle's", sct),
        ("cert-other", "certificate is not the bundle's", cert_swap),
        ("body-payload-hash", "payload hash is not the payload's", body_payload_hash),
        ("body-verifier", "certificate is not the bundle's", body_verifier),
        ("body-kind", "intoto", lambda b: entry(b).__setitem__(
            "kindVersion", {"kind": "intoto", "version": "0.0.2"})),
        # 1.1.0's timestamp is over the signature, and is checked first.
        ("dsse-sig", "timestamp" if v == "1.1.0" else "its signature is not the envelope's",
         lambda b: b["dsseEnvelope"][
            "signatures"][0].__setitem__("sig", flip_b64(
                b["dsseEnvelope"]["signatures"][0]["sig"], 40))),
        ("no-trusted-time", "no trusted time", no_set),
    ]
    if v == "1.1.0":
        def tsa(b):
            t = b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]
            t["signedTimestamp"] = flip_b64(t["signedTimestamp"], 100)
        muts.append(("tsa-token", "timestamp", tsa))
    return muts


def main():
    os.makedirs(OUT, exist_ok=True)
    index = []
    bundles = {v: load(v) for v in ("0.3.1", "1.1.0")}
    for v, other in (("0.3.1", "1.1.0"), ("1.1.0", "0.3.1")):
        for name, check, fn in mutations(v, bundles[other]):
            b = copy.deepcopy(bundles[v])
            fn(b)
            assert b != bundles[v], name
            path = f"v{v}-{name}.sigstore.json"
            with open(os.path.join(OUT, path), "w") as f:
                json.dump(b, f, indent=2)
                f.write("\n")
            index.append(f"{path}\t{check}\n")
    with open(os.path.join(OUT, "index.tsv"), "w") as f:
        f.writelines(index)


if __name__ == "__main__":
    main()
