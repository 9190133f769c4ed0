# verify --trusted-root --identity --issuer: Sigstore keyless bundles, offline.
# The production bundles of model_signing, their mutants
# (tests/data/sigstore/mutants/), the verdict's signer, and the option rules.
OMS=$INTEROP/oms
ROOT=$INTEROP/sigstore/trusted_root.production.json
MUT=$INTEROP/../data/sigstore/mutants
ID=stefanb@us.ibm.com
ISS=https://sigstore.verify.ibm.com/oauth2
KL="--trusted-root $ROOT --identity $ID --issuer $ISS"

for v in v0.3.1 v1.1.0; do
	cp -R "$OMS/$v-sigstore" "$v"
	chmod -R u+w "$v"
	run 0 "$MS" verify $KL --ignore ignore-me "$v"
	expect_out "^verified sha256:61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226 signed by $ID (issuer $ISS) at 2025-"
	run 1 "$MS" verify --trusted-root "$ROOT" --identity someone@example.com --issuer "$ISS" "$v"
	expect_out "identity: expected 'someone@example.com', found '$ID'"
	run 1 "$MS" verify --trusted-root "$ROOT" --identity "$ID" --issuer https://accounts.google.com "$v"
	expect_out "issuer: expected 'https://accounts.google.com', found '$ISS'"
	# The bytes of the model still count.
	printf 'x' >>"$v/signme-2"
	run 1 "$MS" verify $KL "$v"
	expect_out "^modified: signme-2"
done
check "v0.3.1 time is the log's" sh -c "'$MS' verify $KL '$OMS/v0.3.1-sigstore' | grep -q '2025-05-03T01:10:02Z (transparency log)'"
check "v1.1.0 time is the TSA's" sh -c "'$MS' verify $KL '$OMS/v1.1.0-sigstore' | grep -q '(timestamp authority)'"

# --json: the signer is identity + issuer, with the verified time.
run 0 "$MS" --json verify $KL "$OMS/v0.3.1-sigstore"
check "json signer" [ "$(jq -c '.signer' "$T/out")" = '{"identity":"stefanb@us.ibm.com","issuer":"https://sigstore.verify.ibm.com/oauth2","time":"2025-05-03T01:10:02Z","time_source":"transparency log"}' ]
check "json digest" [ "$(jq -r '.digest' "$T/out")" = sha256:61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226 ]
run 1 "$MS" --json verify --trusted-root "$ROOT" --identity x@y --issuer "$ISS" "$OMS/v0.3.1-sigstore"
check "json failure names the check" [ "$(jq -r '.problems[0].detail' "$T/out")" = "identity: expected 'x@y', found '$ID'" ]
check "json failure has no signer" [ "$(jq -c '.signer' "$T/out")" = null ]

# Every mutant of the evidence fails with exit 1 and names the check.
mkdir m
cp "$OMS/v0.3.1-sigstore/signme-1" "$OMS/v0.3.1-sigstore/signme-2" m/
while IFS="$(printf '\t')" read -r f why; do
	run 1 "$MS" verify $KL --signature "$MUT/$f" m
	expect_out "^signature: .*$why"
done <"$MUT/index.tsv"

# Without a trusted root a keyless bundle never passes, whatever keys.
run 1 "$MS" verify --key "$OMS/keys/signing-key-pub.pem" "$OMS/v0.3.1-sigstore"
expect_out "keyless bundle: verify it with --trusted-root"
# Another instance's root: no CA, log or TSA of it vouches.
run 1 "$MS" verify --trusted-root "$INTEROP/sigstore/trusted_root.staging.json" --identity "$ID" --issuer "$ISS" "$OMS/v1.1.0-sigstore"
# A key-based bundle with only a trusted root: no key to verify it with.
run 1 "$MS" verify $KL --ignore ignore-me "$OMS/v1.1.0-elliptic-key"
expect_out "the bundle is signed by a bare key, which carries no identity to match --identity"

