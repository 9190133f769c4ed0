#!/bin/sh
# Registry benchmark (make bench): a registry of 100,000 models holding a
# 1,000-deep chain; times `modelseal lineage` of the deepest model (target
# < 100 ms), one registry insert as sign does it (target < 5 ms), and the
# registry's share of a verify (target < 10 ms): opening it, replaying the
# trust events, a policy's model lookups checked against their events, and
# the verified event, measured in-process and as the difference between
# `verify` with and without the registry. Then the same on PostgreSQL
# beside SQLite (a temporary server started as the command tests start it,
# tests/cli/pg.sh; skipped, said so, without one): lineage on a copy of that
# registry (`registry copy`), one recorded sign (target < 10 ms) and signs
# per second with 8 concurrent signers.
# Usage: bench-registry.sh /path/to/modelseal [MODELS] [DEPTH]
set -eu
MS=${1:?usage: bench-registry.sh /path/to/modelseal [MODELS] [DEPTH]}
MODELS=${2:-100000}
DEPTH=${3:-1000}
MS=$(cd "$(dirname "$MS")" && pwd)/$(basename "$MS") # the trust part runs in $WORK
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(dirname "$MS")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/modelseal-bench-registry.XXXXXX")
. "$ROOT/tests/cli/pg.sh"
trap 'pg_stop; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

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

# ---- PostgreSQL beside SQLite ----
# time_signs LABEL REGISTRY PREFIX: 15 recorded signs of distinct tiny
# models (a sign of a model already recorded is not the case that matters),
# each beside a sign of another tiny model with --no-record: best and median
# of the whole command as a CI job runs it, and the registry's share (the
# medians' difference: what connecting and opening cost beyond the hash
# and the signing they overlap, the lock, the write transaction, the
# commit).
time_signs() {
	for i in $(seq 15); do
		for m in "$3$i" "$3$i-n"; do
			mkdir -p "$WORK/s/$m" && printf 'tiny %s' "$m" >"$WORK/s/$m/w.bin"
		done
		a=$(ms_now)
		MODELSEAL_REGISTRY=$2 "$MS" sign --key k.key --name "$3$i" --version 1 "$WORK/s/$3$i" >/dev/null
		b=$(ms_now)
		MODELSEAL_REGISTRY=$2 "$MS" sign --key k.key --no-record "$WORK/s/$3$i-n" >/dev/null
		c=$(ms_now)
		echo $((b - a)) $((c - b))
	done >"$WORK/signs"
	r=$(cut -d' ' -f1 "$WORK/signs" | sort -n | sed -n '1p;8p' | tr '\n' ' ')
	n=$(cut -d' ' -f2 "$WORK/signs" | sort -n | sed -n 8p)
	echo $r $n | awk -v l="$1" '{
		printf "%-40s best %7.1f ms  median %7.1f ms\n", l, $1/1000, $2/1000
		printf "%-40s median %7.1f ms\n", "  ... its registry share", ($2-$3)/1000 }'
}
# signs_per_second LABEL REGISTRY PREFIX COUNT: 8 signers at once, each
# signing its own tiny models one after the other into REGISTRY; COUNT
# prints how many models with names PREFIX-* the registry holds afterwards.
signs_per_second() {
	for j in 1 2 3 4 5 6 7 8; do
		for i in $(seq 25); do
			mkdir -p "$WORK/c/$3-$j-$i" && printf 'tiny %s' "$3-$j-$i" >"$WORK/c/$3-$j-$i/w.bin"
		done
	done
	a=$(ms_now)
	for j in 1 2 3 4 5 6 7 8; do
		(for i in $(seq 25); do
			MODELSEAL_REGISTRY=$2 "$MS" sign --key k.key --name "$3-$j-$i" --version 1 \
				"$WORK/c/$3-$j-$i" >/dev/null || echo "sign $3-$j-$i failed" >&2
		done) &
	done
	wait
	b=$(ms_now)
	printf '%-40s %7.0f signs/s  (%s of 200 recorded)\n' "$1" "$(awk -v t=$((b - a)) 'BEGIN { print 200 * 1000000 / t }')" \
		"$($4 "SELECT count(*) FROM models WHERE name LIKE '$3-%'")"
}
sqlite_count() { sqlite3 -batch "$REG" "$1"; }
pg_count() { "$PG_BIN/psql" -X -q -A -t -d "$PGURL" -c "$1"; }

time_signs "one recorded sign (SQLite)" "$REG" sq
signs_per_second "8 concurrent signers (SQLite)" "$REG" sqc sqlite_count
if ! pg_start; then
	echo "postgresql rows: skipped: $PG_WHY"
	exit 0
fi
PGURL=$(pg_newdb bench)
t0=$(ms_now)
"$MS" registry copy "$REG" "$PGURL" >/dev/null
echo "registry copy SQLite -> PostgreSQL: $(( ($(ms_now) - t0) / 1000 )) ms (audits the source first)"
MODELSEAL_REGISTRY="$PGURL" "$MS" lineage "$DEEPEST" >/dev/null # warm the server's cache
time_cmd "lineage $DEEPEST (tree, PostgreSQL)" env MODELSEAL_REGISTRY="$PGURL" "$MS" lineage "$DEEPEST"
time_cmd "lineage $DEEPEST (json, PostgreSQL)" env MODELSEAL_REGISTRY="$PGURL" "$MS" lineage --format json "$DEEPEST"
time_signs "one recorded sign (PostgreSQL)" "$PGURL" pg
signs_per_second "8 concurrent signers (PostgreSQL)" "$PGURL" pgc pg_count
echo "targets (PostgreSQL): lineage < 100 ms, one recorded sign < 10 ms (its registry share)"
t0=$(ms_now)
MODELSEAL_REGISTRY="$PGURL" "$MS" audit >/dev/null && echo "audit (PostgreSQL): intact ($(( ($(ms_now) - t0) / 1000 )) ms)"
