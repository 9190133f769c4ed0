# trust add/list/remove/export/import, revoke (keys and models), and what
# verify, show and log make of them.
# backends: sqlite postgresql
unset MODELSEAL_PASSPHRASE
REG=$MODELSEAL_REGISTRY
not_has() { ! grep -q -e "$1" "$T/out"; }
sq() { regsql "$REG" "$@"; }
last_event() { sq "SELECT kind || ' ' || subject FROM events ORDER BY id DESC LIMIT 1"; }
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
"$MS" keygen -o other --no-passphrase >/dev/null 2>&1
KID=$(sha256sum <k.pub | cut -c1-64)
OID=$(sha256sum <other.pub | cut -c1-64)
P256=$(sha256sum <"$INTEROP/../data/keys/p256.pub" | cut -c1-64)
mkdir m1 m2
printf 'weights one' >m1/w.bin
printf 'weights two' >m2/w.bin
"$MS" sign --key k.key --name m --version 1 m1 >/dev/null 2>&1
"$MS" sign --key other.key --name m --version 2 m2 >/dev/null 2>&1
M1=$("$MS" digest m1 | cut -c8-)

# ---- empty trust store: nothing verifies without --key ----
run 1 "$MS" verify m1
expect_err "no key is trusted"
expect_out "^untrusted: m1"
run 1 "$MS" --json verify m1
check "json: untrusted problem" [ "$(jq -r '.problems[0].problem' "$T/out")" = untrusted ]
run 0 "$MS" trust list
check "empty list prints nothing" [ ! -s "$T/out" ]
run 1 env MODELSEAL_REGISTRY="$T/none.db" "$MS" verify m1
expect_err "no key is trusted"
check "verify did not create a registry" [ ! -e "$T/none.db" ]

# ---- add, list ----
run 0 "$MS" trust add k.pub --label release
expect_out_is "trusted $KID (release)"
check "event: trusted" [ "$(last_event)" = "trusted $KID" ]
run 0 "$MS" --json trust add "$INTEROP/../data/keys/p256.pub"
check "json add" [ "$(jq -r '.trusted + " " + .algorithm' "$T/out")" = "$P256 ecdsa-p256" ]
run 0 "$MS" trust list
expect_out "^$KID  ed25519  *release$"
expect_out "^$P256  ecdsa-p256  *-$"
run 0 "$MS" --json trust list
check "json list: two keys" [ "$(jq '.keys | length' "$T/out")" = 2 ]
check "json list: label and revoked" [ "$(jq -c --arg k "$KID" '.keys[] | select(.keyid == $k) | [.label, .revoked]' "$T/out")" = '["release",null]' ]
# verify without --key uses the store
run 0 "$MS" verify m1
expect_out_is "verified sha256:$M1 (m@1) signed by $KID (release)"
run 1 "$MS" verify m2
expect_out "^untrusted: m2/model.sig (signed by key [0-9a-f]\{64\}, which is not trusted here"
# bad adds
expect_error "$MS" trust add k.key
expect_error "$MS" trust add missing.pub
expect_error "$MS" trust add "$INTEROP/../data/keys/rsa.pub"
expect_error "$MS" trust add other.pub --label release
expect_err "label 'release' already names key $KID"
expect_error "$MS" trust add other.pub --label ""
expect_error "$MS" trust add other.pub --label "$KID"
expect_error "$MS" trust add
expect_error "$MS" trust add k.pub other.pub
expect_error "$MS" trust list extra
expect_error "$MS" trust list --label x
expect_error "$MS" trust
expect_error "$MS" trust frobnicate
check "no key added by the refusals" [ "$(sq 'SELECT count(*) FROM trusted_keys')" = 2 ]

# ---- remove by label and by id ----
run 0 "$MS" trust remove "$P256"
check "event: untrusted" [ "$(last_event)" = "untrusted $P256" ]
"$MS" trust add other.pub --label ops >/dev/null 2>&1
run 0 "$MS" verify m2
run 0 "$MS" trust remove ops
run 1 "$MS" verify m2
expect_error "$MS" trust remove ops
expect_err "no trusted key has the id or label 'ops'"

