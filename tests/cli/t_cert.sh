# Certificate bundles: verify --ca (model_signing's five releases, minted
# backends: sqlite postgresql
# negative cases from tests/bad/gen_certs.py), --identity, the refusal of a
# certificate bundle checked with a bare key (issue 10, class 8), and
# sign --certificate-chain checked by openssl alone.
OMS=$INTEROP/oms
CA=$OMS/keys/ca-cert.pem
INT=$OMS/keys/int-ca-cert.pem
PUB=$OMS/keys/signing-key-pub.pem
HINT=e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e
ROOT=61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226
CERTS=$BAD/cert
DATA=$BAD/../data/certs
not() { ! "$@" 2>/dev/null; }
not_dsse() { ! dsse_check m/model.sig leaf.pub "$1"; }

# ---- model_signing 0.2.0 to 1.1.0 ----
for v in v0.2.0 v0.3.1 v1.0.0 v1.0.1 v1.1.0; do
	d=$OMS/$v-certificate
	run 0 "$MS" verify --ca "$CA" --ignore ignore-me "$d"
	expect_out "^verified sha256:$ROOT signed by $HINT (certificate 'CN=intermediate-ca', chained to 'CN=root-ca' at [0-9T:Z-]*, current time)"
	run 0 "$MS" --json verify --ca "$CA" --ignore ignore-me "$d"
	check "$v: json subject" [ "$(jq -r .certificate.subject "$T/out")" = CN=intermediate-ca ]
	check "$v: json root" [ "$(jq -r .certificate.root "$T/out")" = CN=root-ca ]
	check "$v: json time source" [ "$(jq -r .certificate.time_source "$T/out")" = "current time" ]
	check "$v: json not ignored" [ "$(jq -r .certificate_ignored "$T/out")" = false ]
	# a changed byte still fails
	rm -rf copy && cp -r "$d" copy && printf Z | dd of=copy/signme-2 bs=1 conv=notrunc 2>/dev/null
	run 1 "$MS" verify --ca "$CA" --ignore ignore-me copy
	expect_out "^modified: signme-2 (content differs)$"
done
# only 0.2.0 is the legacy fallback, and the verdict says so
run 0 "$MS" verify --ca "$CA" "$OMS/v0.2.0-certificate"
expect_out "; legacy format: model_signing 0.2.0: Digests/v0.1 statement, pre-standard DSSE signature$"
run 0 "$MS" --json verify --ca "$CA" "$OMS/v0.2.0-certificate"
check "0.2.0: json legacy_format" \
	[ "$(jq -r .legacy_format "$T/out")" = "model_signing 0.2.0: Digests/v0.1 statement, pre-standard DSSE signature" ]
run 0 "$MS" --json verify --ca "$CA" "$OMS/v1.1.0-certificate"
check "1.1.0: json legacy_format null" [ "$(jq -r .legacy_format "$T/out")" = null ]
# 0.2.0 signed one subject per file: a file it did not sign is extra
rm -rf copy && cp -r "$OMS/v0.2.0-certificate" copy && echo x >copy/new
run 1 "$MS" verify --ca "$CA" copy
expect_out "^extra: new (not signed)$"

# ---- the roots ----
run 1 "$MS" verify --ca "$INT" "$OMS/v1.1.0-certificate"
expect_out "certificate chain: certificate 1 'CN=intermediate-ca': unable to get issuer certificate"
run 1 "$MS" verify --ca "$CERTS/other-ca-root.pem" "$OMS/v1.1.0-certificate"
expect_out "certificate chain: "
# two roots: one of them suffices
run 0 "$MS" verify --ca "$CERTS/other-ca-root.pem" --ca "$CA" "$OMS/v1.1.0-certificate"
expect_error "$MS" verify --ca "$PUB" "$OMS/v1.1.0-certificate"
expect_err "holds no PEM certificate"
head -c 300 "$CA" >cut.pem
expect_error "$MS" verify --ca cut.pem "$OMS/v1.1.0-certificate"
expect_err "cut.pem"
expect_error "$MS" verify --ca nonexistent.pem "$OMS/v1.1.0-certificate"

