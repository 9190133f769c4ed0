#!/bin/sh
# Bench rows for archives (run by bench.sh with BENCH_DIR, BIG and RUNS
# set, or alone): `digest --archive` of an uncompressed tar beside `digest`
# of the same directory (target: within 15%), and gzip and zstd tars beside
# their decompressor alone, which is then the limit. Warm page cache, best of
# $RUNS wall-clock runs. Its data lives in a temporary directory of its own,
# deleted at the end (BENCH_DIR is left alone); BIG, when set, is hard-linked
# (or copied) as the model instead of writing BENCH_GIB GiB of fresh data.
# Usage: bench-archive.sh /path/to/modelseal
# Environment: BIG, BENCH_GIB (default 4), BENCH_ZGIB (compressed cases,
# default 1), RUNS (default 3).
set -eu
MS=$1
HERE=$(cd "$(dirname "$0")" && pwd)
GIB=${BENCH_GIB:-4}
ZGIB=${BENCH_ZGIB:-1}
RUNS=${RUNS:-3}
. "$HERE/bench-lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/modelseal-bench-archive.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$WORK"

peak_rss_mib() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f MiB", $1 / 1024}'
	else
		echo "n/a"
	fi
}
keystream() {
	openssl enc -aes-128-ctr -nosalt -K "$(printf '%032x' "$1")" -iv 0 </dev/zero 2>/dev/null
}
rate() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.2f GB/s", b / s / 1e9 }'; }
row() { printf '%-46s %8.2f s  %s\n' "$1" "$2" "$(rate "$3" "$2")"; }

mkdir model
if [ -n "${BIG:-}" ] && [ -f "$BIG" ]; then
	ln "$BIG" model/ 2>/dev/null || cp "$BIG" model/
else
	echo "bench-archive: writing a $GIB GiB model (1 GiB files) under $WORK"
	i=0
	while [ $i -lt "$GIB" ]; do
		keystream $i | head -c 1073741824 >model/part-$i.bin
		i=$((i + 1))
	done
fi
tar --format=pax -cf model.tar model
bytes=$(du -b -s model | cut -f1)
gib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1073741824 }')

# Weights-like data for the compressed cases: 6 bits of entropy per byte,
# so gzip and zstd have something to do.
mkdir zmodel
i=0
while [ $i -lt "$ZGIB" ]; do
	keystream $((100 + i)) | head -c 1073741824 | tr '\100-\377' '\000-\077\000-\077\000-\077' \
		>zmodel/part-$i.bin
	i=$((i + 1))
done
tar --format=pax -cf zmodel.tar zmodel
gzip -c zmodel.tar >zmodel.tar.gz
zstd -q -c zmodel.tar >zmodel.tar.zst
zbytes=$((ZGIB * 1073741824))

cat model.tar zmodel.tar >/dev/null # warm the page cache
find model zmodel -type f -exec cat {} + >/dev/null
echo "bench-archive: $(nproc) cores (shared: figures are noisy), best of $RUNS"
t_dir=$(best_time "$MS" digest model)
t_tar=$(best_time "$MS" digest --archive model.tar)
row "digest model/ ($gib GiB)" "$t_dir" $bytes
row "digest --archive model.tar" "$t_tar" $bytes
awk -v a="$t_tar" -v d="$t_dir" 'BEGIN { printf "  archive / directory: %.2f (target <= 1.15)\n", a / d }'
echo "  peak RSS: directory $(peak_rss_mib "$MS" digest model), tar $(peak_rss_mib "$MS" digest --archive model.tar)"

t_zdir=$(best_time "$MS" digest zmodel)
t_gz=$(best_time "$MS" digest --archive zmodel.tar.gz)
t_gunzip=$(best_time gzip -dc zmodel.tar.gz)
t_zst=$(best_time "$MS" digest --archive zmodel.tar.zst)
t_unzstd=$(best_time zstd -q -dc zmodel.tar.zst)
row "digest zmodel/ ($ZGIB GiB)" "$t_zdir" $zbytes
row "digest --archive zmodel.tar.gz" "$t_gz" $zbytes
row "  gzip -dc alone (the limit)" "$t_gunzip" $zbytes
row "digest --archive zmodel.tar.zst" "$t_zst" $zbytes
row "  zstd -dc alone (the limit)" "$t_unzstd" $zbytes
echo "  peak RSS: tar.zst $(peak_rss_mib "$MS" digest --archive zmodel.tar.zst)"
