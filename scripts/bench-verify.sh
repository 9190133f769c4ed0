#!/bin/sh
# Bench rows for verify: its cost over digest of the same model (target: at
# most 5% more), median of $RUNS runs. Run by bench.sh with BENCH_DIR, BIG
# and RUNS set. The 200,000 tiny files (64 bytes each) live under BENCH_DIR
# too, made once.
# Usage: bench-verify.sh /path/to/modelseal
set -eu
MS=$1
DIR=${BENCH_DIR:-/tmp/modelseal-bench}
RUNS=${RUNS:-3}
BIG=${BIG:?BIG must name the large bench file}
SMALL=$DIR/small-20000x64k
TINY=$DIR/tiny-200000x64
KEYS=$(mktemp -d "${TMPDIR:-/tmp}/modelseal-bench-keys.XXXXXX")
trap 'rm -rf "$KEYS"' EXIT
: "${MODELSEAL_REGISTRY:=$KEYS/registry.db}"
export MODELSEAL_REGISTRY

. "$(dirname "$0")/bench-lib.sh"
# compare LABEL DIGEST_SECONDS VERIFY_SECONDS
compare() {
	awk -v n="$1" -v d="$2" -v v="$3" 'BEGIN {
		extra = (v / d - 1) * 100
		printf "  %-34s digest %.3f s, verify %.3f s: %+.1f%% (%s)\n", n, d, v, extra,
			extra <= 5 ? "ok, target <= 5%" : "OVER the 5% target" }'
}
# row LABEL MODEL SIG DIGEST_OPTIONS...
row() {
	label=$1 model=$2 sig=$3
	shift 3
	"$MS" sign --key "$KEYS/bench.key" --signature "$sig" "$@" "$model" >/dev/null 2>&1
	compare "$label" "$(median_time "$MS" digest "$@" "$model")" \
		"$(median_time "$MS" verify --key "$KEYS/bench.pub" --signature "$sig" "$model")"
}

if [ ! -d "$TINY" ] || [ "$(find "$TINY" -type f | wc -l)" -ne 200000 ]; then
	echo "bench: writing 200,000 files of 64 bytes under $TINY"
	rm -rf "$TINY"
	# 200 directories of 1000 files: one shell loop per directory
	d=0
	while [ $d -lt 200 ]; do
		mkdir -p "$TINY/d$d"
		(cd "$TINY/d$d" && head -c 64000 /dev/urandom | split -a 3 -d -b 64 - f)
		d=$((d + 1))
	done
fi

"$MS" keygen -o "$KEYS/bench" --no-passphrase >/dev/null 2>&1
printf '\nverify against digest of the same model (median of %s)\n' "$RUNS"
row "one $(($(stat -c %s "$BIG") / 1048576)) MiB file" "$BIG" "$KEYS/big.sig"
if [ -d "$SMALL" ]; then
	row "20,000 files of 64 KiB" "$SMALL" "$KEYS/small.sig" --method files
fi
row "200,000 files of 64 bytes" "$TINY" "$KEYS/tiny.sig" --method files
