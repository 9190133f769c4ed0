#!/bin/sh
# Runs each tests/cli/t_*.sh against the binary given as $1 and prints the
# totals as "N passed, N failed, N skipped".
#
# PostgreSQL: when a selected test needs it (t_postgres, or a test with the
# line "# backends: sqlite postgresql", which then runs a second time as
# NAME[pg] with $MODELSEAL_REGISTRY on a fresh database; a test with the line
# "# backends: postgresql" runs only that way), one real server is
# started for the whole run (tests/cli/pg.sh) and stopped at exit. Without
# the server those runs are skipped, loudly; MODELSEAL_TEST_PG=require (CI)
# makes that a failure.
#
# VALGRIND=1: $MS becomes a wrapper that runs the binary under valgrind
# (memcheck; definite leaks count as errors), one log per process; a log
# with a memcheck report fails the run. Tests that hash gigabytes to race a
# change against the hashing use $MS_PLAIN, the bare binary: under valgrind
# they would take minutes.
MS=${1:?usage: run.sh /path/to/modelseal}
MS_PLAIN=$MS
here=$(cd "$(dirname "$0")" && pwd)
INTEROP=${INTEROP:-$here/../interop}
BAD=$here/../bad
VGLOGS=
if [ "${VALGRIND:-0}" = 1 ]; then
	if ! command -v valgrind >/dev/null 2>&1; then
		echo "run.sh: VALGRIND=1 but valgrind is not installed" >&2
		exit 2
	fi
	VGLOGS=$(mktemp -d "${TMPDIR:-/tmp}/modelseal-vg.XXXXXX")
	{
		echo '#!/bin/sh'
		echo "exec valgrind -q --error-exitcode=99 --leak-check=full \\"
		echo "	--show-leak-kinds=definite --errors-for-leak-kinds=definite \\"
		echo "	--suppressions='$here/valgrind.supp' \\"
		echo "	--log-file='$VGLOGS/vg.%p.log' '$MS_PLAIN' \"\$@\""
	} >"$VGLOGS/modelseal"
	chmod +x "$VGLOGS/modelseal"
	MS=$VGLOGS/modelseal
fi
# Sanitized builds (SANITIZE=1): known leaks of system libraries only.
LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$here/sanitizer.supp
export MS MS_PLAIN MS_TOOL INTEROP BAD LSAN_OPTIONS
. "$here/pg.sh"
total_pass=0
total_fail=0
total_skip=0
pg_state=unstarted # then up, or down ($PG_WHY says why)
trap 'pg_stop' EXIT
trap 'exit 130' INT TERM HUP

# pg_up: the shared server is running (started on first use).
pg_up() {
	if [ "$pg_state" = unstarted ]; then
		if pg_start; then pg_state=up; else pg_state=down; fi
	fi
	[ "$pg_state" = up ]
}

# run_test SCRIPT NAME BACKEND: one run of a test script in a fresh scratch
# directory, its registry on BACKEND (sqlite or postgresql).
run_test() {
	t=$1 name=$2 backend=$3
	T=$(mktemp -d "${TMPDIR:-/tmp}/modelseal-test.XXXXXX")
	started=$(date +%s)
	counts=$(
		cd "$T" || exit 1
		PASSED=0 FAILED=0 SKIPPED=0 TEST_NAME=$name REGISTRY_BACKEND=$backend
		# sign records into a registry: never the user's own, also
		# where a test unsets MODELSEAL_REGISTRY to use the default
		MODELSEAL_REGISTRY=$T/registry.db
		XDG_DATA_HOME=$T/xdg-data
		if [ "$backend" = postgresql ]; then
			PG_TEST_DB=ms_$(basename "$T" | tr -c 'a-zA-Z0-9\n' _ | tr A-Z a-z)
			MODELSEAL_REGISTRY=$(pg_newdb "$PG_TEST_DB") || {
				echo "  FAIL [$name] cannot create database $PG_TEST_DB (is the server still up?)" >&2
				echo "0 1 0"
				exit 0
			}
		fi
		export T MODELSEAL_REGISTRY XDG_DATA_HOME REGISTRY_BACKEND
		. "$here/lib.sh"
		. "$t" >&2
		echo "$PASSED $FAILED $SKIPPED"
	)
	set -- $counts
	p=${1:-0} f=${2:-1} s=${3:-0}
	printf '%-28s %4d passed, %d failed%s  (%ds)\n' "$name" "$p" "$f" \
		"$([ "$s" -gt 0 ] && echo ", $s skipped")" $(($(date +%s) - started))
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	[ "$backend" = postgresql ] && [ "$pg_state" = up ] &&
		pg_sql postgres "DROP DATABASE IF EXISTS \"$PG_TEST_DB\" WITH (FORCE)" >/dev/null 2>&1
	chmod -R u+rwX "$T" 2>/dev/null
	rm -rf "$T"
	[ -n "$VGLOGS" ] && for log in "$VGLOGS"/vg.*.log; do
		# Memcheck's reports start with ==PID==; valgrind's own notes
		# (--PID--, e.g. that it lacks openat2, so the fallback runs) do not
		# count.
		grep -q '^==[0-9]*==' "$log" || continue
		printf '  FAIL [%s] valgrind:\n' "$(basename "$t" .sh)"
		grep '^==' "$log" | sed 's/^/       /' | head -60
		total_fail=$((total_fail + 1))
	done
	[ -n "$VGLOGS" ] && rm -f "$VGLOGS"/vg.*.log
	return 0
}

# pg_skip NAME: a PostgreSQL run that cannot happen, said and counted.
pg_skip() {
	printf '%-28s skipped: %s\n' "$1" "$PG_WHY"
	if [ "${MODELSEAL_TEST_PG:-}" = require ]; then
		echo "  FAIL [$1] MODELSEAL_TEST_PG=require and no PostgreSQL server"
		total_fail=$((total_fail + 1))
	else
		total_skip=$((total_skip + 1))
	fi
}

for t in "$here"/t_*.sh; do
	[ -n "${TESTS:-}" ] && ! echo "$t" | grep -q -- "$TESTS" && continue
	name=$(basename "$t" .sh)
	if [ "$name" = t_postgres ] || grep -q '^# backends: postgresql$' "$t"; then
		# PostgreSQL only (t_postgres brings the server down and up: the
		# same server, its own run)
		if pg_up; then run_test "$t" "$name" postgresql; else pg_skip "$name"; fi
		continue
	fi
	run_test "$t" "$name" sqlite
	grep -q '^# backends: sqlite postgresql$' "$t" || continue
	if pg_up; then run_test "$t" "$name[pg]" postgresql; else pg_skip "$name[pg]"; fi
done
[ -n "$VGLOGS" ] && rm -rf "$VGLOGS"
echo "cli: $total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
