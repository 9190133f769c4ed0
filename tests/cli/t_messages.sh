# Messages that name real paths and the fix, and the small things users trip
# backends: sqlite postgresql
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

# signing into a read-only model directory: the real path and --signature
mkdir -p ro
printf 'w' >ro/w.bin
if chattr +i ro 2>/dev/null; then
	run 2 "$MS" sign --key ci.key --no-record ro
	expect_err "cannot write 'ro/model.sig': directory 'ro' is not writable"
	expect_err "write the signature elsewhere with --signature FILE"
	check "no temp file named" not err_has '\.tmp'
	run 0 "$MS" sign --key ci.key --no-record --signature ro.sig ro
	chattr -i ro
elif [ "$(id -u)" -ne 0 ]; then
	chmod a-w ro
	run 2 "$MS" sign --key ci.key --no-record ro
	expect_err "write the signature elsewhere with --signature FILE"
	chmod u+w ro
else
	echo "t_messages: read-only directory test skipped (no chattr on this file system)" >&2
fi

# -v adds detail: the listing, the shard plan and timings
run 0 "$MS" -v digest --shard-size 1MiB m
expect_err "^modelseal: debug: listed 'm': 1 file(s) in "
expect_err "^modelseal: debug: plan: 1 file(s), 1 bytes, 1 task(s) (shards of 1 MiB), [0-9]* thread(s)$"
expect_err "^modelseal: debug: hashed in "
run 0 "$MS" digest m
check "no detail without -v" not err_has debug

# unpack into DEST/ (a trailing slash, as shells complete it)
run 0 "$MS" sign --key ci.key --no-record m
run 0 "$MS" pack -o m.tar m
run 0 "$MS" unpack --key ci.pub m.tar unpacked/
check "unpack DEST/ made DEST" [ -f unpacked/w.bin ]
check "nothing else beside it" [ "$(ls -d unpacked* | tr "\\n" " ")" = "unpacked " ]

# trust add again without --label keeps the label; trust remove takes a .pub
run 0 "$MS" trust add ci.pub --label release
run 0 "$MS" trust add ci.pub
expect_out "(release)$"
run 0 "$MS" trust list
expect_out " release$"
run 0 "$MS" audit
run 0 "$MS" trust remove ci.pub
expect_out "^removed [0-9a-f]\{64\}$"
run 0 "$MS" --json trust list
check "the .pub's key is no longer trusted" [ "$(jq '.keys | length' "$T/out")" = 0 ]
printf 'not a key' >junk.pub
expect_error "$MS" trust remove junk.pub

# no silent side effects: a sign that fails leaves no new, empty registry
mkdir -p fresh && printf 'w' >fresh/w.bin
run 2 env MODELSEAL_REGISTRY="$T/fresh.db" "$MS" sign --key missing.key fresh
check "failed sign (no key): no registry" [ ! -e "$T/fresh.db" ]
mkfifo fresh/pipe
run 2 env MODELSEAL_REGISTRY="$T/fresh.db" "$MS" sign --key ci.key fresh
check "failed sign (bad model): no registry" [ ! -e "$T/fresh.db" ]
rm fresh/pipe
run 0 env MODELSEAL_REGISTRY="$T/fresh.db" "$MS" sign --key ci.key fresh
check "a sign that works creates it" [ -s "$T/fresh.db" ]

# a mistyped NAME@VERSION gets the closest recorded one
run 0 "$MS" sign --key ci.key --name meta-llama/Llama-3-8B --version 1 fresh
expect_error "$MS" show meta-llama/Llama-3-8b@1
expect_err "did you mean 'meta-llama/Llama-3-8B@1'?"
expect_error "$MS" lineage meta-llama/Llama-3-8B@2
expect_err "did you mean 'meta-llama/Llama-3-8B@1'?"
expect_error "$MS" show completely-different@9
check "no hint far from every name" not err_has "did you mean"
