#!/bin/sh
# Runs each tests/cli/t_*.sh against the binary given as $1 and prints the
# totals as "N passed, N failed".
MS=${1:?usage: run.sh /path/to/modelseal}
here=$(cd "$(dirname "$0")" && pwd)
INTEROP=${INTEROP:-$here/../interop}
export MS INTEROP
total_pass=0
total_fail=0
for t in "$here"/t_*.sh; do
	[ -n "${TESTS:-}" ] && ! echo "$t" | grep -q -- "$TESTS" && continue
	T=$(mktemp -d "${TMPDIR:-/tmp}/modelseal-test.XXXXXX")
	counts=$(
		cd "$T" || exit 1
		PASSED=0 FAILED=0 TEST_NAME=$(basename "$t" .sh)
		# sign records into a registry: never the user's own
		MODELSEAL_REGISTRY=$T/registry.db
		export T MODELSEAL_REGISTRY
		. "$here/lib.sh"
		. "$t" >&2
		echo "$PASSED $FAILED"
	)
	set -- $counts
	p=${1:-0} f=${2:-1}
	printf '%-28s %4d passed, %d failed\n' "$(basename "$t" .sh)" "$p" "$f"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	chmod -R u+rwX "$T" 2>/dev/null
	rm -rf "$T"
done
echo "cli: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
