# verify --policy: every rule passing and failing, all failures reported,
# malformed policies, and the JSON verdict's shape.
# On PostgreSQL up to the first edit behind modelseal's back: the rest edits
# the SQLite file (a models row, and backdate rewrites the chain with
# ms_tool rechain), SQLite only.
# backends: sqlite postgresql
unset MODELSEAL_PASSPHRASE
REG=$MODELSEAL_REGISTRY
sq() { regsql "$REG" "$@"; }
# backdate DIGEST SECONDS: an older signing time, in the row and in the
# event that backs it (the chain re-hashed), as if signed back then.
backdate() {
	"$MS_TOOL" rechain "$REG" "UPDATE models SET created = created - $2 WHERE digest = '$1';
	UPDATE events SET detail = json_set(detail, '\$.created', json_extract(detail, '\$.created') - $2)
	WHERE kind = 'signed' AND subject = 'sha256:$1'"
}
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
"$MS" keygen -o other --no-passphrase >/dev/null 2>&1
KID=$(sha256sum <k.pub | cut -c1-64)
OID=$(sha256sum <other.pub | cut -c1-64)
mkdir -p models/base models/ft models/q models/u models/w models/data models/ds pol/keys
printf 'base weights' >models/base/w.bin
printf 'finetuned' >models/ft/w.bin
printf 'quantized' >models/q/w.bin
printf 'unrelated' >models/u/w.bin
printf 'child of unrelated' >models/w/w.bin
printf 'a,b\n' >models/data/train.csv
printf 'trained on data only' >models/ds/w.bin
cp k.pub pol/keys/release.pub
sign() { "$MS" sign --key "$@" >/dev/null 2>&1 || echo "sign $* failed" >&2; }
sign k.key --name base --version 1 models/base
sign k.key --name ft --version 1 --parent base@1=finetune models/ft
sign k.key --parent ft@1=quantized models/q
sign k.key --name u --version 1 models/u
sign k.key --parent u@1=finetune models/w
sign k.key --name data --version 1 models/data
sign k.key --dataset data@1 models/ds
BASE=$("$MS" digest models/base | cut -c8-)
DATA=$("$MS" digest models/data | cut -c8-)
Q=$("$MS" digest models/q | cut -c8-)
# policy FILE JSON: writes a policy.
policy() { printf '%s\n' "$2" >"$1"; }
# rule NAME: "ok detail" of one rule in the last --json output.
rule() { jq -r --arg r "$1" '.policy[] | select(.rule == $r) | "\(.ok) \(.detail)"' "$T/out"; }
rule_ok() { [ "$(rule "$1" | cut -d' ' -f1)" = "$2" ]; }

# ---- everything passes; key paths are relative to the policy file ----
policy pol/all.json '{"version": 1, "trusted_keys": ["keys/release.pub"],
 "require_ancestor": ["sha256:'"$BASE"'"], "allow_unsigned_files": false,
 "max_signature_age_days": 90}'
run 0 "$MS" verify --policy pol/all.json models/q
expect_out_is "verified sha256:$Q signed by $KID; policy: 4 rules pass"
run 0 "$MS" --json verify --policy pol/all.json models/q
check "json: top-level fields" [ "$(jq -c 'keys_unsorted' "$T/out")" = '["verified","model","signature","digest","signer","certificate","certificate_ignored","legacy_format","problems","policy"]' ]
check "json: verified, problems []" [ "$(jq -c '[.verified, .problems, .digest, .signer]' "$T/out")" = "[true,[],\"sha256:$Q\",\"$KID\"]" ]
check "json: four rules, each {rule, ok, detail}" [ "$(jq -c '[.policy[] | keys_unsorted] | unique' "$T/out")" = '[["rule","ok","detail"]]' ]
check "json: rules in order" [ "$(jq -c '[.policy[].rule]' "$T/out")" = '["trusted_keys","require_ancestor","allow_unsigned_files","max_signature_age_days"]' ]
check "ancestor reached in two steps" rule_ok require_ancestor true
check "ancestor detail" sh -c "jq -r '.policy[1].detail' '$T/out' | grep -q 'through 2 signed provenance statements'"
check "age from the signed provenance" sh -c "jq -r '.policy[3].detail' '$T/out' | grep -q '(signed provenance), 0 days ago; limit 90'"
run 0 "$MS" --json verify models/q --key k.pub
check "json without policy: policy null" [ "$(jq -c .policy "$T/out")" = null ]
# the policy's key file is enough: no --key, no trust store
check "trust store is empty" [ "$(sq 'SELECT count(*) FROM trusted_keys')" = 0 ]
(cd / && "$MS" verify --policy "$T/pol/all.json" "$T/models/q" >/dev/null 2>&1)
check "works from another directory" [ $? -eq 0 ]

