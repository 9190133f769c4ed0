#!/bin/sh
# make bench: modelseal beside sha256sum, b3sum, openssl and cat on the same
# data in the same run, each as a ratio to modelseal and (SHA-256 tools) to
# the machine's limit, `openssl speed -evp sha256 -multi NCPU`, and to the
# RAM rate (the same hash over buffers already in RAM). Warm page
# cache rows, then cold cache rows (page cache dropped before every run,
# the tools taking turns; root only). Every figure is the median of $RUNS
# wall-clock runs ($COLD_RUNS for the cold rows).
# Usage: bench.sh /path/to/modelseal
# Environment: BENCH_DIR (default /tmp/modelseal-bench, kept for reuse),
#              BENCH_GIB (size of the large file, default 4), RUNS (default 3),
#              COLD_RUNS (default 5),
#              BENCH_EXTRA=0 skips the verify/archive/registry scripts,
#              MS_PYTHON (default python3): a Python with model_signing
#              installed adds its rows (its hashing API, same shard size).
set -eu
BENCH_T0=$(date +%s)
MS=$1
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${BENCH_DIR:-/tmp/modelseal-bench}
GIB=${BENCH_GIB:-4}
RUNS=${RUNS:-3}
BIG=$DIR/big-${GIB}g.bin
ONE=$DIR/big-1g.bin
SMALL=$DIR/small-20000x64k
NCPU=$(nproc)
mkdir -p "$DIR"
# Signing in the verify rows records in a registry: never the user's.
MODELSEAL_REGISTRY=$(mktemp -d "${TMPDIR:-/tmp}/modelseal-bench-reg.XXXXXX")/registry.db
export MODELSEAL_REGISTRY
trap 'rm -rf "$(dirname "$MODELSEAL_REGISTRY")"' EXIT INT TERM

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

make_file() { # make_file PATH GIB
	if [ ! -f "$1" ] || [ "$(stat -c %s "$1")" -ne $(($2 * 1073741824)) ]; then
		echo "bench: writing $2 GiB test file $1"
		keystream | head -c $(($2 * 1073741824)) >"$1"
	fi
}
make_file "$BIG" "$GIB"
make_file "$ONE" 1
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
warm() {
	cat "$BIG" "$ONE" >/dev/null
	find "$SMALL" -type f -exec cat {} + >/dev/null
}
warm

# The limit: what libcrypto's SHA-256 does on all CPUs with no I/O at all,
# in bytes/s. Measured at the start and again before every table: on a
# shared machine it moves with the others' load.
speed() {
	openssl speed -evp sha256 -multi "$NCPU" -seconds 2 -bytes 16384 2>/dev/null |
		awk '$1 == "sha256" || $1 == "evp" {v = $NF} END {sub(/k$/, "", v); print v * 1000}'
}
limit=$(speed)

# The memory rate: the same SHA-256 over buffers already in RAM (no I/O,
# no faults, no copy), one per CPU, at least 64 MiB each so that no cache
# holds them. openssl speed never leaves the L1 cache, while a model's bytes
# come from RAM: where streaming from RAM slows SHA-256 down (a VM's nested
# page tables), this row says by how much. A reference, not a bound: pread
# copies into a buffer that stays in the L2 cache and can beat it.
MEMBENCH=$(dirname "$MODELSEAL_REGISTRY")/sha256_memory # removed at exit
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 "$HERE/../tests/bench/sha256_memory.c" \
	$(pkg-config --cflags --libs libcrypto) -pthread -o "$MEMBENCH"
MEM_MIB=$((2048 / NCPU))
[ $MEM_MIB -le 256 ] || MEM_MIB=256
[ $MEM_MIB -ge 64 ] || MEM_MIB=64
ram_rate() { "$MEMBENCH" "$NCPU" "$MEM_MIB" 3; }
memory=$(ram_rate)

echo "machine: $NCPU CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
awk -v l="$limit" -v n="$NCPU" 'BEGIN { printf "limit: openssl speed -evp sha256 -multi %d " \
	"(16 KiB blocks): %.2f GB/s at the start\n", n, l / 1e9 }'
awk -v m="$memory" -v l="$limit" -v n="$NCPU" -v b="$MEM_MIB" 'BEGIN { printf "RAM: " \
	"the same SHA-256 on %d threads over %d MiB each already in RAM: %.2f GB/s, %.0f%% " \
	"of the limit\n", n, b, m / 1e9, m / l * 100 }'
echo "every figure: median of $RUNS wall-clock runs; 'of limit' = GB/s / the limit measured"
echo "just before the table, 'of RAM' = GB/s / the RAM rate measured with it (SHA-256 tools);"
echo "'vs modelseal' = the tool's seconds / modelseal's (> 1: the tool is slower)"

