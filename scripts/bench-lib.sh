# Shared by the bench scripts (sourced): timing helpers.
# Needs RUNS set.

now() { date +%s.%N; }

# best_time CMD...: the fastest of $RUNS runs, in seconds; output discarded.
best_time() {
	best=
	r=0
	while [ $r -lt "$RUNS" ]; do
		t0=$(now)
		"$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; exit 1; }
		t1=$(now)
		best=$(echo "$t0 $t1 ${best:-}" | awk '{d=$2-$1; if ($3 == "" || d < $3) print d; else print $3}')
		r=$((r + 1))
	done
	echo "$best"
}
