# The sources sit below the engine (include/modelseal/source.h): no file of
# src/source/ and no source header includes an engine header, so the engine
# can call the sources and never the reverse (issue 17's cycle). Needs the
# source tree (not there when the installed package is tested).
ROOT=$(cd "$(dirname "$MS")/.." 2>/dev/null && pwd)
if [ ! -d "$ROOT/src/source" ]; then
	echo "  note [t_layers] no source tree beside $MS: layering not checked" >&2
else
	ENGINE='modelseal/\(hashing\|manifest\|stream\|hasher\|pool\|hash_parts\|bundle\|sign\|verify\)\.h'
	for f in "$ROOT"/src/source/*.[ch] "$ROOT"/include/modelseal/source.h \
		"$ROOT"/include/modelseal/walk.h "$ROOT"/include/modelseal/archive.h; do
		check "$(basename "$f") includes no engine header" \
			not grep -q "#include \"$ENGINE\"" "$f"
	done
	# and the check can see one
	printf '#include "modelseal/hashing.h"\n' >layer.c
	check "a source including hashing.h is caught" grep -q "#include \"$ENGINE\"" layer.c
fi
