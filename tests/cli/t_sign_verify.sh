# sign and verify: round trips, and every way a signed model can go wrong.
# backends: sqlite postgresql
unset MODELSEAL_PASSPHRASE
no_temp_files() { ! ls -a "$@" | grep -q '\.tmp$'; }
# flip_byte FILE OFFSET: replaces the byte at OFFSET with a different one.
flip_byte() {
	old=$(dd if="$1" bs=1 skip="$2" count=1 2>/dev/null)
	new=X
	[ "$old" = X ] && new=Y
	printf %s "$new" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# A field of the one-line bundle JSON.
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$2"; }

mkdir -p model/sub
printf '{"layers": 2}' >model/config.json
head -c 1000 /dev/urandom >model/weights.bin
printf 'hello tokenizer' >model/sub/tok.txt
printf 'pw-sign\n' >pass.txt
MODELSEAL_PASSPHRASE=pw-sign "$MS" keygen -o k >/dev/null 2>&1
"$MS" keygen -o other --no-passphrase >/dev/null 2>&1
keyid=$(sha256sum <k.pub | cut -c1-64)
H="--shard-size 256"

# ---- round trip: directory ----
run 0 "$MS" sign --key k.key --passphrase-file pass.txt $H model
expect_out "^digest: sha256:[0-9a-f]\{64\}$"
expect_out "^signer: $keyid$"
expect_out "^signature: model/model.sig$"
digest=$(sed -n 's/^digest: //p' "$T/out")
check "sign's digest is digest's" [ "$("$MS" digest $H model)" = "$digest" ]
check "bundle is a v0.3 Sigstore bundle" grep -q '"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"' model/model.sig
check "bundle carries the key hint" grep -q "\"hint\":\"$keyid\"" model/model.sig
"$MS" hash $H --format json model >"$T/stmt" 2>/dev/null
field payload model/model.sig | base64 -d >"$T/payload"
check "payload is exactly hash --format json" cmp -s "$T/payload" "$T/stmt"
run 0 "$MS" verify --key k.pub model
expect_out_is "verified $digest signed by $keyid"
run 0 "$MS" --json verify --key k.pub -j 1 model
expect_out '"verified": true'
expect_out "\"signer\": \"$keyid\""
expect_out '"problems": \[\]'
# the wrong key listed first does not matter
run 0 "$MS" verify --key other.pub --key k.pub model
# re-signing replaces the signature whole
MODELSEAL_PASSPHRASE=pw-sign run 0 "$MS" sign --key k.key $H model
check "no temp files left by sign" no_temp_files model

# ---- round trip: single file, other settings ----
printf 'single file model' >one.bin
MODELSEAL_PASSPHRASE=pw-sign run 0 "$MS" sign --key k.key --method files --hash blake2b one.bin
expect_out "^signature: one.bin.sig$"
run 0 "$MS" verify --key k.pub one.bin
expect_out "^verified sha256:"
flip_byte one.bin 3
run 1 "$MS" verify --key k.pub one.bin
expect_out "^modified: one.bin (content differs)$"

# ---- signature elsewhere, or inside the model under another name ----
mkdir sigs
MODELSEAL_PASSPHRASE=pw-sign run 0 "$MS" sign --key k.key --signature sigs/m.sig $H model
run 0 "$MS" verify --key k.pub --signature sigs/m.sig model
MODELSEAL_PASSPHRASE=pw-sign run 0 "$MS" sign --key k.key --signature model/sub/alt.sig $H model
run 0 "$MS" verify --key k.pub --signature model/sub/alt.sig model
check "provenance beside the signature" [ -f model/sub/alt.provenance.sig ]
rm model/sub/alt.sig model/sub/alt.provenance.sig

# ---- tampering with the model (each in a fresh copy) ----
fresh() { rm -rf m2 && cp -r model m2; }
fresh
flip_byte m2/weights.bin 300
run 1 "$MS" verify --key k.pub m2
expect_out "^modified: weights.bin (bytes 256:512 differ)$"
expect_err "verification FAILED: 1 problem"
run 1 "$MS" --json verify --key k.pub m2
expect_out '"verified": false'
expect_out '"problem": "modified"'
expect_out '"detail": "bytes 256:512 differ"'
fresh
flip_byte m2/weights.bin 0
flip_byte m2/weights.bin 999
printf 'x' >>m2/sub/tok.txt
run 1 "$MS" verify --key k.pub m2
expect_out "^modified: weights.bin (bytes 0:256, 768:1000 differ)$"
expect_out "^modified: sub/tok.txt (size 16 bytes, signed 15; bytes 15:16 differ)$"
fresh
echo new >m2/new.txt
run 1 "$MS" verify --key k.pub m2
expect_out "^extra: new.txt (not signed)$"
run 0 "$MS" verify --key k.pub --ignore-unsigned-files m2
run 0 "$MS" verify --key k.pub --ignore new.txt m2
fresh
rm m2/sub/tok.txt
run 1 "$MS" verify --key k.pub m2
expect_out "^missing: sub/tok.txt$"
run 1 "$MS" verify --key k.pub --ignore-unsigned-files m2
fresh
rm m2/config.json
echo extra >m2/zz
flip_byte m2/weights.bin 10
run 1 "$MS" verify --key k.pub m2
check "every difference is listed" [ "$(wc -l <"$T/out")" -eq 3 ]

# ---- tampering with the signature ----
fresh
# signed by a key that is not trusted: said so, naming the key (its claim)
run 1 "$MS" verify --key other.pub m2
expect_out "^untrusted: m2/model.sig (signed by key $keyid, which is not trusted here"
run 1 "$MS" --json verify --key other.pub m2
expect_out '"problem": "untrusted"'
expect_out "\"signer\": \"$keyid\""
expect_out '"verified": false'
# signed in the name of a trusted key, but forged: a bad signature
sed "s/\"hint\":\"[0-9a-f]*\"/\"hint\":\"$(sha256sum <other.pub | cut -c1-64)\"/; s/\"keyid\":\"[0-9a-f]*\"/\"keyid\":\"$(sha256sum <other.pub | cut -c1-64)\"/" m2/model.sig >forged.sig
run 1 "$MS" verify --key other.pub --signature forged.sig m2
expect_out "^signature: forged.sig (does not verify with the given key)$"
# ECDSA and Ed25519 keys together, none the signer
run 1 "$MS" verify --key other.pub --key "$INTEROP/oms/keys/signing-key-pub.pem" m2

# swapped payload: another model's statement under this signature
mkdir other_model && echo other >other_model/f
MODELSEAL_PASSPHRASE=pw-sign "$MS" sign --key k.key other_model >/dev/null 2>&1
theirs=$(field payload other_model/model.sig)
ours=$(field payload m2/model.sig)
sed "s|$ours|$theirs|" model/model.sig >m2/model.sig
check "payload was swapped" not cmp -s m2/model.sig model/model.sig
run 1 "$MS" verify --key k.pub m2
expect_out "^signature: "

# one flipped bit in the signature
fresh
sig=$(field sig m2/model.sig)
printf %s "$sig" | base64 -d >"$T/sig.bin"
b=$(od -An -tu1 -j5 -N1 "$T/sig.bin" | tr -d ' ')
printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$T/sig.bin" bs=1 seek=5 conv=notrunc 2>/dev/null
flipped=$(base64 -w0 "$T/sig.bin")
check "one bit flipped" [ "$flipped" != "$sig" ]
sed "s|$sig|$flipped|" model/model.sig >m2/model.sig
run 1 "$MS" verify --key k.pub m2

# malformed bundles: exit 2 with a clear error
fresh
head -c 100 model/model.sig >m2/model.sig
expect_error "$MS" verify --key k.pub m2
expect_err "not valid JSON"
echo 'this is not json' >m2/model.sig
expect_error "$MS" verify --key k.pub m2
sed 's/"signatures":\[[^]]*\]/"signatures":[]/' model/model.sig >m2/model.sig
expect_error "$MS" verify --key k.pub m2
expect_err "no signatures"
sed 's|"payloadType":"application/vnd.in-toto+json"|"payloadType":"text/plain"|' model/model.sig >m2/model.sig
expect_error "$MS" verify --key k.pub m2
expect_err "unexpected payloadType 'text/plain'"
sed 's|"payload":"|"payload":"%%|' model/model.sig >m2/model.sig
expect_error "$MS" verify --key k.pub m2
expect_err "payload is not valid base64"
sed 's|"mediaType":"[^"]*"|"mediaType":"application/json"|' model/model.sig >m2/model.sig
expect_error "$MS" verify --key k.pub m2
expect_err "unsupported bundle mediaType"
: >m2/model.sig
expect_error "$MS" verify --key k.pub m2
rm m2/model.sig
# no signature at all: do not deploy (exit 1, problem unsigned)
run 1 "$MS" verify --key k.pub m2
expect_out "^unsigned: m2 (no signature: 'm2/model.sig' does not exist"
run 1 "$MS" --json verify --key k.pub m2
expect_out '"problem": "unsigned"'
# an explicit --signature that is missing cannot be checked (exit 2)
expect_error "$MS" verify --key k.pub --signature m2/none.sig m2
expect_err "cannot open signature 'm2/none.sig'"

# a file's signature does not verify a directory, nor the reverse
run 1 "$MS" verify --key k.pub --signature model/model.sig one.bin
expect_out "^type: one.bin"

# ---- verify usage ----
run 1 "$MS" verify model
expect_err "no key is trusted"
run 1 "$MS" --json verify model
expect_out '"verified": false'
expect_out '"problem": "untrusted"'
expect_error "$MS" verify --key missing.pub model
expect_error "$MS" verify --key k.key model
expect_err "is a secret key"
expect_error "$MS" verify --key k.pub
expect_error "$MS" verify --key k.pub model one.bin
expect_error "$MS" verify --key k.pub nonexistent
expect_error "$MS" verify --key k.pub --ignore /etc model
expect_error "$MS" verify --key k.pub -j 0 model

# ---- sign failures: exit 2, no signature written ----
fresh
rm m2/model.sig
MODELSEAL_PASSPHRASE=wrong run 2 "$MS" sign --key k.key m2
expect_err "wrong passphrase"
check "no signature after a wrong passphrase" not test -e m2/model.sig
# the key is unlocked before any hashing: the model is not even looked at
MODELSEAL_PASSPHRASE=wrong run 2 "$MS" sign --key k.key no-such-model
expect_err "wrong passphrase"
cp k.key loose.key
chmod 640 loose.key
MODELSEAL_PASSPHRASE=pw-sign run 2 "$MS" sign --key loose.key m2
expect_err "accessible by group or others (mode 0640)"
chmod 604 loose.key
MODELSEAL_PASSPHRASE=pw-sign run 2 "$MS" sign --key loose.key m2
expect_err "mode 0604"
MODELSEAL_PASSPHRASE=pw-sign expect_error "$MS" sign --key k.pub m2
MODELSEAL_PASSPHRASE=pw-sign expect_error "$MS" sign --key nokey.key m2
expect_error "$MS" sign m2
expect_err "no secret key given"
MODELSEAL_PASSPHRASE=pw-sign expect_error "$MS" sign --key k.key
MODELSEAL_PASSPHRASE=pw-sign expect_error "$MS" sign --key k.key nonexistent
MODELSEAL_PASSPHRASE=pw-sign expect_error "$MS" sign --key k.key --method bogus m2
expect_error "$MS" sign --key k.key --passphrase pw-sign m2
expect_err "never taken from the command line"
MODELSEAL_PASSPHRASE=pw-sign expect_error "$MS" sign --key k.key --signature no/such/dir/x.sig m2
if command -v setsid >/dev/null; then
	run 2 setsid -w "$MS" sign --key k.key m2 </dev/null
	expect_err "no terminal to ask for it"
fi
check "no signature and no temp file after failed signs" sh -c '! ls -a m2 | grep -q -e model.sig -e "\.tmp$"'

# ---- keys made by openssl sign too ----
openssl genpkey -algorithm ed25519 -out ossl.key 2>/dev/null
chmod 600 ossl.key
openssl pkey -in ossl.key -pubout -out ossl.pub 2>/dev/null
run 0 "$MS" sign --key ossl.key m2
run 0 "$MS" verify --key ossl.pub m2
openssl pkey -in ossl.key -aes256 -passout pass:ossl-pass -out ossl-enc.key 2>/dev/null
chmod 600 ossl-enc.key
printf 'ossl-pass' >ossl-pass.txt
run 0 "$MS" sign --key ossl-enc.key --passphrase-file ossl-pass.txt m2
run 0 "$MS" verify --key ossl.pub m2
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key 2>/dev/null
chmod 600 ec.key
openssl pkey -in ec.key -pubout -out ec.pub 2>/dev/null
run 0 "$MS" sign --key ec.key m2
run 0 "$MS" verify --key ec.pub m2
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out k1.key 2>/dev/null
chmod 600 k1.key
expect_error "$MS" sign --key k1.key m2
expect_err "curve secp256k1 is not supported"

# ---- sign --json ----
MODELSEAL_PASSPHRASE=pw-sign run 0 "$MS" --json sign --key k.key --name demo --version 1.0 $H model
expect_out "\"digest\": \"$digest\""
expect_out '"name": "demo"'
expect_out '"signature": "model/model.sig"'
