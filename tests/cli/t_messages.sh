# Messages that name real paths and the fix, and the small things users trip
# on (issue 14).
unset MODELSEAL_PASSPHRASE
mkdir -p m
printf 'w' >m/w.bin

# keygen: a missing directory is named; -o ci.key means ci.key + ci.pub
run 2 "$MS" keygen -o keys/ci --no-passphrase
expect_err "directory 'keys' does not exist: create it first (mkdir -p 'keys')"
check "no temp file named" not err_has '\.tmp'
run 0 "$MS" keygen -o ci.key --no-passphrase
check "keygen -o ci.key wrote ci.key" [ -f ci.key ]
check "keygen -o ci.key wrote ci.pub" [ -f ci.pub ]
check "no ci.key.key" [ ! -e ci.key.key ]
run 0 "$MS" keygen -o other.pub --no-passphrase
check "keygen -o other.pub wrote other.key" [ -f other.key ]

# sign with the public key: said so, not 'chmod 600'
run 2 "$MS" sign --key ci.pub --no-record m
expect_err "'ci.pub' is a public key; signing needs the secret key (.key)"
check "no chmod advice" not err_has chmod

# verify an archive without --archive; the signature given as MODEL
tar -C m -cf m.tar .
run 1 "$MS" verify --key ci.pub m.tar
expect_out "for the signature inside an archive, add --archive"
run 0 "$MS" sign --key ci.key --no-record m
run 2 "$MS" verify --key ci.pub m/model.sig
expect_err "'m/model.sig' is a signature, not a model: give the model it signs"

# --shard-size with units: powers of 1024 with iB, of 1000 without
for pair in 64MiB:67108864 1GiB:1073741824 1G:1000000000 500k:500000 8:8; do
	size=${pair%%:*} bytes=${pair#*:}
	a=$("$MS" digest --shard-size "$size" m 2>/dev/null)
	b=$("$MS" digest --shard-size "$bytes" m 2>/dev/null)
	check "--shard-size $size is $bytes bytes" [ -n "$a" -a "$a" = "$b" ]
	"$MS" hash --shard-size "$size" --format json m >"$T/st" 2>/dev/null
	check "--shard-size $size recorded as $bytes" grep -q "\"shard_size\": $bytes" "$T/st"
done
for bad in 0 1.5G 64Mi -1 1Q ''; do
	expect_error "$MS" digest --shard-size "$bad" m
done

# a passphrase with a trailing newline works from the environment and from a
# file alike
printf 'pw\n' >pass.txt
chmod 600 pass.txt
MODELSEAL_PASSPHRASE='pw
' "$MS" keygen -o enc >/dev/null 2>&1
run 0 "$MS" sign --key enc.key --passphrase-file pass.txt --no-record m
check "no warning for a 0600 passphrase file" not err_has warning
run 0 env MODELSEAL_PASSPHRASE=pw "$MS" sign --key enc.key --no-record m
chmod 644 pass.txt
run 0 "$MS" sign --key enc.key --passphrase-file pass.txt --no-record m
expect_err "warning: passphrase file 'pass.txt' can be read by group or others (mode 0644)"
