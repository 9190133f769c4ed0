#!/bin/sh
# Builds modelseal in CI: installs the build dependencies (Debian/Ubuntu
# runner as root or with sudo) unless they are there, then runs make.
# Prints the path of the binary, and only that, on standard output.
# MODELSEAL_DEPS_ONLY=1: only the dependencies (for a cached binary).
# Usage: build.sh [SOURCE_DIR]
set -eu
SRC=${1:-.}
cd "$SRC"
if ! pkg-config --exists libsodium libcrypto libarchive libcjson sqlite3 yaml-0.1 2>/dev/null ||
	! [ -e /usr/include/uninorm.h ]; then
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	{
		$SUDO apt-get update -q
		$SUDO apt-get install -y -q --no-install-recommends build-essential pkg-config \
			libsodium-dev libssl-dev libarchive-dev libcjson-dev libsqlite3-dev libyaml-dev \
			libunistring-dev
	} >&2
fi
[ "${MODELSEAL_DEPS_ONLY:-0}" = 1 ] && exit 0
make >&2
echo "$(pwd)/build/modelseal"
