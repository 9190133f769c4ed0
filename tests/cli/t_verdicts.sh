# Verdicts that cannot be fooled (issue 10): the kind of model is bound to
# backends: sqlite postgresql
# its signature, file sets are compared before hashing, empty files count,
# untrusted input cannot hang verify or paint over its verdict.
unset MODELSEAL_PASSPHRASE
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1

# ---- a single-file signature copied into a directory ----
mkdir -p dir
printf '{"vocab": 1}' >dir/tok.json
head -c 4096 /dev/urandom >dir/model.safetensors
run 0 "$MS" sign --key k.key --no-record dir/tok.json
cp dir/tok.json.sig dir/model.sig
rm dir/tok.json.sig
run 1 "$MS" verify --key k.pub dir
expect_out "^extra: model.safetensors (not signed"
expect_out "^type: dir (the signature is for the single file 'tok.json', not for this directory)$"
printf '{"version": 1, "trusted_keys": ["k.pub"], "allow_unsigned_files": false}\n' >strict.json
run 1 "$MS" verify --key k.pub --policy strict.json dir
run 1 "$MS" --json verify --key k.pub dir
expect_out '"problem": "type"'
# ... and a directory signature used for one of its files
mkdir -p d2
printf 'a' >d2/a.bin
run 0 "$MS" sign --key k.key --no-record d2
run 1 "$MS" verify --key k.pub --signature d2/model.sig d2/a.bin
expect_out "^type: d2/a.bin (the signature is for a directory, this is a file)$"

# ---- a single empty file: its statement lists "." as the empty file ----
# (shards: an empty file has no shard, so without it the statement would be
# an empty directory's, and the model's own verify refused it)
: >empty.bin
run 0 "$MS" sign --key k.key --no-record empty.bin
run 0 "$MS" verify --key k.pub empty.bin
jq -r .dsseEnvelope.payload empty.bin.sig | base64 -d >"$T/stmt"
check "single empty file listed as ." test "$(jq -c .predicate.empty_files "$T/stmt")" = '["."]'
check "no resources for it" test "$(jq -c .predicate.resources "$T/stmt")" = '[]'
printf 'x' >empty.bin
run 1 "$MS" verify --key k.pub empty.bin
: >empty.bin
# its signature does not pass for an empty directory, nor the reverse
mkdir -p ed
run 1 "$MS" verify --key k.pub --signature empty.bin.sig ed
expect_out "^missing: empty.bin$"
expect_out "^type: ed (the signature is for the single file 'empty.bin', not for this directory)$"
run 0 "$MS" sign --key k.key --no-record --signature ed.sig ed
run 1 "$MS" verify --key k.pub --signature ed.sig empty.bin
expect_out "^type: empty.bin (the signature is for a directory, this is a file)$"
# model_signing's layout DIR/FILE + DIR/model.sig, and nothing else there
mkdir -p es
: >es/empty.bin
cp empty.bin.sig es/model.sig
run 0 "$MS" verify --key k.pub es
printf 'x' >es/other
run 1 "$MS" verify --key k.pub es
expect_out "^extra: other (not signed"
# hash --part/--merge gives the same statement
"$MS" hash --format json empty.bin >"$T/whole.json"
"$MS" hash --part 1/2 --format json empty.bin >"$T/p1.json"
"$MS" hash --part 2/2 --format json empty.bin >"$T/p2.json"
run 0 "$MS" hash --merge "$T/p1.json" "$T/p2.json"
check "merge of a single empty file equals the whole" cmp -s "$T/out" "$T/whole.json"

# ---- extra files are reported and never read; signed files are read up
# to their signed sizes, small ones while the walk lists them ----
mkdir -p big
head -c 1000 /dev/urandom >big/w.bin
run 0 "$MS" sign --key k.key --no-record big
# 1 TiB sparse, unsigned: reading it would take many minutes
truncate -s 1T big/huge.bin
run 1 timeout 20 "$MS" verify --key k.pub big
expect_out "^extra: huge.bin (not signed)$"
# the same under strace: huge.bin is never opened
if command -v strace >/dev/null 2>&1; then
	strace -f -e trace=openat,openat2 -o "$T/trace" "$MS_PLAIN" verify --key k.pub big \
		>/dev/null 2>&1
	check "an unsigned file is never opened" not grep -q 'huge.bin' "$T/trace"
