# Lineage that travels: sign a base on host A, a fine-tune of it on host B
# from the base's directory (B never saw A's registry), then check, show and
# walk the lineage on host C, which has no registry at all.
# backends: sqlite postgresql
unset MODELSEAL_PASSPHRASE
"$MS" keygen -o ci --no-passphrase >/dev/null 2>&1
"$MS" keygen -o teamb --no-passphrase >/dev/null 2>&1
CI=$(sha256sum <ci.pub | cut -c1-64)
mkdir -p models/base models/ft models/q
printf 'base weights' >models/base/w.bin
printf 'finetuned weights' >models/ft/w.bin
printf 'quantized weights' >models/q/w.bin
A=$T/a.db B=$T/b.db C=$T/c-none.db
# on PostgreSQL, A and B are two databases (C stays a host without any)
on_sqlite || { A=$(pg_newdb "${PG_TEST_DB}_a") && B=$(pg_newdb "${PG_TEST_DB}_b"); }

# ---- host A ----
run 0 env MODELSEAL_REGISTRY="$A" "$MS" sign --key ci.key --name base --version 1 models/base
BASE=$("$MS" digest models/base | cut -c8-)

# ---- host B: a fresh runner, only the base's directory ----
run 0 env MODELSEAL_REGISTRY="$B" "$MS" sign --key ci.key --name ft --version 1 \
	--parent models/base=finetune models/ft
expect_err "recorded base (sha256:$(echo "$BASE" | cut -c1-12)..., signed elsewhere)"
check "B recorded the base under its name" [ "$(regsql "$B" "SELECT name || '@' || version FROM models WHERE digest = '$BASE'")" = base@1 ]
check "B recorded the edge" [ "$(regsql "$B" "SELECT relation FROM edges WHERE parent = '$BASE'")" = finetune ]
check "B kept A's bundle" [ "$(regsql "$B" "SELECT bundle FROM models WHERE digest = '$BASE'")" = "$(cat models/base/model.sig)" ]
run 0 env MODELSEAL_REGISTRY="$B" "$MS" audit
run 0 env MODELSEAL_REGISTRY="$B" "$MS" lineage ft@1
expect_out "finetune: base@1"
FT=$("$MS" digest models/ft | cut -c8-)
# another team's key on B: the base is refused until A's key is trusted
run 0 env MODELSEAL_REGISTRY="$T/b2.db" "$MS" sign --key teamb.key --name x --version 1 models/q
expect_error env MODELSEAL_REGISTRY="$T/b2.db" "$MS" sign --key teamb.key --parent models/base=finetune --no-record models/q
expect_err "not signed by a trusted key"
env MODELSEAL_REGISTRY="$T/b2.db" "$MS" trust add ci.pub >/dev/null 2>&1
run 0 env MODELSEAL_REGISTRY="$T/b2.db" "$MS" sign --key teamb.key --parent models/base=finetune --no-record models/q
rm -f models/q/model.sig models/q/model.provenance.sig
run 0 env MODELSEAL_REGISTRY="$B" "$MS" sign --key ci.key --name q --version 1 --parent ft@1=quantized models/q
Q=$("$MS" digest models/q | cut -c8-)

# ---- a CI job with no registry at all and --no-record ----
mkdir models/ci && printf 'ci-built adapter' >models/ci/w.bin
run 0 env MODELSEAL_REGISTRY="$T/never.db" "$MS" sign --key ci.key --no-record \
	--parent models/base=adapter models/ci
check "no registry was created" [ ! -e "$T/never.db" ]
check "the parent is named from its verified provenance" [ "$(jq -r .dsseEnvelope.payload models/ci/model.provenance.sig | base64 -d | jq -r '.predicate.buildDefinition.resolvedDependencies[0] | .name + " " + .annotations.relation + " " + .digest.sha256')" = "base@1 adapter $BASE" ]
expect_error env MODELSEAL_REGISTRY="$T/never.db" "$MS" sign --key ci.key --no-record \
	--parent base@1=adapter models/ci
expect_err "no registry at"
expect_error env MODELSEAL_REGISTRY="$T/never.db" "$MS" sign --key teamb.key --no-record \
	--parent models/base=adapter models/ci
expect_err "not signed by a trusted key"

# ---- a CI job with another team's key, no registry, the base team's
# exported trust file ----
mkdir models/tb && printf 'team b adapter' >models/tb/w.bin
env MODELSEAL_REGISTRY="$T/ta.db" "$MS" trust add ci.pub --label base-team >/dev/null 2>&1
env MODELSEAL_REGISTRY="$T/ta.db" "$MS" trust export -o base-trust.json 2>/dev/null
run 0 env MODELSEAL_REGISTRY="$T/never.db" "$MS" sign --key teamb.key --no-record \
	--trust-file base-trust.json --parent models/base=adapter models/tb
check "trust file: no registry was created" [ ! -e "$T/never.db" ]
check "trust file: the parent is in the provenance" [ "$(jq -r .dsseEnvelope.payload models/tb/model.provenance.sig | base64 -d | jq -r '.predicate.buildDefinition.resolvedDependencies[0].digest.sha256')" = "$BASE" ]
rm -f models/tb/model.sig models/tb/model.provenance.sig
env MODELSEAL_REGISTRY="$T/tb.db" "$MS" trust add teamb.pub >/dev/null 2>&1
env MODELSEAL_REGISTRY="$T/tb.db" "$MS" trust export -o other-trust.json 2>/dev/null
expect_error env MODELSEAL_REGISTRY="$T/never.db" "$MS" sign --key teamb.key --no-record \
	--trust-file other-trust.json --parent models/base=adapter models/tb
