# --json: exactly one JSON document on stdout for every command and every
# backends: sqlite postgresql
# exit status, errors included.
unset MODELSEAL_PASSPHRASE
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
mkdir -p m
printf 'w' >m/w.bin

# one_doc FILE: stdout holds exactly one JSON document (an object)
one_doc() {
	python3 -c '
import json, sys
text = open(sys.argv[1]).read()
doc, end = json.JSONDecoder().raw_decode(text)
assert text[end:].strip() == "", "more than one document"
assert isinstance(doc, dict)' "$1"
}
# error_doc FILE KEY VALUE: an error document whose KEY is VALUE
error_doc() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["error"]
assert d["message"], d
assert d.get(sys.argv[2]) == sys.argv[3], d' "$@"
}

# unsigned model: a verdict (exit 1), not an error
run 1 "$MS" --json verify --key k.pub m
check "unsigned: one document" one_doc "$T/out"
expect_out '"problem": "unsigned"'
# errors before any output: missing key, bad policy, bad option, unknown command
run 2 "$MS" --json verify --key missing.pub m
check "missing key: one document" one_doc "$T/out"
check "missing key: error names the model" error_doc "$T/out" model m
expect_out '"message": "cannot open public key '"'"'missing.pub'"'"': No such file or directory"'
printf '{"version": 1, "bogus": true}\n' >bad-policy.json
run 2 "$MS" --json verify --key k.pub --policy bad-policy.json m
check "bad policy: one document" one_doc "$T/out"
expect_out '"command": "verify"'
run 2 "$MS" verify --json --kye k.pub m
check "bad option after the command: one document" one_doc "$T/out"
check "bad option: exit status in the document" error_doc "$T/out" command verify
run 2 "$MS" --json sgin
check "unknown command: one document" one_doc "$T/out"
expect_out "did you mean 'sign'"
# a malformed signature: the document names model and signature
printf '[' >m/model.sig
run 2 "$MS" --json verify --key k.pub m
check "malformed bundle: one document" one_doc "$T/out"
check "malformed bundle: names the signature" error_doc "$T/out" signature m/model.sig
rm m/model.sig
# sign into a missing key, keygen into a missing directory
run 2 "$MS" --json sign --key nope.key m
check "sign error: one document" one_doc "$T/out"
run 2 "$MS" --json keygen -o nodir/k --no-passphrase
check "keygen error: one document" one_doc "$T/out"
# successes stay one document
run 0 "$MS" --json sign --key k.key --no-record m
check "sign: one document" one_doc "$T/out"
run 0 "$MS" --json verify --key k.pub m
check "verify: one document" one_doc "$T/out"
run 0 "$MS" --json digest m
check "digest: one document" one_doc "$T/out"
# without --json nothing extra is printed on failure
run 2 "$MS" verify --key missing.pub m
check "no document without --json" [ ! -s "$T/out" ]
