#!/bin/sh
# Bench rows for verify: its cost over digest of the same model (target: at
# most 5% more). Run by bench.sh with BENCH_DIR, BIG and RUNS set.
# Usage: bench-verify.sh /path/to/modelseal
set -eu
MS=$1
DIR=${BENCH_DIR:-/tmp/modelseal-bench}
RUNS=${RUNS:-3}
BIG=${BIG:?BIG must name the large bench file}
SMALL=$DIR/small-20000x64k
KEYS=$(mktemp -d "${TMPDIR:-/tmp}/modelseal-bench-keys.XXXXXX")
trap 'rm -rf "$KEYS"' EXIT

. "$(dirname "$0")/bench-lib.sh"
# compare LABEL DIGEST_SECONDS VERIFY_SECONDS
compare() {
	awk -v n="$1" -v d="$2" -v v="$3" 'BEGIN {
		extra = (v / d - 1) * 100
		printf "  %-34s digest %.3f s, verify %.3f s: %+.1f%% (%s)\n", n, d, v, extra,
			extra <= 5 ? "ok, target <= 5%" : "OVER the 5% target" }'
}

"$MS" keygen -o "$KEYS/bench" --no-passphrase >/dev/null 2>&1
printf '\n(c) verify against digest of the same model\n'
"$MS" sign --key "$KEYS/bench.key" --signature "$KEYS/big.sig" "$BIG" >/dev/null 2>&1
compare "one $(($(stat -c %s "$BIG") / 1048576)) MiB file" \
	"$(best_time "$MS" digest "$BIG")" \
	"$(best_time "$MS" verify --key "$KEYS/bench.pub" --signature "$KEYS/big.sig" "$BIG")"
if [ -d "$SMALL" ]; then
	"$MS" sign --key "$KEYS/bench.key" --signature "$KEYS/small.sig" --method files \
		"$SMALL" >/dev/null 2>&1
	compare "20,000 files, --method files" \
		"$(best_time "$MS" digest --method files "$SMALL")" \
		"$(best_time "$MS" verify --key "$KEYS/bench.pub" --signature "$KEYS/small.sig" "$SMALL")"
fi
