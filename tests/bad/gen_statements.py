#!/usr/bin/env python3
"""Regenerates tests/bad/statement/*.json from good.json and good-files.json,
the statements of the fixture model t_bad.sh builds (a = 10 x 'a', d/b =
4 x 'b'; --shard-size 8, and --method files). Each case changes one thing.
Run from tests/bad/ after changing the fixture model."""
import copy, hashlib, json

good = json.load(open("statement/good.json"))
good_files = json.load(open("statement/good-files.json"))


def res(st):
    return st["predicate"]["resources"]


def fix_root(st):
    h = hashlib.sha256()
    for r in res(st):
        h.update(bytes.fromhex(r["digest"]))
    st["subject"][0]["digest"]["sha256"] = h.hexdigest()


def case(name, change, base=good, keep_root=False, raw=None):
    st = copy.deepcopy(base)
    change(st)
    if not keep_root:
        fix_root(st)
    text = json.dumps(st, indent=2, ensure_ascii=False) + "\n"
    if raw:
        text = raw(text)
    with open(f"statement/{name}.json", "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
        f.write(text)


def rename(i, name):
    def change(st):
        res(st)[i]["name"] = name
    return change


case("absolute-name", rename(0, "/etc/passwd:0:8"))
case("dotdot-name", rename(0, "../a:0:8"))
case("dotdot-inside-name", rename(2, "d/../../x:0:4"))
case("empty-component", rename(2, "d//b:0:4"))
case("nul-in-name", rename(2, "d/b\u0000/../../x:0:4"))
case("leading-zero-offset", rename(1, "a:08:10"))
case("no-range", rename(0, "a"))
case("duplicate-resource", lambda st: res(st).insert(1, copy.deepcopy(res(st)[0])))
# any order is fine when the root is over the order listed (issue 12)
case("unsorted-resources", lambda st: res(st).reverse())
case("unsorted-root-of-sorted", lambda st: (fix_root(st), res(st).reverse()), keep_root=True)
case("overlapping-shards", rename(1, "a:4:10"))
case("gap-between-shards", rename(1, "a:9:10"))
case("shard-larger-than-size", rename(0, "a:0:9"))
case("missing-first-shard", lambda st: res(st).pop(0))
case("resource-under-ignored-path",
     lambda st: st["predicate"]["serialization"]["ignore_paths"].append("d"))
case("resource-is-ignored-file", lambda st: (
    st["predicate"]["serialization"]["ignore_paths"].append("a"),
    st["predicate"]["serialization"]["ignore_paths"].sort()))
case("root-mismatch",
     lambda st: st["subject"][0]["digest"].update(sha256="00" * 32), keep_root=True)
case("two-subjects", lambda st: st["subject"].append(copy.deepcopy(st["subject"][0])))
case("wrong-algorithm", lambda st: res(st)[0].update(algorithm="sha256-sharded-16"))
case("short-digest", lambda st: res(st)[0].update(digest="1f3c"))
case("shard-size-fraction", lambda st: st["predicate"]["serialization"].update(shard_size=8.5))
case("shard-size-huge", lambda st: st["predicate"]["serialization"].update(shard_size=1e300))
case("shard-size-string", lambda st: st["predicate"]["serialization"].update(shard_size="8"))
case("resources-object", lambda st: st["predicate"].update(resources={}))
case("unknown-method", lambda st: st["predicate"]["serialization"].update(method="bytes"))
case("wrong-predicate-type", lambda st: st.update(predicateType="https://slsa.dev/provenance/v1"))
case("dot-with-others", rename(0, "."), base=good_files)
case("files-duplicate", lambda st: res(st).append(copy.deepcopy(res(st)[-1])), base=good_files)
# 100 MB claimed for a 10-byte file: consistent on its own, so it parses;
# verify must then fail without reading or allocating 100 MB.
case("claims-100MB", lambda st: (
    st["predicate"]["serialization"].update(shard_size=104857600),
    [r.update(algorithm="sha256-sharded-104857600") for r in res(st)],
    rename(0, "a:0:104857600")(st), res(st).pop(1)))
# Text-level cases.
case("duplicate-key", lambda st: None,
     raw=lambda t: t.replace('"method": "shards",', '"method": "shards", "method": "files",'))
case("trailing-data", lambda st: None, raw=lambda t: t + "{}\n")
case("truncated", lambda st: None, raw=lambda t: t[: len(t) // 2])
case("not-utf8", lambda st: None, raw=lambda t: t.replace('"model"', '"mod\udcffel"'))
open("statement/deep-nesting.json", "w").write("[" * 5000 + "]" * 5000)
open("statement/empty.json", "w").write("")