# Each table's 'of limit' is against the limit measured just before it:
# on a shared machine the limit moves with the others' load, and the
# table's rows run in the same minute as that measurement.
report_header() {
	limit=$(speed)
	memory=$(ram_rate)
	awk -v t="$1" -v l="$limit" -v m="$memory" 'BEGIN {
		printf "\n%s (just before: limit %.2f GB/s, RAM %.2f GB/s)\n", t,
			l / 1e9, m / 1e9 }'
	printf '  %-38s %8s %7s %9s %7s %13s\n' tool seconds GB/s "of limit" "of RAM" \
		"vs modelseal"
}
# row NAME SECONDS BYTES MS_SECONDS [sha256]: a line of the table.
row() {
	awk -v n="$1" -v s="$2" -v b="$3" -v m="$4" -v sha="${5:-}" -v l="$limit" \
		-v r="$memory" 'BEGIN {
		lim = sha != "" && l > 0 ? sprintf("%8.0f%%", b / s / l * 100) : "        -"
		ram = sha != "" && r > 0 ? sprintf("%6.0f%%", b / s / r * 100) : "      -"
		printf "  %-38s %8.3f %7.2f %s %s %12.2fx\n", n, s, b / s / 1e9, lim, ram, s / m }'
}
b3() { command -v b3sum >/dev/null; }
# model_signing's own hashing (the Python reference implementation), when
# installed: `ms_py shards|files PATH`, shards of modelseal's default size.
PY=${MS_PYTHON:-python3}
msign() { "$PY" -c 'import model_signing.hashing' >/dev/null 2>&1; }
ms_py() {
	"$PY" -c 'import sys
import model_signing.hashing as h
c = h.Config()
if sys.argv[1] == "shards":
    c.use_shard_serialization(shard_size=64 << 20)
else:
    c.use_file_serialization()
c.hash(sys.argv[2])' "$@"
}
# in_tree CMD...: CMD over every file of the small tree, as xargs batches.
in_tree() { (cd "$SMALL" && find . -type f -print0 | xargs -0 "$@"); }

# file_rows FILE [all]: the warm rows for one file; the read path and
# single-threaded rows only with "all" (sha256sum alone takes 6 s a GiB).
file_rows() {
	f=$1
	bytes=$(stat -c %s "$f")
	report_header "one $((bytes / 1073741824)) GiB file, warm page cache"
	ms=$(median_time "$MS" digest "$f")
	row "modelseal digest (64 MiB shards)" "$ms" "$bytes" "$ms" sha
	if [ "${2:-}" = all ]; then
		file_rows_all "$f" "$bytes" "$ms"
	fi
	row "openssl dgst -sha256 (one thread)" "$(median_time openssl dgst -sha256 "$f")" \
		"$bytes" "$ms" sha
	if b3; then
		row "b3sum (BLAKE3, all threads)" "$(median_time b3sum "$f")" "$bytes" "$ms"
	fi
	if msign; then
		row "model_signing (Python, 64 MiB shards)" "$(median_time ms_py shards "$f")" \
			"$bytes" "$ms" sha
	fi
	row "cat >/dev/null (reading only)" "$(median_time cat "$f")" "$bytes" "$ms"
}
file_rows_all() {
	f=$1 bytes=$2 ms=$3
	row "  read path fixed: mmap windows" \
		"$(median_time env MODELSEAL_READ=mmap "$MS" digest "$f")" "$bytes" "$ms" sha
	row "  read path fixed: pread 256 KiB" \
		"$(median_time env MODELSEAL_READ=pread "$MS" digest "$f")" "$bytes" "$ms" sha
	row "modelseal digest --hash blake2b" "$(median_time "$MS" digest --hash blake2b "$f")" \
		"$bytes" "$ms"
	row "sha256sum (one thread)" "$(median_time sha256sum "$f")" "$bytes" "$ms" sha
}
file_rows "$ONE" all
# CPU time does not depend on how much of the machine others take.
cpu_s() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.2f", $1 + $2}'
	else
		echo "n/a"
	fi
}
echo "  CPU seconds (user+system, one run) for it: modelseal $(cpu_s "$MS" digest "$ONE")," \
	"mmap $(cpu_s env MODELSEAL_READ=mmap "$MS" digest "$ONE")," \
	"pread $(cpu_s env MODELSEAL_READ=pread "$MS" digest "$ONE")," \
	"openssl dgst $(cpu_s openssl dgst -sha256 "$ONE")"
[ "$BIG" = "$ONE" ] || file_rows "$BIG"
echo "  modelseal peak RSS, $GIB GiB file: $(peak_rss_mib "$MS" digest "$BIG") MiB (target < 64)"

