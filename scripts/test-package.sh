#!/bin/sh
# The release artifacts, tested as a user gets them (CI runs this):
#  1. make deb: lintian clean (build-deb.sh), reproducible, Depends from
#     shlibs, the files; the Containerfile installs the same libraries;
#  2. the .deb installed with apt into a clean Debian root filesystem
#     (mmdebstrap, variant apt) runs: keygen, sign, verify, the hook, bash
#     completion, man page, and it removes cleanly;
#  3. make image: the OCI archive's index, manifest, config (non-root user,
#     entry point) and layer digests are right, and modelseal and the hook
#     run inside its root filesystem (chroot) as the image's user.
#  0. make install/uninstall put and remove every file; make dist is
#     reproducible and its tarball builds.
# 1-3 are skipped, saying why, where the tools or root (for chroot) are missing.
# Everything stays under BUILD/ (nothing cached elsewhere).
# Usage: test-package.sh VERSION BUILD
set -u
VERSION=${1:?usage: test-package.sh VERSION BUILD}
BUILD=${2:?usage: test-package.sh VERSION BUILD}
cd "$(dirname "$0")/.."

T=$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)/package-test
rm -rf "$T"
mkdir -p "$T"
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "  FAIL [package] $1"; [ -z "${2:-}" ] || sed 's/^/       /' "$2" | head -30; }
check() { _d=$1; shift; if "$@" >"$T/out" 2>&1; then ok; else bad "$_d" "$T/out"; fi; }
MK="${MAKE:-make} --no-print-directory BUILD=$BUILD"

# ---- 0. make install / uninstall, make dist (no packaging tools needed) ----
inst=$T/inst
check "make install" $MK install DESTDIR="$inst" PREFIX=/opt/ms
for f in bin/modelseal bin/modelseal-pre-deploy share/man/man1/modelseal-completion.1 \
	share/bash-completion/completions/modelseal share/zsh/site-functions/_modelseal \
	share/fish/vendor_completions.d/modelseal.fish share/doc/modelseal/examples/hooks/pre-deploy.sh; do
	check "make install: $f" [ -s "$inst/opt/ms/$f" ]
done
check "installed binary runs" "$inst/opt/ms/bin/modelseal" --version
check "make uninstall" $MK uninstall DESTDIR="$inst" PREFIX=/opt/ms
check "make uninstall leaves no file" [ -z "$(find "$inst" -type f)" ]
# VERSION is the one version: the man pages must say the same.
check "every man page names modelseal $VERSION" sh -c "! grep -L '^\.TH .*\"modelseal $VERSION\"' man/*.1 | grep ."
check "make dist" $MK dist
cp "$BUILD/modelseal-$VERSION.tar.gz" "$T/dist1.tar.gz"
touch Makefile
check "make dist again" $MK dist
check "make dist is reproducible" cmp "$T/dist1.tar.gz" "$BUILD/modelseal-$VERSION.tar.gz"
check "the tarball builds" sh -c "tar -xzf '$T/dist1.tar.gz' -C '$T' && make -C '$T/modelseal-$VERSION' -j2 BUILD=b >/dev/null && '$T/modelseal-$VERSION/b/modelseal' --version"
rm -rf "$inst" "$T/modelseal-$VERSION" "$T/dist1.tar.gz"

missing=
for tool in dpkg-buildpackage dh lintian mmdebstrap umoci jq chroot bash; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	echo "package: .deb and image skipped: missing$missing (scripts/install-deps.sh installs them)"
elif [ "$(id -u)" -ne 0 ]; then
	echo "package: .deb and image skipped: needs root for chroot into the test root filesystems"
	missing=root
fi
if [ -n "$missing" ]; then
	echo "package: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
fi

check "make image (make deb, lintian clean)" $MK image
if [ "$failed" -ne 0 ]; then
	echo "package: $passed passed, $failed failed (no .deb or image to test)"
	exit 1
fi
ARCH=$(dpkg --print-architecture)
DEB=$(cd "$BUILD/deb" && pwd)/modelseal_${VERSION}_$ARCH.deb
IMAGE=$BUILD/image/modelseal-$VERSION.tar
SUITE=$(. /etc/os-release && echo "$VERSION_CODENAME")

# ---- 1. the .deb ----
dpkg-deb -f "$DEB" Depends >"$T/depends"
for lib in libsodium23 libssl3 libarchive13 libcjson1 libsqlite3-0 libyaml-0-2 libpq5 libc6; do
	check "Depends names $lib (from shlibs)" grep -qE "(^|, )$lib( \(>=|,|$)" "$T/depends"
done
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's,^\./,/,' >"$T/files"
for f in /usr/bin/modelseal /usr/bin/modelseal-pre-deploy /usr/share/man/man1/modelseal.1.gz \
	/usr/share/man/man1/modelseal-verify.1.gz /usr/share/man/man1/modelseal-completion.1.gz \
	/usr/share/bash-completion/completions/modelseal /usr/share/zsh/vendor-completions/_modelseal \
	/usr/share/fish/vendor_completions.d/modelseal.fish /usr/share/doc/modelseal/copyright \
	/usr/share/doc/modelseal/examples/hooks/k8s-init-container.yaml \
	/usr/share/doc/modelseal/examples/ci/gitlab-ci.yml; do
	check "the .deb holds $f" grep -qx "$f" "$T/files"
