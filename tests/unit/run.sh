#!/bin/sh
# Runs every unit test program; each prints Check's own summary line.
fail=0
for t in "$@"; do
	printf '%s: ' "$(basename "$t")"
	"$t" || fail=1
done
exit $fail
