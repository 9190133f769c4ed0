#!/usr/bin/env python3
"""Checks modelseal's --json documents against docs/schema/*.json.

  json_schema.py DIR check NAME FILE
      FILE holds exactly one JSON document, valid against DIR/NAME.json.
  json_schema.py DIR run STATUS FILE ARGV...
      FILE is what a modelseal command line (ARGV, the binary among its
      words, perhaps after env or a wrapper) printed on stdout with exit
      STATUS: with --json, one document, error.json when the command failed
      before its own document (always for exit 2), else the command's
      schema. Exit 3 when ARGV does not ask for JSON (no --json, help,
      completion, -h, -V).

Exit 0 valid, 1 invalid (the reason on stdout). Validation uses
python3-jsonschema (Draft 2020-12) when installed, else the small validator
below, which knows the keywords these schemas use.
"""
import json
import os
import re
import sys

SKIP = 3
GLOBAL_WITH_VALUE = ("--registry", "--progress")
GLOBAL_FLAGS = ("--json", "--no-progress", "-q", "-v", "--quiet", "--verbose")
SAME_NAME = ("digest", "keygen", "sign", "verify", "unpack", "pack", "log", "show",
             "lineage", "audit", "revoke", "version")
TRUST_SUBS = ("add", "list", "remove", "export", "import")


def has_option(args, long, short=None):
    for a in args:
        if a == "--":
            return False
        if a == long or a.startswith(long + "=") or (short and a.startswith(short)):
            return True
    return False


def schema_for(argv):
    """The schema NAME for a modelseal command line, or None: no JSON."""
    binaries = {os.environ.get("MS"), os.environ.get("MS_PLAIN")} - {None, ""}
    at = next((i for i, a in enumerate(argv)
               if a in binaries or os.path.basename(a) == "modelseal"), None)
    if at is None:
        return None
    args = argv[at + 1:]
    i = 0
    while i < len(args) and args[i].startswith("-"):
        if args[i] in ("-h", "--help", "-V", "--version"):
            return None
        i += 2 if args[i] in GLOBAL_WITH_VALUE else 1
    if not has_option(args, "--json"):
        return None
    if i >= len(args):
        return "error"
    cmd, rest = args[i], args[i + 1:]
    if cmd in ("help", "completion") or has_option(rest, "--help", "-h"):
        return None
    if cmd in SAME_NAME:
        return cmd
    if cmd == "hash":
        return "hash-part" if has_option(rest, "--part") else "statement"
    if cmd == "checkpoint":
        return "checkpoint" if has_option(rest, "--output", "-o") else "bundle"
    if cmd == "trust":
        sub = next((a for a in rest if a in TRUST_SUBS), None)
        if sub == "export":
            return "trust-export" if has_option(rest, "--output", "-o") else "trust-file"
        return "trust-" + sub if sub else "error"
    if cmd == "registry":
        return "registry-copy" if rest[:1] == ["copy"] else "error"
    return "error"  # an unknown command fails


