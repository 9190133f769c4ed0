#!/bin/sh
# Builds build/deb/modelseal_<version>_<arch>.deb with debhelper from the
# release tarball (so the package holds exactly what make dist ships), then
# runs lintian on it: any error fails the build.
# Usage: build-deb.sh VERSION TARBALL OUTDIR
set -eu
VERSION=${1:?usage: build-deb.sh VERSION TARBALL OUTDIR}
TARBALL=${2:?usage: build-deb.sh VERSION TARBALL OUTDIR}
OUT=${3:?usage: build-deb.sh VERSION TARBALL OUTDIR}
for tool in dpkg-buildpackage dh lintian; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "deb: $tool not found: install debhelper, dpkg-dev and lintian (scripts/install-deps.sh does)" >&2
		exit 2
	fi
done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
ARCH=$(dpkg --print-architecture)
DEB=$OUT/modelseal_${VERSION}_$ARCH.deb
# The changelog's date is the one time stamp in the package: the tarball's.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

work=$OUT/src
rm -rf "$work"
mkdir -p "$work"
tar -xzf "$TARBALL" -C "$work"
src=$work/modelseal-$VERSION
{
	echo "modelseal ($VERSION) unstable; urgency=medium"
	echo
	echo "  * Release $VERSION (generated from VERSION by scripts/build-deb.sh)."
	echo
	echo " -- $(sed -n 's/^Maintainer: //p' "$src/debian/control")  $(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
} >"$src/debian/changelog"

echo "deb: building in $src" >&2
(cd "$src" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=2}" \
	dpkg-buildpackage -b -us -uc --no-sign >"$work/build.log" 2>&1) || {
	tail -40 "$work/build.log" >&2
	echo "deb: dpkg-buildpackage failed; the whole log is $work/build.log" >&2
	exit 2
}
mv "$work/modelseal_${VERSION}_$ARCH.deb" "$DEB"
# lintian refuses to run as root without this; it only reads the package.
lintian --allow-root --fail-on error --tag-display-limit 0 "$DEB" >"$work/lintian.log" 2>&1 || {
	cat "$work/lintian.log" >&2
	echo "deb: lintian found errors in $DEB" >&2
	exit 2
}
sed 's/^/deb: /' "$work/lintian.log" >&2
echo "$DEB"