# ---- trusted_keys ----
policy p.json '{"version": 1, "trusted_keys": ["'"$KID"'"]}'
run 1 "$MS" --json verify --policy p.json models/q
check "a bare key id cannot verify on its own" [ "$(jq -r '.problems[0].problem' "$T/out")" = untrusted ]
run 0 "$MS" --json verify --key k.pub --policy p.json models/q
check "key id entry passes" rule_ok trusted_keys true
policy p.json '{"version": 1, "trusted_keys": ["other.pub"]}'
run 1 "$MS" --json verify --key k.pub --policy p.json models/q
check "other key: rule fails" rule_ok trusted_keys false
check "detail names the signer" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q 'signer $KID is not one of the 1 key the policy trusts'"
check "signature itself verified" [ "$(jq -c '[.verified, .problems]' "$T/out")" = '[false,[]]' ]
run 1 "$MS" verify --key k.pub --policy p.json models/q
expect_out "^policy FAILED: trusted_keys: signer $KID"
expect_err "policy FAILED: 1 rule failed; do not deploy"
# only the policy's key, and the model is signed by another: signature fails too
run 1 "$MS" --json verify --policy p.json models/q
check "rule fails without a valid signature" [ "$(rule trusted_keys)" = "false no valid signature by any key" ]

# ---- require_ancestor ----
policy p.json '{"version": 1, "require_ancestor": ["base@1"]}'
run 0 "$MS" --json verify --key k.pub --policy p.json models/q
check "NAME@VERSION through the registry" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q '^descends from base@1 (sha256:$BASE)'"
run 1 "$MS" --json verify --key k.pub --policy p.json models/w
check "unrelated lineage fails" rule_ok require_ancestor false
check "fail detail" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q 'no chain of trusted signed provenance reaches a required ancestor'"
run 0 "$MS" --json verify --key k.pub --policy p.json models/base
check "a model is its own ancestor" [ "$(rule require_ancestor)" = "true the model is base@1 itself" ]
on_sqlite || return 0 # the rest edits the SQLite file
# u as signed by a tool that writes no provenance (model_signing, older modelseal)
rm models/u/model.provenance.sig
sq "UPDATE models SET provenance = NULL WHERE name = 'u'"
run 1 "$MS" --json verify --key k.pub --policy p.json models/u
check "no provenance: said so" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q 'the model has no trusted signed provenance'"
policy p.json '{"version": 1, "require_ancestor": ["sha256:'"$DATA"'"]}'
run 1 "$MS" --json verify --key k.pub --policy p.json models/ds
check "a dataset is not an ancestor" rule_ok require_ancestor false
policy p.json '{"version": 1, "require_ancestor": ["nosuch@1", "sha256:'"$BASE"'"]}'
run 0 "$MS" --json verify --key k.pub --policy p.json models/ft
check "any one listed ancestor suffices" rule_ok require_ancestor true
policy p.json '{"version": 1, "require_ancestor": ["nosuch@1"]}'
run 1 "$MS" --json verify --key k.pub --policy p.json models/ft
check "unknown name: detail" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q 'nosuch@1 is not in the registry'"
# no registry on this host: names cannot resolve, digests still do
export MODELSEAL_REGISTRY="$T/absent.db"
policy p.json '{"version": 1, "require_ancestor": ["base@1"]}'
run 1 "$MS" --json verify --key k.pub --policy p.json models/q
check "no registry: name fails clearly" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q 'base@1 cannot be resolved: no registry on this host'"
policy p.json '{"version": 1, "require_ancestor": ["sha256:'"$BASE"'"]}'
run 0 "$MS" --json verify --key k.pub --policy p.json models/q
check "no registry: provenance beside the sibling models" rule_ok require_ancestor true
mv models/ft/model.provenance.sig ft.prov
run 1 "$MS" --json verify --key k.pub --policy p.json models/q
check "no registry, ft's provenance gone: chain broken" rule_ok require_ancestor false
mv ft.prov models/q.provenance.sig.tmp && mv models/q.provenance.sig.tmp models/ft.provenance.sig
run 0 "$MS" --json verify --key k.pub --policy p.json models/q
check "X.provenance.sig beside the models counts" rule_ok require_ancestor true
mv models/ft.provenance.sig models/ft/model.provenance.sig
# malformed provenance files beside the signature and in sibling
# directories are someone else's: passed over (-v says so), they neither
# break the verdict (exit 2 before) nor make it pass. Beside a signature
# given with --signature they are read before the sibling models'.
mkdir -p sigs models/zz
cp models/q/model.sig sigs/q.sig
cp models/q/model.provenance.sig sigs/q.provenance.sig
printf 'not json' >sigs/a.provenance.sig
printf '{"mediaType": 3}' >sigs/b.provenance.sig
mkfifo sigs/c.provenance.sig
mkdir -p sigs/d.provenance.sig
printf '{' >models/zz/model.provenance.sig
run 0 "$MS" --json verify --key k.pub --policy p.json --signature sigs/q.sig models/q
check "malformed siblings: chain still found" rule_ok require_ancestor true
run 0 timeout 20 "$MS" -v verify --key k.pub --policy p.json --signature sigs/q.sig models/q
expect_err "passed over provenance 'sigs/a.provenance.sig' beside the model: "
expect_err "passed over provenance 'sigs/c.provenance.sig' beside the model: .*not a regular file"
check "no error line for a passed-over file" not grep -q 'error:' "$T/err"
mv models/ft/model.provenance.sig ft.prov
run 1 timeout 20 "$MS" --json verify --key k.pub --policy p.json --signature sigs/q.sig models/q
check "malformed siblings, chain broken: still fails" rule_ok require_ancestor false
check "fail detail names the passed-over file" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q \"provenance 'models/zz/model.provenance.sig' beside the model is malformed and was passed over\""
mv ft.prov models/ft/model.provenance.sig
# the model's own provenance is its signer's: malformed, it is an error
printf 'not json' >sigs/q.provenance.sig
expect_error "$MS" verify --key k.pub --policy p.json --signature sigs/q.sig models/q
rm -r sigs models/zz
check "no registry was created" [ ! -e "$T/absent.db" ]
export MODELSEAL_REGISTRY="$REG"
# provenance signed by a key the policy does not trust breaks the chain
cp -r models/ft ft-keep
sign other.key --name ft --version 1 --parent base@1=finetune models/ft
policy p.json '{"version": 1, "trusted_keys": ["k.pub"], "require_ancestor": ["sha256:'"$BASE"'"]}'
run 1 "$MS" --json verify --key other.pub --policy p.json models/q
check "untrusted link: rule fails" rule_ok require_ancestor false
check "untrusted link: detail says why" sh -c "jq -r '.policy[1].detail' '$T/out' | grep -q 'a key the policy does not trust'"
rm -rf models/ft && mv ft-keep models/ft
sign k.key --name ft --version 1 --parent base@1=finetune models/ft
# a revoked key's provenance does not count either
"$MS" keygen -o mid --no-passphrase >/dev/null 2>&1
mkdir models/m2 && printf 'mid' >models/m2/w.bin
sign mid.key --parent base@1=finetune models/m2
mkdir models/m3 && printf 'leaf' >models/m3/w.bin
sign k.key --parent sha256:$("$MS" digest models/m2 | cut -c8-)=quantized models/m3
policy p.json '{"version": 1, "require_ancestor": ["sha256:'"$BASE"'"]}'
run 0 "$MS" verify --key k.pub --key mid.pub --policy p.json models/m3
"$MS" revoke mid.pub --reason "compromised" >/dev/null 2>&1
run 1 "$MS" --json verify --key k.pub --key mid.pub --policy p.json models/m3
check "revoked key's provenance: chain broken" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q 'revoked key'"

