# --json: every command's document, in success and failure, against its
# backends: sqlite postgresql
# JSON Schema in docs/schema/ (run also checks every --json output of the
# other tests; this one makes sure each schema is exercised), and one style:
# the same indentation, the same {reason, time} revocations, a document
# also from pack and trust export -o.
unset MODELSEAL_PASSPHRASE
REG=$MODELSEAL_REGISTRY
OMS=$INTEROP/oms
ROOT=$INTEROP/sigstore/trusted_root.production.json
USED=
sq() { sqlite3 -batch "$REG" "$@"; }

# doc SCHEMA CODE CMD...: CMD exits CODE and prints a valid SCHEMA document
doc() {
	_schema=$1
	shift
	JSON_RUN_VALID=0 # checked here, against the schema named
	run "$@"
	JSON_RUN_VALID=1
	json_valid "$_schema" "$T/out"
	USED="$USED $_schema "
}
# err CODE CMD...: CMD exits CODE (2 unless given) with the error document
err() {
	doc error "$@"
	check "error document: exit_status $1" [ "$(jq -r .error.exit_status "$T/out")" = "$1" ]
}
tab=$(printf '\t')
# refused ARGS...: the checker says no (json_schema.py check|run ...)
refused_fallback() { ! python3 -S "$JSON_SCHEMA_TOOL" "$SCHEMAS" "$@" >/dev/null 2>&1; }
refused() { ! python3 "$JSON_SCHEMA_TOOL" "$SCHEMAS" "$@" >/dev/null 2>&1; }

if python3 -c 'import jsonschema' 2>/dev/null; then
	check "docs/schema/*.json are Draft 2020-12 schemas" python3 -c '
import json, sys, jsonschema
for f in sys.argv[1:]:
    s = json.load(open(f))
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema", f
    jsonschema.Draft202012Validator.check_schema(s)' "$SCHEMAS"/*.json
else
	echo "  note [t_schema]: python3-jsonschema is not installed (scripts/install-deps.sh):" \
		"the schemas are checked by tests/tools/json_schema.py's small validator" >&2
fi

# ---- keys, hashing ----
doc keygen 0 "$MS" --json keygen -o k --no-passphrase
check "keygen: the same two-space style as every document" not grep -q "$tab" "$T/out"
doc keygen 0 "$MS" --json keygen -o ec --type ecdsa-p384 --no-passphrase
KID=$(sha256sum <k.pub | cut -c1-64)
err 2 "$MS" --json keygen -o nodir/k --no-passphrase
mkdir m
printf 'weights' >m/w.bin
printf '{}' >m/config.json
: >m/empty
doc digest 0 "$MS" --json digest m
doc digest 0 "$MS" --json digest --method files --hash blake2b m
err 2 "$MS" --json digest nonexistent
doc statement 0 "$MS" --json hash m
doc statement 0 "$MS" hash --format json --method files m
err 2 "$MS" --json hash --format sha256sum --method files m
check "--json conflicts with another --format, as in lineage" err_has "conflicts with --format sha256sum"
doc hash-part 0 "$MS" --json hash --part 1/2 m
cp "$T/out" part1.json
"$MS" hash --part 2/2 m >part2.json 2>/dev/null
doc statement 0 "$MS" --json hash --merge part1.json part2.json
err 2 "$MS" --json hash --merge part1.json
err 2 "$MS" --json hash --part 3/2 m

