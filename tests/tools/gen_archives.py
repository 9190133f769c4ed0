#!/usr/bin/env python3
"""Crafted archives for the archive differential test (t_archive_diff.sh).

    gen_archives.py build DIR      writes the corpus into DIR and DIR/cases.tsv:
                                   one line per archive, "NAME<TAB>accept",
                                   "NAME<TAB>refuse<TAB>what the error says"
                                   (verify fails it) or "NAME<TAB>corrupt<TAB>
                                   what the error says" (unreadable: an error)
    gen_archives.py extract A DEST extracts A with Python's zipfile/tarfile
    gen_archives.py tree DIR       "sha256  path" of every regular file below
                                   DIR's model root (its one top directory, if
                                   that is all it holds), sorted by path
    gen_archives.py manifest JSON  the same lines from `modelseal hash
                                   --method files --format json`

Python 3 standard library only. Every archive is built from bytes, so the
corpus is the same on every machine. The accepted ones are ordinary archives
in every flavour modelseal reads; the refused ones are each one way to make
extractors read one archive two ways (or to lie about its format).
"""
import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import struct
import sys
import tarfile
import zipfile

W = bytes((i * 131 + 7) % 251 for i in range(3000))
T = b"tokens\n"
Z = b"ZIPPED MEMBER, NOT IN THE TAR\n"
CASES = []


def accept(name):
    CASES.append((name, "accept", ""))


def refuse(name, what):
    CASES.append((name, "refuse", what))


def corrupt(name, what):
    """Refused as unreadable: an error (exit 2) for verify too."""
    CASES.append((name, "corrupt", what))


# ---- tar ----

def tinfo(name, data=b"", **kw):
    i = tarfile.TarInfo(name)
    i.mtime = 315532800
    i.mode = 0o644
    for k, v in kw.items():
        setattr(i, k, v)
    if i.type in (tarfile.REGTYPE, tarfile.AREGTYPE) and "size" not in kw:
        i.size = len(data)
    return i