# ---- allow_unsigned_files ----
cp -r models/base extra && printf 'new file' >extra/notes.txt
policy p.json '{"version": 1, "allow_unsigned_files": false}'
run 1 "$MS" --json verify --key k.pub --policy p.json extra
check "extra file: rule fails" [ "$(rule allow_unsigned_files)" = "false 1 file is not signed (first: notes.txt)" ]
check "extra file: problem too" [ "$(jq -r '.problems[0].problem' "$T/out")" = extra ]
run 1 "$MS" --json verify --key k.pub --ignore-unsigned-files --policy p.json extra
check "policy false overrides --ignore-unsigned-files" rule_ok allow_unsigned_files false
policy p.json '{"version": 1, "allow_unsigned_files": true}'
run 0 "$MS" --json verify --key k.pub --policy p.json extra
check "allowed: rule passes, no problem" [ "$(jq -c '[.policy[0].ok, .problems]' "$T/out")" = '[true,[]]' ]
run 0 "$MS" --json verify --key k.pub --policy p.json models/base
check "no extra: passes" rule_ok allow_unsigned_files true

# ---- max_signature_age_days ----
policy p.json '{"version": 1, "max_signature_age_days": 30}'
run 0 "$MS" --json verify --key k.pub --policy p.json models/base
check "every signature carries its time" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q '(signed provenance), 0 days ago; limit 30'"
run 0 env MODELSEAL_REGISTRY="$T/absent.db" "$MS" --json verify --key k.pub --policy p.json models/base
check "... also without a registry" rule_ok max_signature_age_days true
# base as signed by a tool that writes no provenance: the registry's time
rm models/base/model.provenance.sig
sq "UPDATE models SET provenance = NULL WHERE digest = '$BASE'"
run 0 "$MS" --json verify --key k.pub --policy p.json models/base
check "no provenance: registry time" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q '(registry record), 0 days ago; limit 30'"
backdate "$BASE" $((40 * 86400))
run 1 "$MS" --json verify --key k.pub --policy p.json models/base
check "40 days old: fails" [ "$(rule max_signature_age_days | sed 's/signed [^ ]* //')" = "false (registry record), 40 days ago; limit 30" ]
backdate "$BASE" $((-80 * 86400))
run 1 "$MS" --json verify --key k.pub --policy p.json models/base
check "signed in the future: fails" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q 'is in the future'"
# the oldest time a record can hold: no age to compute (it overflowed)
"$MS_TOOL" rechain "$REG" "UPDATE models SET created = -9223372036854775808 WHERE digest = '$BASE';
UPDATE events SET detail = json_set(detail, '\$.created', -9223372036854775808)
WHERE kind = 'signed' AND subject = 'sha256:$BASE'"
run 1 "$MS" --json verify --key k.pub --policy p.json models/base
check "signed before 1970: fails" [ "$(rule max_signature_age_days)" = "false signing time -9223372036854775808 (registry record) is before 1970: no time a signature was made" ]
run 1 env MODELSEAL_REGISTRY="$T/absent.db" "$MS" --json verify --key k.pub --policy p.json models/base
check "no time anywhere: fails" [ "$(rule max_signature_age_days)" = "false no signing time: the signature carries none and there is no signed provenance or registry record of it" ]
run 0 env MODELSEAL_REGISTRY="$T/absent.db" "$MS" --json verify --key k.pub --policy p.json models/ft
check "provenance time without registry" rule_ok max_signature_age_days true