# The option rules, and a broken root.
expect_error "$MS" verify --trusted-root "$ROOT" "$OMS/v0.3.1-sigstore"
expect_err "needs --identity and --issuer"
expect_error "$MS" verify --trusted-root "$ROOT" --identity "$ID" "$OMS/v0.3.1-sigstore"
expect_error "$MS" verify --identity "$ID" --issuer "$ISS" "$OMS/v0.3.1-sigstore"
expect_err "only applies with --trusted-root"
expect_error "$MS" verify --trusted-root "$OMS/v0.3.1-sigstore/model.sig" --identity a --issuer b "$OMS/v0.3.1-sigstore"
expect_err "is not a Sigstore trusted root"
printf '{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","tlogs":[]}' >root.json
expect_error "$MS" verify --trusted-root root.json --identity a --issuer b "$OMS/v0.3.1-sigstore"
run 2 "$MS" --json verify --trusted-root nonexistent.json --identity a --issuer b "$OMS/v0.3.1-sigstore"
check "json error document" jq -e '.error.message' "$T/out"

# An archive with the keyless signature as its model.sig member.
cp -R "$OMS/v0.3.1-sigstore" am
chmod -R u+w am
tar cf am.tar am
run 0 "$MS" verify --archive $KL am.tar
expect_out "signed by $ID (issuer $ISS)"

# ---- trust store identities, revocation, policy (issue 12) ----
export MODELSEAL_REGISTRY="$T/ident.db"
run 0 "$MS" trust add --identity "$ID" --issuer "$ISS" --trusted-root "$ROOT"
# no flags: the stored identity and its stored root
run 0 "$MS" verify --ignore ignore-me "$OMS/v0.3.1-sigstore"
expect_out "^verified sha256:61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226 signed by $ID (issuer $ISS) at 2025-05-03T01:10:02Z (transparency log)$"
run 0 "$MS" --json verify --ignore ignore-me "$OMS/v1.1.0-sigstore"
check "json: stored identity is the signer" [ "$(jq -c '.signer | [.identity, .issuer, .time_source]' "$T/out")" = "[\"$ID\",\"$ISS\",\"timestamp authority\"]" ]
check "json: no certificate for a keyless signer" [ "$(jq -c '.certificate' "$T/out")" = null ]
# --trusted-root overrides the stored root: another instance's root fails
run 1 "$MS" verify --trusted-root "$INTEROP/sigstore/trusted_root.staging.json" --ignore ignore-me "$OMS/v1.1.0-sigstore"
# a mutant still fails with the stored identity
run 1 "$MS" verify --signature "$MUT/$(head -n1 "$MUT/index.tsv" | cut -f1)" m
# revoke --identity: every keyless signature by it fails, naming the revocation
run 0 "$MS" revoke --identity "$ID" --issuer "$ISS" --reason "account compromised" --yes
expect_out_is "revoked identity $ID (issuer $ISS): account compromised"
run 1 "$MS" verify --ignore ignore-me "$OMS/v0.3.1-sigstore"
expect_out "^revoked: .*model.sig (identity $ID (issuer $ISS) was revoked [0-9T:Z-]*: account compromised)$"
# ... also when the identity is given on the command line
run 1 "$MS" verify $KL --ignore ignore-me "$OMS/v1.1.0-sigstore"
expect_out "was revoked .*: account compromised"
run 1 "$MS" --json verify --ignore ignore-me "$OMS/v1.1.0-sigstore"
check "json: revoked problem" [ "$(jq -r '.problems[0].problem' "$T/out")" = revoked ]
run 0 "$MS" trust list
expect_out "REVOKED: account compromised$"
run 0 "$MS" audit
# the revocation travels in the trust file
run 0 "$MS" trust export -o revoked.json
check "export: identity revocation" [ "$(jq -c '.revocations[0] | [.kind, .identity, .issuer, .reason]' revoked.json)" = "[\"identity\",\"$ID\",\"$ISS\",\"account compromised\"]" ]
run 1 env MODELSEAL_REGISTRY="$T/clean.db" "$MS" verify --trust-file revoked.json --ignore ignore-me "$OMS/v1.1.0-sigstore"
expect_out "was revoked"
# an identity's label names it for revoke too
run 0 env MODELSEAL_REGISTRY="$T/label.db" "$MS" trust add --identity "$ID" --issuer "$ISS" --trusted-root "$ROOT" --label stefan
run 0 env MODELSEAL_REGISTRY="$T/label.db" "$MS" revoke stefan --reason "by label" --yes
expect_out_is "revoked identity $ID (issuer $ISS): by label"
run 1 env MODELSEAL_REGISTRY="$T/label.db" "$MS" verify --ignore ignore-me "$OMS/v1.1.0-sigstore"
expect_out "was revoked .*: by label"
expect_error "$MS" revoke --identity "$ID" --reason x --yes
expect_err "--identity and --issuer go together"
expect_error "$MS" revoke --identity "$ID" --issuer "$ISS" --reason x --yes somekey
expect_err "not both"

