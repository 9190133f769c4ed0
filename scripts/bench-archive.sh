#!/bin/sh
# Archive benchmarks (make bench calls this): `digest --archive` of an
# uncompressed tar beside `digest` of the same directory, and gzip and zstd
# tars beside their decompressor alone (which is then the limit). Warm page
# cache, best of $RUNS wall-clock runs. The data lives under $BENCH_DIR and is
# deleted at the end.
# Usage: bench-archive.sh /path/to/modelseal
# Environment: BENCH_DIR (default /tmp/modelseal-bench-archive), BENCH_GIB
# (uncompressed model, default 4), BENCH_ZGIB (compressed cases, default 1),
# RUNS (default 3).
set -eu
MS=$1
DIR=${BENCH_DIR:-/tmp/modelseal-bench-archive}
GIB=${BENCH_GIB:-4}
ZGIB=${BENCH_ZGIB:-1}
RUNS=${RUNS:-3}
rm -rf "$DIR"
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT INT TERM
cd "$DIR"

now() { date +%s.%N; }
best_time() {
	best=
	r=0
	while [ $r -lt "$RUNS" ]; do
		t0=$(now)
		"$@" >/dev/null 2>&1 || { echo "bench-archive: failed: $*" >&2; exit 1; }
		t1=$(now)
		best=$(echo "$t0 $t1 ${best:-}" | awk '{d=$2-$1; if ($3 == "" || d < $3) print d; else print $3}')
		r=$((r + 1))
	done
	echo "$best"
}
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

echo "bench-archive: writing a $GIB GiB model (GiB files) and its tar under $DIR"
mkdir model
i=0
while [ $i -lt "$GIB" ]; do
	keystream $i | head -c 1073741824 >model/part-$i.bin
	i=$((i + 1))
done
tar --format=pax -cf model.tar model
bytes=$((GIB * 1073741824))

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

cat model/* zmodel/* model.tar zmodel.tar >/dev/null # warm the cache
echo "bench-archive: $(nproc) cores (shared: figures are noisy), best of $RUNS"
t_dir=$(best_time "$MS" digest model)
t_tar=$(best_time "$MS" digest --archive model.tar)
row "digest model/ ($GIB GiB)" "$t_dir" $bytes
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