# ---- every failing rule is reported, with the model's problems ----
cp -r models/q tampered && printf 'X' >>tampered/w.bin && printf 'x' >tampered/extra.bin
policy p.json '{"version": 1, "trusted_keys": ["other.pub"], "require_ancestor": ["sha256:'"$DATA"'"],
 "allow_unsigned_files": false, "max_signature_age_days": 30}'
# q's provenance is signed by k, which this policy does not trust: the
# signing time falls back to the registry record, made old here
backdate "$Q" $((40 * 86400))
run 1 "$MS" --json verify --key k.pub --policy p.json tampered
check "all four rules fail" [ "$(jq -c '[.policy[].ok]' "$T/out")" = '[false,false,false,false]' ]
check "problems: modified and extra" [ "$(jq -c '[.problems[].problem] | sort' "$T/out")" = '["extra","modified"]' ]
run 1 "$MS" verify --key k.pub --policy p.json tampered
check "text: four FAILED rule lines" [ "$(grep -c '^policy FAILED: ' "$T/out")" = 4 ]
expect_out "^modified: w.bin"
expect_err "2 problems, 4 policy rules failed"
# a policy with only a version has no rule and passes
policy p.json '{"version": 1}'
run 0 "$MS" --json verify --key k.pub --policy p.json models/q
check "empty policy: policy []" [ "$(jq -c .policy "$T/out")" = '[]' ]