fi
rm big/huge.bin
# a signed file that grew is read only up to its signed size
truncate -s 1T big/w.bin
run 1 timeout 20 "$MS" verify --key k.pub big
expect_out "^modified: w.bin (size 1099511627776 bytes, signed 1000; bytes"
# the same for a small file, hashed while the walk lists it: its first
# 1000 bytes are the signed ones, the 4 more are what differs
head -c 1000 /dev/urandom >small.bin
mkdir -p grown && cp small.bin grown/w.bin && head -c 3000 /dev/urandom >grown/x.bin
run 0 "$MS" sign --key k.key --no-record --shard-size 4096 grown
printf 'more' >>grown/w.bin
run 1 "$MS" verify --key k.pub grown
expect_out "^modified: w.bin (size 1004 bytes, signed 1000; bytes 1000:1004 differ)$"
check "... and nothing else" [ "$(grep -c . "$T/out")" -le 2 ]
# missing files are reported with the extras, and every problem is named
rm big/w.bin
printf 'new' >big/n.bin
run 1 "$MS" verify --key k.pub big
expect_out "^missing: w.bin$"
expect_out "^extra: n.bin (not signed)$"

# ---- empty files (shards: they have no shard) ----
mkdir -p e/pkg
head -c 300 /dev/urandom >e/w.bin
: >e/pkg/__init__.py
run 0 "$MS" sign --key k.key --no-record --shard-size 128 e
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$2"; }
field payload e/model.sig | base64 -d >"$T/stmt"
check "empty_files in the statement" grep -q '"empty_files"' "$T/stmt"
check "empty file named" grep -q '"pkg/__init__.py"' "$T/stmt"
run 0 "$MS" verify --key k.pub e
: >e/__init__.py
run 1 "$MS" verify --key k.pub e
expect_out "^extra: __init__.py (not signed)$"
rm e/__init__.py e/pkg/__init__.py
run 1 "$MS" verify --key k.pub e
expect_out "^missing: pkg/__init__.py$"
: >e/pkg/__init__.py
run 0 "$MS" verify --key k.pub e
# the root digest is still model_signing's: empty_files is outside it
digest=$("$MS" digest --shard-size 128 e)
check "root digest unchanged by empty_files" grep -q "${digest#sha256:}" "$T/stmt"
# files method: an empty file is a resource of its own
mkdir -p ef
printf 'x' >ef/a
: >ef/empty
run 0 "$MS" sign --key k.key --no-record --method files ef
rm ef/empty
run 1 "$MS" verify --key k.pub ef
expect_out "^missing: empty$"
: >ef/empty
: >ef/new
run 1 "$MS" verify --key k.pub ef
expect_out "^extra: new (not signed)$"
# the same through an archive of the model
tar -C e -cf e.tar .
run 0 "$MS" sign --key k.key --no-record --shard-size 128 --archive --signature e.tar.sig e.tar
run 0 "$MS" verify --key k.pub --archive e.tar
mkdir -p e2 && cp -r e/. e2/ && rm e2/pkg/__init__.py && rm -f e2/model.sig
tar -C e2 -cf e2.tar .
run 1 "$MS" verify --key k.pub --archive --signature e.tar.sig e2.tar
expect_out "^missing: pkg/__init__.py$"

# ---- nothing from the model can hang verify or blow up its memory ----
mkdir -p f
printf 'w' >f/w.bin
mkfifo f/model.sig
run 2 timeout 10 "$MS" verify --key k.pub f
expect_err "signature 'f/model.sig' is not a regular file"
rm f/model.sig
run 0 "$MS" sign --key k.key --no-record f
mkfifo f/pipe
run 2 timeout 10 "$MS" verify --key k.pub f
expect_err "'pipe' is not a regular file or directory"
rm f/pipe
# 32 MiB of "[0,0,...]": cJSON would need about 1.3 GB for it
python3 -c "import sys; sys.stdout.write('[' + '0,' * (16 << 20) + '0]')" >zeros.sig
if [ -x /usr/bin/time ]; then
	run 2 /usr/bin/time -f 'maxrss %M' "$MS_PLAIN" verify --key k.pub --signature zeros.sig f
	rss=$(sed -n 's/^maxrss //p' "$T/err")
	check "a hostile bundle costs little memory ($rss KiB)" [ "${rss:-999999}" -lt 200000 ]
else
	run 2 "$MS" verify --key k.pub --signature zeros.sig f
fi
expect_err "too many JSON values for its size"
# past ulimit -f a write fails with EFBIG: reported, and no temp file left
head -c 200000 /dev/urandom >f/big.bin
rm f/model.sig
run 2 sh -c 'ulimit -f 1; exec "$0" sign --key k.key --no-record f' "$MS"
expect_err "cannot write 'f/model.sig' (write): File too large"
check "no temp file left" not sh -c 'ls -a f | grep -q tmp'
check "no signature left" [ ! -e f/model.sig ]

