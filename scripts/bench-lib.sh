# Shared by the bench scripts (sourced): timing helpers.
# Needs RUNS set.

now() { date +%s.%N; }

# run_times CMD...: the wall-clock seconds of $RUNS runs, one per line;
# output discarded.
run_times() {
	r=0
	while [ $r -lt "$RUNS" ]; do
		t0=$(now)
		"$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; exit 1; }
		t1=$(now)
		echo "$t0 $t1" | awk '{print $2 - $1}'
		r=$((r + 1))
	done
}

# best_time CMD...: the fastest of $RUNS runs, in seconds.
best_time() {
	run_times "$@" | sort -g | head -1
}

# median_time CMD...: the median of $RUNS runs, in seconds. On a machine
# shared with other work the median is steadier than the best.
median_time() {
	run_times "$@" | sort -g | awk '{v[NR] = $1} END {
		print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