done
# The Containerfile installs the same runtime libraries as the .deb needs.
sed 's/([^)]*)//g; s/,/\n/g; s/ //g' "$T/depends" | grep -vx libc6 | sort >"$T/deps.deb"
sed -n '/^FROM \${DEBIAN}$/,$p' Containerfile | grep -o 'lib[a-z0-9.-]*[0-9]' | sort -u >"$T/deps.containerfile"
check "Containerfile runtime libraries = the .deb's Depends" diff "$T/deps.deb" "$T/deps.containerfile"
# Reproducible: the same tree builds the same .deb, byte for byte.
cp "$DEB" "$T/first.deb"
check "make deb again" $MK deb
check "the .deb is reproducible" cmp "$T/first.deb" "$DEB"
rm -f "$T/first.deb"
check "Version is VERSION" [ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ]

# model DIR: a small model, written from outside (the image has no coreutils).
model() {
	mkdir -p "$1/model"
	printf '{"layers": 2}' >"$1/model/config.json"
	head -c 100000 /dev/urandom >"$1/model/weights.bin"
	printf '{"version": 1, "trusted_keys": ["ci.pub"]}' >"$1/policy.json"
}
# Inside a root filesystem, in $HOME, with only the shell's builtins and
# what the package brings: sign, verify, the hook lets it through, and
# refuses it once tampered.
smoke='set -e
cd "$HOME"
modelseal --version
modelseal keygen --no-passphrase -o ci >/dev/null 2>&1
modelseal sign --key ci.key model
modelseal verify --key ci.pub model
modelseal-pre-deploy model policy.json
printf X >>model/weights.bin
rc=0
modelseal-pre-deploy model policy.json || rc=$?
[ "$rc" -eq 1 ] || { echo "tampered model: hook exit $rc, wanted 1"; exit 1; }
modelseal audit >/dev/null
echo smoke-ok'

# ---- 2. install into a clean Debian root filesystem ----
root=$T/debian
if mmdebstrap --quiet --variant=apt \
	--customize-hook="copy-in $DEB /tmp" \
	--customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends /tmp/$(basename "$DEB")" \
	--customize-hook='rm -f "$1"/tmp/*.deb' \
	"$SUITE" "$root" >"$T/mmdebstrap.log" 2>&1; then
	ok
	inroot() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }
	check "installed: dpkg says so" inroot dpkg-query -W -f='${Status}' modelseal
	grep -q 'install ok installed' "$T/out" && ok || bad "modelseal not installed" "$T/out"
	model "$root/root"
	check "installed: keygen, sign, verify, hook" inroot sh -c "$smoke"
	grep -qx smoke-ok "$T/out" || bad "smoke test output" "$T/out"
	check "installed: bash completion loads and completes" inroot bash -c \
		'. /usr/share/bash-completion/completions/modelseal && COMP_WORDS=(modelseal veri) COMP_CWORD=1 && _modelseal && [ "${COMPREPLY[*]}" = verify ]'
	check "installed: man page" [ -s "$root/usr/share/man/man1/modelseal-sign.1.gz" ]
	check "installed: removes cleanly" inroot dpkg --purge modelseal
	check "removed: no binary left" [ ! -e "$root/usr/bin/modelseal" ]
else
	bad "mmdebstrap + apt-get install of the .deb failed" "$T/mmdebstrap.log"
fi
rm -rf "$root"

# ---- 3. the OCI image ----
oci=$T/oci
mkdir -p "$oci"
tar -xf "$IMAGE" -C "$oci"
blob() { echo "$oci/blobs/${1%%:*}/${1#*:}"; }
check "oci-layout" jq -e '.imageLayoutVersion == "1.0.0"' "$oci/oci-layout"
manifest=$(jq -r --arg v "$VERSION" '.manifests[] | select(.annotations."org.opencontainers.image.ref.name" == $v) | .digest' "$oci/index.json")
check "index names the image $VERSION" [ -n "$manifest" ]
check "manifest digest" sh -c "[ sha256:\$(sha256sum <'$(blob "$manifest")' | cut -c1-64) = '$manifest' ]"
config=$(jq -r .config.digest "$(blob "$manifest")")
jq . "$(blob "$config")" >"$T/config.json"
check "runs as the non-root user" jq -e '.config.User == "65532:65532"' "$T/config.json"
check "entry point modelseal" jq -e '.config.Entrypoint == ["/usr/bin/modelseal"]' "$T/config.json"
check "names the hook" jq -e '.config.Labels."io.modelseal.hook" == "/usr/bin/modelseal-pre-deploy"' "$T/config.json"
img=$T/rootfs
mkdir -p "$img"
for layer in $(jq -r '.layers[].digest' "$(blob "$manifest")"); do
	check "layer $layer digest" sh -c "[ sha256:\$(sha256sum <'$(blob "$layer")' | cut -c1-64) = '$layer' ]"
	tar -xzf "$(blob "$layer")" -C "$img" 2>/dev/null || tar -xf "$(blob "$layer")" -C "$img"
done
check "image: no apt, no manuals, no examples" sh -c \
	"[ ! -e '$img/usr/bin/apt-get' ] && [ ! -e '$img/usr/share/man' ] && [ ! -e '$img/usr/share/doc/modelseal/examples' ]"
check "image: licences kept" [ -f "$img/usr/share/doc/modelseal/copyright" ]
# As the container runtime would: the config's user and environment.
exports=$(jq -r '.config.Env[] | "export \(@sh)"' "$T/config.json")
model "$img/home/modelseal"
chown -R 65532:65532 "$img/home/modelseal"
check "image: modelseal and the hook run as 65532" \
	chroot --userspec=65532:65532 "$img" /bin/sh -c "$exports; $smoke"
grep -qx smoke-ok "$T/out" || bad "image smoke test output" "$T/out"
check "image: the user cannot write outside its home" sh -c "! chroot --userspec=65532:65532 '$img' sh -c ': >/usr/bin/x' 2>/dev/null"
rm -rf "$img" "$oci"

echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
