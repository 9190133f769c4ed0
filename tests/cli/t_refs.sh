# A path given as a REF (sign --parent/--dataset, revoke, show, lineage) is
# believed only after its signature verifies with a trusted key and its files
# re-hash to the signed root; provenance beside sibling models counts only
# when a trusted key signed it; a revoked model is a dead end for lineage.
# backends: sqlite postgresql
unset MODELSEAL_PASSPHRASE
for key in k evil; do "$MS" keygen -o $key --no-passphrase >/dev/null 2>&1; done
sq() { regsql "$MODELSEAL_REGISTRY" "$@"; }
mkdir llama ft ds fake copied
printf 'llama weights' >llama/w.bin
printf 'question,answer\n' >ds/train.csv
printf 'finetuned weights' >ft/w.bin
printf 'attacker weights' >fake/w.bin
printf 'attacker weights' >copied/w.bin
"$MS" sign --key k.key --name llama --version 1 llama >/dev/null 2>&1
"$MS" sign --key k.key --name ds --version 1 ds >/dev/null 2>&1
LLAMA=$("$MS" digest llama | cut -c8-)
# An unsigned bundle whose statement only claims to be llama@1.
b64() { base64 | tr -d '\n'; }
claim=$(printf '{"subject":[{"digest":{"sha256":"%s"}}]}' "$LLAMA" | b64)
printf '{"dsseEnvelope":{"payload":"%s"}}' "$claim" >fake/model.sig
# A real signature of llama, copied beside other files.
cp llama/model.sig copied/model.sig
nothing_signed() { [ ! -e ft/model.sig ] && [ ! -e ft/model.provenance.sig ]; }

# ---- sign --parent / --dataset with a path: verified or refused ----
expect_error "$MS" sign --key k.key --name ft --version 1 --parent fake=finetune ft
expect_err "fake"
expect_err "trusted key"
check "fake parent: nothing signed" nothing_signed
expect_error "$MS" sign --key k.key --name ft --version 1 --dataset fake ft
check "fake dataset: nothing signed" nothing_signed
expect_error "$MS" sign --key k.key --name ft --version 1 --parent ./copied=finetune ft
expect_err "copied"
expect_err "w.bin"
check "copied signature: nothing signed" nothing_signed
check "no edge to llama was recorded" [ "$(sq 'SELECT count(*) FROM edges')" = 0 ]
# the same refusals with a tampered genuine model
cp -r llama llama-t && printf 'x' >>llama-t/w.bin
expect_error "$MS" sign --key k.key --name ft --version 1 --parent llama-t=finetune ft
expect_err "modified"
# signed by a key nobody trusts: refused until its key is trusted
mkdir other && printf 'other weights' >other/w.bin
"$MS" sign --key evil.key --name other --version 1 other >/dev/null 2>&1
expect_error "$MS" sign --key k.key --parent other=finetune --no-record ft
expect_err "trust add"
check "untrusted parent: nothing signed" nothing_signed
"$MS" trust add evil.pub --label evil >/dev/null 2>&1
run 0 "$MS" sign --key k.key --parent other=finetune --no-record ft
rm -f ft/model.sig ft/model.provenance.sig
"$MS" trust remove evil >/dev/null 2>&1
# the genuine path verifies with the signer's own key (nothing in the store)
run 0 "$MS" sign --key k.key --name ft --version 1 --parent ./llama=finetune --dataset ds ft
check "genuine path: edge to llama" [ "$(sq "SELECT parent || ' ' || relation FROM edges WHERE relation = 'finetune'")" = "$LLAMA finetune" ]
FT=$("$MS" digest ft | cut -c8-)

# ---- show and lineage with a path ----
"$MS" trust add k.pub >/dev/null 2>&1
expect_error "$MS" show fake
expect_err "fake"
expect_error "$MS" show copied
expect_error "$MS" lineage copied
run 0 "$MS" show llama
expect_out "^model       sha256:$LLAMA$"
run 0 "$MS" lineage ft
expect_out "finetune: llama@1"

# ---- revoke a path: what it really is, never what its model.sig claims ----
expect_error "$MS" revoke fake --reason "x"
expect_error "$MS" revoke copied --reason "x"
expect_err "copied"
check "llama was not revoked" [ "$(sq 'SELECT count(*) FROM revocations')" = 0 ]
"$MS" sign --key evil.key --no-record other >/dev/null 2>&1
expect_error "$MS" revoke other --reason "x"
expect_err "sha256:"
check "untrusted signer: nothing revoked" [ "$(sq 'SELECT count(*) FROM revocations')" = 0 ]

