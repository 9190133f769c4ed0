# Issue 10 tried again as an attacker, with cases its examples did not
# name: each block fails on the code before its fix.
unset MODELSEAL_PASSPHRASE
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
has_raw_control() { LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$@"; }

# ---- hash --format sha256sum: a name sha256sum cannot escape is refused,
# never printed raw (sha256sum escapes only \, newline and CR) ----
mkdir -p sums
printf 'a' >sums/a
printf 'b' >"sums/$(printf 'x\033[2K\rverified OK')"
run 2 "$MS" hash --method files --format sha256sum sums
check "sha256sum format: no raw control byte on stdout" not has_raw_control "$T/out"
check "sha256sum format: nothing printed" [ ! -s "$T/out" ]
expect_err "has characters the sha256sum format cannot escape"
rm sums/x*
printf 'b' >"sums/$(printf 'a\342\200\256b')"
run 2 "$MS" hash --method files --format sha256sum sums
rm sums/a?*
# what sha256sum can carry still round-trips
printf 'c' >"sums/$(printf 'new\nline')"
printf 'd' >'sums/back\slash'
run 0 "$MS" hash --method files --format sha256sum sums
cp "$T/out" s.sums
check "sha256sum -c reads the escaped lines" sh -c 'cd sums && sha256sum -c --quiet ../s.sums'

# ---- a single-file statement as DIR/model.sig: the file the sets were
# compared on is the file hashed. Swapped for a directory after the
# comparison, it used to be looked up again by name and hashed as a
# directory, which --ignore-unsigned-files let pass (exit 0). strace holds
# the lookup for 3 s while the swap happens. ----
mkdir -p sf
printf 'tok' >sf/tok.json
"$MS" sign --key k.key --no-record sf/tok.json >/dev/null 2>&1
mv sf/tok.json.sig sf/model.sig
rm -f sf/tok.json.provenance.sig
run 0 "$MS" verify --key k.pub --ignore-unsigned-files sf
if command -v strace >/dev/null 2>&1 &&
	strace -o /dev/null -e inject=getpid:retval=1 true 2>/dev/null; then
	(
		sleep 1
		mv sf/tok.json sf/old
		mkdir sf/tok.json
		printf 'EVIL' >sf/tok.json/payload.bin
	) &
	strace -o /dev/null -f -P sf/tok.json -e trace=newfstatat,stat,statx,fstat \
		-e inject=newfstatat,stat,statx,fstat:delay_enter=3000000 \
		"$MS_PLAIN" verify --key k.pub --ignore-unsigned-files sf >"$T/out" 2>"$T/err"
	rc=$?
	wait
	check "a file swapped for a directory after the comparison never verifies" [ "$rc" -ne 0 ]
	rm -rf sf/tok.json
	mv sf/old sf/tok.json
fi
# the same file appended to: read up to its signed size, reported
printf 'more' >>sf/tok.json
run 1 "$MS" verify --key k.pub --ignore-unsigned-files sf
expect_out '^modified: tok.json (size 7 bytes, signed 3; '

# ---- a followed link re-pointed while its target is hashed: the target
# was unchanged, so verify said OK while the model read other bytes ----
S=hc/models--o--n/snapshots/r
mkdir -p "$S" hc/models--o--n/blobs
printf 'GOOD' >hc/models--o--n/blobs/A
printf 'EVIL' >hc/models--o--n/blobs/B
ln -s ../../blobs/A "$S/w.bin"
"$MS" sign --key k.key --no-record "$S" >/dev/null 2>&1
run 0 "$MS" verify --key k.pub "$S"
if command -v strace >/dev/null 2>&1 &&
	strace -o /dev/null -e inject=getpid:retval=1 true 2>/dev/null; then
	(
		sleep 1
		ln -sfn ../../blobs/B "$S/w.bin"
	) &
	# The blob is opened (the only openat2: the walk uses openat), and the
	# hash waits 3 s right after: the link is re-pointed meanwhile.
	strace -o /dev/null -f -e trace=openat2 -e inject=openat2:delay_exit=3000000 \
		"$MS_PLAIN" --no-progress verify --key k.pub "$S" >"$T/out" 2>"$T/err"
	rc=$?
	wait
	check "a link re-pointed during hashing never verifies" [ "$rc" -ne 0 ]
	expect_err "'w.bin' changed while the model was being hashed"
fi

# ---- a model nested deeper than any path can name: refused at once. The
# walk held every level's path while descending, so memory grew with the
# square of the depth (2000 levels of 200-byte names: 470 MB) ----
python3 - <<'PY'
import os
os.mkdir("deep")
fd = os.open("deep", os.O_RDONLY)
for _ in range(100):
    os.mkdir("d" * 200, dir_fd=fd)
    nfd = os.open("d" * 200, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
os.close(os.open("w", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
PY
run 2 "$MS" digest deep
expect_err "is nested too deep: its path is longer than 4095 bytes"
check "the error names a bounded prefix only" [ "$(wc -c <"$T/err")" -lt 400 ]

# ---- shards: an empty file has no shard, so a signed empty file that was
# written to (__init__.py with code in it) or a signed file emptied left
# nothing to compare by range, and --ignore-unsigned-files skipped the
# root check: verify passed. Now named, with both sizes ----
mkdir -p em/pkg
: >em/pkg/__init__.py
head -c 3000 /dev/urandom >em/w.bin
run 0 "$MS" sign --key k.key --no-record em
printf 'import os\n' >em/pkg/__init__.py
run 1 "$MS" verify --key k.pub --ignore-unsigned-files em
expect_out '^modified: pkg/__init__.py (size 10 bytes, signed 0)$'
run 1 "$MS" verify --key k.pub em
expect_out '^modified: pkg/__init__.py (size 10 bytes, signed 0)$'
: >em/pkg/__init__.py
: >em/w.bin
run 1 "$MS" verify --key k.pub --ignore-unsigned-files em
expect_out '^modified: w.bin (size 0 bytes, signed 3000)$'
check "one problem, named once" [ "$(grep -c . "$T/out")" -eq 1 ]
# the same in an archive: the filled empty file has a resource the
# statement has not, which was an "extra" that --ignore-unsigned-files hid
mkdir -p ea/pkg
: >ea/pkg/__init__.py
head -c 3000 /dev/urandom >ea/w.bin
tar -cf ea.tar -C ea pkg w.bin
run 0 "$MS" sign --key k.key --no-record --archive ea.tar
printf 'import os\n' >ea/pkg/__init__.py
tar -cf ea.tar -C ea pkg w.bin
run 1 "$MS" verify --key k.pub --archive --ignore-unsigned-files ea.tar
expect_out '^modified: pkg/__init__.py (size 10 bytes, signed 0)$'

# ---- revoke's question on a terminal showed a key's label (from an
# imported trust file) raw; usage errors showed their operand raw ----
"$MS" keygen -o lab --no-passphrase >/dev/null 2>&1
"$MS" --registry other.db trust add lab.pub --label ci >/dev/null 2>&1
"$MS" --registry other.db trust export -o tf.json >/dev/null 2>&1
python3 - tf.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["keys"][0]["label"] = "ci\x1b[2K\rverified OK"
json.dump(d, open(sys.argv[1], "w"))
PY
run 0 "$MS" trust import tf.json
if command -v script >/dev/null 2>&1; then
	echo n | script -qc "'$MS' revoke lab.pub --reason lost" /dev/null >"$T/out" 2>&1
	check "revoke's question escapes the label" grep -q 'ci\\x1b\[2K\\rverified OK' "$T/out"
	check "revoke's question has no raw ESC" not grep -q "$(printf '\033')" "$T/out"
fi
run 2 "$MS" hash --format "$(printf 'x\033[2Kz')" sums
check "a usage error escapes its operand" not has_raw_control "$T/err"
expect_err "unknown --format 'x\\\\x1b\[2Kz'"

# ---- require_ancestor reads provenance from sibling directories: whoever
# can write there made it parse up to 4096 bundles of 128 MiB (hours).
# Provenance files are small: one over 1 MiB is passed over, and reading
# stops after 16 MiB, both with a warning ----
mkdir -p sib/base sib/mid sib/ft
for d in base mid ft; do head -c 50 /dev/urandom >"sib/$d/w"; done
"$MS" --registry sib.db trust add k.pub >/dev/null 2>&1
"$MS" --registry sib.db sign --key k.key --no-record sib/base >/dev/null 2>&1
"$MS" --registry sib.db sign --key k.key --no-record --parent sib/base=finetune sib/mid >/dev/null 2>&1
"$MS" --registry sib.db sign --key k.key --no-record --parent sib/mid=finetune sib/ft >/dev/null 2>&1
printf '{"version": 1, "require_ancestor": ["%s"]}' "$("$MS" digest sib/base)" >sib.json
rm -r sib/mid # the chain is broken: every sibling file is read
python3 - sib/ft/model.provenance.sig <<'PY'
import base64, json, sys
b = json.load(open(sys.argv[1]))
st = json.loads(base64.b64decode(b["dsseEnvelope"]["payload"]))
for name, size in (("pad", 600 << 10), ("big", 2 << 20)):
    st["predicate"]["pad"] = "x" * size
    b["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(st).encode()).decode()
    json.dump(b, open("sib/" + name + ".provenance.sig", "w"))
PY
for i in $(seq 1 40); do ln sib/pad.provenance.sig "sib/p$i.provenance.sig"; done
run 1 timeout 60 "$MS" verify --key k.pub --policy sib.json sib/ft
expect_err "big.provenance.sig' is too large for a provenance statement (over 1 MiB): not read"
expect_err "provenance files beside the model were read up to 16 MiB"

# ---- sign printed the signature and provenance paths raw: they hold the
# model's directory name, which may come with the model ----
evil=$(printf 'up\033[2K\rloaded')
mkdir -p "$evil"
printf 'w' >"$evil/w"
run 0 "$MS" sign --key k.key --no-record "$evil"
check "sign's report has no raw control byte" not has_raw_control "$T/out"
expect_out '^signature: up\\x1b\[2K\\rloaded/model.sig$'
