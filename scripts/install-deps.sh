#!/bin/sh
# Installs what modelseal needs to build and test. Debian and Ubuntu only;
# elsewhere it prints the list for the local package manager.
set -eu

PKGS="libsodium-dev libssl-dev libarchive-dev libcjson-dev libsqlite3-dev libyaml-dev
libunistring-dev libpq-dev check
pkg-config make gcc openssl jq zstd xz-utils bzip2 gzip coreutils b3sum hyperfine
time sqlite3 python3 clang libclang-rt-14-dev valgrind dpkg-dev debhelper lintian
mmdebstrap umoci zsh fish build-essential libarchive-tools unzip tar util-linux
python3-jsonschema postgresql strace"
# libarchive-tools (bsdtar), unzip, tar and python3: the extractors that
# tests/cli/t_archive_diff.sh compares modelseal's archive reading with;
# util-linux: flock(1) for the unpack staging test.
# Optional, each installed on its own so a release without it still builds:
# b3sum and hyperfine for benchmarks; clang with libFuzzer (libclang-rt-14-dev
# on Debian 12) for make fuzz, which make check skips without it; valgrind
# for make check VALGRIND=1; build-essential, dpkg-dev, debhelper, lintian,
# mmdebstrap and umoci for make deb, make image and make check-package
# (which skips without them); zsh and fish to test their completion scripts;
# python3-jsonschema to check --json output against docs/schema/ (without it
# the tests use a small validator of their own); postgresql (the server) for
# the registry tests on PostgreSQL, which are skipped, saying so, without it;
# strace, whose fault injection holds a file lookup or a directory read
# while a test swaps files (t_redteam.sh, t_verdicts.sh skip without it).
OPTIONAL="b3sum hyperfine clang libclang-rt-14-dev valgrind"
OPTIONAL="$OPTIONAL build-essential dpkg-dev debhelper lintian mmdebstrap umoci zsh fish"
OPTIONAL="$OPTIONAL python3-jsonschema postgresql strace"

if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: no apt-get here. Install these (or your system's equivalents):" >&2
	echo "  libsodium libssl(libcrypto) libarchive libcjson sqlite3 libyaml libunistring libpq" >&2
	echo "  check pkg-config" >&2
	echo "  (tests and benchmarks also use: openssl jq zstd xz bzip2 b3sum hyperfine" >&2
	echo "   python3-jsonschema; the PostgreSQL server for its registry tests)" >&2
	exit 1
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "install-deps: run as root or install sudo" >&2
		exit 1
	fi
fi

# Only what is missing, so a second run costs nothing.
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
required=
optional=
for p in $missing; do
	case " $OPTIONAL " in
	*" $p "*) optional="$optional $p" ;;
	*) required="$required $p" ;;
	esac
done
# shellcheck disable=SC2086
[ -z "$required" ] || $SUDO apt-get install -y -qq --no-install-recommends $required >/dev/null
for p in $optional; do
	$SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 ||
		echo "install-deps: optional $p not available; what needs it is skipped" >&2
done