# Policy rules for a keyless signer (no registry: the identity on the command line)
export MODELSEAL_REGISTRY="$T/nopol.db"
printf '{"version": 1, "trusted_identities": [{"identity": "%s", "issuer": "%s"}]}\n' "$ID" "$ISS" >ids.json
printf '{"version": 1, "trusted_identities": [{"identity": "x@example.com", "issuer": "%s"}]}\n' "$ISS" >other-ids.json
printf '{"version": 1, "trusted_keys": ["%s"], "trusted_identities": [{"identity": "%s", "issuer": "%s"}], "max_signature_age_days": 36500}\n' "$(printf x | sha256sum | cut -c1-64)" "$ID" "$ISS" >keys-ids.json
printf '{"version": 1, "trusted_keys": ["%s"]}\n' "$(printf x | sha256sum | cut -c1-64)" >keys-only.json
printf '{"version": 1, "max_signature_age_days": 30}\n' >age30.json
run 0 "$MS" --json verify $KL --policy ids.json --ignore ignore-me "$OMS/v0.3.1-sigstore"
check "trusted_identities passes" [ "$(jq -c '.policy' "$T/out")" = "[{\"rule\":\"trusted_identities\",\"ok\":true,\"detail\":\"signed by $ID (issuer $ISS)\"}]" ]
run 1 "$MS" verify $KL --policy other-ids.json --ignore ignore-me "$OMS/v0.3.1-sigstore"
expect_out "^policy FAILED: trusted_identities: keyless signer $ID (issuer $ISS) is not one of the 1 identity the policy trusts$"
# the policy's identities are trusted like its key files: --trusted-root alone
run 0 "$MS" verify --trusted-root "$ROOT" --policy ids.json --ignore ignore-me "$OMS/v1.1.0-sigstore"
run 1 "$MS" verify --trusted-root "$ROOT" --policy other-ids.json --ignore ignore-me "$OMS/v1.1.0-sigstore"
expect_out "is not a trusted identity"
# trusted_keys: a keyless signer passes through trusted_identities, else fails naming it
run 0 "$MS" --json verify $KL --policy keys-ids.json --ignore ignore-me "$OMS/v0.3.1-sigstore"
check "trusted_keys through trusted_identities" [ "$(jq -c '[.policy[] | [.rule, .ok]]' "$T/out")" = '[["trusted_keys",true],["trusted_identities",true],["max_signature_age_days",true]]' ]
check "age uses the log's time" [ "$(jq -r '.policy[2].detail' "$T/out" | cut -d' ' -f1-4)" = "signed 2025-05-03T01:10:02Z (transparency log)," ]
run 1 "$MS" verify $KL --policy keys-only.json --ignore ignore-me "$OMS/v0.3.1-sigstore"
expect_out "^policy FAILED: trusted_keys: keyless signer $ID (issuer $ISS) is none of the 1 key the policy trusts"
# max_signature_age_days: the timestamp authority's time, verified
run 1 "$MS" verify $KL --policy age30.json --ignore ignore-me "$OMS/v1.1.0-sigstore"
expect_out "^policy FAILED: max_signature_age_days: signed 2025-10-10T[0-9:]*Z (timestamp authority), [0-9]* days ago; limit 30$"
printf '{"version": 1, "trusted_identities": [{"identity": "%s"}]}\n' "$ID" >bad-ids.json
expect_error "$MS" verify $KL --policy bad-ids.json "$OMS/v0.3.1-sigstore"
expect_err "field 'issuer' is missing"
printf '{"version": 1, "trusted_identities": []}\n' >bad-ids.json
expect_error "$MS" verify $KL --policy bad-ids.json "$OMS/v0.3.1-sigstore"
expect_err "'trusted_identities' is empty"