# ---- minted cases (tests/bad/gen_certs.py) over v1.1.0's statement ----
M=$OMS/v1.1.0-certificate
run 0 "$MS" verify --ca "$CA" --signature "$CERTS/good.sig" "$M"
expect_out "(certificate 'CN=modelseal test signer', chained to 'CN=root-ca' at "
run 0 "$MS" verify --ca "$CA" --signature "$CERTS/good-with-root.sig" "$M"
while IFS='|' read -r case phrase; do
	run 1 "$MS" verify --ca "$CA" --signature "$CERTS/$case.sig" "$M"
	expect_out "^signature: .*$case.sig ($phrase"
	expect_err "verification FAILED"
done <<'EOF'
expired|certificate chain: certificate 0 'CN=modelseal test signer': expired on 2021-01-01T00:00:00Z (checked at
not-yet-valid|certificate chain: certificate 0 'CN=modelseal test signer': is not valid before 2099-01-01T00:00:00Z
wrong-eku|extended key usage: the signing certificate lacks EKU codeSigning
no-eku|extended key usage: the signing certificate lacks EKU codeSigning
no-digital-signature|key usage: the signing certificate lacks KeyUsage digitalSignature
other-ca|certificate chain: certificate 1 'CN=intermediate-ca': unable to get local issuer certificate
tampered-intermediate|certificate chain: certificate 1 'CN=intermediate-ca': certificate signature failure
tampered-leaf|certificate chain: certificate 0 'CN=modelseal test signeR': certificate signature failure
chain-reversed|key usage: the signing certificate lacks KeyUsage digitalSignature
leaf-of-another-key|signature: does not verify with the signing certificate's key
hash-not-curve|signature: does not verify with the signing certificate's key
compat-signature-new-predicate|signature: does not verify with the signing certificate's key
compat-signature-mentions-legacy|signature: does not verify with the signing certificate's key
tlog-entry|a Sigstore keyless bundle: verify it with --trusted-root
EOF
run 0 "$MS" verify --ca "$CERTS/other-ca-root.pem" --signature "$CERTS/other-ca.sig" "$M"

# the v0.3 'certificate' field: the leaf alone; its issuers come from --ca
run 0 "$MS" verify --ca "$CA" --signature "$CERTS/single-certificate-from-root.sig" "$M"
expect_out "(certificate 'CN=modelseal test signer', chained to 'CN=root-ca' at "
run 1 "$MS" verify --ca "$CA" --signature "$CERTS/single-certificate.sig" "$M"
expect_out "certificate chain: certificate 0 'CN=modelseal test signer': unable to get local issuer certificate"
run 0 "$MS" verify --ca "$CA" --ca "$INT" --signature "$CERTS/single-certificate.sig" "$M"
run 1 "$MS" verify --ca "$INT" --signature "$CERTS/single-certificate.sig" "$M"
expect_out "certificate chain: certificate 1 'CN=intermediate-ca': unable to get issuer certificate"
run 1 "$MS" verify --key "$PUB" --signature "$CERTS/single-certificate.sig" "$M"
expect_out "certificate: the bundle carries an X.509 certificate, which a bare key does not check"

# ---- --identity ----
for id in signer@example.com https://example.com/ci build.example.com "modelseal test signer"; do
	run 0 "$MS" verify --ca "$CA" --identity "$id" --signature "$CERTS/good.sig" "$M"
	expect_out " for [a-z]*:$id, chained to"
done
run 0 "$MS" --json verify --ca "$CA" --identity signer@example.com --signature "$CERTS/good.sig" "$M"
check "json identity" [ "$(jq -r .certificate.identity "$T/out")" = email:signer@example.com ]
run 1 "$MS" verify --ca "$CA" --identity signer@example.co --signature "$CERTS/good.sig" "$M"
expect_out "identity: expected 'signer@example.co', the signing certificate has email:signer@example.com, uri:https://example.com/ci, dns:build.example.com, cn:modelseal test signer)$"
run 1 "$MS" verify --ca "$CA" --identity SIGNER@example.com --signature "$CERTS/good.sig" "$M"
# a bare key carries no identity
run 1 "$MS" verify --key "$PUB" --identity signer@example.com "$OMS/v1.1.0-elliptic-key"
expect_out "identity: the bundle is signed by a bare key"
expect_error "$MS" verify --ca "$CA" --identity "" "$M"
run 1 "$MS" verify --key "$PUB" --ignore-certificate --identity signer@example.com "$M"
expect_out "identity: --identity needs the certificate that --ignore-certificate sets aside"

# ---- issue 10, class 8: certificate material and a bare key ----
for v in v0.3.1 v1.1.0; do
	run 1 "$MS" verify --key "$PUB" --ignore ignore-me "$OMS/$v-certificate"
	expect_out "certificate: the bundle carries an X.509 certificate chain, which a bare key does not check; verify it with --ca ROOT.pem, or pass --ignore-certificate"
	run 0 "$MS" verify --key "$PUB" --ignore-certificate --ignore ignore-me "$OMS/$v-certificate"
	expect_out "^verified sha256:$ROOT signed by $HINT (the bundle's certificate was IGNORED: --ignore-certificate)$"
	run 0 "$MS" --json verify --key "$PUB" --ignore-certificate --ignore ignore-me "$OMS/$v-certificate"
	check "$v: json certificate_ignored" [ "$(jq -r .certificate_ignored "$T/out")" = true ]
	check "$v: json no certificate" [ "$(jq -r .certificate "$T/out")" = null ]
done
# a key bundle and only --ca: no key to check it with
run 1 "$MS" verify --ca "$CA" "$OMS/v1.1.0-elliptic-key"
expect_out "no key is trusted for a bundle without certificate"
# the trust store's keys are bare keys too
"$MS" trust add "$PUB" >/dev/null 2>&1
run 1 "$MS" verify "$OMS/v1.1.0-certificate"
expect_out "certificate: the bundle carries an X.509 certificate chain"
# the registry's event names the certificate, and an ignored one
run 0 "$MS" verify --ca "$CA" "$OMS/v1.1.0-certificate"
last_verified_has() { regsql "$MODELSEAL_REGISTRY" "SELECT detail FROM events WHERE kind = 'verified' ORDER BY id DESC LIMIT 1" | grep -q "$1"; }
check "event names the certificate" last_verified_has '"certificate":"CN=intermediate-ca"'
run 0 "$MS" verify --ignore-certificate "$OMS/v1.1.0-certificate"
check "event records the ignored certificate" last_verified_has '"certificate_ignored":true'
# a Sigstore keyless bundle (a certificate and log entries) goes to the
# keyless verifier only: a bare key, --ignore-certificate or --ca never pass it
run 1 "$MS" verify --key "$PUB" "$OMS/v1.1.0-sigstore"
expect_out "a Sigstore keyless bundle: verify it with --trusted-root"
run 1 "$MS" verify --key "$PUB" --ignore-certificate "$OMS/v1.1.0-sigstore"
expect_out "a Sigstore keyless bundle: verify it with --trusted-root"
run 1 "$MS" verify --ca "$CA" "$OMS/v1.1.0-sigstore"
expect_out "a Sigstore keyless bundle: verify it with --trusted-root"
# --ignore-certificate changes nothing for a key bundle
run 0 "$MS" --json verify --key "$PUB" --ignore-certificate "$OMS/v1.1.0-elliptic-key"
check "key bundle: nothing ignored" [ "$(jq -r .certificate_ignored "$T/out")" = false ]

# ---- sign --certificate-chain ----
cp "$DATA/signer-p256.key" ci.key && chmod 600 ci.key
mkdir m && printf 'weights' >m/w.bin && printf 'config' >m/c.json
run 0 "$MS" sign --no-record --key ci.key --certificate-chain "$DATA/signer-p256-chain.pem" \
	--method files --hash sha256 m
run 0 "$MS" verify --ca "$CA" --identity ci@example.com m
expect_out "(certificate 'CN=modelseal ci' for email:ci@example.com, chained to 'CN=root-ca' at "
check "bundle carries the chain" [ "$(jq '.verificationMaterial.x509CertificateChain.certificates | length' m/model.sig)" = 2 ]
check "bundle has model_signing's empty tlogEntries" [ "$(jq -c .verificationMaterial.tlogEntries m/model.sig)" = '[]' ]
check "no key hint in a certificate bundle" [ "$(jq -r .verificationMaterial.publicKey m/model.sig)" = null ]
# independent check with openssl: the chain, then the signature over the PAE
jq -r '.verificationMaterial.x509CertificateChain.certificates[0].rawBytes' m/model.sig | base64 -d >leaf.der
jq -r '.verificationMaterial.x509CertificateChain.certificates[1].rawBytes' m/model.sig | base64 -d >int.der
openssl x509 -inform DER -in leaf.der -out leaf.pem 2>/dev/null
openssl x509 -inform DER -in int.der -out int.pem 2>/dev/null
check "openssl: the chain verifies to the root" \
	sh -c 'openssl verify -CAfile "$1" -untrusted int.pem leaf.pem >/dev/null 2>&1' _ "$CA"
openssl x509 -in leaf.pem -pubkey -noout >leaf.pub 2>/dev/null
check "openssl: the signature verifies over the PAE (P-256, SHA-256)" dsse_check m/model.sig leaf.pub sha256
check "openssl: not with SHA-384" not_dsse sha384
# the leaf must be --key's certificate
expect_error "$MS" sign --no-record --key ci.key --certificate-chain "$OMS/keys/signing-key-cert.pem" m
expect_err "the first certificate of the chain is not for the signing key"
expect_error "$MS" sign --no-record --key ci.key --certificate-chain "$PUB" m
expect_err "holds no PEM certificate"
# a chain whose leaf may not sign code is signed, and refused on verify
run 0 "$MS" sign --no-record --key ci.key --certificate-chain "$DATA/signer-p256-wrong-eku-chain.pem" m
expect_err "extended key usage: the signing certificate lacks EKU codeSigning: verifiers will refuse this signature"
run 1 "$MS" verify --ca "$CA" m
expect_out "extended key usage: the signing certificate lacks EKU codeSigning"

# ---- names from a certificate never reach the terminal raw ----
ESC=$(printf '\033')
run 0 "$MS" verify --ca "$CA" --signature "$CERTS/terminal-escapes.sig" "$M"
expect_out "(certificate 'CN=x\\\\1B\[2K\\\\0Dverified OK', chained to"
check "no ESC in the verdict" not grep -q "$ESC" "$T/out"
run 1 "$MS" verify --ca "$CA" --identity nobody --signature "$CERTS/terminal-escapes.sig" "$M"
expect_out 'the signing certificate has email:a\\x1b\[2K@example.com, cn:x\\x1b\[2K\\x0dverified OK)$'
check "no ESC or CR in the failure" not grep -q "$ESC\|$(printf '\r')" "$T/out"

# ---- archives: the same checks through --archive, and unpack refuses a
# certificate bundle it can only check with a bare key ----
run 0 "$MS" sign --no-record --key ci.key --certificate-chain "$DATA/signer-p256-chain.pem" m
run 0 "$MS" pack -o m.tar m
run 0 "$MS" verify --archive --ca "$CA" --identity ci@example.com m.tar
expect_out "(certificate 'CN=modelseal ci' for email:ci@example.com"
run 1 "$MS" verify --archive --ca "$INT" m.tar
expect_out "certificate chain: "
openssl x509 -in leaf.pem -pubkey -noout >ci.pub 2>/dev/null
run 1 "$MS" unpack --key ci.pub m.tar dest
expect_out "certificate: the bundle carries an X.509 certificate chain"
check "unpack wrote nothing" not test -e dest

# ---- a policy's trusted_cas: roots for verification and a rule ----
mkdir -p pol
cp "$CA" pol/ca.pem
cp "$CERTS/other-ca-root.pem" pol/other.pem
printf '{"version": 1, "trusted_cas": ["ca.pem"]}\n' >pol/cas.json
run 0 "$MS" verify --policy pol/cas.json "$OMS/v1.1.0-certificate"
expect_out "; policy: 1 rule pass$"
run 0 "$MS" --json verify --policy pol/cas.json "$OMS/v1.1.0-certificate"
check "json: trusted_cas rule" [ "$(jq -r '.policy[0].rule + " " + (.policy[0].ok|tostring)' "$T/out")" = "trusted_cas true" ]
check "json: the rule names the certificate" sh -c 'jq -r ".policy[0].detail" "$1" | grep -q "signed by certificate .CN=intermediate-ca. from .CN=root-ca."' _ "$T/out"
# a bare key does not satisfy a CA-only policy
run 1 "$MS" verify --key "$PUB" --policy pol/cas.json "$OMS/v1.1.0-elliptic-key"
expect_out "policy FAILED: trusted_cas: signed by the bare key $HINT, not by a certificate from a CA the policy trusts"
# a root given with --ca verifies the chain, but the policy trusts another
printf '{"version": 1, "trusted_cas": ["other.pem"]}\n' >pol/other.json
run 1 "$MS" verify --ca "$CA" --policy pol/other.json "$OMS/v1.1.0-certificate"
expect_out "policy FAILED: trusted_cas: certificate 'CN=intermediate-ca' chains to 'CN=root-ca', not to a CA the policy trusts"
# keys and CAs together: each signer passes the rule of its kind
cp "$PUB" pol/key.pem
printf '{"version": 1, "trusted_keys": ["key.pem"], "trusted_cas": ["ca.pem"]}\n' >pol/both.json
run 0 "$MS" verify --policy pol/both.json "$OMS/v1.1.0-certificate"
expect_out "; policy: 2 rules pass$"
run 0 "$MS" verify --policy pol/both.json "$OMS/v1.1.0-elliptic-key"
run 0 "$MS" verify --policy pol/both.json --signature "$CERTS/good.sig" "$M"
# malformed
printf '{"version": 1, "trusted_cas": ["missing.pem"]}\n' >pol/bad1.json
expect_error "$MS" verify --policy pol/bad1.json "$M"
expect_err "trusted CA 'missing.pem' cannot be used"
printf '{"version": 1, "trusted_cas": ["key.pem"]}\n' >pol/bad2.json
expect_error "$MS" verify --policy pol/bad2.json "$M"
expect_err "holds no PEM certificate"
printf '{"version": 1, "trusted_cas": "ca.pem"}\n' >pol/bad3.json
expect_error "$MS" verify --policy pol/bad3.json "$M"

# ---- the trust store's CAs (issue 12) ----
export MODELSEAL_REGISTRY="$T/cas.db"
run 1 "$MS" verify --ignore ignore-me "$OMS/v1.1.0-certificate"
run 0 "$MS" trust add --ca "$CA" --label corp
for v in v0.2.0 v0.3.1 v1.0.0 v1.0.1 v1.1.0; do
	run 0 "$MS" --json verify --ignore ignore-me "$OMS/$v-certificate"
	check "$v: store CA: signer is the key, certificate its subject" [ "$(jq -c '[.signer, .certificate.subject, .certificate.root]' "$T/out")" = "[\"$HINT\",\"CN=intermediate-ca\",\"CN=root-ca\"]" ]
done
# --ca replaces the store's CAs, as --key replaces its keys
run 1 "$MS" verify --ca "$INT" --ignore ignore-me "$OMS/v1.1.0-certificate"
# any trust on the command line replaces the whole store: with --key OTHER
# the bundle that only the stored CA vouches for fails (it passed before)
"$MS" keygen -o unrelated --no-passphrase >/dev/null 2>&1
run 1 "$MS" verify --key unrelated.pub --ignore ignore-me "$OMS/v1.1.0-certificate"
expect_out "which a bare key does not check"
run 1 "$MS" --json verify --key unrelated.pub --ignore ignore-me "$OMS/v1.1.0-certificate"
check "--key OTHER: no certificate verified" [ "$(jq -c '[.verified, .certificate]' "$T/out")" = '[false,null]' ]
# --identity alone: the store's CAs no longer count, and nothing certifies it
expect_error "$MS" verify --identity intermediate-ca --ignore ignore-me "$OMS/v1.1.0-certificate"
expect_err "give the roots that certify it (--ca ROOT.pem, or --trusted-root FILE with --issuer)"
run 0 "$MS" verify --ca "$CA" --identity intermediate-ca --ignore ignore-me "$OMS/v1.1.0-certificate"
# the intermediate as a stored root is no root, as with --ca
run 0 "$MS" trust remove corp
run 0 "$MS" trust add --ca "$INT"
run 1 "$MS" verify --ignore ignore-me "$OMS/v1.1.0-certificate"
expect_out "unable to get issuer certificate"
run 0 "$MS" trust remove "$(openssl x509 -in "$INT" -outform DER | sha256sum | cut -c1-64)"
run 1 "$MS" verify --ignore ignore-me "$OMS/v1.1.0-certificate"
run 0 "$MS" audit
