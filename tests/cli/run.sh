#!/bin/sh
# Runs each tests/cli/t_*.sh against the binary given as $1 and prints the
# totals as "N passed, N failed".
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
total_pass=0
total_fail=0
for t in "$here"/t_*.sh; do
	[ -n "${TESTS:-}" ] && ! echo "$t" | grep -q -- "$TESTS" && continue
	T=$(mktemp -d "${TMPDIR:-/tmp}/modelseal-test.XXXXXX")
	started=$(date +%s)
	counts=$(
		cd "$T" || exit 1
		PASSED=0 FAILED=0 TEST_NAME=$(basename "$t" .sh)
		# sign records into a registry: never the user's own, also
		# where a test unsets MODELSEAL_REGISTRY to use the default
		MODELSEAL_REGISTRY=$T/registry.db
		XDG_DATA_HOME=$T/xdg-data
		export T MODELSEAL_REGISTRY XDG_DATA_HOME
		. "$here/lib.sh"
		. "$t" >&2
		echo "$PASSED $FAILED"
	)
	set -- $counts
	p=${1:-0} f=${2:-1}
	printf '%-28s %4d passed, %d failed  (%ds)\n' "$(basename "$t" .sh)" "$p" "$f" \
		$(($(date +%s) - started))
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
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
done
[ -n "$VGLOGS" ] && rm -rf "$VGLOGS"
echo "cli: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
