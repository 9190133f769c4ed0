# The registry on a real PostgreSQL server (issue 16), shared by many
# "hosts": run.sh starts the server (tests/cli/pg.sh) and gives this test a
# fresh database in $MODELSEAL_REGISTRY. Concurrency, the server dying
# mid-sign, revocation across hosts, tampering through psql, the
# least-privilege roles, registry copy both ways, passwords kept out of every
# output, foreign databases and servers that are down or silent.
# backends: postgresql
unset MODELSEAL_PASSPHRASE
URL=$MODELSEAL_REGISTRY
ROLES=$here/../../docs/postgresql/roles.sql
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
"$MS" keygen -o other --no-passphrase >/dev/null 2>&1
KID=$(sha256sum <k.pub | cut -c1-64)
sq() { regsql "$URL" "$*"; }
# newdb NAME: a further empty database of this test, its URL.
newdb() { pg_newdb "${PG_TEST_DB}_$1"; }
# head_of REGISTRY: the event count and head hash audit --json reports.
head_of() { "$MS" --registry "$1" --json audit 2>/dev/null | jq -r '"\(.ok) \(.events) \(.head)"'; }
mkmodel() {
	mkdir -p "$1"
	printf '%s weights' "$1" >"$1/w.bin"
}

# ---- 50 signers in separate processes at once, one registry ----
run 0 "$MS" trust add k.pub --label ci
i=1
while [ $i -le 50 ]; do
	mkmodel "par/m$i"
	i=$((i + 1))
done
i=1
while [ $i -le 50 ]; do
	("$MS" sign --key k.key --name "par$i" --version 1 "par/m$i" >/dev/null 2>"par/err$i"
		echo $? >"par/rc$i") &
	i=$((i + 1))
done
wait
check "50 concurrent signs all exit 0" [ "$(cat par/rc* | sort | uniq -c | tr -s ' ')" = " 50 0" ]
check "... and print no error" [ "$(cat par/err* | wc -c)" = 0 ]
check "50 models recorded" [ "$(sq "SELECT count(*) FROM models")" = 50 ]
check "50 signed events" [ "$(sq "SELECT count(*) FROM events WHERE kind = 'signed'")" = 50 ]
check "no two events share a predecessor (no fork)" \
	[ "$(sq "SELECT count(*) FROM events")" = "$(sq "SELECT count(DISTINCT prev_hash) FROM events")" ]
run 0 "$MS" audit
run 0 "$MS" --json audit
check "audit --json: ok, 51 events (trust + 50 signs)" [ "$(jq -r '"\(.ok) \(.events)"' "$T/out")" = "true 51" ]
run 0 "$MS" log
check "log lists the 50" [ "$(grep -c '^par[0-9]*@1 ' "$T/out")" = 50 ]
run 0 "$MS" verify par/m17
expect_out "^verified sha256:"

