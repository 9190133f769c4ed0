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