sbytes=$((20000 * 65536))
report_header "20,000 files of 64 KiB ($((sbytes / 1048576)) MiB), warm page cache"
ms=$(median_time "$MS" digest --method files "$SMALL")
row "modelseal digest --method files" "$ms" $sbytes "$ms" sha
row "modelseal digest (shards)" "$(median_time "$MS" digest "$SMALL")" $sbytes "$ms" sha
row "sha256sum (find | xargs)" "$(median_time in_tree sha256sum)" $sbytes "$ms" sha
row "openssl dgst (find | xargs)" "$(median_time in_tree openssl dgst -sha256)" $sbytes "$ms" sha
if b3; then
	row "b3sum (find | xargs)" "$(median_time in_tree b3sum)" $sbytes "$ms"
fi
if msign; then
	row "model_signing (Python, files)" "$(median_time ms_py files "$SMALL")" $sbytes "$ms" sha
else
	echo "  model_signing: not installed for $PY (MS_PYTHON names a Python that has it)"
fi
row "cat (find | xargs)" "$(median_time in_tree cat)" $sbytes "$ms"
echo "  modelseal peak RSS: $(peak_rss_mib "$MS" digest --method files "$SMALL") MiB"


# Cold cache: the page cache is dropped before every run, so the disk is
# read each time. Needs root; the figures then depend on the device, whose
# speed drifts (a VM's disk here went from 0.55 to 1.2 s a GiB within a
# minute): the tools take turns, round after round, so that no tool gets
# the fast minute, and each row is the median of its COLD_RUNS (5) runs.
COLD_RUNS=${COLD_RUNS:-5}
cold_ms_file() { "$MS" digest "$ONE"; }
cold_cat_file() { cat "$ONE"; }
cold_b3_file() { b3sum "$ONE"; }
cold_ms_tree() { "$MS" digest --method files "$SMALL"; }
cold_cat_tree() { in_tree cat; }
cold_b3_tree() { in_tree b3sum; }
# cold_rounds DIR FN...: COLD_RUNS rounds, each running every FN once after
# dropping the page cache; FN's seconds go to DIR/FN, one a line.
cold_rounds() {
	dir=$1
	shift
	r=0
	while [ $r -lt "$COLD_RUNS" ]; do
		for fn in "$@"; do
			sync
			echo 3 >/proc/sys/vm/drop_caches
			t0=$(now)
			"$fn" >/dev/null 2>&1 || { echo "bench: failed: $fn" >&2; exit 1; }
			t1=$(now)
			echo "$t0 $t1" | awk '{print $2 - $1}' >>"$dir/$fn"
		done
		r=$((r + 1))
	done
}
median_of() {
	sort -g "$1" | awk '{v[NR] = $1} END {
		print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
if [ "$(id -u)" -eq 0 ] && [ -w /proc/sys/vm/drop_caches ]; then
	cold=$(dirname "$MODELSEAL_REGISTRY")/cold # removed with it at exit
	mkdir "$cold"
	b3fns=
	b3 && b3fns=cold_b3_file
	bytes=$(stat -c %s "$ONE")
	report_header "cold page cache: one 1 GiB file (dropped before each run, tools in turn, median of $COLD_RUNS)"
	cold_rounds "$cold" cold_ms_file cold_cat_file $b3fns
	ms=$(median_of "$cold/cold_ms_file")
	row "modelseal digest" "$ms" "$bytes" "$ms" sha
	row "cat >/dev/null" "$(median_of "$cold/cold_cat_file")" "$bytes" "$ms"
	if b3; then
		row "b3sum (all threads)" "$(median_of "$cold/cold_b3_file")" "$bytes" "$ms"
	fi
	report_header "cold page cache: 20,000 files of 64 KiB (tools in turn, median of $COLD_RUNS)"
	b3 && b3fns=cold_b3_tree
	cold_rounds "$cold" cold_ms_tree cold_cat_tree $b3fns
	ms=$(median_of "$cold/cold_ms_tree")
	row "modelseal digest --method files" "$ms" $sbytes "$ms" sha
	row "cat (find | xargs)" "$(median_of "$cold/cold_cat_tree")" $sbytes "$ms"
	if b3; then
		row "b3sum (find | xargs)" "$(median_of "$cold/cold_b3_tree")" $sbytes "$ms"
	fi
	warm
else
	printf '\ncold page cache rows: skipped (dropping the page cache needs root)\n'
fi

# Further rows (verify, archives, registry) come from their own scripts, on
# the 1 GiB file to keep the whole run within a few minutes.
if [ "${BENCH_EXTRA:-1}" != 0 ]; then
	for extra in "$HERE"/bench-*.sh; do
		[ "$extra" = "$HERE/bench-lib.sh" ] && continue
		[ -f "$extra" ] || continue
		BENCH_DIR=$DIR BIG=$ONE BENCH_GIB=1 RUNS=$RUNS sh "$extra" "$MS"
	done
fi
printf '\nbench: %s s in all; load average %s at the end\n' "$(($(date +%s) - BENCH_T0))" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
