# Helpers for the command tests. Each test script is sourced by run.sh with
# $MS (the binary), $T (a fresh scratch directory) and $INTEROP set.

# run CODE CMD...: runs CMD, keeps stdout/stderr in $T/out and $T/err, and
# checks the exit code.
run() {
	_want=$1
	shift
	"$@" >"$T/out" 2>"$T/err"
	_got=$?
	if [ "$_got" -eq "$_want" ]; then
		pass "exit $_want: $*"
	else
		fail "exit $_got, wanted $_want: $*" "$(head -c 600 "$T/err")"
	fi
}

pass() { PASSED=$((PASSED + 1)); }

fail() {
	FAILED=$((FAILED + 1))
	printf '  FAIL [%s] %s\n' "$TEST_NAME" "$1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/       /'
	return 0
}

# check DESCRIPTION CMD...: a condition that must hold.
check() {
	_desc=$1
	shift
	if "$@"; then pass "$_desc"; else fail "$_desc"; fi
}

# not CMD...: CMD fails (its stderr dropped).
not() { ! "$@" 2>/dev/null; }

out_has() { grep -q -e "$1" "$T/out"; }
err_has() { grep -q -e "$1" "$T/err"; }
out_is() { [ "$(cat "$T/out")" = "$1" ]; }

# expect_out PATTERN / expect_err PATTERN: after run.
expect_out() {
	if out_has "$1"; then pass "stdout has $1"; else fail "stdout lacks '$1'" "$(head -c 600 "$T/out")"; fi
}
expect_err() {
	if err_has "$1"; then pass "stderr has $1"; else fail "stderr lacks '$1'" "$(head -c 600 "$T/err")"; fi
}
expect_out_is() {
	if out_is "$1"; then pass "stdout is $1"; else fail "stdout is not '$1'" "$(head -c 600 "$T/out")"; fi
}
# Bad input must fail with a "modelseal: error:" line.
expect_error() {
	run 2 "$@"
	expect_err '^modelseal: error: '
}

# dsse_check BUNDLE PUB.pem HASH: the bundle's first signature verifies over
# the DSSE PAE of its payload with the openssl command alone (ECDSA, DER,
# HASH as openssl dgst names it: sha256, sha384, sha512), not with modelseal.
dsse_check() {
	jq -r .dsseEnvelope.payload "$1" | base64 -d >"$T/dsse-payload"
	_type=$(jq -r .dsseEnvelope.payloadType "$1")
	jq -r '.dsseEnvelope.signatures[0].sig' "$1" | base64 -d >"$T/dsse-sig"
	{
		printf 'DSSEv1 %s %s %s ' "${#_type}" "$_type" "$(wc -c <"$T/dsse-payload" | tr -d ' ')"
		cat "$T/dsse-payload"
	} >"$T/dsse-pae"
	openssl dgst "-$3" -verify "$2" -signature "$T/dsse-sig" "$T/dsse-pae" >/dev/null 2>&1
}
