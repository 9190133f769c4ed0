#!/bin/sh
# Runs each fuzz target given after $1 for $1 inputs from its checked-in seed
# corpus (tests/fuzz/corpus/<target>/) with a fixed seed, so a run is
# repeatable. New inputs go to a scratch directory, never into the seeds.
# A crash, leak, timeout or broken invariant fails the run; the input is kept
# in build-fuzz/crashes/ and the libFuzzer log is printed.
runs=${1:?usage: smoke.sh RUNS FUZZER...}
shift
here=$(cd "$(dirname "$0")" && pwd)
fail=0
for bin in "$@"; do
	name=$(basename "$bin")
	target=${name#fuzz_}
	crashes=$(dirname "$bin")/crashes
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/ms-fuzz.XXXXXX")
	mkdir -p "$crashes"
	dict=
	[ -f "$here/$target.dict" ] && dict=-dict=$here/$target.dict
	start=$(date +%s)
	# shellcheck disable=SC2086
	if "$bin" -runs="$runs" -seed=1 -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$crashes/$target-" $dict \
		"$scratch" "$here/corpus/$target" >"$scratch.log" 2>&1; then
		cov=$(grep -o 'cov: [0-9]*' "$scratch.log" | tail -1)
		printf '%-28s %d runs, %s, %ds\n' "$name" "$runs" "$cov" $(($(date +%s) - start))
	else
		printf '%-28s FAILED\n' "$name"
		grep -v '^#\|^INFO\|^Loaded\|^MERGE\|^Dictionary' "$scratch.log" | tail -40 | sed 's/^/       /'
		fail=1
	fi
	rm -rf "$scratch" "$scratch.log"
done
[ $fail -eq 0 ] && echo "fuzz: all targets ran clean"
exit $fail