# ---- export ----
run 0 "$MS" trust export
cp "$T/out" exported.json
check "export: one key with its PEM" [ "$(jq -r '.keys[0].pem' exported.json)" = "$(cat k.pub)" ]
check "export: version, id, label" [ "$(jq -c '[.modelseal_trust, .keys[0].keyid == "'"$KID"'", .keys[0].label]' exported.json)" = '[1,true,"release"]' ]
run 0 "$MS" trust export -o out.json
check "export -o writes the same" cmp -s out.json exported.json
expect_error "$MS" trust export -o nodir/x.json
expect_error "$MS" trust export extra

# ---- revoke a key ----
expect_error "$MS" revoke "$OID"
expect_err "reason"
expect_error "$MS" revoke "$OID" --reason ""
expect_error "$MS" revoke "$OID" --reason "$(printf 'two\nlines')"
expect_error "$MS" revoke --reason x
expect_error "$MS" revoke a b --reason x
expect_error "$MS" revoke nosuch@9 --reason x
expect_err "unknown REF"
# on a terminal revoke shows what it will revoke and asks; no means nothing
tty_revoke() { # ANSWER ARGS...: runs revoke on a pseudo-terminal
	_a=$1
	shift
	printf '%s\n' "$_a" | script -qec "$MS revoke $*" /dev/null >"$T/out" 2>&1
}
if command -v script >/dev/null 2>&1; then
	tty_revoke n other.pub --reason x
	check "terminal: names the key" grep -q "About to revoke key $OID" "$T/out"
	check "terminal: models signed by it" grep -q "Every signature by it will fail: 1 recorded model signed by it" "$T/out"
	check "terminal: final" grep -q "This is final and cannot be undone. Revoke? \[y/N\]" "$T/out"
	check "terminal: no means nothing revoked" grep -q "nothing revoked: not confirmed" "$T/out"
	check "terminal: no event" [ "$(sq "SELECT count(*) FROM events WHERE kind = 'revoked'")" = 0 ]
	tty_revoke n m@1 --reason x
	check "terminal: names the model" grep -q "About to revoke model sha256:$M1 (m@1)" "$T/out"
	tty_revoke n --yes m@1 --reason x
	check "--yes: not asked" sh -c "! grep -q 'About to revoke' '$T/out'"
	check "--yes: revoked" grep -q "revoked model sha256:$M1" "$T/out"
fi
run 0 "$MS" revoke other.pub --reason "laptop stolen"
expect_out_is "revoked key $OID: laptop stolen"
check "event: revoked key" [ "$(last_event)" = "revoked $OID" ]
run 1 "$MS" verify --key other.pub m2
expect_out "^revoked: m2/model.sig (signing key $OID was revoked .*: laptop stolen)$"
run 1 "$MS" --json verify --key other.pub m2
check "json: revoked, not verified, signer known" [ "$(jq -c '[.verified, .problems[0].problem, .signer == "'"$OID"'"]' "$T/out")" = '[false,"revoked",true]' ]
# revoked and trusted: still fails, with the reason
run 0 "$MS" trust add other.pub
expect_err "is revoked"
run 1 "$MS" verify m2
expect_out "laptop stolen"
"$MS" trust remove "$OID" >/dev/null 2>&1
run 0 "$MS" trust list
check "list omits removed key" not_has "$OID"