# ---- two signs of one model at once: disk and registry agree ----
mkdir -p c
head -c 2000000 /dev/urandom >c/w.bin
"$MS" keygen -o k2 --no-passphrase >/dev/null 2>&1
for round in 1 2 3 4 5 6; do
	"$MS" sign --key k.key c >"$T/o1" 2>&1 &
	"$MS" sign --key k2.key c >"$T/o2" 2>&1 &
	wait
	"$MS" --json show --key k.pub --key k2.pub c >"$T/show" 2>/dev/null
	hint=$(sed -n 's/.*"hint":"\([0-9a-f]*\)".*/\1/p' c/model.sig)
	check "round $round: registry's signer is the signature's ($hint)" \
		grep -q "\"signer\": \"$hint\"" "$T/show"
	run 0 "$MS" verify --key k.pub --key k2.pub c
done
# a temp file left by a killed sign is ours to remove, never hashed
printf 'half a bundle' >c/model.sig.4242.0.tmp
printf 'not ours' >c/model.sig.notes.tmp
run 0 "$MS" sign --key k.key --no-record c
expect_err "removed 'c/model.sig.4242.0.tmp', left by an interrupted sign"
check "the stale temp file is gone" [ ! -e c/model.sig.4242.0.tmp ]
check "a file that only looks alike is kept" [ -e c/model.sig.notes.tmp ]
run 0 "$MS" verify --key k.pub c
rm c/model.sig.notes.tmp
run 1 "$MS" verify --key k.pub c
expect_out "^missing: model.sig.notes.tmp$"

