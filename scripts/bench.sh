#!/bin/sh
# make bench: modelseal against sha256sum, b3sum and openssl on the same data
# in the same run, warm page cache, best of $RUNS wall-clock runs.
# Usage: bench.sh /path/to/modelseal
# Environment: BENCH_DIR (default /tmp/modelseal-bench, kept for reuse),
#              BENCH_GIB (size of the large file, default 4), RUNS (default 3).
set -eu
MS=$1
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${BENCH_DIR:-/tmp/modelseal-bench}
GIB=${BENCH_GIB:-4}
RUNS=${RUNS:-3}
BIG=$DIR/big-${GIB}g.bin
SMALL=$DIR/small-20000x64k
mkdir -p "$DIR"

. "$HERE/bench-lib.sh"

# peak_rss_mib CMD...: maximum resident set size of one run.
peak_rss_mib() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.1f", $1 / 1024}'
	else
		echo "n/a"
	fi
}

keystream() { openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 0 </dev/zero 2>/dev/null; }

if [ ! -f "$BIG" ] || [ "$(stat -c %s "$BIG")" -ne $((GIB * 1073741824)) ]; then
	echo "bench: writing $GIB GiB test file $BIG"
	keystream | head -c $((GIB * 1073741824)) >"$BIG"
fi
if [ ! -d "$SMALL" ] || [ "$(find "$SMALL" -type f | wc -l)" -ne 20000 ]; then
	echo "bench: writing 20,000 files of 64 KiB under $SMALL"
	rm -rf "$SMALL"
	mkdir -p "$SMALL"
	# 200 directories of 100 files, like a sharded dataset
	d=0
	while [ $d -lt 200 ]; do
		mkdir -p "$SMALL/d$d"
		openssl enc -aes-128-ctr -nosalt -K "$(printf '%032x' $d)" -iv 0 </dev/zero 2>/dev/null |
			head -c $((100 * 65536)) | split -a 3 -d -b 65536 - "$SMALL/d$d/part"
		d=$((d + 1))
	done
fi
cat "$BIG" >/dev/null
find "$SMALL" -type f -exec cat {} + >/dev/null

report_header() {
	printf '\n%s\n' "$1"
	printf '  %-34s %9s %9s %12s\n' tool seconds GB/s "vs modelseal"
}
# row NAME SECONDS BYTES MS_SECONDS
row() {
	awk -v n="$1" -v s="$2" -v b="$3" -v m="$4" 'BEGIN {
		printf "  %-34s %9.3f %9.2f %11.2fx\n", n, s, b / s / 1e9, s / m }'
}

bytes=$((GIB * 1073741824))
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

report_header "(a) one $GIB GiB file (ratio > 1: the peer is slower than modelseal)"
ms=$(best_time "$MS" digest "$BIG")
row "modelseal digest (shards, sha256)" "$ms" $bytes "$ms"
row "modelseal digest --hash blake2b" "$(best_time "$MS" digest --hash blake2b "$BIG")" $bytes "$ms"
row "sha256sum" "$(best_time sha256sum "$BIG")" $bytes "$ms"
if command -v b3sum >/dev/null; then
	row "b3sum (all threads)" "$(best_time b3sum "$BIG")" $bytes "$ms"
else
	echo "  b3sum: not installed"
fi
row "openssl dgst -sha256" "$(best_time openssl dgst -sha256 "$BIG")" $bytes "$ms"
echo "  modelseal peak RSS: $(peak_rss_mib "$MS" digest "$BIG") MiB"

sbytes=$((20000 * 65536))
report_header "(b) 20,000 files of 64 KiB ($((sbytes / 1048576)) MiB)"
ms=$(best_time "$MS" digest --method files "$SMALL")
row "modelseal digest --method files" "$ms" $sbytes "$ms"
row "sha256sum (find | xargs)" "$(best_time sh -c "cd '$SMALL' && find . -type f -print0 | xargs -0 sha256sum")" $sbytes "$ms"
if command -v b3sum >/dev/null; then
	row "b3sum (find | xargs)" "$(best_time sh -c "cd '$SMALL' && find . -type f -print0 | xargs -0 b3sum")" $sbytes "$ms"
fi
row "openssl dgst (find | xargs)" "$(best_time sh -c "cd '$SMALL' && find . -type f -print0 | xargs -0 openssl dgst -sha256")" $sbytes "$ms"
echo "  modelseal peak RSS: $(peak_rss_mib "$MS" digest --method files "$SMALL") MiB"

# Further rows (verify, archives, registry) come from their own scripts.
for extra in "$HERE"/bench-*.sh; do
	[ "$extra" = "$HERE/bench-lib.sh" ] && continue
	[ -f "$extra" ] || continue
	BENCH_DIR=$DIR BIG=$BIG RUNS=$RUNS sh "$extra" "$MS"
done
