#!/bin/sh
# Writes the release tarball: every file git knows (plus new files not yet
# ignored) under modelseal-VERSION/. Reproducible: names sorted, owner 0,
# fixed modes, every mtime SOURCE_DATE_EPOCH (default: the last commit's
# time), gzip without a name or time stamp. Same tree, same bytes.
# Usage: dist.sh VERSION OUT.tar.gz
set -eu
VERSION=${1:?usage: dist.sh VERSION OUT.tar.gz}
OUT=${2:?usage: dist.sh VERSION OUT.tar.gz}
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "dist: not a git checkout: make dist needs git to know which files to ship" >&2
	exit 2
fi
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
mkdir -p "$(dirname "$OUT")"
list=$(mktemp)
trap 'rm -f "$list" "$OUT.tmp"' EXIT INT TERM
# Deleted but not yet committed files are left out.
git ls-files -z --cached --others --exclude-standard |
	xargs -0 -r sh -c 'for f; do [ -f "$f" ] && [ ! -L "$f" ] && printf "%s\n" "$f"; done' sh |
	LC_ALL=C sort -u >"$list"
tar --create --file=- --format=gnu --no-recursion --sort=name --verbatim-files-from \
	--files-from="$list" --transform "s,^,modelseal-$VERSION/," \
	--mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
	--mode='u+rw,go+r,go-w' | gzip -9 -n >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
trap - EXIT INT TERM
rm -f "$list"
echo "$OUT"