# ---- the server dies in the middle of a sign ----
# A transaction holding the event table makes the sign wait inside its
# recording; the server is then stopped the hard way under it.
mkmodel crash-old
mkmodel crash-new
run 0 "$MS" sign --key k.key --no-record crash-old
cp crash-old/model.sig old.sig
cp crash-old/model.provenance.sig old.prov
printf 'changed weights' >crash-old/w.bin
BEFORE=$(head_of "$URL")
# crash_sign DIR: sign DIR while the server goes down; its exit code in $T/rc
crash_sign() {
	"$PG_BIN/psql" -X -q -d "$URL" -c "BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120)" \
		>/dev/null 2>&1 &
	locker=$!
	n=0
	while [ "$(sq "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
		WHERE c.relname = 'events' AND l.mode = 'AccessExclusiveLock' AND l.granted")" != 1 ] &&
		[ $n -lt 300 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	"$MS" sign --key k.key --name "$1" --version 1 "$1" >"$T/out" 2>"$T/err" &
	signer=$!
	n=0
	while [ "$(sq "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")" != 1 ] &&
		[ $n -lt 300 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	check "$1: the sign waits for the registry" [ $n -lt 300 ]
	pg_crash
	wait $signer
	echo $? >"$T/rc"
	wait $locker
	pg_restart
}
crash_sign crash-old
check "server gone mid-sign: exit 2" [ "$(cat "$T/rc")" = 2 ]
expect_err '^modelseal: error: '
check "... naming the registry problem" grep -qi 'registry\|server\|connection' "$T/err"
check "... the old signature untouched (byte-identical)" cmp -s old.sig crash-old/model.sig
check "... and its provenance" cmp -s old.prov crash-old/model.provenance.sig
check "... no temporary file left" [ "$(ls crash-old | tr '\n' ' ')" = "model.provenance.sig model.sig w.bin " ]
crash_sign crash-new
check "server gone mid-sign of a new model: exit 2" [ "$(cat "$T/rc")" = 2 ]
expect_err '^modelseal: error: '
check "... no signature written" [ "$(ls crash-new)" = w.bin ]
run 0 "$MS" audit
check "nothing half-recorded: the same events and head" [ "$(head_of "$URL")" = "$BEFORE" ]
check "... no models row" [ "$(sq "SELECT count(*) FROM models WHERE name LIKE 'crash%'")" = 0 ]
run 0 "$MS" sign --key k.key --name crash-new --version 1 crash-new
run 0 "$MS" audit

# The connection lost in COMMIT itself (a deferred trigger, added here as
# the superuser, ends the server process): the record may or may not have
# been committed, and sign says that, not that nothing was recorded.
CU=$(newdb commitlost)
mkmodel cu
run 0 "$MS" --registry "$CU" sign --key k.key --name cu --version 1 cu
cp cu/model.sig cu.sig
printf 'more' >>cu/w.bin
pg_sql "${PG_TEST_DB}_commitlost" "CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS
	\$\$BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END\$\$;
	CREATE CONSTRAINT TRIGGER die AFTER INSERT ON events DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION die()" >/dev/null
expect_error "$MS" --registry "$CU" sign --key k.key --name cu --version 2 cu
expect_err 'lost the connection to the server while committing'
expect_err 'its signature files are unchanged, but the registry may have recorded it'
check "... not that nothing was recorded" not grep -q 'did not record it' "$T/err"
check "... the signature untouched" cmp -s cu.sig cu/model.sig
check "... no temporary file left" [ "$(ls cu | tr '\n' ' ')" = "model.provenance.sig model.sig w.bin " ]
pg_sql postgres "DROP DATABASE \"${PG_TEST_DB}_commitlost\" WITH (FORCE)" >/dev/null

# ---- two hosts, one registry: revoke on one, verify refuses on the other ----
# host NAME CMD...: CMD with NAME's own home and XDG directories.
host() {
	_h=$T/host-$1
	shift
	mkdir -p "$_h/home" "$_h/data" "$_h/config" "$_h/cache"
	env HOME="$_h/home" XDG_DATA_HOME="$_h/data" XDG_CONFIG_HOME="$_h/config" \
		XDG_CACHE_HOME="$_h/cache" MODELSEAL_REGISTRY="$URL" "$@"
}
mkmodel shared
run 0 host ci "$MS" sign --key k.key --name shared --version 1 shared
run 0 host deploy "$MS" verify shared
run 0 host ci "$MS" revoke shared@1 --reason "license withdrawn" --yes
run 1 host deploy "$MS" verify shared
expect_out 'license withdrawn'
run 0 host ci "$MS" revoke k.pub --reason "key leaked" --yes
run 1 host deploy "$MS" verify par/m3
expect_out 'key leaked'
run 0 "$MS" audit
"$MS" keygen -o ck --no-passphrase >/dev/null 2>&1
run 0 "$MS" checkpoint --key ck.key -o cp.json
run 0 "$MS" audit --checkpoint cp.json --key ck.pub
check "the checkpoint is kept in the database" [ "$(sq "SELECT count(*) FROM checkpoints")" = 1 ]
CLEAN=$(head_of "$URL")

# ---- tampering through psql, as the owner, triggers disabled ----
pg_sql "$PG_TEST_DB" "CREATE DATABASE \"${PG_TEST_DB}_clean\" TEMPLATE \"$PG_TEST_DB\"" >/dev/null
# tamper DESC SQL PATTERN: on a fresh copy of the clean registry, SQL with the
# tables' triggers disabled (reg_tamper); audit exits 1 with PATTERN.
n_tamper=0
tamper() {
	n_tamper=$((n_tamper + 1))
	tdb=${PG_TEST_DB}_t$n_tamper
	pg_sql "$PG_TEST_DB" "CREATE DATABASE \"$tdb\" TEMPLATE \"${PG_TEST_DB}_clean\"" >/dev/null
	turl=$(pg_url "$tdb")
	reg_tamper "$turl" "$2" >/dev/null
	run 1 "$MS" --registry "$turl" audit
	expect_out "$3"
	check "$1: audit --json says not ok" [ "$(head_of "$turl" | cut -d' ' -f1)" = false ]
}
P3=$("$MS" digest par/m3 | cut -c8-)
tamper "models row renamed" "UPDATE models SET version = '666' WHERE name = 'par3'" \
	"^  models row sha256:$P3 differs from its 'signed' event [0-9]* in: name@version$"
tamper "models signer changed" "UPDATE models SET signer = '$(printf x | sha256sum | cut -c1-64)' WHERE name = 'par3'" \
	"^  models row sha256:$P3 differs from its 'signed' event [0-9]* in: signer$"
REV=$(sq "SELECT id FROM events WHERE kind = 'revoked' AND subject = '$KID'")
tamper "event detail rewritten" "UPDATE events SET detail = replace(detail, 'key leaked', 'fine') WHERE id = $REV" \
	"^  event $REV (revoked $KID): row content does not match its hash (rewritten)$"
tamper "revocation deleted" "DELETE FROM revocations" \
	"^  key $KID is revoked in the log, but its revocations row is missing (deleted)$"
check "the registry itself is still intact" [ "$(head_of "$URL")" = "$CLEAN" ]

# ---- registry copy: SQLite -> PostgreSQL -> SQLite ----
mkmodel sq-base
mkmodel sq-ft
export MODELSEAL_REGISTRY="$T/src.db"
run 0 "$MS" sign --key other.key --name base --version 1 sq-base
run 0 "$MS" sign --key other.key --name ft --version 1 --parent base@1=finetune sq-ft
run 0 "$MS" trust add other.pub --label team
run 0 "$MS" revoke base@1 --reason "withdrawn" --yes
export MODELSEAL_REGISTRY="$URL"
SRC=$(head_of "$T/src.db")
check "the SQLite source audits" [ "$(echo "$SRC" | cut -d' ' -f1)" = true ]
COPY=$(newdb copy)
run 0 "$MS" registry copy "$T/src.db" "$COPY"
run 0 "$MS" --registry "$COPY" audit
check "SQLite -> PostgreSQL: same events and head hash" [ "$(head_of "$COPY")" = "$SRC" ]
run 0 "$MS" --registry "$COPY" lineage ft@1
expect_out 'finetune: base@1'
run 1 "$MS" --registry "$COPY" verify sq-base
expect_out 'withdrawn'
run 0 "$MS" --registry "$COPY" verify sq-ft
COPIED=$(head_of "$COPY") # the verifies added their events
check "verify recorded two events on the copy" [ "$(echo "$COPIED" | cut -d' ' -f2)" = $(($(echo "$SRC" | cut -d' ' -f2) + 2)) ]
run 0 "$MS" registry copy "$COPY" "$T/back.db"
check "PostgreSQL -> SQLite: same events and head hash" [ "$(head_of "$T/back.db")" = "$COPIED" ]
# the same registry on both backends reads the same, byte for byte
for c in "lineage ft@1" "lineage --format json ft@1" "lineage --format dot ft@1" \
	"lineage --descendants base@1" "show ft@1" "show base@1" "log" "--json log" "trust list" \
	"--json audit"; do
	"$MS" --registry "$COPY" $c >pg.out 2>&1
	rc=$?
	"$MS" --registry "$T/back.db" $c >sq.out 2>&1
	# the registry named, as each names it
	check "$c: the same on PostgreSQL and SQLite" \
		[ "$(sed "s|$COPY|REGISTRY|g" pg.out)" = "$(sed "s|$T/back.db|REGISTRY|g" sq.out)" ]
	check "... exit 0, with output" test $rc = 0 -a -s pg.out
done
run 0 "$MS" registry copy "$URL" "$T/shared.db"
check "the shared registry copied to SQLite: same head" [ "$(head_of "$T/shared.db")" = "$CLEAN" ]
run 0 "$MS" --registry "$T/shared.db" audit --checkpoint cp.json --key ck.pub
check "... its checkpoint and identity with it" [ "$(sqlite3 "$T/shared.db" "SELECT count(*) FROM checkpoints")" = 1 ]
run 0 "$MS" --json registry copy "$URL" "$(newdb copy2)"
expect_error "$MS" registry copy "$T/src.db" "$COPY"
check "copy into a non-empty database: its events unchanged" [ "$(head_of "$COPY")" = "$COPIED" ]
expect_error "$MS" registry copy "$URL" "$T/back.db"
check "copy into a non-empty SQLite file: unchanged" [ "$(head_of "$T/back.db")" = "$COPIED" ]

# ---- a password in the URL never shows ----
mkmodel pwm
PW=s3cr3t-Pw-73
PWURL=$(echo "$URL" | sed "s,^postgresql://,postgresql://$PG_SUPER:$PW@,")
QPWURL="$URL&password=$PW"
# trust authentication: the server never asks for the password, so every
# command works and all it prints can be searched for it
for u in "$PWURL" "$QPWURL"; do
	for c in "sign --key other.key --name pw --version 1 pwm" "--json sign --key other.key --name pw --version 1 pwm" \
		"log" "--json log" "show pw@1" "--json show pw@1" "audit" "--json audit" "-v verify --key k.pub shared" \
		"show nothing@9" "--json show nothing@9" "lineage nothing@9" "registry copy $T/src.db $u"; do
		"$MS" --registry "$u" $c >"$T/out" 2>"$T/err"
		check "no password in: $c" not grep -q "$PW" "$T/out" "$T/err"
	done
	DOWN=$(echo "$u" | sed "s,host=$PG_DIR,host=$T/nothing,")
	for c in "log" "--json audit" "sign --key k.key shared"; do
		"$MS" --registry "$DOWN" $c >"$T/out" 2>"$T/err"
		check "server down, no password in: $c" not grep -q "$PW" "$T/out" "$T/err"
	done
	MODELSEAL_REGISTRY=$DOWN "$MS" --json log >"$T/out" 2>"$T/err"
	check "... nor from \$MODELSEAL_REGISTRY" not grep -q "$PW" "$T/out" "$T/err"
done
# a URL libpq cannot parse: its messages quote the URL whole
for c in log "--json log" "sign --key other.key shared"; do
	expect_error "$MS" --registry "postgresql://$PG_SUPER:$PW@[::1/db?host=$PG_DIR" $c
	check "malformed URL, no password in: $c" not grep -q "$PW" "$T/out" "$T/err"
done
"$PG_BIN/pg_dump" -h "$PG_DIR" -U $PG_SUPER -d "$PG_TEST_DB" >dump.sql 2>/dev/null
check "the dump holds what the password URL signed" grep -q "$("$MS" digest pwm | cut -c8-)" dump.sql
check "... and not the password" not grep -q "$PW" dump.sql
run 0 "$MS" --registry "$PWURL" --json log
check "--json log names the registry, user kept, password removed" \
	[ "$(jq -r .registry "$T/out")" = "$(echo "$PWURL" | sed "s,:$PW@,@,")" ]
run 0 "$MS" --registry "$QPWURL" --json log
check "... the password parameter removed" [ "$(jq -r .registry "$T/out")" = "$URL" ]

# ---- a database that is not a modelseal registry ----
FOREIGN=$(newdb foreign)
regsql "$FOREIGN" "CREATE TABLE customers (id int PRIMARY KEY, name text)" >/dev/null
for c in log audit "sign --key k.key shared" "trust add k.pub" "verify --key k.pub shared"; do
	expect_error "$MS" --registry "$FOREIGN" $c
done
expect_err 'not a modelseal registry'
check "... naming the database, not its password" grep -q "${PG_TEST_DB}_foreign" "$T/err"
check "the foreign database is left as it was" \
	[ "$(regsql "$FOREIGN" "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'")" = customers ]
expect_error "$MS" registry copy "$T/src.db" "$FOREIGN"

# ---- servers that are down or silent: fail fast, verify fails closed ----
DOWN=$(echo "$URL" | sed "s,host=$PG_DIR,host=$T/nothing,")
expect_error timeout 60 "$MS" --registry "$DOWN" log
expect_err 'registry .*cannot connect'
cp crash-new/model.sig crash-new.sig
expect_error timeout 60 "$MS" --registry "$DOWN" sign --key other.key --name down --version 1 crash-new
expect_err 'registry .*cannot connect'
check "... one error line (the opening thread's, reported once)" \
	[ "$(grep -c '^modelseal: error:' "$T/err")" = 1 ]
check "... the model's signature untouched" cmp -s crash-new.sig crash-new/model.sig
check "... and nothing else written" [ "$(ls crash-new | tr '\n' ' ')" = "model.provenance.sig model.sig w.bin " ]
# verify needs the registry's revocations: with the registry unreachable it
# gives no verdict (exit 2, never a pass: whoever can take the database down
# must not switch revocation off), saying why and how to verify without one
expect_error timeout 60 "$MS" --registry "$DOWN" verify --key k.pub par/m1
expect_err 'cannot read them, so it gives no verdict'
printf 'tampered' >par/m2/w.bin
expect_error timeout 60 "$MS" --registry "$DOWN" verify --key k.pub par/m2
run 0 "$MS" --registry "$T/no-registry.db" verify --key k.pub par/m1
run 1 "$MS" --registry "$T/no-registry.db" verify --key k.pub par/m2
# A socket that accepts and never answers: the connect timeout bounds it.
mkdir silent
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
time.sleep(300)' "$T/silent/.s.PGSQL.5432" &
silent=$!
n=0
while [ ! -S silent/.s.PGSQL.5432 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
SILENT=$(echo "$URL" | sed "s,host=$PG_DIR,host=$T/silent,")
expect_error timeout 60 "$MS" --registry "$SILENT" log
expect_error timeout 60 "$MS" --registry "$SILENT" verify --key k.pub par/m1
expect_err 'timeout'
kill $silent
wait $silent 2>/dev/null
# A server that stalls in the middle of verify's own event (a trigger that
# sleeps, as a hung disk or a held lock would): the statement timeout of
# verify's event path (5 s) ends the wait, and the verdict stands.
STALL=$(newdb stall)
run 0 "$MS" registry copy "$MODELSEAL_REGISTRY" "$STALL"
"$MS" keygen -o stall --no-passphrase >/dev/null 2>&1
mkdir stallm && printf 'stall' >stallm/w.bin
run 0 "$MS" --registry "$STALL" sign --key stall.key stallm
regsql "$STALL" "CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS
	\$\$BEGIN PERFORM pg_sleep(120); RETURN NEW; END\$\$;
	CREATE TRIGGER stall BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION stall()" >/dev/null
t0=$(date +%s)
run 0 timeout 60 "$MS" --registry "$STALL" verify --key stall.pub stallm
expect_out '^verified sha256:'
check "... within the statement timeout, not the stall" [ $(($(date +%s) - t0)) -lt 30 ]
check "... its event not recorded" \
	[ "$(regsql "$STALL" "SELECT count(*) FROM events WHERE kind = 'verified'")" = \
	"$(regsql "$MODELSEAL_REGISTRY" "SELECT count(*) FROM events WHERE kind = 'verified'")" ]

# ---- least privilege: the signer role appends, the database refuses edits ----
# Login roles of this test (roles are the server's, not one database's).
OWNER=${PG_TEST_DB}_owner SIGNER=${PG_TEST_DB}_signer READER=${PG_TEST_DB}_reader
pg_sql postgres "CREATE ROLE $OWNER LOGIN; CREATE ROLE $SIGNER LOGIN; CREATE ROLE $READER LOGIN" >/dev/null
LPDB=${PG_TEST_DB}_lp
pg_sql postgres "CREATE DATABASE \"$LPDB\" OWNER $OWNER" >/dev/null
"$MS" keygen -o lp --no-passphrase >/dev/null 2>&1
mkmodel lp1
mkmodel lp2
mkmodel lp3
# the owner creates the registry, then the role SQL (run by a role that may
# create roles) hands its tables to modelseal_owner and grants the others
run 0 "$MS" --registry "$(pg_url "$LPDB" "$OWNER")" trust add lp.pub --label release
run 0 "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U $PG_SUPER -d "$LPDB" -f "$ROLES"
run 0 "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U $PG_SUPER -d "$LPDB" -c \
	"GRANT modelseal_owner TO $OWNER; GRANT modelseal_signer TO $SIGNER; GRANT modelseal_reader TO $READER"
SURL=$(pg_url "$LPDB" "$SIGNER")
RURL=$(pg_url "$LPDB" "$READER")
run 0 "$MS" --registry "$SURL" sign --key lp.key --name lp --version 1 lp1
expect_out '^recorded: '
run 0 "$MS" --registry "$SURL" sign --key lp.key --name lp --version 2 --parent lp@1=finetune lp2
run 0 "$MS" --registry "$SURL" sign --key lp.key --name lp --version 2 --parent lp@1=finetune lp2
run 0 "$MS" --registry "$SURL" verify lp2
run 0 "$MS" --registry "$SURL" lineage lp@2
run 0 "$MS" --registry "$SURL" audit
LPHEAD=$(head_of "$SURL")
# forged KIND SUBJECT PREV: SQL appending an event of KIND after PREV whose
# hash is not that of its content (a signer may append, but only its own
# kinds, on the chain's head, with the hash of what it appends)
forged() {
	echo "INSERT INTO events (id, time, kind, subject, detail, prev_hash, hash)
	SELECT max(id) + 1, 1, '$1', $2, '{}', $3, repeat('b', 64) FROM events"
}
for q in "UPDATE events SET detail = '{}'" "DELETE FROM events" "TRUNCATE events" \
	"UPDATE models SET version = '9' WHERE version = '1'" "UPDATE models SET created = 0" \
	"UPDATE models SET digest = repeat('0', 64) WHERE version = '1'" "DELETE FROM models" "DELETE FROM edges" \
	"INSERT INTO trusted_keys (keyid, pem, label, added) VALUES (repeat('a', 64), 'x', 'evil', 0)" \
	"DELETE FROM trusted_keys" "INSERT INTO revocations (kind, subject, reason, time) VALUES ('key', repeat('a', 64), 'x', 0)" \
	"UPDATE meta SET value = 'x'" "DELETE FROM checkpoints" "ALTER TABLE events DISABLE TRIGGER USER" \
	"DROP TRIGGER events_no_update ON events" \
	"$(forged trusted "repeat('a', 64)" "(SELECT hash FROM events ORDER BY id DESC LIMIT 1)")" \
	"$(forged revoked "'sha256:' || repeat('a', 64)" "(SELECT hash FROM events ORDER BY id DESC LIMIT 1)")" \
	"$(forged verified "'sha256:' || repeat('a', 64)" "repeat('0', 64)")" \
	"$(forged verified "'sha256:' || repeat('a', 64)" "(SELECT hash FROM events ORDER BY id DESC LIMIT 1)")"; do
	pg_refused "$SIGNER" "$LPDB" "$q"
done
for q in "INSERT INTO edges (child, parent, relation) SELECT parent, child, 'merge' FROM edges" \
	"UPDATE models SET version = '9'" "DELETE FROM events"; do
	pg_refused "$READER" "$LPDB" "$q"
done
check "the refusals changed nothing" [ "$(head_of "$SURL")" = "$LPHEAD" ]
check "... lp@1 is still lp@1" [ "$(pg_sql "$LPDB" "SELECT name || '@' || version FROM models ORDER BY id LIMIT 1")" = lp@1 ]
expect_error "$MS" --registry "$SURL" trust add k.pub
expect_error "$MS" --registry "$SURL" revoke lp@1 --reason "signer's own" --yes
run 0 "$MS" --registry "$RURL" verify lp1
run 0 "$MS" --registry "$RURL" audit
cp lp2/model.sig lp2.sig
expect_error "$MS" --registry "$RURL" sign --key lp.key --name lp --version 3 lp3
check "the reader's refused sign wrote no signature" [ ! -e lp3/model.sig ]
check "all refused: the log is as before" [ "$(head_of "$SURL")" = "$LPHEAD" ]
run 0 "$MS" --registry "$(pg_url "$LPDB" "$OWNER")" revoke lp@1 --reason "owner's call" --yes
run 1 "$MS" --registry "$RURL" verify lp1
expect_out "owner's call"
pg_sql postgres "DROP DATABASE \"$LPDB\" WITH (FORCE)" >/dev/null
pg_sql postgres "DROP ROLE $OWNER, $SIGNER, $READER" >/dev/null
