#!/bin/sh
# Registry benchmark (make bench): a registry of 100,000 models holding a
# 1,000-deep chain; times `modelseal lineage` of the deepest model (target
# < 100 ms), one registry insert as sign does it (target < 5 ms), and the
# registry's share of a verify (target < 10 ms): opening it, replaying the
# trust events, a policy's model lookups checked against their events, and
# the verified event, measured in-process and as the difference between
# `verify` with and without the registry.
# Usage: bench-registry.sh /path/to/modelseal [MODELS] [DEPTH]
set -eu
MS=${1:?usage: bench-registry.sh /path/to/modelseal [MODELS] [DEPTH]}
MODELS=${2:-100000}
DEPTH=${3:-1000}
MS=$(cd "$(dirname "$MS")" && pwd)/$(basename "$MS") # the trust part runs in $WORK
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(dirname "$MS")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/modelseal-bench-registry.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

# The fill/insert helper links the library the binary was built from.
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -I"$ROOT/include" \
	$(pkg-config --cflags libcjson sqlite3 libpq) "$ROOT/tests/bench/registry_bench.c" \
	"$BUILD/libmodelseal.a" $(pkg-config --libs libsodium libcrypto libarchive libcjson sqlite3 yaml-0.1 libpq) -lm \
	-pthread -o "$WORK/registry_bench"

ms_now() { date +%s%N | cut -c1-16; } # microseconds

REG=$WORK/registry.db
t0=$(ms_now)
"$WORK/registry_bench" fill "$REG" "$MODELS" "$DEPTH" >/dev/null
t1=$(ms_now)
printf 'registry: %d models, %d-deep chain, %s MB, filled in %d ms\n' "$MODELS" "$DEPTH" \
	"$(du -m "$REG" | cut -f1)" $(((t1 - t0) / 1000))
DEEPEST="model-$((DEPTH - 1))@1"

# Best and median of 7 runs of one command, in milliseconds.
time_cmd() {
	label=$1
	shift
	for i in 1 2 3 4 5 6 7; do
		a=$(ms_now)
		"$@" >/dev/null
		b=$(ms_now)
		echo $((b - a))
	done | sort -n | awk -v l="$label" '{v[NR]=$1} END {
		printf "%-40s best %7.1f ms  median %7.1f ms\n", l, v[1]/1000, v[4]/1000 }'
}
export MODELSEAL_REGISTRY="$REG"
"$MS" lineage "$DEEPEST" >/dev/null # warm the page cache
nodes=$("$MS" lineage --format json "$DEEPEST" | grep -c '"digest"')
echo "lineage of $DEEPEST: $nodes nodes"
time_cmd "lineage $DEEPEST (tree)" "$MS" lineage "$DEEPEST"
time_cmd "lineage $DEEPEST (json)" "$MS" lineage --format json "$DEEPEST"
time_cmd "lineage --descendants model-0@1 (tree)" "$MS" lineage --descendants model-0@1
set -- $("$WORK/registry_bench" insert "$REG" 20)
printf '%-40s best %7.3f ms  mean   %7.3f ms\n' "one registry insert (sign's record)" "$2" "$1"

# Trust as a team has it: keys added and revoked, models revoked.
cd "$WORK"
unset MODELSEAL_PASSPHRASE
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
for i in 1 2 3 4 5 6 7 8 9 10; do
	"$MS" keygen -o old$i --no-passphrase >/dev/null 2>&1
	"$MS" trust add old$i.pub >/dev/null 2>&1
	"$MS" revoke old$i.pub --reason "rotated" --yes >/dev/null 2>&1
	"$MS" revoke "model-$((DEPTH + i))@1" --reason "withdrawn" --yes >/dev/null 2>&1
done
"$MS" trust add k.pub --label release >/dev/null 2>&1
mkdir tiny && printf 'tiny model' >tiny/w.bin
"$MS" sign --key k.key --no-record tiny >/dev/null 2>&1
set -- $("$WORK/registry_bench" verify "$REG" 20)
printf '%-40s best %7.3f ms  mean   %7.3f ms\n' "registry's share of a verify (in-process)" "$2" "$1"
time_cmd "verify tiny (trust from the registry)" "$MS" verify tiny
time_cmd "verify --key tiny (no registry)" env MODELSEAL_REGISTRY="$WORK/none.db" "$MS" verify --key k.pub tiny
echo "targets: lineage < 100 ms, insert < 5 ms, registry's share of a verify < 10 ms"
t0=$(ms_now)
"$MS" audit >/dev/null && echo "audit: intact ($(( ($(ms_now) - t0) / 1000 )) ms)"
