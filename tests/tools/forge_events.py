#!/usr/bin/env python3
"""Rows an attacker writes into a registry by hand, hash-chained the way
modelseal chains its events (src/registry/registry_events.c,
ms_event_hash: the "modelseal.event.v1" encoding), so that they pass the
chain checks and only what else modelseal checks can catch them.

  forge_events.py hash ID TIME KIND SUBJECT DETAIL PREV
      the hash of one event row
  forge_events.py chain N START PREV OUTDIR
      an N-deep lineage d@1 <- d@2 <- ... <- d@N as COPY files OUTDIR/models,
      OUTDIR/edges, OUTDIR/events (tab-separated; events START+1 .. START+N
      chained on PREV), each model backed by its 'signed' event
"""
import hashlib
import json
import os
import sys


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


def event_hash(i, t, kind, subject, detail, prev):
    b = b"modelseal.event.v1\n"
    for f in (str(i), str(t), kind, subject, detail, prev):
        f = f.encode()
        b += str(len(f)).encode() + b":" + f + b"\n"
    return hashlib.sha256(b).hexdigest()


def chain(n, start, prev, out):
    signer, text = "a" * 64, "{}"
    with open(os.path.join(out, "models"), "w") as m, open(
        os.path.join(out, "edges"), "w"
    ) as e, open(os.path.join(out, "events"), "w") as v:
        for i in range(1, n + 1):
            d = sha("deep %d" % i)
            det = {"name": "d", "version": str(i), "signer": signer, "method": "shards",
                   "hash": "sha256", "size": 1, "files": 1, "created": 1,
                   "statement_sha256": sha(text), "bundle_sha256": sha(text),
                   "provenance_sha256": sha(text)}
            if i > 1:
                parent = sha("deep %d" % (i - 1))
                det["parents"] = [{"digest": "sha256:" + parent, "relation": "finetune"}]
                e.write("%s\t%s\tfinetune\n" % (d, parent))
            dj = json.dumps(det, separators=(",", ":"))
            m.write("%d\t%s\td\t%d\tshards\tsha256\t1\t1\t%s\t%s\t%s\t1\t%s\n"
                    % (i, d, i, signer, text, text, text))
            h = event_hash(start + i, 1, "signed", "sha256:" + d, dj, prev)
            v.write("%d\t1\tsigned\tsha256:%s\t%s\t%s\t%s\n"
                    % (start + i, d, dj.replace("\\", "\\\\"), prev, h))
            prev = h


if __name__ == "__main__":
    if sys.argv[1] == "hash":
        print(event_hash(*sys.argv[2:8]))
    elif sys.argv[1] == "chain":
        chain(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        sys.exit("usage: forge_events.py hash|chain ...")