# ---- sign, verify, pack, unpack ----
doc sign 0 "$MS" --json sign --key k.key --name m --version 1 m
check "sign: signer is the key id" [ "$(jq -r .signer "$T/out")" = "$KID" ]
cp -r m m2
rm m2/model.sig m2/model.provenance.sig
doc sign 0 "$MS" --json sign --key k.key --no-record m2
check "sign --no-record: registry null" [ "$(jq -c .registry "$T/out")" = null ]
err 2 "$MS" --json sign --key missing.key m
doc verify 0 "$MS" --json verify --key k.pub m
printf '{"version": 1, "trusted_keys": ["k.pub"]}\n' >policy.json
doc verify 0 "$MS" --json verify --policy policy.json m
mkdir unsigned && printf 'u' >unsigned/w.bin
doc verify 1 "$MS" --json verify --key k.pub unsigned
doc verify 1 "$MS" --json verify --key ec.pub m
doc verify 1 env MODELSEAL_REGISTRY="$T/none.db" "$MS" --json verify m
printf 'changed' >m2/w.bin
doc verify 1 "$MS" --json verify --policy policy.json m2
check "verify: the problem and the rule" [ "$(jq -c '[.problems[0].problem, .policy[0].ok]' "$T/out")" = '["modified",true]' ]
err 2 "$MS" --json verify --key missing.pub m
err 2 "$MS" --json verify --policy nonexistent.json m
doc verify 0 "$MS" --json verify --ca "$OMS/keys/ca-cert.pem" --ignore ignore-me "$OMS/v1.1.0-certificate"
check "verify --ca: certificate object" [ "$(jq -r .certificate.root "$T/out")" = CN=root-ca ]
doc verify 0 "$MS" --json verify --ca "$OMS/keys/ca-cert.pem" "$OMS/v0.2.0-certificate"
doc verify 0 "$MS" --json verify --trusted-root "$ROOT" --identity stefanb@us.ibm.com \
	--issuer https://sigstore.verify.ibm.com/oauth2 "$OMS/v0.3.1-sigstore"
check "keyless: the signer is an object" [ "$(jq -r .signer.identity "$T/out")" = stefanb@us.ibm.com ]
doc verify 1 "$MS" --json verify --trusted-root "$ROOT" --identity x@y \
	--issuer https://sigstore.verify.ibm.com/oauth2 "$OMS/v0.3.1-sigstore"

doc pack 0 "$MS" --json pack -o m.tar.gz m
check "pack: names the archive" [ "$(jq -r .archive "$T/out")" = m.tar.gz ]
err 2 "$MS" --json pack nonexistent
doc unpack 0 "$MS" --json unpack --key k.pub m.tar.gz out1
doc unpack 1 "$MS" --json unpack --key ec.pub m.tar.gz out2
check "unpack failed: nothing unpacked" [ "$(jq -r .unpacked "$T/out")" = false ]
err 2 "$MS" --json unpack --key k.pub m.tar.gz out1

# ---- the registry ----
mkdir ft && printf 'tuned' >ft/w.bin
"$MS" sign --key k.key --name ft --version 1 --parent m@1=finetune ft >/dev/null 2>&1
doc log 0 "$MS" --json log
doc show 0 "$MS" --json show ft@1
mkdir q && printf 'quantized' >q/w.bin
"$MS" sign --key k.key --no-record --name q --version 1 --parent ft@1=quantized q >/dev/null 2>&1
doc show 0 "$MS" --json show --key k.pub q
check "show: from the signed provenance" [ "$(jq -r '[.source, .parents[0].name] | join(" ")' "$T/out")" = "provenance ft" ]
err 2 "$MS" --json show nosuch@1
doc lineage 0 "$MS" --json lineage ft@1
check "lineage: one edge" [ "$(jq -c '.edges[0].relation' "$T/out")" = '"finetune"' ]
doc lineage 0 "$MS" lineage --format json --descendants m@1
err 2 "$MS" --json lineage --format dot ft@1

doc trust-add 0 "$MS" --json trust add k.pub --label ci
doc trust-add 0 "$MS" --json trust add ec.pub
err 2 "$MS" --json trust add k.key
doc trust-list 0 "$MS" --json trust list
doc revoke 0 "$MS" --json revoke ec.pub --reason "laptop stolen" --yes
doc revoke 0 "$MS" --json revoke m@1 --reason "bad data" --yes
err 2 "$MS" --json revoke m@1
# log and trust list: revocations are {reason, time} objects, as in show
doc log 0 "$MS" --json log
check "log: revoked is an object" [ "$(jq -r '.models[] | select(.name == "m") | .revoked.reason' "$T/out")" = "bad data" ]
check "log: key_revoked is null or an object" [ "$(jq -r '[.models[].key_revoked] | map(type) | unique | join(" ")' "$T/out")" = null ]
doc trust-list 0 "$MS" --json trust list
check "trust list: revoked is an object" [ "$(jq -r '.keys[] | select(.label == null) | .revoked.reason' "$T/out")" = "laptop stolen" ]
doc show 0 "$MS" --json show m@1