# ---- malformed policies: exit 2, named ----
bad() {
	policy bad.json "$2"
	expect_error "$MS" verify --key k.pub --policy bad.json models/q
	expect_err "$1"
}
bad "unknown field 'trusted_key'" '{"version": 1, "trusted_key": ["k.pub"]}'
bad "unknown field 'max_signature_age'" '{"version": 1, "max_signature_age": 3}'
bad "version 2 is not supported" '{"version": 2}'
bad "version 0 is not supported" '{"version": 0}'
bad "field 'version' is missing" '{"trusted_keys": ["k.pub"]}'
bad "field 'version' must be a number" '{"version": "1"}'
bad "must be a whole number" '{"version": 1.5}'
bad "field 'trusted_keys' must be an array" '{"version": 1, "trusted_keys": "k.pub"}'
bad "'trusted_keys' must hold non-empty strings" '{"version": 1, "trusted_keys": [3]}'
bad "'trusted_keys' is empty" '{"version": 1, "trusted_keys": []}'
bad "'require_ancestor' must hold non-empty strings" '{"version": 1, "require_ancestor": [""]}'
bad "is neither sha256:<64 hex digits> nor NAME@VERSION" '{"version": 1, "require_ancestor": ["base"]}'
bad "is neither" '{"version": 1, "require_ancestor": ["sha256:abc"]}'
bad "is neither" '{"version": 1, "require_ancestor": ["../models/base@1"]}'
bad "is neither" '{"version": 1, "require_ancestor": ["/abs/base@1"]}'
bad "field 'allow_unsigned_files' must be true or false" '{"version": 1, "allow_unsigned_files": "no"}'
bad "field 'allow_unsigned_files' must be true or false" '{"version": 1, "allow_unsigned_files": 0}'
bad "'max_signature_age_days' must be a whole number from 1" '{"version": 1, "max_signature_age_days": 0}'
bad "'max_signature_age_days' must be a whole number" '{"version": 1, "max_signature_age_days": 2.5}'
bad "'max_signature_age_days' must be a number" '{"version": 1, "max_signature_age_days": "90"}'
bad "trusted key 'keys/none.pub' cannot be used" '{"version": 1, "trusted_keys": ["keys/none.pub"]}'
bad "is a secret key" '{"version": 1, "trusted_keys": ["k.key"]}'
bad "not valid JSON" '{"version": 1,'
bad "must be a JSON object" '[1]'
bad "key 'version' twice" '{"version": 1, "version": 2}'
bad "must be a JSON object" 'null'
expect_error "$MS" verify --key k.pub --policy missing.json models/q
expect_error "$MS" verify --key k.pub --policy pol models/q

# ---- unpack --policy: DEST appears only when the gate passes ----
no_staging() { ! ls -a | grep -q 'modelseal-unpack\|gate-unpack-\|\.unpack-'; }
if "$MS" help 2>&1 | grep -q '^  unpack '; then
	"$MS" pack -o base.tar models/base >/dev/null 2>&1
	policy good.json '{"version": 1, "trusted_keys": ["k.pub"], "allow_unsigned_files": false}'
	policy wrong.json '{"version": 1, "trusted_keys": ["other.pub"]}'
	run 0 "$MS" unpack --policy good.json base.tar out1
	expect_out "^verified sha256:$BASE (base@1) signed by $KID; policy: 2 rules pass$"
	expect_out "^unpacked into out1$"
	check "unpacked model verifies" sh -c "\"\$MS\" verify --key k.pub out1 >/dev/null 2>&1"
	run 1 "$MS" unpack --key k.pub --policy wrong.json base.tar out2
	expect_out "^policy FAILED: trusted_keys"
	check "policy failed: no DEST" [ ! -e out2 ]
	check "policy failed: no staging directory left" no_staging
	run 1 "$MS" --json unpack --key k.pub --policy wrong.json base.tar out3
	check "json: verdict plus unpacked" [ "$(jq -c '[.verified, .unpacked, .policy[0].ok, .dest]' "$T/out")" = '[false,false,false,"out3"]' ]
	expect_error "$MS" unpack --key k.pub --policy bad.json base.tar out4
	check "bad policy: no DEST" [ ! -e out4 ]
	run 1 "$MS" unpack base.tar out5
	expect_err "no key is trusted"
	"$MS" revoke "sha256:$BASE" --reason "withdrawn" >/dev/null 2>&1
	run 1 "$MS" unpack --policy good.json base.tar out6
	expect_out "^revoked: .*withdrawn"
	check "revoked: no DEST" [ ! -e out6 ]
	check "revoked: no staging directory left" no_staging
else
	echo "  note [t_policy] no unpack command in this build: unpack --policy cases skipped" >&2
fi
