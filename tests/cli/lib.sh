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
		json_run_valid "$_got" "$@"
	else
		fail "exit $_got, wanted $_want: $*" "$(head -c 600 "$T/err")"
	fi
}

pass() { PASSED=$((PASSED + 1)); }

# json_valid SCHEMA FILE: FILE holds exactly one JSON document, valid against
# docs/schema/SCHEMA.json (python3-jsonschema, else the small validator in
# tests/tools/json_schema.py). run calls json_run_valid: what a --json
# command line printed must be the document its schema (or error.json)
# describes, so every --json output of the suite is checked
# (JSON_RUN_VALID=0 turns that off where a test names the schema itself).
SCHEMAS=${SCHEMAS:-$here/../../docs/schema}
JSON_SCHEMA_TOOL=${JSON_SCHEMA_TOOL:-$here/../tools/json_schema.py}
json_valid() {
	_why=$(python3 "$JSON_SCHEMA_TOOL" "$SCHEMAS" check "$1" "$2" 2>&1)
	if [ $? -eq 0 ]; then pass "$2 is $1"; else fail "$2 is not a valid $1 document" "$_why"; fi
}
json_run_valid() {
	[ "${JSON_RUN_VALID:-1}" = 1 ] || return 0
	case " $* " in *" --json "*) ;; *) return 0 ;; esac
	_status=$1
	shift
	_why=$(python3 "$JSON_SCHEMA_TOOL" "$SCHEMAS" run "$_status" "$T/out" "$@" 2>&1)
	case $? in
	0) pass "schema: $*" ;;
	3) ;;
	*) fail "--json output does not match its schema: $*" "$_why" ;;
	esac
}

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

# skip WHY: a check that cannot run here, said and counted (never a pass).
skip() {
	SKIPPED=$((SKIPPED + 1))
	printf '  skipped [%s] %s\n' "$TEST_NAME" "$1"
}

# The registry backend of this run ($REGISTRY_BACKEND, set by run.sh): a
# test with the line "# backends: sqlite postgresql" runs once on each, its
# $MODELSEAL_REGISTRY a SQLite file, then a fresh PostgreSQL database. What
# looks at the SQLite file itself (the sqlite3 tool on it, its mode, its
# path) runs on_sqlite only.
on_sqlite() { [ "${REGISTRY_BACKEND:-sqlite}" = sqlite ]; }

# regsql REGISTRY SQL: SQL on REGISTRY, a SQLite file or a postgresql://
# URL, printed as sqlite3 -batch prints it (columns joined by |): for the SQL
# the two dialects share.
regsql() {
	_reg=$1
	shift
	case $_reg in
	postgres://* | postgresql://*)
		"$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$_reg" -c "$*" ;;
	*) sqlite3 -batch "$_reg" "$*" ;;
	esac
}

# reg_tamper REGISTRY SQL: SQL on REGISTRY as someone with write access to
# the database would run it, the append-only triggers out of the way
# meanwhile (SQLite: dropped, then re-created as the schema has them;
# PostgreSQL: the tables' triggers disabled, as their owner may).
reg_tamper() {
	case $1 in
	postgres://* | postgresql://*)
		regsql "$1" "ALTER TABLE events DISABLE TRIGGER USER;
ALTER TABLE models DISABLE TRIGGER USER; ALTER TABLE edges DISABLE TRIGGER USER; $2;
ALTER TABLE events ENABLE TRIGGER USER; ALTER TABLE models ENABLE TRIGGER USER;
ALTER TABLE edges ENABLE TRIGGER USER" ;;
	*)
		regsql "$1" "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; $2;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;" ;;
	esac
}

# pg_refused ROLE DB SQL: the PostgreSQL server refuses SQL run as ROLE on
# database DB, and says it is a refusal (a privilege, a trigger or a check
# of the registry's schema), not some other failure.
pg_refused() {
	if pg_sql_as "$1" "$2" "$3" >/dev/null 2>"$T/err"; then
		fail "$1 may: $3"
	elif grep -q 'permission denied\|must be owner\|append-only\|not recorded\|only be called as triggers\|may not\|does not extend\|is not that of' "$T/err"; then
		pass "$1 may not: $3"
	else
		fail "$1: $3 failed, but not as refused" "$(cat "$T/err")"
	fi
}