# ---- untrusted text never reaches the terminal raw ----
has_raw_control() { LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$@"; }
mkdir -p esc
printf 'w' >esc/w.bin
run 0 "$MS" sign --key k.key --no-record esc
evil=$(printf 'x\033[2K\rverified OK')
printf 'z' >"esc/$evil"
run 1 "$MS" verify --key k.pub esc
expect_out '^extra: x\\x1b\[2K\\rverified OK (not signed)$'
check "no raw control byte on stdout" not has_raw_control "$T/out"
check "no raw control byte on stderr" not has_raw_control "$T/err"
# JSON stays exact: the name reads back byte for byte
run 1 "$MS" --json verify --key k.pub esc
check "JSON carries the exact name" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert any(p["path"] == "x\x1b[2K\rverified OK" for p in d["problems"]), d' "$T/out"
rm "esc/$evil"
# bidirectional overrides and C1 controls are shown as code points
rlo=$(printf 'a\342\200\256b')
printf 'z' >"esc/$rlo"
run 1 "$MS" verify --key k.pub esc
expect_out '^extra: a\\u202eb (not signed)$'
rm "esc/$rlo"
# a backslash is doubled on stdout, so escapes cannot be faked
printf 'z' >'esc/a\x1bb'
run 1 "$MS" verify --key k.pub esc
expect_out '^extra: a\\\\x1bb (not signed)$'
rm 'esc/a\x1bb'
# error messages: a missing key named with a control byte
run 2 "$MS" verify --key "$(printf 'k\033]0;pwned\007.pub')" esc
check "no raw control byte in the error" not has_raw_control "$T/err"
expect_err "k\\\\x1b]0;pwned\\\\x07.pub"
# labels are refused with control bytes; names edited into the registry
# behind modelseal's back are escaped when shown
run 2 "$MS" trust add k.pub --label "$(printf 'ci\033[31mred')"
run 0 "$MS" sign --key k.key --name clean --version 1 esc
if on_sqlite; then esc="char(27)"; else esc="chr(27)"; fi
reg_tamper "$MODELSEAL_REGISTRY" "UPDATE models SET name = 'x' || $esc || '[2Kok' WHERE name = 'clean'"
check "a name with ESC is in the registry" [ "$(regsql "$MODELSEAL_REGISTRY" "SELECT count(*) FROM models WHERE name LIKE 'x_[2Kok'")" = 1 ]
# ... and in its 'signed' event (the newest event, its hash recomputed, so
# that the chain holds and log and show take the name from it)
ev=$(regsql "$MODELSEAL_REGISTRY" "SELECT id, time, subject, prev_hash FROM events ORDER BY id DESC LIMIT 1")
ev_id=$(echo "$ev" | cut -d'|' -f1) ev_time=$(echo "$ev" | cut -d'|' -f2)
ev_subject=$(echo "$ev" | cut -d'|' -f3) ev_prev=$(echo "$ev" | cut -d'|' -f4)
ev_detail=$(regsql "$MODELSEAL_REGISTRY" "SELECT replace(detail, '\"name\":\"clean\"', '\"name\":\"x\\u001b[2Kok\"')
	FROM events WHERE id = $ev_id")
ev_hash=$(python3 "$here/../tools/forge_events.py" hash "$ev_id" "$ev_time" signed "$ev_subject" "$ev_detail" "$ev_prev")
reg_tamper "$MODELSEAL_REGISTRY" "UPDATE events SET detail = '$ev_detail', hash = '$ev_hash' WHERE id = $ev_id"
run 0 "$MS" audit
"$MS" log >"$T/out" 2>"$T/err"
check "log shows the name from the registry, escaped" grep -q '^x\\x1b\[2Kok@1 ' "$T/out"
check "... with no raw control byte" not has_raw_control "$T/out"
"$MS" show "$ev_subject" >"$T/out" 2>"$T/err"
check "show shows it escaped" grep -q '^name  *x\\x1b\[2Kok@1$' "$T/out"
check "... with no raw control byte" not has_raw_control "$T/out"

# ---- statements in any resource order (OMS orders by code point,
# model_signing by path components): the root is over the listed order ----
mkdir -p ord/a
printf 'one' >ord/a/x
printf 'two' >ord/a-b
printf 'three' >ord/b
"$MS" hash --method files --format json ord >sorted.json
python3 - sorted.json reordered.json <<'PY'
import hashlib, json, sys
st = json.load(open(sys.argv[1]))
res = st["predicate"]["resources"]
res.sort(key=lambda r: r["name"].encode())  # code point order: a-b before a/x
assert [r["name"] for r in res] != [r["name"] for r in json.load(open(sys.argv[1]))["predicate"]["resources"]]
root = hashlib.sha256(b"".join(bytes.fromhex(r["digest"]) for r in res)).hexdigest()
st["subject"][0]["digest"]["sha256"] = root
open(sys.argv[2], "w").write(json.dumps(st, indent=2))
PY
"$MS_TOOL" sign k.key application/vnd.in-toto+json reordered.json >ord.sig 2>/dev/null
run 0 "$MS" verify --key k.pub --signature ord.sig ord
printf 'TWO' >ord/a-b
run 1 "$MS" verify --key k.pub --signature ord.sig ord
expect_out "^modified: a-b (content differs)$"

# ---- the listing made ahead (issue 17): while the signature is checked, a
# thread lists the model with the rules a default statement gives; it is
# used only when the verified statement's rules are the same ----
mkdir -p la/sub
printf 'one' >la/a.bin
printf 'two' >la/sub/b.bin
run 0 "$MS" sign --key k.key --no-record la
run 0 "$MS" -v verify --key k.pub la
expect_err "listed 'la' ahead: 2 file(s) in .* s, used$"
printf 'x' >la/extra.bin
run 1 "$MS" -v verify --key k.pub la
expect_out "^extra: extra.bin (not signed"
expect_err "ahead: 3 file(s) .*, used$"
rm la/extra.bin
# a statement with other rules: the listing ahead is dropped, the walk
# with the statement's rules decides
printf 'attr' >la/.gitattributes
run 0 "$MS" sign --key k.key --no-record --no-ignore-git la
run 0 "$MS" -v verify --key k.pub la
expect_err "ahead: .*not used (the statement's rules select other files)$"
printf 'ATTR' >la/.gitattributes
run 1 "$MS" verify --key k.pub la
expect_out "^modified: .gitattributes"
mkfifo la/pipe
run 2 timeout 10 "$MS" verify --key k.pub la
expect_err "'pipe' is not a regular file or directory"
rm la/pipe la/.gitattributes
# a listing ahead that fails (a symlink the default rules refuse, which the
# statement ignores) is dropped without a word: not an error, not on stderr
ln -s a.bin la/alias
run 0 "$MS" sign --key k.key --no-record --ignore alias la
run 0 "$MS" verify --key k.pub la
check "the failed listing ahead printed nothing" [ ! -s "$T/err" ]
run 0 "$MS" -v verify --key k.pub la
expect_err "ahead: .*not used (the listing failed)$"
# a signature that does not verify: the listing is stopped and dropped
rm la/alias
run 0 "$MS" sign --key k.key --no-record la
"$MS" keygen -o other --no-passphrase >/dev/null 2>&1
run 1 "$MS" -v verify --key other.pub la
expect_err "ahead: .*not needed$"
check "no verdict on the files" not out_has "^extra\\|^missing\\|^modified"
# ... at once, not after the whole tree: on a slow file system (strace adds
# 20 ms to every directory read) 600 directories took 24 s to list
if command -v strace >/dev/null 2>&1 &&
	strace -o /dev/null -e inject=getpid:retval=1 true 2>/dev/null; then
	mkdir -p slow
	printf 'w' >slow/w.bin
	run 0 "$MS" sign --key k.key --no-record slow
	i=0
	while [ $i -lt 300 ]; do
		mkdir -p slow/d$i/e
		i=$((i + 1))
	done
	run 1 timeout 8 strace -f -o /dev/null -e trace=getdents64 \
		-e inject=getdents64:delay_enter=20000 "$MS_PLAIN" verify --key other.pub slow
	expect_out "^untrusted: "
fi
