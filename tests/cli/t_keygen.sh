# keygen: files, modes, passphrase sources, no overwrite, openssl reads the keys.
unset MODELSEAL_PASSPHRASE
hex64='^[0-9a-f]\{64\}$'
# Without a controlling terminal, so that a missing passphrase cannot prompt.
notty() { setsid -w "$@" </dev/null; }
mode() { stat -c %a "$1"; }
absent() { for f; do [ ! -e "$f" ] && [ ! -L "$f" ] || return 1; done; }

MODELSEAL_PASSPHRASE=pw-one run 0 "$MS" keygen
expect_out "$hex64"
id=$(cat "$T/out")
check "secret key is 0600" [ "$(mode modelseal.key)" = 600 ]
check "public key is 0644" [ "$(mode modelseal.pub)" = 644 ]
check "secret key is encrypted PKCS#8" grep -q 'BEGIN ENCRYPTED PRIVATE KEY' modelseal.key
check "openssl reads it with the passphrase" \
	openssl pkey -in modelseal.key -passin pass:pw-one -noout
check "openssl refuses a wrong passphrase" \
	not openssl pkey -in modelseal.key -passin pass:pw-two -noout
openssl pkey -in modelseal.key -passin pass:pw-one -pubout >"$T/derived.pub" 2>/dev/null
check "public key file matches the secret key" cmp -s "$T/derived.pub" modelseal.pub
check "key id is sha256 of the public PEM" \
	[ "$(sha256sum <modelseal.pub | cut -c1-64)" = "$id" ]
check "kdf is scrypt" sh -c 'openssl asn1parse -in modelseal.key | grep -q scrypt'

# Never overwrite without --force; with it, a new key.
cp modelseal.key "$T/before.key"
MODELSEAL_PASSPHRASE=x run 2 "$MS" keygen
expect_err "already exists; use --force"
check "old key untouched" cmp -s modelseal.key "$T/before.key"
rm modelseal.key
MODELSEAL_PASSPHRASE=x run 2 "$MS" keygen
expect_err "modelseal.pub' already exists"
check "no secret key written beside an existing public key" absent modelseal.key
MODELSEAL_PASSPHRASE=pw-3 run 0 "$MS" keygen --force
check "--force gives a new key" [ "$(cat "$T/out")" != "$id" ]
check "--force keeps mode 0600" [ "$(mode modelseal.key)" = 600 ]

# --force replaces a symlink, never writes through it.
echo target >"$T/target"
ln -s "$T/target" link.key
run 0 "$MS" keygen -o link --no-passphrase --force
check "symlink target untouched" [ "$(cat "$T/target")" = target ]
check "symlink replaced by a file" not test -L link.key

# Passphrase file: first line, without the newline; it beats the environment.
printf 'file pass\nignored\n' >pass.txt
MODELSEAL_PASSPHRASE=env-pass run 0 "$MS" keygen -o fromfile --passphrase-file pass.txt
check "passphrase from the file's first line" \
	openssl pkey -in fromfile.key -passin 'pass:file pass' -noout
run 2 "$MS" keygen -o nofile --passphrase-file missing.txt
expect_err "cannot open passphrase file 'missing.txt'"
check "no key without a passphrase" absent nofile.key nofile.pub
: >empty.txt
expect_error "$MS" keygen -o empty --passphrase-file empty.txt
expect_err "passphrase is empty"

# --no-passphrase: plain PKCS#8 that openssl reads without a password.
run 0 "$MS" keygen -o plain --no-passphrase
check "plain PKCS#8" grep -q 'BEGIN PRIVATE KEY' plain.key
check "openssl reads the plain key" openssl pkey -in plain.key -passin pass: -noout
check "plain key is 0600 even with umask 0" sh -c "umask 0; '$MS' keygen -o um --no-passphrase >/dev/null 2>&1 && [ \$(stat -c %a um.key) = 600 ]"

# No passphrase source at all: a clear error, nothing written.
if command -v setsid >/dev/null; then
	run 2 notty "$MS" keygen -o none
	expect_err "no terminal to ask for it"
	check "nothing written without a passphrase" absent none.key none.pub
fi

# JSON
MODELSEAL_PASSPHRASE=j run 0 "$MS" --json keygen -o js
check "json has keyid and paths" sh -c "grep -q '\"keyid\":' '$T/out' && grep -q '\"secret_key\":.*\"js.key\"' '$T/out' && grep -q '\"encrypted\":.*true' '$T/out'"

# Usage errors
expect_error "$MS" keygen --no-passphrase --passphrase-file pass.txt
expect_error "$MS" keygen extra-operand
expect_error "$MS" keygen -o ''
expect_error "$MS" keygen -o argv --passphrase secret
expect_err "never taken from the command line"
check "the refused passphrase is not echoed" not grep -q secret "$T/err"
run 2 "$MS" keygen -o no/such/dir/k --no-passphrase
check "nothing left behind in a failed run" sh -c '! ls no 2>/dev/null'

# ---- --type: ECDSA keys that model_signing verifies ----
mkdir -p ec/m && printf 'weights' >ec/m/w.bin && printf 'cfg' >ec/m/c.json
for t in ecdsa-p256:prime256v1:sha256 ecdsa-p384:secp384r1:sha384 ecdsa-p521:secp521r1:sha512; do
	type=${t%%:*} rest=${t#*:}
	curve=${rest%%:*} hash=${rest#*:}
	run 0 "$MS" --json keygen --type "$type" -o "ec/$type" --no-passphrase
	check "$type: json algorithm" [ "$(jq -r .algorithm "$T/out")" = "$type" ]
	id=$(jq -r .keyid "$T/out")
	check "$type: openssl reads the curve" \
		sh -c 'openssl pkey -in "$1" -noout -text 2>/dev/null | grep -q "ASN1 OID: $2"' _ "ec/$type.key" "$curve"
	check "$type: key id is sha256 of the public PEM" [ "$(sha256sum <"ec/$type.pub" | cut -c1-64)" = "$id" ]
	run 0 "$MS" sign --no-record --key "ec/$type.key" --method files --hash sha256 \
		--signature "ec/$type.sig" ec/m
	check "$type: hint is the key id" [ "$(jq -r .verificationMaterial.publicKey.hint "ec/$type.sig")" = "$id" ]
	check "$type: openssl verifies the DER signature over the PAE with $hash" \
		dsse_check "ec/$type.sig" "ec/$type.pub" "$hash"
	if [ "$hash" != sha256 ]; then
		check "$type: and not with sha256" not dsse_check "ec/$type.sig" "ec/$type.pub" sha256
	fi
	run 0 "$MS" verify --key "ec/$type.pub" --signature "ec/$type.sig" ec/m
	expect_out "signed by $id$"
done
MODELSEAL_PASSPHRASE=pw-ec run 0 "$MS" keygen --type ecdsa-p384 -o ec/enc
check "encrypted ECDSA key: openssl reads it" openssl pkey -in ec/enc.key -passin pass:pw-ec -noout
MODELSEAL_PASSPHRASE=pw-ec run 0 "$MS" sign --no-record --key ec/enc.key --signature ec/enc.sig ec/m
run 0 "$MS" verify --key ec/enc.pub --signature ec/enc.sig ec/m
run 0 "$MS" keygen --type ed25519 -o ec/ed --no-passphrase
check "ed25519 by name" sh -c 'openssl pkey -in ec/ed.key -noout -text 2>/dev/null | grep -q ED25519'
expect_error "$MS" keygen --type rsa -o ec/rsa --no-passphrase
expect_err "unknown key type 'rsa'"
check "no key files for a refused type" absent ec/rsa.key ec/rsa.pub
