# Archives: --archive digests equal the directory's, pack is deterministic,
# unpack verifies before anything appears, hostile archives are refused.
unset MODELSEAL_PASSPHRASE
PY=python3
nothing_left() { ! ls -a "$1" | grep -q 'modelseal-unpack\|unpack-\|\.tmp$'; }
# flip_byte FILE OFFSET
flip_byte() {
	old=$(dd if="$1" bs=1 skip="$2" count=1 2>/dev/null)
	new=X
	[ "$old" = X ] && new=Y
	printf %s "$new" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# zip_dir ZIP DIR [PREFIX]: DIR's files into ZIP, names under PREFIX.
zip_dir() {
	$PY - "$@" <<'EOF'
import os, sys, zipfile
out, top = sys.argv[1], sys.argv[2]
prefix = sys.argv[3] if len(sys.argv) > 3 else ""
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for d, dirs, files in os.walk(top):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            z.write(p, prefix + os.path.relpath(p, top))
EOF
}

mkdir -p model/sub/deep model/.git
head -c 70000 /dev/urandom >model/weights.bin
head -c 2500 /dev/urandom >"model/sub/with space.bin"
printf 'tok' >model/sub/deep/t.txt
: >model/empty
printf '[core]' >model/.git/config
printf 'u' >"model/sub/h\303\251llo w\303\266rld.bin"                 # UTF-8 name
printf 'l' >"model/sub/$(printf 'long%.0s' $(seq 1 30)).bin" # needs a pax header
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
"$MS" keygen -o other --no-passphrase >/dev/null 2>&1

# ---- every format, both methods: the archive's digest is the directory's ----
tar cf m.tar model
gzip -9 -c m.tar >m.tar.gz
bzip2 -c m.tar >m.tar.bz2
xz -c m.tar >m.tar.xz
zstd -q -c m.tar >m.tar.zst
zip_dir m.zip model model/
(cd model && tar cf ../flat.tar .)
zip_dir flat.zip model
for H in "--method files" "--method shards --shard-size 1000" "--hash blake2b --shard-size 4096"; do
	want=$("$MS" digest $H model)
	for a in m.tar m.tar.gz m.tar.bz2 m.tar.xz m.tar.zst m.zip flat.tar flat.zip; do
		run 0 "$MS" digest $H --archive $a
		expect_out_is "$want"
	done
done
run 0 "$MS" hash --format json --archive m.tar.zst
expect_out '"name": *"model"'
run 0 "$MS" hash --format json --archive flat.tar
expect_out '"name": *"flat"'
run 0 "$MS" hash --shard-size 1000 --archive m.tar.gz
check "archive manifest equals the directory's" \
	[ "$(cat "$T/out")" = "$("$MS" hash --shard-size 1000 model)" ]
run 0 "$MS" --json digest --archive m.zip
expect_out '"files": 6'
# The ignore rules apply below the archive's root.
run 0 "$MS" digest --no-ignore-git --archive m.tar
expect_out_is "$("$MS" digest --no-ignore-git model)"
run 0 "$MS" digest --ignore sub --archive m.tar.xz
expect_out_is "$("$MS" digest --ignore sub model)"

# A member big enough to be hashed straight from an uncompressed tar.
mkdir -p big
head -c 4500000 /dev/urandom >big/w.bin
printf x >big/small
tar cf big.tar big
for H in "--method files" "--shard-size 1000000" "--shard-size 4500000"; do
	run 0 "$MS" digest $H -j 3 --archive big.tar
	expect_out_is "$("$MS" digest $H big)"
done

# Members at the top next to a directory: the archive's top is the root
# (and x/.git, skipped while x looked like the root, is hashed after all).
mkdir -p mixed/x/.git
printf 1 >mixed/x/f
printf 2 >mixed/x/.git/c
printf 3 >mixed/zz
(cd mixed && tar cf ../mixed.tar x zz)
run 0 "$MS" digest --archive mixed.tar
expect_out_is "$("$MS" digest mixed)"

# Links, with --allow-symlinks: hashed as their target, as on disk.
mkdir -p linked/d
printf 'target' >linked/d/t
ln -s d/t linked/sym
ln linked/d/t linked/hard
tar cf linked.tar linked
run 0 "$MS" digest --allow-symlinks --archive linked.tar
expect_out_is "$("$MS" digest --allow-symlinks linked)"
expect_error "$MS" digest --archive linked.tar
expect_err "link (use --allow-symlinks"

# ---- sign, verify, pack ----
expect_error "$MS" pack model
expect_err "no signature"
run 0 "$MS" sign --key k.key --shard-size 1000 model
digest=$("$MS" digest --shard-size 1000 model)
for ext in tar tar.gz tgz tar.bz2 tar.xz tar.zst zip; do
	run 0 "$MS" pack -o p1.$ext model
	sleep 0 && "$MS" pack -q -o p2.$ext model
	check "pack .$ext twice gives the same bytes" cmp -s p1.$ext p2.$ext
	run 0 "$MS" digest --shard-size 1000 --archive p1.$ext
	expect_out_is "$digest"
	run 0 "$MS" verify --key k.pub --archive p1.$ext
	expect_out "^verified $digest"
done
run 0 "$MS" pack model
check "default archive is model.tar.zst" [ -f model.tar.zst ]
check "pack leaves no temp file" nothing_left .
check "members are sorted, signature first, owner 0/0" \
	sh -c "tar tvf p1.tar | head -3 | grep -q '0/0.*model/model.sig'"
check "mtime and modes are normalised" sh -c "! tar tvf p1.tar | grep -v '1980-01-01' | grep -q ."
expect_error "$MS" pack -o out.rar model
expect_err "archive format"
expect_error "$MS" pack -o model/self.tar model
expect_error "$MS" pack
expect_error "$MS" pack -o x.tar nosuchdir

# The signature beside the archive wins over the member.
run 0 "$MS" sign --key other.key --shard-size 1000 --archive p1.tar
check "sign --archive writes ARCHIVE.sig" [ -f p1.tar.sig ]
run 1 "$MS" verify --key k.pub --archive p1.tar
run 0 "$MS" verify --key other.pub --archive p1.tar
run 0 "$MS" verify --key k.pub --signature model/model.sig --archive p1.tar
rm p1.tar.sig
run 1 "$MS" verify --key k.pub --archive m.tar
expect_out "^unsigned: m.tar (no signature: neither 'm.tar.sig' nor a model.sig member)$"

# A flipped content byte: verify fails, unpack leaves nothing.
cp p1.tar bad.tar
off=$($PY -c "print(open('bad.tar','rb').read().find(open('model/weights.bin','rb').read()[:64]))")
check "weights found in the tar" [ "$off" -gt 0 ]
flip_byte bad.tar $((off + 500))
run 1 "$MS" verify --key k.pub --archive bad.tar
expect_out "^modified: weights.bin"
run 1 "$MS" unpack --key k.pub bad.tar dest
check "tampered archive: no DEST" [ ! -e dest ]
check "tampered archive: no temp dir" nothing_left .

# ---- unpack ----
run 0 "$MS" unpack --key k.pub p1.tar.zst dest
expect_out "^verified $digest"
check "DEST/model.sig exists" [ -f dest/model.sig ]
check "unpacked tree equals the model's signed files" diff -r -x .git model dest
check "ignored (unsigned) members are not unpacked" [ ! -e dest/.git ]
run 0 "$MS" verify --key k.pub dest
check "no temp dir left" nothing_left .
expect_error "$MS" unpack --key k.pub p1.zip dest
expect_err "already exists"
mkdir empty-dest
run 0 "$MS" unpack --key k.pub p1.zip empty-dest
check "unpack into an empty directory" [ -f empty-dest/weights.bin ]
run 1 "$MS" unpack --key other.pub p1.tar d2
check "wrong key: no DEST" [ ! -e d2 ]
# Signature beside the archive: DEST/model.sig is the one that verified.
"$MS" sign -q --key k.key --archive m.tar.gz >/dev/null 2>&1
run 0 "$MS" unpack --key k.pub m.tar.gz d3
check "ARCHIVE.sig becomes DEST/model.sig" cmp -s m.tar.gz.sig d3/model.sig
run 0 "$MS" --json unpack --key k.pub p1.tar.xz d4
expect_out '"unpacked": true'
expect_error "$MS" unpack --key k.pub p1.tar
expect_error "$MS" unpack --key k.pub nosuch.tar d5
run 1 "$MS" unpack p1.tar d6
check "no key: no DEST" [ ! -e d6 ]

# ---- hostile archives: refused, nothing written outside (or at all) ----
mkdir -p jail
$PY - <<'EOF'
import io, tarfile, zipfile
def add(t, name, data=b"x", **kw):
    i = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(i, k, v)
    if i.type == tarfile.REGTYPE:
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
    else:
        t.addfile(i)
def make(path, members):
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as t:
        add(t, "model/weights.bin", open("model/weights.bin", "rb").read())
        for m in members:
            add(t, *m[:2], **(m[2] if len(m) > 2 else {}))
make("dotdot.tar", [("model/../../escaped", b"evil")])
make("absolute.tar", [("/tmp/modelseal-test-absolute-escape", b"evil")])
make("symlink.tar", [("model/link", b"", {"type": tarfile.SYMTYPE, "linkname": "../../jail"}),
                     ("model/link/pwned", b"evil")])
make("hardlink.tar", [("model/h", b"", {"type": tarfile.LNKTYPE, "linkname": "/etc/passwd"})])
make("dup.tar", [("model/weights.bin", b"second")])
make("fifo.tar", [("model/fifo", b"", {"type": tarfile.FIFOTYPE})])
make("device.tar", [("model/dev", b"", {"type": tarfile.CHRTYPE, "devmajor": 1, "devminor": 3})])
make("dirfile.tar", [("model/weights.bin/x", b"evil")])
make("throughlink.tar", [("model/sub", b"", {"type": tarfile.DIRTYPE}),
                         ("model/link", b"", {"type": tarfile.SYMTYPE, "linkname": "sub"}),
                         ("model/link/x", b"through")])
with zipfile.ZipFile("dotdot.zip", "w") as z:
    z.writestr("model/weights.bin", open("model/weights.bin", "rb").read())
    z.writestr("model/../../zip-escaped", b"evil")
# A member that declares 8 GiB and holds 10 bytes.
with open("huge.tar", "wb") as f:
    i = tarfile.TarInfo("model/huge")
    i.size = 8 << 30
    f.write(i.tobuf(format=tarfile.GNU_FORMAT))
    f.write(b"0123456789")
EOF
for a in dotdot.tar absolute.tar symlink.tar throughlink.tar hardlink.tar dup.tar fifo.tar \
	device.tar dirfile.tar dotdot.zip; do
	expect_error "$MS" digest --archive $a
	expect_error "$MS" digest --allow-symlinks --archive $a
	cp model/model.sig $a.sig
	run 1 "$MS" verify --key k.pub --archive $a
	run 1 "$MS" unpack --key k.pub $a jail/dest
	check "$a: no DEST" [ ! -e jail/dest ]
done
check "nothing escaped" sh -c '[ ! -e escaped ] && [ ! -e ../escaped ] && [ ! -e zip-escaped ]'
check "no absolute write" [ ! -e /tmp/modelseal-test-absolute-escape ]
check "nothing written through the symlink" [ ! -e jail/pwned ]
check "jail holds nothing" [ -z "$(ls -A jail)" ]
run 2 "$MS" digest --archive dotdot.tar
expect_err "climbs out"
run 2 "$MS" digest --archive absolute.tar
expect_err "absolute"
run 2 "$MS" digest --archive dup.tar
expect_err "appears twice"
run 2 "$MS" digest --archive fifo.tar
expect_err "fifo"
run 2 "$MS" digest --allow-symlinks --archive symlink.tar
expect_err "model/link"
run 2 "$MS" digest --allow-symlinks --archive throughlink.tar
expect_err "'model/link' is not a directory"
run 2 "$MS" digest --archive huge.tar
expect_err "truncated"
cp model/model.sig huge.tar.sig
run 1 "$MS" unpack --key k.pub huge.tar jail/dest
expect_err "'model/huge' is not in the signed statement"
check "huge: no DEST" [ ! -e jail/dest ]

# Links in a model signed with --allow-symlinks: unpacked as links, and a
# link out of the model is refused before it is created.
run 0 "$MS" sign --key k.key --allow-symlinks linked
run 0 "$MS" pack -o linked.tgz linked
run 0 "$MS" unpack --key k.pub linked.tgz jail/linked
check "symlink unpacked as a link" [ -L jail/linked/sym ]
run 0 "$MS" verify --key k.pub jail/linked
rm -rf jail/linked
$PY - <<'EOF'
import tarfile
with tarfile.open("linkout.tar", "w") as t:
    t.add("linked")
    i = tarfile.TarInfo("linked/out")
    i.type, i.linkname = tarfile.SYMTYPE, "../../../../../../etc/passwd"
    t.addfile(i)
EOF
cp linked/model.sig linkout.tar.sig
run 0 "$MS" verify --key k.pub --archive linked.tgz
run 1 "$MS" verify --key k.pub --archive linkout.tar
expect_err "points outside"
run 1 "$MS" unpack --key k.pub linkout.tar jail/dest
check "link out: jail still empty" [ -z "$(ls -A jail)" ]

# Sparse members (GNU and pax 1.0 maps): refused, a map could declare
# petabytes of holes.
mkdir -p sp
truncate -s 6000000 sp/holes
printf 'data' | dd of=sp/holes bs=1 seek=5000000 conv=notrunc 2>/dev/null
tar -S --format=gnu -cf sparse-gnu.tar sp
tar -S --format=pax -cf sparse-pax.tar sp
for a in sparse-gnu.tar sparse-pax.tar; do
	run 2 "$MS" digest --archive $a
	expect_err "sparse"
done

# Truncated and corrupt archives: an error, never a crash or a hang.
size=$(wc -c <m.tar.gz)
head -c $((size / 2)) m.tar.gz >trunc.tar.gz
run 2 "$MS" digest --archive trunc.tar.gz
expect_err "truncated"
cp p1.tar.gz trunc2.tar.gz
truncate -s $(($(wc -c <p1.tar.gz) / 2)) trunc2.tar.gz
run 2 "$MS" unpack --key k.pub trunc2.tar.gz jail/dest
check "truncated: no DEST" [ ! -e jail/dest ]
head -c 3000 m.tar >trunc.tar
expect_error "$MS" digest --archive trunc.tar
head -c 5000 /dev/urandom >noise.bin
expect_error "$MS" digest --archive noise.bin
: >empty.tar
expect_error "$MS" digest --archive empty.tar
expect_error "$MS" digest --archive model
expect_error "$MS" digest --archive nosuch.tar
check "jail still empty" [ -z "$(ls -A jail)" ]

# model_signing's own bundles verify against a tarball of the model they
# signed, with the signature as the model.sig member.
OMS=$INTEROP/oms
for v in v1.0.1-elliptic-key v1.1.0-elliptic-key; do
	tar -C "$OMS" -czf "oms-$v.tgz" "$v"
	run 0 "$MS" verify --key "$OMS/keys/signing-key-pub.pem" --ignore ignore-me --archive "oms-$v.tgz"
	expect_out "^verified sha256:"
done

# ---- unpack writes only what it verified ----
GEN=$BAD/../tools/gen_archives.py
# gen PY-STATEMENTS: runs them with gen_archives' tar helpers imported as g.
gen() { $PY -c "import sys; sys.path.insert(0, '$(dirname "$GEN")'); import gen_archives as g
$1"; }
mkdir -p jail
# A pax hard link with data after the file it names: libarchive's writer
# would put the link's data over the verified file.
mkdir -p hl
printf 'verified weights' >hl/w.bin
run 0 "$MS" sign --key k.key --allow-symlinks hl
gen "
hl = g.pax([(b'size', b'5')])
open('hl.tar', 'wb').write(g.raw_tar([
    g.member(b'hl/model.sig', open('hl/model.sig', 'rb').read()),
    g.member(b'hl/w.bin', open('hl/w.bin', 'rb').read()),
    g.header(b'PaxHeaders/h', len(hl), typ=b'x'), g.pad(hl),
    g.header(b'hl/h', 0, typ=b'1', linkname=b'hl/w.bin'), g.pad(b'EVIL!')]))"
run 1 "$MS" unpack --key k.pub hl.tar jail/hl
expect_err "link member carries data"
check "hard link with data: no DEST" [ ! -e jail/hl ]
run 1 "$MS" verify --key k.pub --archive hl.tar
# A plain hard link (no data) is made by modelseal, after verification.
gen "
open('hl-ok.tar', 'wb').write(g.raw_tar([
    g.member(b'hl/model.sig', open('hl/model.sig', 'rb').read()),
    g.member(b'hl/w.bin', open('hl/w.bin', 'rb').read())]))"
run 0 "$MS" unpack --key k.pub hl-ok.tar jail/hl
check "unpacked file intact" [ "$(cat jail/hl/w.bin)" = "verified weights" ]
rm -rf jail/hl

# A symlink '../m/w.bin' inside root 'm' stays inside DEST whatever DEST is
# called: modelseal makes it point at the file it was verified as.
mkdir -p m
printf 'real weights' >m/w.bin
ln -s w.bin m/l
run 0 "$MS" sign --key k.key --allow-symlinks m
gen "
open('climb.tar', 'wb').write(g.raw_tar([
    g.member(b'm/model.sig', open('m/model.sig', 'rb').read()),
    g.member(b'm/w.bin', open('m/w.bin', 'rb').read()),
    g.header(b'm/l', 0, typ=b'2', linkname=b'../m/w.bin')]))"
mkdir -p jail/m
printf 'attacker weights' >jail/m/w.bin
run 0 "$MS" unpack --key k.pub climb.tar jail/other
check "the link stays inside DEST" [ "$(readlink jail/other/l)" = w.bin ]
check "the link reads the verified file" [ "$(cat jail/other/l)" = "real weights" ]
run 0 "$MS" verify --key k.pub jail/other
rm -rf jail/other jail/m

# Members the statement does not list are refused before a byte of them is
# written (64 MiB of zeros here, gigabytes for an attacker), and a member
# larger than its signed size (shards statements have sizes) before the
# extra bytes are.
gen "
import gzip
z = b'\0' * (64 << 20)
open('unlisted.tar.gz', 'wb').write(gzip.compress(g.raw_tar([
    g.member(b'model/aaa-unsigned.bin', z),
    g.member(b'model/model.sig', open('model/model.sig', 'rb').read())]), 1))
w = open('model/weights.bin', 'rb').read()
open('bigger.tar', 'wb').write(g.raw_tar([
    g.member(b'model/model.sig', open('model/model.sig', 'rb').read()),
    g.member(b'model/weights.bin', w + b'more')]))"
run 1 "$MS" unpack --key k.pub unlisted.tar.gz jail/u
expect_err "'model/aaa-unsigned.bin' is not in the signed statement"
check "unlisted: no DEST" [ ! -e jail/u ]
run 1 "$MS" verify --key k.pub --archive unlisted.tar.gz
expect_err "not in the signed statement"
run 1 "$MS" unpack --key k.pub bigger.tar jail/u
expect_err "'model/weights.bin' is larger than its signed size (70000 bytes)"
# verify reports them before hashing their data too: a member declaring
# 8 GiB it does not hold is reported as unsigned, not read to its end.
run 1 "$MS" verify --key k.pub --signature model/model.sig --archive huge.tar
expect_err "'model/huge' is not in the signed statement"
run 1 "$MS" verify --key k.pub --signature model/model.sig --archive bigger.tar
expect_err "larger than its signed size"
check "larger: no DEST" [ ! -e jail/u ]
check "jail holds nothing after refusals" [ -z "$(ls -A jail)" ]
run 2 "$MS" pack -o linked.zip linked
expect_err "symbolic link, which a zip archive cannot carry"

# Staging: '.modelseal-unpack.*' beside DEST, locked while its unpack runs.
# One left by a killed unpack is removed by the next; a live one is kept.
mkdir -p sweep/.modelseal-unpack.d.AAAAAA/model sweep/.modelseal-unpack.live.BBBBBB
printf x >sweep/.modelseal-unpack.d.AAAAAA/model/w.bin
if command -v flock >/dev/null 2>&1; then
	flock -o sweep/.modelseal-unpack.live.BBBBBB sleep 20 &
	holder=$!
	sleep 0.3
	run 0 "$MS" unpack --key k.pub p1.tar sweep/d
	check "a live unpack's staging is kept" [ -d sweep/.modelseal-unpack.live.BBBBBB ]
	kill $holder 2>/dev/null
	wait $holder 2>/dev/null
else
	echo "  skip [t_archive]: flock(1) missing, live staging not tested"
	run 0 "$MS" unpack --key k.pub p1.tar sweep/d
fi
check "a dead unpack's staging is removed" [ ! -e sweep/.modelseal-unpack.d.AAAAAA ]
# kill -9 in the middle: nothing that looks like a model is left, and the
# next unpack cleans up. (bzip2 is slow to decompress: unpack takes seconds.)
mkdir -p slow
head -c $((96 << 20)) /dev/zero >slow/w.bin
"$MS" sign -q --key k.key slow >/dev/null 2>&1
tar cf - slow | bzip2 -1 >slow.tar.bz2
"$MS_PLAIN" unpack -j 1 --key k.pub slow.tar.bz2 sweep/slow >/dev/null 2>&1 &
victim=$!
sleep 0.5
check "killed unpack: its staging exists while it runs" \
	sh -c 'ls -a sweep | grep -q "^\.modelseal-unpack\.slow\."' 
kill -9 $victim 2>/dev/null
wait $victim 2>/dev/null
check "killed unpack: no half DEST" sh -c '[ ! -e sweep/slow ] || [ -f sweep/slow/model.sig ]'
check "killed unpack: no model.sig in staging" \
	sh -c '! find sweep -path "*/.modelseal-unpack.*" -name model.sig | grep -q .'
rm -rf sweep/slow
run 0 "$MS" unpack --key k.pub p1.tar sweep/d2
check "the next unpack removed the staging" \
	sh -c '! ls -a sweep | grep -q "^\.modelseal-unpack"'

# Names that differ only in case: one file on a case-insensitive file
# system, where unpack would write the second over the verified first.
mkdir -p cs/Sub cs/sub
printf 'upper' >cs/W.bin
printf 'lower' >cs/w.bin
printf 'a' >cs/Sub/a
printf 'b' >cs/sub/b
run 0 "$MS" sign --key k.key cs
rm cs/W.bin
"$MS" sign -q --key k.key cs >/dev/null 2>&1
tar cf cs-dirs.tar cs
printf 'upper' >cs/W.bin
rm -r cs/Sub cs/sub
"$MS" sign -q --key k.key cs >/dev/null 2>&1
tar cf cs-files.tar cs
for a in cs-files.tar cs-dirs.tar; do
	run 0 "$MS" verify --key k.pub --archive $a
	run 1 "$MS" unpack --key k.pub $a jail/cs
	expect_err "differs from another member only in case"
	check "$a: no DEST" [ ! -e jail/cs ]
done

# model.provenance.sig is not in the statement: unpacked only when it
# verifies with a trusted key, else left out with a warning.
rm -rf pv && mkdir -p pv
printf 'w' >pv/w.bin
"$MS" sign -q --key k.key pv >/dev/null 2>&1
"$MS" sign -q --key other.key --signature pv/model.provenance.sig pv >/dev/null 2>&1
rm -f pv/model.provenance.provenance.sig # that sign's own provenance
check "a provenance-like bundle signed by another key" [ -f pv/model.provenance.sig ]
tar cf pv-other.tar pv
cp pv/model.sig pv/model.provenance.sig
tar cf pv-ok.tar pv
run 0 "$MS" unpack --key k.pub pv-ok.tar jail/pv
check "a verifying model.provenance.sig is unpacked" cmp -s pv/model.provenance.sig jail/pv/model.provenance.sig
rm -rf jail/pv
run 0 "$MS" unpack --key k.pub pv-other.tar jail/pv
expect_err "model.provenance.sig does not verify with the trusted keys"
check "a model.provenance.sig by an untrusted key is not unpacked" [ ! -e jail/pv/model.provenance.sig ]
rm -rf jail/pv

# ---- unpack takes verify's trust options (--ca, --trusted-root, --identity,
# --issuer) with verify's meaning: certificate and keyless bundles unpack,
# and the signature kept as DEST/model.sig is re-checked with the same trust
# (it was re-checked with bare keys only, so these could never unpack) ----
CA=$OMS/keys/ca-cert.pem
SROOT=$INTEROP/sigstore/trusted_root.production.json
ID=stefanb@us.ibm.com
ISS=https://sigstore.verify.ibm.com/oauth2
tar -C "$OMS/v1.1.0-certificate" -cf cert.tar .
tar -C "$OMS/v1.1.0-sigstore" -cf keyless.tar .
run 0 "$MS" unpack --ca "$CA" cert.tar jail/cert
check "certificate bundle: DEST/model.sig is the signature" cmp -s "$OMS/v1.1.0-certificate/model.sig" jail/cert/model.sig
check "certificate bundle: ignored member left out" [ ! -e jail/cert/ignore-me ]
run 0 "$MS" verify --ca "$CA" jail/cert
rm -rf jail/cert
run 0 "$MS" unpack --ca "$CA" --identity intermediate-ca cert.tar jail/cert
rm -rf jail/cert
run 1 "$MS" unpack --ca "$CA" --identity someone-else cert.tar jail/cert
check "wrong identity: no DEST" [ ! -e jail/cert ]
run 1 "$MS" unpack --ca "$OMS/keys/int-ca-cert.pem" cert.tar jail/cert
check "intermediate as root: no DEST" [ ! -e jail/cert ]
run 0 "$MS" --json unpack --trusted-root "$SROOT" --identity "$ID" --issuer "$ISS" keyless.tar jail/ks
check "keyless: unpacked, signer named" [ "$(jq -c '[.unpacked, .signer.identity]' "$T/out")" = "[true,\"$ID\"]" ]
run 1 "$MS" unpack --trusted-root "$SROOT" --identity x@example.com --issuer "$ISS" keyless.tar jail/ks2
check "keyless, other identity: no DEST" [ ! -e jail/ks2 ]
expect_error "$MS" unpack --trusted-root "$SROOT" --identity "$ID" keyless.tar jail/ks2
expect_err "--trusted-root needs --identity and --issuer together"
expect_error "$MS" unpack --issuer "$ISS" keyless.tar jail/ks2
expect_err "--issuer only applies with --trusted-root"
expect_error "$MS" unpack --identity "" keyless.tar jail/ks2
# the trust store's CA, replaced by trust on the command line as for verify
export MODELSEAL_REGISTRY="$T/unpack-cas.db"
run 1 "$MS" unpack cert.tar jail/cert
"$MS" trust add --ca "$CA" >/dev/null 2>&1
run 0 "$MS" unpack cert.tar jail/cert
rm -rf jail/cert
run 1 "$MS" unpack --key other.pub cert.tar jail/cert
check "--key OTHER: the stored CA does not count" [ ! -e jail/cert ]
check "jail holds only what unpacked" [ "$(ls -A jail | sort | tr '\n' ' ')" = "ks " ]

# ---- names one on a case-insensitive or normalising file system (macOS,
# Windows): NFC and NFD forms, non-ASCII case, and both, for files and
# directories. Each model is signed here (Linux keeps the names apart) and
# packed by Python's tarfile (GNU format: names as raw bytes, which
# libarchive does not normalise) and zipfile; verify --archive of the tar
# passes, unpack refuses (exit 1, as for ASCII case) and creates nothing.
# (A zip, or a pax tar, holds names as UTF-8 that libarchive turns into NFC:
# an NFD name there already reads differently in other extractors.) Names
# that only look alike (e and e with acute) still unpack. ----
uni_model() { # DIR NAME... : one file per name (the names in Python escapes)
	$PY - "$@" <<'PY'
import os, sys
d = sys.argv[1]
for i, n in enumerate(sys.argv[2:]):
    p = os.path.join(d, n.encode().decode("unicode_escape"))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, "w").write("file %d" % i)
PY
}
uni_pack() { # DIR: DIR.tar and DIR.zip holding DIR/... with model.sig
	$PY - "$1" <<'PY'
import os, sys, tarfile, zipfile
d = sys.argv[1]
paths = sorted(os.path.join(r, f) for r, _, fs in os.walk(d) for f in fs)
with tarfile.open(d + ".tar", "w", format=tarfile.GNU_FORMAT) as t:
    for p in paths:
        t.add(p)
with zipfile.ZipFile(d + ".zip", "w") as z:
    for p in paths:
        z.write(p)
PY
}
n=0
for pair in 'caf\u00e9.bin cafe\u0301.bin' '\u00c4.bin \u00e4.bin' '\u00c4.bin a\u0308.bin' \
	'\u03a9/a \u03c9/b' 'd/\u0130x d/i\u0307x' '\u1e9e.bin \u00df.bin' \
	'\u0416\u0443\u043a.bin \u0436\u0443\u043a.bin'; do
	n=$((n + 1))
	rm -rf "uni$n" && mkdir "uni$n"
	# shellcheck disable=SC2086
	uni_model "uni$n" $pair
	check "uni$n: two files on this file system" [ "$(find "uni$n" -type f | wc -l)" -eq 2 ]
	"$MS" sign -q --key k.key "uni$n" >/dev/null 2>&1
	uni_pack "uni$n"
	run 0 "$MS" verify --key k.pub --archive "uni$n.tar"
	for a in "uni$n.tar" "uni$n.zip"; do
		run 1 "$MS" unpack --key k.pub "$a" jail/uni
		check "$a ($pair): no DEST" [ ! -e jail/uni ]
	done
	run 1 "$MS" unpack --key k.pub "uni$n.tar" jail/uni
	expect_err "differs from another member only in case or Unicode normalisation"
done
# the zip of a pair in NFC reaches the same check
run 1 "$MS" unpack --key k.pub uni2.zip jail/uni
expect_err "archive 'uni2.zip': 'uni2/.*\\.bin' differs from another member only in case"
rm -rf uniok && mkdir uniok
uni_model uniok 'caf\u00e9.bin' 'cafe.bin' 'e\u0301/x' '\u03a9.bin' '\u00c5.bin'
"$MS" sign -q --key k.key uniok >/dev/null 2>&1
uni_pack uniok
run 0 "$MS" unpack --key k.pub uniok.tar jail/uniok
check "names that only look alike unpack" [ "$(find jail/uniok -type f ! -name 'model*.sig' | wc -l)" -eq 5 ]
rm -rf jail/uniok

# An archive cut short while it is hashed: one failure, one error line,
# whether the reader or a hashing thread meets it first (both said it,
# in a run in six); or, cut too late, a digest. The reader stops the
# hashing threads before it closes the archive: none reads a closed
# descriptor (it said "Bad file descriptor" in a run in five). Ten runs.
mkdir -p shrinking
i=0
while [ $i -lt 8 ]; do
	head -c 8388608 /dev/urandom >"shrinking/L$i"
	i=$((i + 1))
done
tar -cf shrinking.tar shrinking
check "a 64 MiB tar to cut" [ "$(stat -c %s shrinking.tar)" -gt 67000000 ]
r=0
odd=
while [ $r -lt 10 ]; do
	cp shrinking.tar cut.tar
	"$MS_PLAIN" digest --archive --shard-size 1MiB -j 8 cut.tar >"$T/out" 2>"$T/err" &
	pid=$!
	sleep 0.0$((r % 5 + 1))
	truncate -s 20000000 cut.tar
	wait $pid
	rc=$?
	n=$(grep -c '^modelseal: error:' "$T/err")
	[ "$rc:$n" = "2:1" ] || { [ "$rc:$n" = "0:0" ] && grep -q '^sha256:' "$T/out"; } ||
		odd="$odd run $r: exit $rc, $n error line(s);"
	! grep -q 'Bad file descriptor' "$T/err" || odd="$odd run $r: read a closed descriptor;"
	r=$((r + 1))
done
check "an archive cut short while hashed: one error line each time" [ -z "$odd" ]
rm -rf shrinking shrinking.tar cut.tar