# ---- revoke a model: by name, by digest, by path ----
run 0 "$MS" revoke m@1 --reason "trained on the wrong split"
expect_out_is "revoked model sha256:$M1: trained on the wrong split"
check "event: revoked model" [ "$(last_event)" = "revoked sha256:$M1" ]
run 1 "$MS" verify m1
expect_out "^revoked: m1 (model sha256:$M1 was revoked .*: trained on the wrong split)$"
run 1 "$MS" verify --key k.pub m1
run 0 "$MS" show m@1
expect_out "^revoked *REVOKED .*trained on the wrong split"
run 0 "$MS" log
expect_out "^m@1 .*\[revoked: trained on the wrong split\]"
expect_out "^m@2 .*\[key revoked: laptop stolen\]"
run 0 "$MS" --json log
check "json log: revoked field" [ "$(jq -r '.models[] | select(.version == "1") | .revoked.reason' "$T/out")" = "trained on the wrong split" ]
check "json log: key_revoked field" [ "$(jq -r '.models[] | select(.version == "2") | .key_revoked.reason' "$T/out")" = "laptop stolen" ]
mkdir m3 && printf 'three' >m3/w.bin
"$MS" sign --key k.key --no-record m3 >/dev/null 2>&1
M3=$("$MS" digest m3 | cut -c8-)
run 0 "$MS" revoke m3 --reason "by path"
expect_out "sha256:$M3"
mkdir m4 && printf 'four' >m4/w.bin
M4=$("$MS" digest m4 | cut -c8-)
run 0 "$MS" revoke "sha256:$M4" --reason "never recorded, still revocable"
run 0 "$MS" --json revoke "sha256:$M4" --reason "new reason"
check "json revoke" [ "$(jq -c '[.revoked, .subject, .reason]' "$T/out")" = "[\"model\",\"sha256:$M4\",\"new reason\"]" ]
run 0 "$MS" audit
expect_out intact

# ---- export carries revocations; import into a fresh registry ----
"$MS" trust export -o full.json 2>/dev/null
check "export: 4 revocations" [ "$(jq '.revocations | length' full.json)" = 4 ]
check "export: model subject prefixed" jq -e '.revocations[] | select(.kind == "model") | .subject | startswith("sha256:")' full.json >/dev/null
export MODELSEAL_REGISTRY="$T/deploy.db"
run 0 "$MS" trust import full.json
expect_out_is "imported 1 new key and 4 new revocations from full.json"
run 0 "$MS" trust import full.json
expect_out_is "imported 0 new keys and 0 new revocations from full.json"
run 0 "$MS" trust list
expect_out "^$KID .*release"
run 1 "$MS" verify m1
expect_out "trained on the wrong split"
run 1 "$MS" verify --key k.pub m3
expect_out "by path"
run 0 "$MS" trust export -o again.json
check "revocation times survive import" [ "$(jq -c '.revocations | map(.time) | sort' again.json)" = "$(jq -c '.revocations | map(.time) | sort' full.json)" ]
run 0 "$MS" audit
check "import events are in the chain" [ "$(sqlite3 -batch "$T/deploy.db" "SELECT count(*) FROM events WHERE kind = 'revoked'")" = 4 ]
export MODELSEAL_REGISTRY="$REG"

# ---- verify --trust-file: a deploy host with no registry at all ----
export MODELSEAL_REGISTRY="$T/nothing-here.db"
run 1 "$MS" verify --trust-file full.json m1
expect_out "trained on the wrong split"
mkdir m5 && printf 'five' >m5/w.bin
"$MS" sign --key k.key --no-record m5 >/dev/null 2>&1
run 0 "$MS" verify --trust-file full.json m5
expect_out "signed by $KID"
run 1 "$MS" verify --trust-file full.json --key other.pub m2
expect_out "laptop stolen"
check "still no registry" [ ! -e "$T/nothing-here.db" ]
export MODELSEAL_REGISTRY="$REG"