def tar_bytes(members, fmt=tarfile.PAX_FORMAT):
    """members: (name, data, {TarInfo attributes})."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as t:
        for m in members:
            i = tinfo(m[0], m[1], **(m[2] if len(m) > 2 else {}))
            t.addfile(i, io.BytesIO(m[1]) if i.isreg() else None)
    return out.getvalue()


BASE = [("m", b"", {"type": tarfile.DIRTYPE, "mode": 0o755}), ("m/w.bin", W),
        ("m/sub/t.txt", T)]


def header(name, size, typ=b"0", magic=b"ustar\x0000", prefix=b"", linkname=b"",
           size_field=None, gnu_extra=b""):
    """One raw tar header block, checksummed."""
    h = bytearray(512)
    h[0:len(name)] = name
    h[100:108] = b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = size_field if size_field is not None else b"%011o\0" % size
    h[136:148] = b"%011o\0" % 315532800
    h[156:157] = typ
    h[157:157 + len(linkname)] = linkname
    h[257:265] = magic
    h[345:345 + len(prefix)] = prefix
    if gnu_extra:
        h[345:345 + len(gnu_extra)] = gnu_extra
    h[148:156] = b"        "
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def pad(data):
    return data + b"\0" * (-len(data) % 512)


def pax(records):
    body = b""
    for k, v in records:
        rec = b" %s=%s\n" % (k, v)
        n = len(rec) + 1
        while len(str(n)) + len(rec) != n:
            n += 1
        body += str(n).encode() + rec
    return body


def raw_tar(blocks, end=True):
    return b"".join(blocks) + (b"\0" * 1024 if end else b"")


def member(name, data, **kw):
    return header(name, len(data), **kw) + pad(data)


def zip_bytes(members, method=zipfile.ZIP_DEFLATED, stream=False, zip64=False):
    """members: (name, data) or ZipInfo."""
    out = io.BytesIO()

    class Unseekable(io.RawIOBase):
        def writable(self):
            return True

        def write(self, b):
            return out.write(b)

    target = Unseekable() if stream else out
    with zipfile.ZipFile(target, "w", method) as z:
        for name, data in members:
            i = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            i.compress_type = method
            i.external_attr = (0o40755 << 16 | 0x10) if name.endswith("/") else 0o100644 << 16
            i.create_system = 3
            if zip64:
                with z.open(i, "w", force_zip64=True) as f:
                    f.write(data)
            else:
                z.writestr(i, data)
    return out.getvalue()


ZBASE = [("m/", b""), ("m/w.bin", W), ("m/sub/", b""), ("m/sub/t.txt", T)]


def zip_parts(data):
    """(local header offsets, central header offsets, end record offset)."""
    eocd = data.rindex(b"PK\5\6")
    n, cd_size, cd_off = struct.unpack("<HII", data[eocd + 10:eocd + 20])
    locals_, centrals = [], []
    p = cd_off
    for _ in range(n):
        centrals.append(p)
        nl, el, cl = struct.unpack("<HHH", data[p + 28:p + 34])
        locals_.append(struct.unpack("<I", data[p + 42:p + 46])[0])
        p += 46 + nl + el + cl
    return locals_, centrals, eocd


def patch(data, off, fmt, *values):
    b = bytearray(data)
    struct.pack_into(fmt, b, off, *values)
    return bytes(b)


def central_entry(data, c):
    nl, el, cl = struct.unpack("<HHH", data[c + 28:c + 34])
    return data[c:c + 46 + nl + el + cl]


def with_central(data, entries):
    """data with its central directory replaced by entries."""
    locals_, centrals, eocd = zip_parts(data)
    cd_off = centrals[0] if centrals else eocd
    cd = b"".join(entries)
    end = bytearray(data[eocd:eocd + 22])
    struct.pack_into("<HHII", end, 8, len(entries), len(entries), len(cd), cd_off)
    return data[:cd_off] + cd + bytes(end)


def build(d):
    def put(name, data):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)

    tar = tar_bytes(BASE)
    gnu = tar_bytes(BASE, tarfile.GNU_FORMAT)
    zp = zip_bytes(ZBASE)

    # ---- accepted: every flavour, read the same by every extractor ----
    put("ok.tar", tar); accept("ok.tar")
    put("ok-gnu.tar", gnu); accept("ok-gnu.tar")
    put("ok.tar.gz", gzip.compress(tar, mtime=0)); accept("ok.tar.gz")
    put("ok.tgz", gzip.compress(gnu, mtime=0)); accept("ok.tgz")
    put("ok.tar.bz2", bz2.compress(tar)); accept("ok.tar.bz2")
    put("OK-UPPER.TGZ", gzip.compress(tar, mtime=0)); accept("OK-UPPER.TGZ")
    put("ok.tar.xz", lzma.compress(tar)); accept("ok.tar.xz")
    # Concatenated gzip members: one stream to gzip, Python and libarchive.
    put("ok-concat.tar.gz", gzip.compress(tar[:1536], mtime=0) + gzip.compress(tar[1536:], mtime=0))
    accept("ok-concat.tar.gz")
    put("ok-zeros.tar", tar + b"\0" * 8192); accept("ok-zeros.tar")
    put("zeros-bomb.tar.gz", gzip.compress(tar + b"\0" * (17 << 20), 1, mtime=0))
    refuse("zeros-bomb.tar.gz", "more than 16 MiB of padding")
    # A tar whose first name looks like a bzip2 header: bsdtar reads bzip2.
    put("tar-bzh-name.tar", tar_bytes([("BZh91AY&SY", b"", {"type": tarfile.DIRTYPE}),
                                       ("BZh91AY&SY/w.bin", W)]))
    refuse("tar-bzh-name.tar", "also look like bzip2 data")
    put("tar-pk-name.tar", tar_bytes([("PK\3\4", b"", {"type": tarfile.DIRTYPE}),
                                      ("PK\3\4/w.bin", W)]))
    refuse("tar-pk-name.tar", "also look like zip data")
    put("tar-compress-name.tar", raw_tar([member(b"\x1f\x9d\x90/w.bin", W)]))
    refuse("tar-compress-name.tar", "also look like compress")
    put("ok-noend.tar", tar.rstrip(b"\0") + b"\0" * (-len(tar.rstrip(b"\0")) % 512))
    accept("ok-noend.tar")
    long = "m/" + "d" * 120 + "/" + "f" * 120 + ".bin"
    put("ok-longname-gnu.tar", tar_bytes(BASE + [(long, b"long")], tarfile.GNU_FORMAT))
    accept("ok-longname-gnu.tar")
    put("ok-longname-pax.tar", tar_bytes(BASE + [(long, b"long")]))
    accept("ok-longname-pax.tar")
    # A pax path that overrides a different ustar name: every reader takes pax.
    put("ok-paxpath.tar", raw_tar([
        member(b"m/w.bin", W),
        header(b"PaxHeaders/x", len(pax([(b"path", b"m/real.txt")])), typ=b"x"),
        pad(pax([(b"path", b"m/real.txt")])),
        member(b"m/decoy.txt", T)]))
    accept("ok-paxpath.tar")
    put("ok-prefix.tar", raw_tar([member(b"t.txt", T, prefix=b"m/sub"), member(b"m/w.bin", W)]))
    accept("ok-prefix.tar")
    # Links (hashed with --allow-symlinks: names with "-links"): a symlink,
    # a chain, a hard link, a pax linkpath that overrides the header's.
    lp = pax([(b"linkpath", b"w.bin")])
    put("ok-links.tar", raw_tar([
        member(b"m/w.bin", W), member(b"m/sub/t.txt", T),
        header(b"m/l", 0, typ=b"2", linkname=b"w.bin"),
        header(b"m/sub/l2", 0, typ=b"2", linkname=b"../l"),
        header(b"m/h", 0, typ=b"1", linkname=b"m/sub/t.txt"),
        header(b"PaxHeaders/p", len(lp), typ=b"x"), pad(lp),
        header(b"m/p", 0, typ=b"2", linkname=b"sub/t.txt")]))
    accept("ok-links.tar")
    put("ok-links.tar.gz", gzip.compress(open(os.path.join(d, "ok-links.tar"), "rb").read(),
                                         mtime=0))
    accept("ok-links.tar.gz")
    longt = "d" * 120 + "/" + "t" * 60
    put("ok-longlink-links.tar", tar_bytes([
        ("m", b"", {"type": tarfile.DIRTYPE}), ("m/" + longt, T),
        ("m/l", b"", {"type": tarfile.SYMTYPE, "linkname": longt})], tarfile.GNU_FORMAT))
    accept("ok-longlink-links.tar")
    put("ok-longlink-pax-links.tar", tar_bytes([
        ("m", b"", {"type": tarfile.DIRTYPE}), ("m/" + longt, T),
        ("m/l", b"", {"type": tarfile.SYMTYPE, "linkname": longt})]))
    accept("ok-longlink-pax-links.tar")
    put("fwd-links.tar", raw_tar([
        header(b"m/h", 0, typ=b"1", linkname=b"m/w.bin"), member(b"m/w.bin", W),
        header(b"m/l", 0, typ=b"2", linkname=b"w.bin")]))
    refuse("fwd-links.tar", "which is not a file before it")
    put("ok.zip", zp); accept("ok.zip")
    put("ok-stored.zip", zip_bytes(ZBASE, zipfile.ZIP_STORED)); accept("ok-stored.zip")
    put("ok-descriptor.zip", zip_bytes(ZBASE, stream=True)); accept("ok-descriptor.zip")
    put("ok-zip64.zip", zip_bytes(ZBASE[1:2] + ZBASE[3:], zip64=True)); accept("ok-zip64.zip")
    put("ok-descriptor-stored.zip", zip_bytes(ZBASE, zipfile.ZIP_STORED, stream=True))
    accept("ok-descriptor-stored.zip")
    put("ok-descriptor-zip64.zip", zip_bytes(ZBASE[1:2] + ZBASE[3:], stream=True, zip64=True))
    accept("ok-descriptor-zip64.zip")
    put("ok-flat.zip", zip_bytes([("w.bin", W), ("t.txt", T)])); accept("ok-flat.zip")
    put("ok-utf8.zip", zip_bytes([("m/h\u00e9llo.bin", W)])); accept("ok-utf8.zip")
    # A backslash is an ordinary name byte in a zip made on Unix.
    put("ok-backslash.zip", zip_bytes([("m/a\\b.bin", W)])); accept("ok-backslash.zip")
    put("ok-backslash.tar", tar_bytes([("m/a\\b.bin", W)])); accept("ok-backslash.tar")

    # ---- one file, two archives ----
    put("tar-plus-zip.tar", tar + zip_bytes([("m/w.bin", Z)]))
    refuse("tar-plus-zip.tar", "data after the end of the archive")
    put("tar-plus-tar.tar", tar + tar_bytes([("m/evil", Z)]))
    refuse("tar-plus-tar.tar", "data after the end of the archive")
    put("tar-lone-zero.tar", tar[:tar.rindex(W[-10:]) + 10 + (-(tar.rindex(W[-10:]) + 10) % 512)]
        + b"\0" * 512 + tar_bytes([("m/evil", Z)]))
    refuse("tar-lone-zero.tar", "data after the end of the archive")
    put("zip-junk-before.zip", b"#!/bin/sh\nexit 0\n" + zp)
    refuse("zip-junk-before.zip", "central directory is not right before")
    put("zip-junk-after.zip", zp + b"junk")
    refuse("zip-junk-after.zip", "end record is not at the end")
    put("zip-comment.zip", zp[:-2] + struct.pack("<H", 4) + b"note")
    refuse("zip-comment.zip", "archive comment")
    put("zip-plus-tar.zip", zp + tar)
    refuse("zip-plus-tar.zip", "end record is not at the end")
    gz = gzip.compress(tar, mtime=0)
    put("gz-garbage.tar.gz", gz + b"GARBAGE!")
    refuse("gz-garbage.tar.gz", "after the end of the compressed stream")
    put("gz-zeros.tar.gz", gz + b"\0" * 64)
    refuse("gz-zeros.tar.gz", "after the end of the compressed stream")
    put("gz-plus-tar.tar.gz", gz + tar)
    refuse("gz-plus-tar.tar.gz", "after the end of the compressed stream")
    put("bz2-garbage.tar.bz2", bz2.compress(tar) + b"GARBAGE!")
    refuse("bz2-garbage.tar.bz2", "after the end of the compressed stream")
    put("xz-garbage.tar.xz", lzma.compress(tar) + b"GARBAGE!")
    corrupt("xz-garbage.tar.xz", "corrupt")
    put("inner-tail.tar.gz", gzip.compress(tar + zip_bytes([("m/w.bin", Z)]), mtime=0))
    refuse("inner-tail.tar.gz", "data after the end of the archive")

    # ---- the name says another format ----
    put("zip-named.tar", zp); refuse("zip-named.tar", "not a tar archive")
    put("tar-named.zip", tar); refuse("tar-named.zip", "holds tar data")
    put("plain-named.tar.gz", tar); refuse("plain-named.tar.gz", "gzip-compressed tar")
    put("gz-named.tar.xz", gz); refuse("gz-named.tar.xz", "xz-compressed tar")
    put("gz-named.tar", gz); refuse("gz-named.tar", "holds gzip data")
    put("double.tar.gz", gzip.compress(gz, mtime=0)); refuse("double.tar.gz", "gzip-compressed tar")
    put("zip-in.tar.gz", gzip.compress(zp, mtime=0)); refuse("zip-in.tar.gz", "")
    put("model.cpio", tar); refuse("model.cpio", "unknown archive type")
    put("model.7z", tar); refuse("model.7z", "unknown archive type")
    put("noext", tar); refuse("noext", "unknown archive type")

    # ---- zip: local and central headers disagree ----
    loc, cen, eocd = zip_parts(zp)
    i = 1  # m/w.bin
    put("zip-local-name.zip", zp[:loc[i] + 30] + b"m/x.bin" + zp[loc[i] + 37:])
    refuse("zip-local-name.zip", "another name in its local header")
    put("zip-local-size.zip", patch(zp, loc[i] + 22, "<I", 10))
    refuse("zip-local-size.zip", "local and central headers disagree")
    put("zip-local-crc.zip", patch(zp, loc[i] + 14, "<I", 0x12345678))
    refuse("zip-local-crc.zip", "local and central headers disagree")
    put("zip-local-method.zip", patch(zp, loc[i] + 8, "<H", 0))
    refuse("zip-local-method.zip", "local and central headers disagree")
    put("zip-local-flags.zip", patch(zp, loc[i] + 6, "<H", 8))
    refuse("zip-local-flags.zip", "local and central headers disagree")
    # The central directory points member 3 at member 2's local header.
    put("zip-cd-points-other.zip", patch(zp, cen[3] + 42, "<I", loc[1]))
    refuse("zip-cd-points-other.zip", "overlaps the member before it")
    # Central entries in another order than the local headers.
    c = [central_entry(zp, x) for x in cen]
    put("zip-cd-reordered.zip", with_central(zp, [c[0], c[3], c[2], c[1]]))
    refuse("zip-cd-reordered.zip", "leaves a gap")
    put("zip-cd-dup.zip", with_central(zp, c + [c[1]]))
    refuse("zip-cd-dup.zip", "appears twice")
    put("zip-cd-fewer.zip", with_central(zp, c[:3]))
    refuse("zip-cd-fewer.zip", "between the last member and the zip central directory")
    put("zip-cd-hides-first.zip", with_central(zp, c[1:]))
    refuse("zip-cd-hides-first.zip", "does not start the file")
    put("zip-dup-name.zip", zip_bytes(ZBASE + [("m/w.bin", Z)]))
    refuse("zip-dup-name.zip", "appears twice")
    put("zip-dup-dotslash.zip", zip_bytes(ZBASE + [("./m/w.bin", Z)]))
    refuse("zip-dup-dotslash.zip", "appears twice")
    put("zip-dup-slash.zip", zip_bytes(ZBASE + [("m/w.bin/", b"")]))
    refuse("zip-dup-slash.zip", "appears twice")
    # A member's data overlapping the next local header.
    put("zip-overlap.zip", patch(patch(zp, cen[1] + 20, "<I",
                                       struct.unpack("<I", zp[cen[1] + 20:cen[1] + 24])[0] + 40),
                                 loc[1] + 18, "<I",
                                 struct.unpack("<I", zp[loc[1] + 18:loc[1] + 22])[0] + 40))
    refuse("zip-overlap.zip", "overlaps the member before it")
    # ---- zip: features extractors read differently ----
    put("zip-encrypted.zip", patch(patch(zp, loc[1] + 6, "<H", 1), cen[1] + 8, "<H", 1))
    refuse("zip-encrypted.zip", "encrypted")
    put("zip-bzip2.zip", patch(patch(zp, loc[1] + 8, "<H", 12), cen[1] + 10, "<H", 12))
    refuse("zip-bzip2.zip", "compression method")
    put("zip-symlink.zip", patch(zp, cen[1] + 38, "<I", 0o120777 << 16))
    refuse("zip-symlink.zip", "symbolic link by its mode")
    put("zip-dirmode.zip", patch(zp, cen[1] + 38, "<I", 0o40755 << 16))
    refuse("zip-dirmode.zip", "directory")
    # Python cuts a name at a NUL (and will not write one): patched in.
    nul = zip_bytes([("m/w.bin_evil", W)])
    nloc, ncen, _ = zip_parts(nul)
    nul = patch(patch(nul, nloc[0] + 30 + 7, "B", 0), ncen[0] + 46 + 7, "B", 0)
    put("zip-nul.zip", nul)
    refuse("zip-nul.zip", "NUL")
    nz = zip_bytes([("m/h\u00e9.bin", W)])
    nloc, ncen, _ = zip_parts(nz)
    nz = patch(patch(nz, nloc[0] + 6, "<H", 0), ncen[0] + 8, "<H", 0)
    put("zip-cp437.zip", nz)
    refuse("zip-cp437.zip", "not ASCII and not flagged UTF-8")
    up = b"\x75\x70" + struct.pack("<H", 5 + 9) + b"\x01" + struct.pack("<I", 0) + b"m/evil.bn"
    uz = zip_bytes([("m/w.bin", W)], zipfile.ZIP_STORED)
    uloc, ucen, ueocd = zip_parts(uz)
    # The Unicode path extra in the central header only.
    cen0 = bytearray(central_entry(uz, ucen[0]))
    struct.pack_into("<H", cen0, 30, len(up))
    put("zip-unicode-path.zip", with_central(uz, [bytes(cen0[:46 + 7]) + up]))
    refuse("zip-unicode-path.zip", "Unicode path")
    # A DOS-made entry with the directory attribute and a file's name:
    # libarchive makes a directory, Python and unzip a file.
    put("zip-dosdir.zip", patch(patch(zp, cen[1] + 4, "<H", 20), cen[1] + 38, "<I", 0x10))
    refuse("zip-dosdir.zip", "another type or size in the zip central directory")
    # A zip64 field in a local header whose sizes are not saturated: every
    # reader ignores it.
    sz = zip_bytes([("m/w.bin", W)], zipfile.ZIP_STORED)
    sloc, scen, _ = zip_parts(sz)
    ext = struct.pack("<HHQQ", 1, 16, len(W), len(W))
    nl, el = struct.unpack("<HH", sz[sloc[0] + 26:sloc[0] + 30])
    body = sz[sloc[0] + 30 + nl + el:scen[0]]
    local = bytearray(sz[sloc[0]:sloc[0] + 30 + nl + el])
    struct.pack_into("<H", local, 28, el + len(ext))
    newz = bytes(local) + ext + body
    c0 = central_entry(sz, scen[0])
    newz += c0 + b"PK\5\6" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(c0), len(newz), 0)
    put("ok-local-zip64.zip", newz)
    accept("ok-local-zip64.zip")
    put("zip-dir-data.zip", zip_bytes([("m/", b"data")]))
    refuse("zip-dir-data.zip", "directory with data")

    # ---- tar: headers extractors read differently ----
    g = pax([(b"path", b"m/evil")])
    put("tar-global-pax.tar", raw_tar([header(b"pax_global_header", len(g), typ=b"g"), pad(g),
                                       member(b"m/w.bin", W)]))
    refuse("tar-global-pax.tar", "global header")
    put("tar-unknown-type.tar", raw_tar([member(b"m/w.bin", W), member(b"m/z", Z, typ=b"Z")]))
    refuse("tar-unknown-type.tar", "type extractors read differently")
    put("tar-volume.tar", raw_tar([member(b"label", b"", typ=b"V", magic=b"ustar  \0"),
                                   member(b"m/w.bin", W)]))
    refuse("tar-volume.tar", "type extractors read differently")
    put("tar-gnu-prefix.tar", raw_tar([member(b"w.bin", W, magic=b"ustar  \0", prefix=b"m/evil")]))
    refuse("tar-gnu-prefix.tar", "GNU header")
    put("tar-v7.tar", raw_tar([member(b"m/w.bin", W, magic=b"\0" * 8)]))
    refuse("tar-v7.tar", "not a ustar")
    put("tar-dir-data.tar", raw_tar([member(b"m/d", Z, typ=b"5"), member(b"m/w.bin", W)]))
    refuse("tar-dir-data.tar", "carries data")
    put("tar-octal.tar", raw_tar([header(b"m/w.bin", 0, size_field=b"00000005670x"), pad(W)]))
    refuse("tar-octal.tar", "malformed size")
    put("tar-regdir.tar", raw_tar([member(b"m/w.bin/", W, typ=b"\0")]))
    refuse("tar-regdir.tar", "named like a directory")
    put("tar-sparse.tar", raw_tar([member(b"m/w.bin", W, typ=b"S", magic=b"ustar  \0")]))
    refuse("tar-sparse.tar", "sparse")
    px = pax([(b"path", b"m/pax.bin")])
    put("tar-pax-and-long.tar", raw_tar([
        header(b"././@LongLink", 11, typ=b"L", magic=b"ustar  \0"), pad(b"m/long.bin\0"),
        header(b"PaxHeaders/x", len(px), typ=b"x"), pad(px), member(b"m/w.bin", W)]))
    refuse("tar-pax-and-long.tar", "both by pax and by a GNU long name")
    ps = pax([(b"size", b"100")])
    put("tar-pax-size.tar", raw_tar([header(b"PaxHeaders/x", len(ps), typ=b"x"), pad(ps),
                                     member(b"m/w.bin", W)]))
    refuse("tar-pax-size.tar", "")
    pl = pax([(b"path", b"m/a")])
    put("tar-pax-twice.tar", raw_tar([header(b"x1", len(pl), typ=b"x"), pad(pl),
                                      header(b"x2", len(pl), typ=b"x"), pad(pl),
                                      member(b"m/w.bin", W)]))
    refuse("tar-pax-twice.tar", "two extension headers")
    bad = bytearray(member(b"m/evil", Z))
    bad[148:156] = b"0000000\0"
    put("tar-bad-checksum.tar", raw_tar([member(b"m/w.bin", W), bytes(bad)]))
    refuse("tar-bad-checksum.tar", "checksum")
    put("tar-dup.tar", raw_tar([member(b"m/w.bin", W), member(b"m/w.bin", Z)]))
    refuse("tar-dup.tar", "appears twice")
    put("tar-dup-slash.tar", raw_tar([member(b"m/w.bin", W), member(b"m/w.bin/", b"", typ=b"5")]))
    refuse("tar-dup-slash.tar", "appears twice")
    # A pax hard link with data after the file it names (libarchive writes
    # the data over the file; GNU tar and Python read no data for a link).
    hl = pax([(b"size", b"%d" % len(Z))])
    put("tar-hardlink-data.tar", raw_tar([
        member(b"m/w.bin", W), header(b"PaxHeaders/h", len(hl), typ=b"x"), pad(hl),
        header(b"m/h", 0, typ=b"1", linkname=b"m/w.bin"), pad(Z)]))
    refuse("tar-hardlink-data.tar", "link member carries data")

    put("tar-bad-uid.tar", raw_tar([member(b"m/w.bin", W), bytearray(member(b"m/t", T))]))
    b = bytearray(open(os.path.join(d, "tar-bad-uid.tar"), "rb").read())
    b[3584 + 108:3584 + 116] = b"00001x0\0"
    b[3584 + 148:3584 + 156] = b"        "
    b[3584 + 148:3584 + 156] = b"%06o\0 " % sum(b[3584:4096])
    put("tar-bad-uid.tar", bytes(b))
    refuse("tar-bad-uid.tar", "malformed numeric field")
    # Deflate data longer than the size both headers give, with the CRC of
    # all of it: Python stops at the size (and fails the CRC), libarchive
    # reads to the end of the stream.
    import zlib
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    dz = co.compress(W) + co.flush()
    lz = zip_bytes([("m/w.bin", W)])
    lloc, lcen, _ = zip_parts(lz)
    lz = patch(patch(lz, lloc[0] + 22, "<I", 2000), lcen[0] + 24, "<I", 2000)
    put("zip-longer-data.zip", lz)
    corrupt("zip-longer-data.zip", "wrong size")

    with open(os.path.join(d, "cases.tsv"), "w") as f:
        for name, verdict, what in CASES:
            f.write("%s\t%s\t%s\n" % (name, verdict, what))


# ---- reading ----

def extract(archive, dest):
    os.makedirs(dest, exist_ok=True)
    if zipfile.is_zipfile(archive) and archive.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            z.extractall(dest)
        return
    with tarfile.open(archive) as t:
        if hasattr(tarfile, "fully_trusted_filter"):
            t.extractall(dest, filter="fully_trusted")
        else:
            t.extractall(dest)


def tree(d):
    entries = os.listdir(d)
    if len(entries) == 1 and os.path.isdir(os.path.join(d, entries[0])) \
            and not os.path.islink(os.path.join(d, entries[0])):
        d = os.path.join(d, entries[0])
    lines = []
    for root, dirs, files in os.walk(d):
        for f in files + [x for x in dirs if os.path.islink(os.path.join(root, x))]:
            p = os.path.join(root, f)
            real = os.path.realpath(p)
            inside = real.startswith(os.path.realpath(d) + os.sep)
            if (os.path.islink(p) and not inside) or not os.path.isfile(p):
                lines.append("%s  %s" % ("not-a-file", os.path.relpath(p, d)))
                continue
            with open(real, "rb") as fh:
                lines.append("%s  %s" % (hashlib.sha256(fh.read()).hexdigest(),
                                         os.path.relpath(p, d)))
    return sorted(lines, key=lambda s: s.split("  ", 1)[1])


def manifest(path):
    with open(path) as f:
        st = json.load(f)
    lines = ["%s  %s" % (r["digest"], r["name"]) for r in st["predicate"]["resources"]]
    return sorted(lines, key=lambda s: s.split("  ", 1)[1])


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "build" and len(sys.argv) == 3:
        os.makedirs(sys.argv[2], exist_ok=True)
        build(sys.argv[2])
    elif cmd == "extract" and len(sys.argv) == 4:
        extract(sys.argv[2], sys.argv[3])
    elif cmd == "tree" and len(sys.argv) == 3:
        print("\n".join(tree(sys.argv[2])))
    elif cmd == "manifest" and len(sys.argv) == 3:
        print("\n".join(manifest(sys.argv[2])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
