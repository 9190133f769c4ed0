#!/bin/sh
# Runs every unit test program. Each passing program shows Check's summary
# line only: the diagnostics its tests provoke on purpose stay in its log,
# which is printed in full when the program fails. Ends with the totals as
# "unit: N passed, N failed" (checks, not programs).
fail=0
passed=0
failed=0
log=$(mktemp "${TMPDIR:-/tmp}/ms-unit.XXXXXX")
for t in "$@"; do
	name=$(basename "$t")
	if "$t" >"$log" 2>&1; then
		ok=1
	else
		ok=0
		fail=1
	fi
	summary=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -1)
	checks=$(echo "$summary" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
	bad=$(echo "$summary" | sed -n 's/.*Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2/p')
	set -- ${bad:-0 0}
	nbad=$(($1 + $2))
	if [ "$ok" = 1 ]; then
		printf '%-28s %s\n' "$name" "$summary"
		passed=$((passed + ${checks:-0}))
	else
		printf '%-28s FAILED\n' "$name"
		sed 's/^/       /' "$log"
		[ "$nbad" -eq 0 ] && nbad=1 # crashed before its summary
		[ -n "$checks" ] && passed=$((passed + checks - nbad))
		failed=$((failed + nbad))
	fi
done
rm -f "$log"
echo "unit: $passed passed, $failed failed"
exit $fail
