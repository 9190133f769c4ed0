# One archive, one reading: a corpus of crafted archives (built by
# tests/tools/gen_archives.py) where every archive modelseal accepts
# extracts to exactly the bytes modelseal hashed, with bsdtar, GNU tar,
# unzip and Python's zipfile/tarfile, and every archive it refuses is an
# error (exit 2) with a message that says why, and fails verify (exit 1; an
# archive that cannot be read at all: exit 2).
GEN=$BAD/../tools/gen_archives.py
PY=python3
if ! command -v $PY >/dev/null 2>&1; then
	echo "  skip [t_archive_diff]: python3 is not installed (scripts/install-deps.sh)"
	return 0
fi
# A reader that is truly missing is skipped, loudly; the others still run.
readers=
for tool in bsdtar tar unzip; do
	if command -v $tool >/dev/null 2>&1; then
		readers="$readers $tool"
	else
		echo "  skip [t_archive_diff]: $tool is not installed, not compared (scripts/install-deps.sh)"
	fi
done
readers="$readers python"
if ! tar --version 2>/dev/null | grep -q 'GNU tar'; then
	echo "  skip [t_archive_diff]: tar is not GNU tar, not compared (scripts/install-deps.sh)"
	readers=$(echo "$readers" | sed 's/ tar / /')
fi

$PY -W ignore "$GEN" build corpus || fail "gen_archives.py build"
check "the corpus has cases" [ "$(wc -l <corpus/cases.tsv)" -gt 60 ]
# zstd is not in Python's standard library: those cases come from zstd(1).
if command -v zstd >/dev/null 2>&1; then
	zstd -q -c corpus/ok.tar >corpus/ok.tar.zst
	cp corpus/ok.tar.zst corpus/zst-skippable.tar.zst # a frame decoders skip
	printf 'P*M\030\005\000\000\000hello' >>corpus/zst-skippable.tar.zst
	cp corpus/ok.tar.zst corpus/zst-garbage.tar.zst
	printf 'GARBAGE!' >>corpus/zst-garbage.tar.zst
	zstd -q -c corpus/tar-plus-zip.tar >corpus/zst-inner-tail.tar.zst
	printf 'ok.tar.zst\taccept\t\nzst-skippable.tar.zst\taccept\t\n' >>corpus/cases.tsv
	printf 'zst-garbage.tar.zst\tcorrupt\tzstd-compressed tar\n' >>corpus/cases.tsv
	printf 'zst-inner-tail.tar.zst\trefuse\tdata after the end of the archive\n' >>corpus/cases.tsv
else
	echo "  skip [t_archive_diff]: zstd is not installed, no .tar.zst cases (scripts/install-deps.sh)"
fi

# extract READER ARCHIVE DEST: 0 when the reader extracted it without error.
extract() {
	mkdir -p "$3"
	case "$1:$2" in
	bsdtar:*) bsdtar -xf "$2" -C "$3" ;;
	tar:*.zip) return 3 ;; # GNU tar does not read zip
	tar:*) tar -xf "$2" -C "$3" ;;
	unzip:*.zip) unzip -q -o "$2" -d "$3" ;;
	unzip:*) return 3 ;;
	python:*.zst) return 3 ;; # no zstd in Python's standard library
	python:*) $PY "$GEN" extract "$2" "$3" ;;
	esac
}

"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
mkdir -p signed/m/sub
$PY -c "import sys; sys.path.insert(0, '$(dirname "$GEN")'); import gen_archives as g
open('signed/m/w.bin', 'wb').write(g.W); open('signed/m/sub/t.txt', 'wb').write(g.T)"
"$MS" sign -q --key k.key signed/m >/dev/null 2>&1
check "a signature for the corpus' model" [ -f signed/m/model.sig ]

tab=$(printf '\t')
while IFS=$tab read -r name verdict what; do
	a=corpus/$name
	links=
	case $name in *-links*) links=--allow-symlinks ;; esac
	"$MS" hash --no-ignore-git $links --archive --method files --format json "$a" >"$T/json" 2>"$T/err"
	rc=$?
	if [ "$verdict" != accept ]; then
		if [ $rc -eq 2 ] && err_has '^modelseal: error: ' && err_has "$what"; then
			pass "$name refused"
		else
			fail "$name: exit $rc, wanted a refusal (exit 2) saying '$what'" "$(head -c 400 "$T/err")"
		fi
		# verify fails a refused archive (exit 1: do not deploy); one that
		# cannot be read at all is an error (exit 2).
		"$MS" verify --key k.pub --signature signed/m/model.sig --archive "$a" >"$T/out" 2>"$T/err"
		rc=$?
		want=1
		[ "$verdict" = corrupt ] && want=2
		check "$name: verify exit $rc, wanted $want" [ $rc -eq $want ]
		continue
	fi
	if [ $rc -ne 0 ]; then
		fail "$name: exit $rc, wanted 0" "$(head -c 400 "$T/err")"
		continue
	fi
	$PY "$GEN" manifest "$T/json" >"$T/hashed"
	check "$name: modelseal hashed files" [ -s "$T/hashed" ]
	for reader in $readers; do
		dest=$T/x-$reader-$name
		extract $reader "$a" "$dest" >"$T/xerr" 2>&1
		xrc=$?
		[ $xrc -eq 3 ] && continue
		if [ $xrc -ne 0 ]; then
			fail "$name: modelseal accepts it, $reader fails (exit $xrc)" "$(head -c 400 "$T/xerr")"
			continue
		fi
		$PY "$GEN" tree "$dest" >"$T/extracted"
		if cmp -s "$T/hashed" "$T/extracted"; then
			pass "$name: $reader extracts the bytes modelseal hashed"
		else
			fail "$name: $reader extracts other bytes than modelseal hashed" \
				"$(diff "$T/hashed" "$T/extracted" | head -20)"
		fi
		rm -rf "$dest"
	done
done <corpus/cases.tsv

# The accepted archives that hold the signed model verify; the same bytes
# with anything appended do not.
# unpack writes exactly the bytes the extractors extract.
$PY "$GEN" tree signed/m | grep -v ' model\(\.provenance\)\?\.sig$' >"$T/want"
for a in ok.tar ok.tar.gz ok.zip ok-descriptor.zip ok-zip64.zip ok-concat.tar.gz; do
	run 0 "$MS" verify --key k.pub --signature signed/m/model.sig --archive corpus/$a
	cp signed/m/model.sig corpus/$a.sig
	run 0 "$MS" unpack --key k.pub corpus/$a "u-$a"
	$PY "$GEN" tree "u-$a" | grep -v ' model\(\.provenance\)\?\.sig$' >"$T/got"
	check "$a: unpack wrote the bytes the extractors extract" cmp -s "$T/want" "$T/got"
	rm -f corpus/$a.sig
done
cp corpus/ok.zip app.zip
printf 'PK\005\006' >>app.zip
run 1 "$MS" verify --key k.pub --signature signed/m/model.sig --archive app.zip
expect_err "end record is not at the end"