# ---- lineage rules never pass through a revoked model ----
mkdir q && printf 'quantized' >q/w.bin
"$MS" sign --key k.key --name q --version 1 --parent ft@1=quantized q >/dev/null 2>&1
printf '{"version": 1, "require_ancestor": ["sha256:%s"]}\n' "$LLAMA" >p.json
run 0 "$MS" verify --key k.pub --policy p.json q
run 0 "$MS" revoke ./ft --reason "poisoned data"
expect_out "sha256:$FT"
run 1 "$MS" --json verify --key k.pub --policy p.json q
check "chain through a revoked model fails" [ "$(jq -r '.policy[0].ok' "$T/out")" = false ]
check "the verdict names the revoked model" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q 'ft@1 (sha256:$FT) was revoked'"
check "... and why" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q 'poisoned data'"
run 1 "$MS" verify --key k.pub --policy p.json q
expect_out "^policy FAILED: require_ancestor: .*revoked"
# the same without a registry: the revocation comes from the trust file
"$MS" trust export -o trust.json 2>/dev/null
run 1 env MODELSEAL_REGISTRY="$T/none.db" "$MS" --json verify --trust-file trust.json --policy p.json q
check "trust file: chain through a revoked model fails" [ "$(jq -r '.policy[0].ok' "$T/out")" = false ]
# a revoked ancestor itself is no approved base
mkdir ft2 && printf 'another finetune' >ft2/w.bin
"$MS" sign --key k.key --parent llama@1=finetune ft2 >/dev/null 2>&1
run 0 "$MS" verify --key k.pub --policy p.json ft2
"$MS" revoke llama@1 --reason "license withdrawn" >/dev/null 2>&1
run 1 "$MS" --json verify --key k.pub --policy p.json ft2
check "revoked required ancestor fails" [ "$(jq -r '.policy[0].ok' "$T/out")" = false ]
check "... naming it" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q 'license withdrawn'"
# and sign refuses a revoked parent, by name or by path
expect_error "$MS" sign --key k.key --parent llama@1=finetune --no-record ft2
expect_err "revoked"
expect_error "$MS" sign --key k.key --parent ./llama=finetune --no-record ft2
expect_err "license withdrawn"

# ---- provenance beside sibling models counts only when a trusted key signed it ----
mkdir -p sib/base sib/leaf sib/evil
printf 'base' >sib/base/w.bin
printf 'leaf' >sib/leaf/w.bin
printf 'evil' >sib/evil/w.bin
"$MS" sign --key k.key --name sbase --version 1 sib/base >/dev/null 2>&1
"$MS" sign --key k.key --no-record sib/leaf >/dev/null 2>&1
SBASE=$("$MS" digest sib/base | cut -c8-)
LEAF=$("$MS" digest sib/leaf | cut -c8-)
# evil signs a statement that says leaf descends from sbase, beside leaf
"$MS" sign --key evil.key --no-record --parent sbase@1=finetune sib/evil >/dev/null 2>&1 ||
	fail "evil could not sign"
jq -r .dsseEnvelope.payload sib/evil/model.provenance.sig | base64 -d |
	jq -c --arg l "$LEAF" '.subject[0].digest.sha256 = $l' >evil-prov.json
"$MS_TOOL" sign evil.key application/vnd.in-toto+json evil-prov.json >sib/evil/model.provenance.sig ||
	fail "ms_tool could not sign"
cp sib/evil/model.provenance.sig sib/leaf.provenance.sig
printf '{"version": 1, "require_ancestor": ["sha256:%s"]}\n' "$SBASE" >ps.json
run 1 "$MS" --json verify --key k.pub --policy ps.json sib/leaf
check "untrusted sibling provenance is not believed" [ "$(jq -r '.policy[0].ok' "$T/out")" = false ]
rm sib/leaf/model.provenance.sig # leaf's own (trusted, no parents) is read first
run 1 "$MS" --json verify --key k.pub --policy ps.json sib/leaf
check "... and the verdict says why" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q 'not signed by a trusted key'"

# ---- the signer's own key does not verify a path once it is revoked ----
mkdir -p own/base own/ft
printf 'own base' >own/base/w.bin
printf 'own ft' >own/ft/w.bin
"$MS" keygen -o own --no-passphrase >/dev/null 2>&1
"$MS" sign --key own.key --name obase --version 1 own/base >/dev/null 2>&1
run 0 "$MS" sign --key own.key --no-record --parent ./own/base=finetune own/ft
rm -f own/ft/model.sig own/ft/model.provenance.sig
"$MS" revoke own.pub --reason "rotated" >/dev/null 2>&1
expect_error "$MS" sign --key own.key --no-record --parent ./own/base=finetune own/ft
check "revoked signer: nothing signed" [ ! -e own/ft/model.sig ]
