#!/bin/sh
# Builds build/image/modelseal-<version>.tar, an OCI image archive (an OCI
# layout in a tar, as 'podman load' and 'skopeo copy oci-archive:' read it),
# without a container registry: mmdebstrap extracts the .deb's runtime
# libraries (its Depends, as dpkg-shlibdeps found them) and a shell and sed
# for the pre-deploy hook from the Debian mirror apt already uses, the .deb is
# unpacked on top, and umoci turns that root filesystem into one layer.
# The image runs as user modelseal (65532); its entry point is modelseal,
# and the hook is /usr/bin/modelseal-pre-deploy (set it as the entry point or
# command to gate a deployment).
# Usage: build-image.sh VERSION DEBDIR OUTDIR
set -eu
VERSION=${1:?usage: build-image.sh VERSION DEBDIR OUTDIR}
DEBDIR=${2:?usage: build-image.sh VERSION DEBDIR OUTDIR}
OUT=${3:?usage: build-image.sh VERSION DEBDIR OUTDIR}
for tool in mmdebstrap umoci dpkg-deb; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "image: $tool not found: install mmdebstrap and umoci (scripts/install-deps.sh does)" >&2
		exit 2
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	echo "image: needs root (the files' owners in the image, ldconfig of its root): run it with sudo" >&2
	exit 2
fi
DEB=$DEBDIR/modelseal_${VERSION}_$(dpkg --print-architecture).deb
[ -f "$DEB" ] || { echo "image: $DEB missing: run make deb first" >&2; exit 2; }
# The libraries the binary was linked against: the build machine's release.
SUITE=${IMAGE_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:?}")}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH
CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
UID_=65532

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rootfs=$OUT/rootfs
layout=$OUT/oci
archive=$OUT/modelseal-$VERSION.tar
rm -rf "$rootfs" "$layout" "$archive"

# ---- root filesystem: extract only, no maintainer scripts, no dpkg run ----
deps=$(dpkg-deb -f "$DEB" Depends | sed 's/([^)]*)//g; s/[[:space:]]//g')
echo "image: $SUITE root filesystem with $deps" >&2
mmdebstrap --quiet --variant=extract --include="$deps,base-files,dash,sed" \
	"$SUITE" "$rootfs" >"$OUT/mmdebstrap.log" 2>&1 || {
	cat "$OUT/mmdebstrap.log" >&2
	echo "image: mmdebstrap failed (is the Debian mirror in /etc/apt reachable?)" >&2
	exit 2
}
dpkg-deb -x "$DEB" "$rootfs"
# Nothing else: no documentation but the licences, no examples, no locales.
find "$rootfs/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
find "$rootfs/usr/share/doc" -mindepth 1 -depth -type d -empty -delete
rm -rf "$rootfs/usr/share/man" "$rootfs/usr/share/info" "$rootfs/usr/share/locale" \
	"$rootfs/var/cache/apt" "$rootfs/var/lib/apt/lists"
ldconfig -r "$rootfs"
rm -f "$rootfs/var/cache/ldconfig/aux-cache"
# The non-root user; HOME holds its registry.
printf 'root:x:0:0:root:/root:/bin/sh\nmodelseal:x:%s:%s:modelseal:/home/modelseal:/usr/sbin/nologin\n' \
	"$UID_" "$UID_" >"$rootfs/etc/passwd"
printf 'root:x:0:\nmodelseal:x:%s:\n' "$UID_" >"$rootfs/etc/group"
install -d -m 0755 -o "$UID_" -g "$UID_" "$rootfs/home/modelseal"
chmod 1777 "$rootfs/tmp"

# ---- one reproducible layer, then the OCI layout ----
tar --create --file="$OUT/layer.tar" --directory="$rootfs" --sort=name --format=pax \
	--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
	--mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime --numeric-owner .
umoci init --layout "$layout"
umoci new --image "$layout:$VERSION"
umoci raw add-layer --image "$layout:$VERSION" --history.created "$CREATED" \
	--history.created_by "scripts/build-image.sh (mmdebstrap $SUITE + $(basename "$DEB"))" \
	"$OUT/layer.tar"
umoci config --image "$layout:$VERSION" --created "$CREATED" --history.created "$CREATED" \
	--author "modelseal" --config.user "$UID_:$UID_" --config.workingdir /home/modelseal \
	--config.env PATH=/usr/sbin:/usr/bin:/sbin:/bin --config.env HOME=/home/modelseal \
	--config.entrypoint /usr/bin/modelseal --config.cmd help \
	--config.label "org.opencontainers.image.title=modelseal" \
	--config.label "org.opencontainers.image.version=$VERSION" \
	--config.label "io.modelseal.hook=/usr/bin/modelseal-pre-deploy"
umoci gc --layout "$layout"
rm -f "$OUT/layer.tar"
tar --create --file="$archive.tmp" --directory="$layout" --sort=name --format=pax \
	--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
	--mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner .
mv "$archive.tmp" "$archive"
echo "$archive"