# ---- the fallback validator ----

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool) or
    isinstance(v, float) and v.is_integer(),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class Mini:
    def __init__(self, directory):
        self.dir = directory
        self.files = {}

    def load(self, name):
        if name not in self.files:
            with open(os.path.join(self.dir, name)) as f:
                self.files[name] = json.load(f)
        return self.files[name]

    def resolve(self, ref, base):
        name, _, pointer = ref.partition("#")
        name = name or base
        node = self.load(name)
        for part in filter(None, pointer.split("/")):
            node = node[part]
        return node, name

    def errors(self, s, v, base, at="$"):
        """(errors, property names evaluated) of v against schema s."""
        if s is True:
            return [], set()
        errs, seen = [], set()

        def sub(schema, value, where, b=base):
            e, names = self.errors(schema, value, b, where)
            errs.extend(e)
            return names

        if "$ref" in s:
            target, b = self.resolve(s["$ref"], base)
            seen |= sub(target, v, at, b)
        t = s.get("type")
        if t is not None and not any(TYPES[x](v) for x in ([t] if isinstance(t, str) else t)):
            errs.append(f"{at}: {json.dumps(v)[:80]} is not of type {t}")
            return errs, seen
        if "const" in s and v != s["const"]:
            errs.append(f"{at}: {json.dumps(v)[:80]} is not {json.dumps(s['const'])}")
        if "enum" in s and v not in s["enum"]:
            errs.append(f"{at}: {json.dumps(v)[:80]} is not one of {s['enum']}")
        if isinstance(v, str):
            if len(v) < s.get("minLength", 0):
                errs.append(f"{at}: too short")
            if "pattern" in s and not re.search(s["pattern"], v):
                errs.append(f"{at}: {v[:80]!r} does not match {s['pattern']}")
        if TYPES["number"](v) and "minimum" in s and v < s["minimum"]:
            errs.append(f"{at}: {v} < {s['minimum']}")
        if isinstance(v, list):
            if len(v) < s.get("minItems", 0) or len(v) > s.get("maxItems", len(v)):
                errs.append(f"{at}: {len(v)} items")
            for i, item in enumerate(v):
                if "items" in s:
                    sub(s["items"], item, f"{at}[{i}]")
        for key in ("oneOf", "anyOf"):
            if key in s:
                results = [self.errors(x, v, base, at) for x in s[key]]
                ok = [r for r in results if not r[0]]
                if len(ok) != 1 if key == "oneOf" else not ok:
                    errs.append(f"{at}: {len(ok)} of the {key} alternatives match: " +
                                "; ".join(e for r in results for e in r[0][:1]))
                for r in ok:
                    seen |= r[1]
        if "not" in s and not self.errors(s["not"], v, base, at)[0]:
            errs.append(f"{at}: must not match {json.dumps(s['not'])[:80]}")
        if "if" in s:
            branch = "then" if not self.errors(s["if"], v, base, at)[0] else "else"
            if branch in s:
                seen |= sub(s[branch], v, at)
        if isinstance(v, dict):
            errs.extend(f"{at}: '{k}' is required" for k in s.get("required", ()) if k not in v)
            if len(v) < s.get("minProperties", 0):
                errs.append(f"{at}: too few properties")
            props = s.get("properties", {})
            for k, item in v.items():
                if k in props:
                    sub(props[k], item, f"{at}.{k}")
                    seen.add(k)
            extra = [k for k in v if k not in props]
            if s.get("additionalProperties") is False and extra:
                errs.append(f"{at}: unexpected {extra}")
            elif isinstance(s.get("additionalProperties"), dict):
                for k in extra:
                    sub(s["additionalProperties"], v[k], f"{at}.{k}")
            if "additionalProperties" in s:
                seen |= set(v)
            if s.get("unevaluatedProperties") is False and set(v) - seen:
                errs.append(f"{at}: unexpected {sorted(set(v) - seen)}")
        return errs, seen


def validate(directory, name, doc):
    """A list of messages: empty when doc is valid against NAME.json."""
    try:
        import jsonschema
    except ImportError:
        mini = Mini(directory)
        return mini.errors(mini.load(name + ".json"), doc, name + ".json")[0]
    from urllib.parse import urljoin
    from urllib.request import pathname2url

    base = urljoin("file:", pathname2url(os.path.abspath(directory)) + "/")
    schemas = {}
    for f in os.listdir(directory):
        if f.endswith(".json"):
            with open(os.path.join(directory, f)) as fh:
                schemas[base + f] = json.load(fh)
    cls = jsonschema.Draft202012Validator
    schema = schemas[base + name + ".json"]
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        registry = Registry().with_resources(
            (uri, Resource.from_contents(s, default_specification=DRAFT202012))
            for uri, s in schemas.items())
        v = cls({"$ref": base + name + ".json"}, registry=registry)
    except ImportError:  # jsonschema before 4.18
        resolver = jsonschema.RefResolver(base + name + ".json", schema, store=schemas)
        v = cls(schema, resolver=resolver)
    return [f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message[:300]}"
            for e in v.iter_errors(doc)]


def one_document(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if not text.strip():
        raise ValueError("stdout is empty: --json must print one document")
    doc, end = json.JSONDecoder().raw_decode(text.lstrip())
    if text.lstrip()[end:].strip():
        raise ValueError("more than one document on stdout")
    if not isinstance(doc, dict):
        raise ValueError("the document is not an object")
    return doc


def main(argv):
    directory, mode = argv[1], argv[2]
    if mode == "check":
        name, path, status = argv[3], argv[4], None
    else:
        status, path = int(argv[3]), argv[4]
        name = schema_for(argv[5:])
        if name is None:
            return SKIP
    try:
        doc = one_document(path)
    except (ValueError, OSError) as e:
        print(f"{name}: {e}")
        return 1
    if status is not None:
        is_error = list(doc) == ["error"]
        if is_error:
            name = "error"
            if doc["error"].get("exit_status") != status:
                print(f"error document says exit_status {doc['error'].get('exit_status')}, "
                      f"the exit status was {status}")
                return 1
        elif status == 2:
            print(f"exit 2 without the error document (got {name} fields {sorted(doc)[:6]})")
            return 1
    errs = validate(directory, name, doc)
    for e in errs[:5]:
        print(f"{name}.json: {e}")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