# ---- malformed trust files: exit 2, nothing imported ----
bad() {
	printf '%s' "$2" >bad.json
	expect_error "$MS" trust import bad.json
	expect_err "$1"
	expect_error "$MS" verify --trust-file bad.json m1
}
PEM=$(jq -c '.keys[0].pem' full.json)
bad "not valid JSON" '{"modelseal_trust": 1,'
bad "must be a JSON object" '[]'
bad "version 3 is not supported" '{"modelseal_trust": 3, "keys": [], "revocations": []}'
bad "field 'cas' is missing" '{"modelseal_trust": 2, "keys": [], "revocations": []}'
bad "unknown field" '{"modelseal_trust": 1, "keys": [], "cas": [], "revocations": []}'
bad "field 'modelseal_trust' is missing" '{"keys": [], "revocations": []}'
bad "unknown field 'key'" '{"modelseal_trust": 1, "key": [], "keys": [], "revocations": []}'
bad "field 'revocations' is missing" '{"modelseal_trust": 1, "keys": []}'
bad "field 'keys' must be an array" '{"modelseal_trust": 1, "keys": {}, "revocations": []}'
bad "keys\[0\] must be an object" '{"modelseal_trust": 1, "keys": ["x"], "revocations": []}'
bad "keyid or algorithm does not match" '{"modelseal_trust": 1, "keys": [{"keyid": "'"$OID"'", "label": null, "algorithm": "ed25519", "pem": '"$PEM"'}], "revocations": []}'
bad "unknown field 'lable'" '{"modelseal_trust": 1, "keys": [{"keyid": "'"$KID"'", "lable": null, "algorithm": "ed25519", "pem": '"$PEM"'}], "revocations": []}'
bad "field 'label' must be" '{"modelseal_trust": 1, "keys": [{"keyid": "'"$KID"'", "label": 3, "algorithm": "ed25519", "pem": '"$PEM"'}], "revocations": []}'
bad "keys\[0\]" '{"modelseal_trust": 1, "keys": [{"keyid": "'"$KID"'", "label": null, "algorithm": "ed25519", "pem": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}], "revocations": []}'
bad "kind must be" '{"modelseal_trust": 1, "keys": [], "revocations": [{"kind": "user", "subject": "'"$KID"'", "reason": "x", "time": "2026-01-01T00:00:00Z"}]}'
bad "subject must be sha256:" '{"modelseal_trust": 1, "keys": [], "revocations": [{"kind": "model", "subject": "'"$KID"'", "reason": "x", "time": "2026-01-01T00:00:00Z"}]}'
bad "subject must be a key id" '{"modelseal_trust": 1, "keys": [], "revocations": [{"kind": "key", "subject": "abc", "reason": "x", "time": "2026-01-01T00:00:00Z"}]}'
bad "time must be UTC" '{"modelseal_trust": 1, "keys": [], "revocations": [{"kind": "key", "subject": "'"$KID"'", "reason": "x", "time": "2026-02-30T00:00:00Z"}]}'
bad "reason must be" '{"modelseal_trust": 1, "keys": [], "revocations": [{"kind": "key", "subject": "'"$KID"'", "reason": "", "time": "2026-01-01T00:00:00Z"}]}'
bad "twice" '{"modelseal_trust": 1, "keys": [], "keys": [], "revocations": []}'
expect_error "$MS" trust import missing.json
# a file that fails half-way changes nothing
n0=$(sq "SELECT count(*) FROM events")
printf '{"modelseal_trust": 1, "keys": [{"keyid": "%s", "label": "x", "algorithm": "ed25519", "pem": %s}], "revocations": [{"kind": "key"}]}' "$OID" "$(jq -c --arg p "$(cat other.pub)" -n '$p')" >half.json
expect_error "$MS" trust import half.json
check "nothing imported from a bad file" [ "$(sq "SELECT count(*) FROM events")" = "$n0" ]