expect_err "not signed by a trusted key"
check "trust file without the base's key: nothing signed" [ ! -e models/tb/model.sig ]
# the trust file replaces the store's keys; the store's revocations still count
env MODELSEAL_REGISTRY="$T/tb.db" "$MS" trust add ci.pub >/dev/null 2>&1
env MODELSEAL_REGISTRY="$T/tb.db" "$MS" revoke --yes ci.pub --reason "leaked" >/dev/null 2>&1
expect_error env MODELSEAL_REGISTRY="$T/tb.db" "$MS" sign --key teamb.key --no-record \
	--trust-file base-trust.json --parent models/base=adapter models/tb
expect_err "revoked\|not signed by a trusted key"
check "revoked in the store: nothing signed" [ ! -e models/tb/model.sig ]
expect_error env MODELSEAL_REGISTRY="$T/never.db" "$MS" sign --key teamb.key --no-record \
	--trust-file missing.json --parent models/base=adapter models/tb
expect_err "missing.json"
# with no path REF to verify, the file is still read: a bad one is an error
expect_error env MODELSEAL_REGISTRY="$T/never.db" "$MS" sign --key teamb.key --no-record \
	--trust-file missing.json models/tb
expect_err "missing.json"
printf '{"version": 1, "keys": "no"}' >bad-trust.json
expect_error env MODELSEAL_REGISTRY="$T/never.db" "$MS" sign --key teamb.key --no-record \
	--trust-file bad-trust.json models/tb
check "a bad trust file: nothing signed" [ ! -e models/tb/model.sig ]
run 0 env MODELSEAL_REGISTRY="$T/never.db" "$MS" sign --key teamb.key --no-record \
	--trust-file base-trust.json models/tb
rm -f models/tb/model.sig models/tb/model.provenance.sig

# ---- host C: no registry; policy, show and lineage from the files ----
export MODELSEAL_REGISTRY="$C"
printf '{"version": 1, "trusted_keys": ["ci.pub"], "require_ancestor": ["sha256:%s"], "max_signature_age_days": 30}\n' "$BASE" >policy.json
run 0 "$MS" --json verify --policy policy.json models/q
check "C: ancestor through provenance beside the models" [ "$(jq -r '.policy[1].detail' "$T/out")" = "descends from sha256:$BASE through 2 signed provenance statements" ]
check "C: signing time from the provenance" sh -c "jq -r '.policy[2].detail' '$T/out' | grep -q '(signed provenance), 0 days ago'"
run 0 "$MS" show --key ci.pub models/ft
expect_out "^model       sha256:$FT$"
expect_out "^name        ft@1$"
expect_out "^signer      $CI$"
expect_out "^record      none here: read from the signed provenance$"
expect_out "^parents     finetune   base@1 *sha256:$(echo "$BASE" | cut -c1-12)$"
expect_out "^revoked     no$"
run 0 "$MS" --json show --key ci.pub models/ft
check "C: show --json source" [ "$(jq -r '[.source, .name, .parents[0].name, .parents[0].relation] | join(" ")' "$T/out")" = "provenance ft base finetune" ]
run 0 "$MS" lineage --key ci.pub models/q
check "C: lineage tree from the files" [ "$(cat "$T/out")" = "q@1  sha256:$(echo "$Q" | cut -c1-12)
└── quantized: ft@1  sha256:$(echo "$FT" | cut -c1-12)
    └── finetune: base@1  sha256:$(echo "$BASE" | cut -c1-12)" ]
run 0 "$MS" lineage --format json --key ci.pub models/q
check "C: lineage json" [ "$(jq -r '[.nodes[].name] | join(",")' "$T/out")" = "q,ft,base" ]
expect_error "$MS" lineage --descendants --key ci.pub models/q
expect_err "needs the registry"
expect_error "$MS" show models/ft
expect_err "none is trusted"
expect_error "$MS" show ft@1
expect_err "no registry at"
check "C: nothing created a registry" [ ! -e "$C" ]
# a provenance file the key does not trust is not believed
"$MS" keygen -o rogue --no-passphrase >/dev/null 2>&1
MODELSEAL_REGISTRY="$T/r.db" "$MS" sign --key rogue.key --name ft --version 666 models/ft >/dev/null 2>&1
run 1 "$MS" --json verify --policy policy.json models/q
check "C: rogue provenance breaks the chain" [ "$(jq -r '.policy[1].ok' "$T/out")" = false ]

# ---- host A revokes the base; host C learns it from the trust file ----
env MODELSEAL_REGISTRY="$A" "$MS" trust add ci.pub --label ci >/dev/null 2>&1
env MODELSEAL_REGISTRY="$A" "$MS" revoke "sha256:$BASE" --reason "license withdrawn" >/dev/null 2>&1
env MODELSEAL_REGISTRY="$A" "$MS" trust export -o trust.json >/dev/null 2>&1
rm -f models/ft/model.sig models/ft/model.provenance.sig
MODELSEAL_REGISTRY="$B" "$MS" sign --key ci.key --name ft --version 1 --parent models/base=finetune models/ft >/dev/null 2>&1
run 0 "$MS" show --trust-file trust.json models/base
expect_out "^revoked     REVOKED .*: license withdrawn$"
run 1 "$MS" --json verify --trust-file trust.json --policy policy.json models/ft
check "C: a revoked base is no approved ancestor" sh -c "jq -r '.policy[1].detail' '$T/out' | grep -q 'revoked models are dead ends: sha256:$BASE was revoked .*license withdrawn'"