doc audit 0 "$MS" --json audit
doc checkpoint 0 "$MS" --json checkpoint --key k.key -o cp.json
doc bundle 0 "$MS" --json checkpoint --key k.key
json_valid bundle cp.json
json_valid bundle m/model.sig
json_valid bundle m/model.provenance.sig
err 2 "$MS" --json checkpoint --key missing.key
doc audit 0 "$MS" --json audit --checkpoint cp.json --key k.pub
err 2 "$MS" --json audit --checkpoint cp.json
doc registry-copy 0 "$MS" --json registry copy "$REG" "$T/copy.db"
err 2 "$MS" --json registry copy "$REG" "$T/copy.db"
doc trust-file 0 "$MS" --json trust export
doc trust-export 0 "$MS" --json trust export -o trust.json
check "trust export -o: counts" [ "$(jq -c '[.keys_exported, .revocations_exported]' "$T/out")" = '[2,2]' ]
json_valid trust-file trust.json
doc trust-import 0 env MODELSEAL_REGISTRY="$T/deploy.db" "$MS" --json trust import trust.json
check "trust import: names the file" [ "$(jq -r .imported "$T/out")" = trust.json ]
err 2 "$MS" --json trust import nonexistent.json
doc trust-remove 0 "$MS" --json trust remove ci
check "trust remove: names the key, as add does" [ "$(jq -c '[.removed, .label]' "$T/out")" = "[\"$KID\",\"ci\"]" ]
err 2 "$MS" --json trust remove ci
ECID=$(sha256sum <ec.pub | cut -c1-64)
doc trust-remove 0 "$MS" --json trust remove "$ECID"
check "trust remove: a key without a label" [ "$(jq -c '[.removed, .label]' "$T/out")" = "[\"$ECID\",null]" ]

# a rewritten event: audit says which (exit 1), checkpoint refuses (exit 1,
# no document of its own: the error document)
reg_tamper "$MODELSEAL_REGISTRY" "UPDATE events SET detail = '{}' WHERE id = 2"
doc audit 1 "$MS" --json audit
check "audit: the bad event" [ "$(jq -r .bad_event "$T/out")" = 2 ]
err 1 "$MS" --json checkpoint --key k.key -o cp2.json

# ---- the rest ----
doc version 0 "$MS" --json version
err 2 "$MS" --json version extra
err 2 "$MS" --json sgin
err 2 "$MS" --json
check "no command: the message says so" [ "$(jq -r .error.message "$T/out")" = "no command given: see 'modelseal help'" ]
run 0 "$MS" --json completion bash
check "completion: a script, not a document (no schema)" out_has '^# bash completion'

# ---- the schemas and the checker ----
for s in "$SCHEMAS"/*.json; do
	n=$(basename "$s" .json)
	[ "$n" = defs ] && continue
	check "docs/schema/$n.json is exercised" eval 'case "$USED" in *" $n "*) true ;; *) false ;; esac'
done
# the checker rejects what the schemas forbid (with either validator)
"$MS" --json verify --key k.pub m >v.json 2>/dev/null
jq '.extra = 1' v.json >bad.json
check "an unknown field is refused" refused check verify bad.json
check "... also by the fallback validator" refused_fallback check verify bad.json
jq '.signer = {"identity": "x"}' v.json >bad.json
check "a keyless signer needs issuer and time" refused_fallback check verify bad.json
jq '.problems = [{"path": "w", "problem": "weird", "detail": null}]' v.json >bad.json
check "an unknown problem kind is refused" refused check verify bad.json
check "the fallback accepts the good one" python3 -S "$JSON_SCHEMA_TOOL" "$SCHEMAS" check verify v.json
printf '{"error": {"message": "x", "exit_status": 2}}\n' >e.json
check "exit 2 needs the error document" refused run 2 v.json "$MS" --json verify m
check "the error document's exit status must be the real one" refused run 1 e.json "$MS" --json verify m
check "an empty stdout is not a document" refused run 0 /dev/null "$MS" --json pack m