# ---- root certificates and Sigstore keyless identities (issue 12) ----
export MODELSEAL_REGISTRY="$T/anchors.db"
asq() { sqlite3 -batch "$MODELSEAL_REGISTRY" "$@"; }
OMS=$INTEROP/oms
CA=$OMS/keys/ca-cert.pem
SROOT=$INTEROP/sigstore/trusted_root.production.json
ID=stefanb@us.ibm.com
ISS=https://sigstore.verify.ibm.com/oauth2
CAID=$(openssl x509 -in "$CA" -outform DER | sha256sum | cut -c1-64)
IDID=$(printf '%s\n%s' "$ISS" "$ID" | sha256sum | cut -c1-64)
run 0 "$MS" trust add --ca "$CA" --label corp
expect_out_is "trusted ca $CAID (corp): CN=root-ca"
run 0 "$MS" trust add --identity "$ID" --issuer "$ISS" --trusted-root "$SROOT" --label stefan
expect_out_is "trusted identity $IDID (stefan): $ID (issuer $ISS), with its trusted root"
check "one event each" [ "$(asq "SELECT group_concat(kind || ' ' || subject, ',') FROM events")" = "trusted ca:$CAID,trusted identity:$IDID" ]
check "the event holds the certificate" [ "$(asq "SELECT json_extract(detail, '\$.pem') FROM events WHERE subject = 'ca:$CAID'")" = "$(cat "$CA")" ]
check "the event holds the trusted root" [ "$(asq "SELECT json_extract(detail, '\$.trusted_root') FROM events WHERE subject = 'identity:$IDID'")" = "$(cat "$SROOT")" ]
run 0 "$MS" trust list
expect_out "^$CAID  ca          corp  CN=root-ca$"
expect_out "^$IDID  identity    stefan  $ID (issuer $ISS), with trusted root$"
run 0 "$MS" --json trust list
check "json list: ca" [ "$(jq -c '.cas' "$T/out")" = "[{\"id\":\"$CAID\",\"subject\":\"CN=root-ca\",\"label\":\"corp\"}]" ]
check "json list: identity" [ "$(jq -c '.identities[0] | [.identity, .issuer, .trusted_root, .label, .revoked]' "$T/out")" = "[\"$ID\",\"$ISS\",true,\"stefan\",null]" ]
run 0 "$MS" audit
# verify uses them without --ca, --trusted-root, --identity, --issuer
run 0 "$MS" verify --ignore ignore-me "$OMS/v1.1.0-certificate"
expect_out "chained to 'CN=root-ca'"
run 0 "$MS" verify --ignore ignore-me "$OMS/v0.3.1-sigstore"
expect_out "signed by $ID (issuer $ISS) at 2025-05-03T01:10:02Z (transparency log)"
# ... and not with trust given on the command line: --key replaces the
# stored CAs and identities too, --trusted-root alone keeps the identities
run 1 "$MS" verify --key other.pub --ignore ignore-me "$OMS/v1.1.0-certificate"
run 1 "$MS" verify --key other.pub --ignore ignore-me "$OMS/v0.3.1-sigstore"
run 1 "$MS" verify --ca "$CA" --ignore ignore-me "$OMS/v0.3.1-sigstore"
run 0 "$MS" verify --trusted-root "$SROOT" --ignore ignore-me "$OMS/v0.3.1-sigstore"
# labels are one namespace with the keys'
expect_error "$MS" trust add --ca "$CA" --label stefan
expect_err "label 'stefan' already names identity $IDID"
# the option rules
expect_error "$MS" trust add --identity "$ID" --trusted-root "$SROOT"
expect_err "--identity and --issuer go together"
expect_error "$MS" trust add --ca "$CA" --identity "$ID" --issuer "$ISS"
expect_error "$MS" trust add --identity "$ID" --issuer "$ISS" --trusted-root "$CA"
expect_error "$MS" trust add --ca "$SROOT"
expect_err "holds no PEM certificate"
cat "$CA" "$OMS/keys/int-ca-cert.pem" >two.pem
expect_error "$MS" trust add --ca two.pem
expect_err "holds 2 certificates: add each root on its own"
expect_error "$MS" trust add --identity "$(printf 'a\tb')" --issuer "$ISS"
expect_err "without control characters"
expect_error "$MS" trust list --ca "$CA"
# export / import carry them (version 2), and the other host verifies
run 0 "$MS" trust export -o anchors.json
check "export: version 2" [ "$(jq '.modelseal_trust' anchors.json)" = 2 ]
check "export: ca" [ "$(jq -r '.cas[0] | .id + " " + .label + " " + .subject' anchors.json)" = "$CAID corp CN=root-ca" ]
check "export: identity with its root" [ "$(jq -r '.identities[0].trusted_root.mediaType' anchors.json)" = "$(jq -r .mediaType "$SROOT")" ]
run 0 "$MS" verify --trust-file anchors.json --ignore ignore-me "$OMS/v1.0.1-certificate"
run 0 "$MS" verify --trust-file anchors.json --ignore ignore-me "$OMS/v1.1.0-sigstore"
run 1 "$MS" verify --trust-file anchors.json --key other.pub --ignore ignore-me "$OMS/v1.1.0-sigstore"
run 1 "$MS" verify --trust-file anchors.json --key other.pub --ignore ignore-me "$OMS/v1.0.1-certificate"
run 0 env MODELSEAL_REGISTRY="$T/host2.db" "$MS" trust import anchors.json
expect_out_is "imported 0 new keys, 2 new CAs or identities and 0 new revocations from anchors.json"
run 0 env MODELSEAL_REGISTRY="$T/host2.db" "$MS" verify --ignore ignore-me "$OMS/v0.3.1-sigstore"
run 0 env MODELSEAL_REGISTRY="$T/host2.db" "$MS" verify --ignore ignore-me "$OMS/v0.2.0-certificate"
run 0 env MODELSEAL_REGISTRY="$T/host2.db" "$MS" audit
run 0 env MODELSEAL_REGISTRY="$T/host2.db" "$MS" trust import anchors.json
expect_out_is "imported 0 new keys and 0 new revocations from anchors.json"
# a file whose ids do not match what they name is refused
jq '.cas[0].id = "'"$IDID"'"' anchors.json >bad-ca.json
expect_error "$MS" trust import bad-ca.json
expect_err "id or subject does not match the certificate"
jq '.identities[0].identity = "x@example.com"' anchors.json >bad-id.json
expect_error "$MS" verify --trust-file bad-id.json "$OMS/v0.3.1-sigstore"
expect_err "subject is not the id of this identity and issuer"
jq '.identities[0].trusted_root = {"mediaType": "x"}' anchors.json >bad-root.json
expect_error "$MS" trust import bad-root.json
jq '.revocations = [{"kind": "identity", "subject": "'"$IDID"'", "reason": "x", "time": "2026-01-01T00:00:00Z"}]' anchors.json >bad-rev.json
expect_error "$MS" trust import bad-rev.json
expect_err "field 'identity' is missing"
jq '.modelseal_trust = 1 | del(.cas, .identities) | .revocations = [{"kind": "identity", "subject": "'"$IDID"'", "reason": "x", "time": "2026-01-01T00:00:00Z", "identity": "'"$ID"'", "issuer": "'"$ISS"'"}]' anchors.json >v1-rev.json
expect_error "$MS" trust import v1-rev.json
expect_err "an identity's revocation needs version 2"
# remove: a CA by its label or id, an identity by --identity/--issuer
run 0 "$MS" trust remove corp
expect_out_is "removed corp"
run 1 "$MS" verify --ignore ignore-me "$OMS/v1.1.0-certificate"
run 0 "$MS" trust remove "$IDID"
expect_out_is "removed $IDID"
check "untrusted events" [ "$(asq "SELECT group_concat(subject, ',') FROM events WHERE kind = 'untrusted'")" = "ca:$CAID,identity:$IDID" ]
check "rows gone" [ "$(asq "SELECT (SELECT count(*) FROM trusted_cas) + (SELECT count(*) FROM trusted_identities)")" = 0 ]
run 1 "$MS" verify --ignore ignore-me "$OMS/v1.1.0-sigstore"
expect_out "no key is trusted"
expect_error "$MS" trust remove --identity "$ID" --issuer "$ISS"
expect_err "identity $ID at $ISS is not trusted"
run 0 "$MS" audit
# an identity added without its root: --trusted-root gives one at verify time
run 0 "$MS" trust add --identity "$ID" --issuer "$ISS"
expect_err "verify needs --trusted-root FILE"
run 2 "$MS" verify --ignore ignore-me "$OMS/v1.1.0-sigstore"
expect_err "trusted identity $ID (issuer $ISS) has no trusted root: give --trusted-root FILE"
run 0 "$MS" verify --trusted-root "$SROOT" --ignore ignore-me "$OMS/v1.1.0-sigstore"
# ... and with another identity only, the signer is named as untrusted
run 0 "$MS" trust remove --identity "$ID" --issuer "$ISS"
run 0 "$MS" trust add --identity someone@example.com --issuer "$ISS" --trusted-root "$SROOT"
run 1 "$MS" verify --ignore ignore-me "$OMS/v1.1.0-sigstore"
expect_out "identity: $ID (issuer $ISS) is not a trusted identity"
run 0 "$MS" audit
