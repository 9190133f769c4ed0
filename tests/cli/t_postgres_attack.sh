# backends: postgresql
# Attacks on the registry on PostgreSQL (issue 16): what a signer or reader
# role may try through SQL, a writer that holds the lock, signers racing on
# one name, the database owner editing behind modelseal's back, a database
# that pretends to be a registry with hostile rows, registry copy from a
# hostile source or killed halfway, and secrets in odd URLs. run.sh gives
# this test a fresh database in $MODELSEAL_REGISTRY on the shared server
# (tests/cli/pg.sh); it runs on PostgreSQL only.
unset MODELSEAL_PASSPHRASE
URL=$MODELSEAL_REGISTRY
ROLES=$here/../../docs/postgresql/roles.sql
FORGE=$here/../tools/forge_events.py
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
"$MS" keygen -o evil --no-passphrase >/dev/null 2>&1
"$MS" keygen -o ck --no-passphrase >/dev/null 2>&1
psql_at() { "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
# newdb NAME: a further empty database of this test, its URL.
newdb() { pg_newdb "${PG_TEST_DB}_$1"; }
dbname() { echo "${PG_TEST_DB}_$1"; }
# head_of REGISTRY: the event count and head hash audit --json reports.
head_of() { "$MS" --registry "$1" --json audit 2>/dev/null | jq -r '"\(.ok) \(.events) \(.head)"'; }
mkmodel() {
	mkdir -p "$1"
	printf '%s weights' "$1" >"$1/w.bin"
}
# wait_for DB SQL: until SQL on DB (as the superuser) prints 1; 1 after 30 s.
wait_for() {
	_n=0
	while [ "$(pg_sql "$1" "$2")" != 1 ]; do
		_n=$((_n + 1))
		[ $_n -gt 300 ] && return 1
		sleep 0.1
	done
}
# lock_writers DB USER: USER holds the registry writers' lock (its marker
# row, FOR UPDATE) on DB in the background ($locker) until unlock DB; 1 if
# it could not take it within 30 s. lock_advisory: the same with the
# advisory lock that writers took before.
WRITE_LOCK=1297306183
hold() {
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U "$2" -d "$1" \
		-c "BEGIN; $3; SELECT pg_sleep(120)" >/dev/null 2>&1 &
	locker=$!
	wait_for "$1" "SELECT count(*) FROM pg_stat_activity WHERE datname = '$1'
		AND query LIKE '%pg_sleep(120)%' AND state = 'active' AND pid <> pg_backend_pid()"
}
lock_writers() { hold "$1" "$2" "SELECT 1 FROM modelseal_registry FOR UPDATE"; }
lock_advisory() { hold "$1" "$2" "SELECT pg_advisory_xact_lock($WRITE_LOCK)"; }
unlock() {
	pg_sql postgres "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = '$1' AND query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()" >/dev/null
	wait $locker 2>/dev/null
}
# waiting DB: how many sessions on DB wait for a lock (as the superuser).
waiting() {
	echo "SELECT (count(*) = $2)::int FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE NOT l.granted AND a.datname = '$1'"
}

# ---- least-privilege roles: what a signer or a reader tries through SQL ----
OWNER=${PG_TEST_DB}_owner SIGNER=${PG_TEST_DB}_signer READER=${PG_TEST_DB}_reader
pg_sql postgres "CREATE ROLE $OWNER LOGIN; CREATE ROLE $SIGNER LOGIN; CREATE ROLE $READER LOGIN" >/dev/null
LPDB=$(dbname lp)
pg_sql postgres "CREATE DATABASE \"$LPDB\" OWNER $OWNER" >/dev/null
OURL=$(pg_url "$LPDB" "$OWNER")
SURL=$(pg_url "$LPDB" "$SIGNER")
RURL=$(pg_url "$LPDB" "$READER")
run 0 "$MS" --registry "$OURL" trust add k.pub --label release
run 0 "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U $PG_SUPER -d "$LPDB" -f "$ROLES"
run 0 "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U $PG_SUPER -d "$LPDB" -c \
	"GRANT modelseal_owner TO $OWNER; GRANT modelseal_signer TO $SIGNER; GRANT modelseal_reader TO $READER"
# roles.sql takes CONNECT from PUBLIC: a role of none of the three cannot
# even open a session on the registry's database
STRANGER=${PG_TEST_DB}_stranger
pg_sql postgres "CREATE ROLE $STRANGER LOGIN" >/dev/null
pg_sql_as "$STRANGER" "$LPDB" "SELECT 1" >/dev/null 2>"$T/err"
check "a role of none of the three cannot connect" grep -q 'permission denied for database' "$T/err"
mkmodel lp1
mkmodel lp2
run 0 "$MS" --registry "$SURL" sign --key k.key --name lp --version 1 lp1
run 0 "$MS" --registry "$SURL" sign --key k.key --name lp --version 2 --parent lp@1=finetune lp2
D1=$("$MS" digest lp1 | cut -c8-)
D2=$("$MS" digest lp2 | cut -c8-)
FAKE=$(printf fake | sha256sum | cut -c1-64)
LPHEAD=$(head_of "$SURL")
MODEL_COLS="digest, name, version, method, hash, size, files, signer, statement, bundle, created"
for q in "CREATE TABLE public.events (id int)" "CREATE SCHEMA evil" \
	"CREATE FUNCTION public.sha256(text) RETURNS bytea LANGUAGE sql AS 'SELECT ''''::bytea'" \
	"CREATE OR REPLACE FUNCTION modelseal_model_backed() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN RETURN NULL; END\$\$" \
	"ALTER FUNCTION modelseal_model_backed() SET search_path = pg_temp" \
	"SELECT modelseal_append_only()" \
	"ALTER TABLE events ENABLE ROW LEVEL SECURITY" "CREATE POLICY hide ON revocations USING (false)" \
	"CREATE RULE r AS ON INSERT TO revocations DO INSTEAD NOTHING" \
	"ALTER TABLE models DROP CONSTRAINT models_digest_check" \
	"ALTER TABLE models DISABLE TRIGGER models_backed" "DROP TRIGGER models_backed ON models" \
	"BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE; COMMIT" \
	"BEGIN; LOCK TABLE models IN ACCESS EXCLUSIVE MODE; COMMIT" \
	"SELECT setval('models_id_seq', 1)" \
	"INSERT INTO models ($MODEL_COLS) VALUES ('$FAKE', 'prod', '1', 'shards', 'sha256', 1, 1, '$FAKE', '{}', '{}', 0)" \
	"INSERT INTO models ($MODEL_COLS) SELECT $MODEL_COLS FROM models WHERE digest = '$D1'
	 ON CONFLICT (digest) DO UPDATE SET name = 'evil', version = '1'" \
	"UPDATE models SET bundle = '{}' WHERE digest = '$D2'" \
	"INSERT INTO edges (child, parent, relation) VALUES ('$D1', '$D2', 'merge')" \
	"INSERT INTO edges (child, parent, relation) VALUES ('$D2', '$D1', 'finetune')
	 ON CONFLICT (child, parent) DO UPDATE SET relation = 'merge'" \
	"INSERT INTO trusted_cas (id, pem, subject, label, added) VALUES ('$FAKE', 'x', 'x', 'x', 0)" \
	"INSERT INTO trusted_identities (id, identity, issuer, added) VALUES ('$FAKE', 'x', 'x', 0)" \
	"INSERT INTO checkpoints (registry, size, head, time, envelope) VALUES ('x', 1, 'x', 0, 'x')" \
	"INSERT INTO meta (name, value) VALUES ('x', 'y')" "UPDATE modelseal_registry SET schema_version = 99" \
	"COMMENT ON TABLE events IS 'x'"; do
	pg_refused "$SIGNER" "$LPDB" "$q"
done
for q in "INSERT INTO events (id, time, kind, subject, detail, prev_hash, hash)
	 SELECT id + 1000, time, kind, subject, detail, prev_hash, hash FROM events" \
	"INSERT INTO models ($MODEL_COLS) VALUES ('$FAKE', 'prod', '1', 'shards', 'sha256', 1, 1, '$FAKE', '{}', '{}', 0)" \
	"UPDATE models SET name = 'evil'" "INSERT INTO revocations (kind, subject, reason, time) VALUES ('key', '$FAKE', 'x', 0)" \
	"SELECT nextval('models_id_seq')" "CREATE TABLE public.x (a int)"; do
	pg_refused "$READER" "$LPDB" "$q"
done
check "the refusals changed nothing" [ "$(head_of "$SURL")" = "$LPHEAD" ]
check "... the models rows are as signed" \
	[ "$(pg_sql "$LPDB" "SELECT string_agg(name || '@' || version, ' ' ORDER BY id) FROM models")" = "lp@1 lp@2" ]
check "... the edge is as signed" [ "$(pg_sql "$LPDB" "SELECT relation FROM edges")" = finetune ]
run 0 "$MS" --registry "$RURL" audit
# the reader verifies; its event cannot be recorded, which changes no verdict
run 0 "$MS" --registry "$RURL" verify lp2
check "the reader's verify recorded nothing" [ "$(head_of "$SURL")" = "$LPHEAD" ]

# ---- the writers' lock ----
# Writers lock the registry's marker row, which needs UPDATE on one of its
# columns: a reader cannot take it, and the advisory lock that any role can
# hold no longer stops a signer.
pg_refused "$READER" "$LPDB" "SELECT 1 FROM modelseal_registry FOR UPDATE"
pg_refused "$READER" "$LPDB" "SELECT 1 FROM modelseal_registry FOR KEY SHARE"
pg_sql_as "$SIGNER" "$LPDB" "UPDATE modelseal_registry SET application = 'evil'" >/dev/null 2>"$T/err"
check "a signer may lock the marker row, not change it" grep -q 'violates check constraint' "$T/err"
mkmodel lp3
lock_advisory "$LPDB" "$READER"
check "the reader holds the old advisory lock" [ $? = 0 ]
run 0 timeout 60 "$MS" --registry "$SURL" sign --key k.key --name lp --version 3 lp3
check "... and the signer signs regardless, with no warning" not err_has 'warning'
unlock "$LPDB"
# What a reader can still do (SECURITY.md): stall every session on a table
# through PostgreSQL's lock queue, one session reading it in an open
# transaction, a second asking for a lock it will be refused (CREATE RULE
# takes it before checking ownership). Each command then waits its lock
# timeout and fails; verify gives no verdict (exit 2), never a pass.
hold "$LPDB" "$READER" "SELECT count(*) FROM modelseal_registry"
"$PG_BIN/psql" -X -q -h "$PG_DIR" -U "$READER" -d "$LPDB" \
	-c "CREATE RULE r AS ON UPDATE TO modelseal_registry DO INSTEAD NOTHING" >/dev/null 2>&1 &
ruler=$!
wait_for "$LPDB" "$(waiting "$LPDB" 1)"
expect_error timeout 60 "$MS" --registry "$RURL" verify lp1
expect_err 'still locked after waiting'
kill $ruler 2>/dev/null
unlock "$LPDB"
wait $ruler 2>/dev/null
# A writer that holds the lock and hangs: the others wait a bounded time,
# and verify still gives its verdict.
mkmodel lp4
lock_writers "$LPDB" "$SIGNER"
check "a signer holds the writers' lock" [ $? = 0 ]
expect_error timeout 60 "$MS" --registry "$SURL" sign --key k.key --name lp --version 4 lp4
expect_err 'locked'
check "... no signature written" [ ! -e lp4/model.sig ]
run 0 timeout 60 "$MS" --registry "$SURL" verify lp1
expect_out '^verified sha256:'
unlock "$LPDB"
run 0 "$MS" --registry "$SURL" sign --key k.key --name lp --version 4 lp4
run 0 "$MS" --registry "$RURL" audit
# A signer set up by the older roles.sql (no UPDATE on the marker row)
# still writes, behind the advisory lock, and is told how to mend it.
pg_sql "$LPDB" "REVOKE UPDATE (application) ON modelseal_registry FROM modelseal_signer" >/dev/null
mkmodel lp5
run 0 "$MS" --registry "$SURL" sign --key k.key --name lp --version 5 lp5
expect_err "warning: .*may not lock the registry's marker row.*roles.sql"
check "... said once" [ "$(grep -c 'marker row' "$T/err")" = 1 ]
mkmodel lp6
lock_advisory "$LPDB" "$READER"
expect_error timeout 60 "$MS" --registry "$SURL" sign --key k.key --name lp --version 6 lp6
expect_err 'locked'
unlock "$LPDB"
# Writers behind the two locks at once (the owner on the marker row, the
# signer on the advisory lock, as during an upgrade of a fleet): they do
# not wait for each other, the database refuses the event that loses the
# race for the chain's head, and its writer runs its transaction again.
for i in 1 2 3; do
	mkmodel mix-o$i
	mkmodel mix-s$i
done
for i in 1 2 3; do
	("$MS" --registry "$OURL" sign --key k.key mix-o$i >/dev/null 2>"$T/err-mix-o$i"
		echo $? >"$T/rc-mix-o$i") &
	("$MS" --registry "$SURL" sign --key k.key mix-s$i >/dev/null 2>"$T/err-mix-s$i"
		echo $? >"$T/rc-mix-s$i") &
done
wait
check "writers behind either lock all record" \
	[ "$(cat "$T"/rc-mix-* | tr -d '\n')" = 000000 ]
check "... with no error" [ "$(cat "$T"/err-mix-* | grep -c 'error:')" = 0 ]
check "... six models more" \
	[ "$(pg_sql "$LPDB" "SELECT count(*) FROM models WHERE digest IN ($(for m in mix-o1 mix-o2 mix-o3 mix-s1 mix-s2 mix-s3; do printf "'%s'," "$("$MS" digest $m | cut -c8-)"; done | sed 's/,$//'))")" = 6 ]
run 0 "$MS" --registry "$RURL" audit
pg_sql "$LPDB" "GRANT UPDATE (application) ON modelseal_registry TO modelseal_signer" >/dev/null
run 0 "$MS" --registry "$RURL" audit

# ---- two signers race on one name@version (two "hosts") ----
mkmodel race-a
mkmodel race-b
# The first writers of a new registry (no marker row yet) serialise on the
# advisory lock, and both create it once.
CURL=$(newdb create)
mkmodel first-a
mkmodel first-b
lock_advisory "$(dbname create)" "$PG_SUPER"
for m in first-a first-b; do
	("$MS" --registry "$CURL" sign --key k.key $m >/dev/null 2>"$T/err-$m"
		echo $? >"$T/rc-$m") &
done
wait_for "$(dbname create)" "$(waiting "$(dbname create)" 2)" >/dev/null
check "two first writers wait for the advisory lock" [ $? = 0 ]
unlock "$(dbname create)"
while [ ! -s "$T/rc-first-a" ] || [ ! -s "$T/rc-first-b" ]; do sleep 0.1; done
check "... both record" [ "$(cat "$T/rc-first-a" "$T/rc-first-b" | tr '\n' ' ')" = "0 0 " ]
run 0 "$MS" --registry "$CURL" audit
check "... in one registry" [ "$(pg_sql "$(dbname create)" "SELECT count(*) FROM models")" = 2 ]

# Two signers of an existing registry wait on its marker row.
mkmodel race-setup
run 0 "$MS" sign --key k.key race-setup
lock_writers "$PG_TEST_DB" "$PG_SUPER"
check "the superuser holds the writers' lock" [ $? = 0 ]
for m in race-a race-b; do
	(HOME=$T/home-$m "$MS" sign --key k.key --name race --version 1 $m >"$T/out-$m" 2>"$T/err-$m"
		echo $? >"$T/rc-$m") &
done
wait_for "$PG_TEST_DB" "$(waiting "$PG_TEST_DB" 2)" >/dev/null
check "both signers wait for the lock" [ $? = 0 ]
unlock "$PG_TEST_DB"
while [ ! -s "$T/rc-race-a" ] || [ ! -s "$T/rc-race-b" ]; do sleep 0.1; done
check "one signer wins, the other is refused (exit 2)" \
	[ "$(cat "$T/rc-race-a" "$T/rc-race-b" | sort | tr '\n' ' ')" = "0 2 " ]
check "... saying the name is taken" grep -q 'race@1 is already recorded for another model' "$T/err-race-a" "$T/err-race-b"
check "... the loser has no signature" [ "$(ls race-a race-b | grep -c model.sig)" = 1 ]
check "one models row for race@1" [ "$(pg_sql "$PG_TEST_DB" "SELECT count(*) FROM models WHERE name = 'race'")" = 1 ]
run 0 "$MS" audit
for m in race-a race-b; do
	[ "$(cat "$T/rc-$m")" = 0 ] && run 0 "$MS" verify --key k.pub $m
done

# ---- the database owner edits behind modelseal's back ----
mkmodel own
run 0 "$MS" trust add k.pub --label release
run 0 "$MS" sign --key k.key --name own --version 1 own
run 0 "$MS" verify own
run 0 "$MS" verify own
run 0 "$MS" checkpoint --key ck.key -o cp.json
pg_sql postgres "CREATE DATABASE \"$(dbname clean)\" TEMPLATE \"$PG_TEST_DB\"" >/dev/null
LAST=$(pg_sql "$PG_TEST_DB" "SELECT max(id) FROM events")
# owner_edit N SQL: SQL on copy N of the clean registry as its owner would,
# the tables' user triggers disabled meanwhile; the copy's URL in $OE
owner_edit() {
	pg_sql postgres "CREATE DATABASE \"$(dbname "o$1")\" TEMPLATE \"$(dbname clean)\"" >/dev/null
	psql_at "$(pg_url "$(dbname "o$1")")" "ALTER TABLE events DISABLE TRIGGER USER;
		ALTER TABLE models DISABLE TRIGGER USER; ALTER TABLE edges DISABLE TRIGGER USER; $2;
		ALTER TABLE events ENABLE TRIGGER USER; ALTER TABLE models ENABLE TRIGGER USER;
		ALTER TABLE edges ENABLE TRIGGER USER" >/dev/null ||
		fail "the owner's edit failed: $2"
	OE=$(pg_url "$(dbname "o$1")")
}
# the newest events deleted (the chain's tail cut): only a checkpoint tells
owner_edit 1 "DELETE FROM events WHERE id > $LAST - 2"
O1=$OE
run 1 "$MS" --registry "$O1" audit --checkpoint cp.json --key ck.pub
# events renumbered (two swapped)
owner_edit 2 "UPDATE events SET id = id + 1000000 WHERE id IN (2, 3);
	UPDATE events SET id = CASE id WHEN 1000002 THEN 3 ELSE 2 END WHERE id > 1000000"
O2=$OE
run 1 "$MS" --registry "$O2" audit
check "renumbered: audit --json not ok" [ "$(head_of "$O2" | cut -d' ' -f1)" = false ]
# an event from the middle deleted
owner_edit 3 "DELETE FROM events WHERE id = 2"
O3=$OE
run 1 "$MS" --registry "$O3" audit
expect_out 'missing'
# extra objects in the schema: a trigger that swallows revocations, a
# disabled append-only trigger
pg_sql postgres "CREATE DATABASE \"$(dbname o4)\" TEMPLATE \"$(dbname clean)\"" >/dev/null
psql_at "$(pg_url "$(dbname o4)")" "CREATE FUNCTION swallow() RETURNS trigger LANGUAGE plpgsql AS
	\$\$BEGIN RETURN NULL; END\$\$; CREATE TRIGGER zz BEFORE INSERT ON revocations FOR EACH ROW
	EXECUTE FUNCTION swallow()" >/dev/null
run 1 "$MS" --registry "$(pg_url "$(dbname o4)")" audit
expect_out 'trigger zz'
pg_sql postgres "CREATE DATABASE \"$(dbname o5)\" TEMPLATE \"$(dbname clean)\"" >/dev/null
psql_at "$(pg_url "$(dbname o5)")" "ALTER TABLE events DISABLE TRIGGER events_no_update" >/dev/null
run 1 "$MS" --registry "$(pg_url "$(dbname o5)")" audit
expect_out 'events_no_update is disabled'
run 0 "$MS" audit --checkpoint cp.json --key ck.pub

# ---- a database that pretends to be a registry, with hostile rows ----
HOST=$(newdb hostile)
mkmodel hb
mkmodel hf
run 0 "$MS" --registry "$HOST" sign --key k.key --name base --version 1 hb
run 0 "$MS" --registry "$HOST" sign --key k.key --name ft --version 1 --parent base@1=finetune hf
# terminal escapes in a name, and a lineage loop (ft -> base -> ft)
psql_at "$HOST" "ALTER TABLE models DISABLE TRIGGER USER; ALTER TABLE edges DISABLE TRIGGER USER;
	UPDATE models SET name = E'ba\\x1b]0;owned\\x07\\x1b[2J\\r' WHERE name = 'base';
	INSERT INTO edges SELECT p.digest, c.digest, 'merge' FROM models p, models c
	WHERE p.name LIKE 'ba%' AND c.name = 'ft'" >/dev/null
check "the hostile name is in place" [ "$(psql_at "$HOST" "SELECT count(*) FROM models WHERE name LIKE E'ba\\x1b%'")" = 1 ]
# no_ctl: $T/out holds no control character but newline and tab
no_ctl() { not grep -q "$(printf '[\001-\010\013-\037\177]')" "$T/out"; }
for c in "log" "lineage ft@1" "lineage --descendants ft@1" "lineage --format dot ft@1" "show ft@1" "audit"; do
	"$MS" --registry "$HOST" $c >"$T/out" 2>"$T/err"
	check "hostile name: no control characters in: $c" no_ctl
	check "... nor on stderr" not grep -q "$(printf '[\001-\010\013-\037\177]')" "$T/err"
done
run 0 timeout 60 "$MS" --registry "$HOST" lineage ft@1
expect_out 'see above'
run 0 timeout 60 "$MS" --registry "$HOST" lineage --descendants ft@1
run 0 timeout 60 "$MS" --registry "$HOST" --json lineage ft@1
run 0 timeout 60 "$MS" --registry "$HOST" lineage --format dot ft@1
run 1 "$MS" --registry "$HOST" audit
# the server's own messages (here raised by a trigger of the database's
# owner) carry terminal escapes: shown escaped, in text and --json
psql_at "$HOST" "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS
	\$\$BEGIN RAISE EXCEPTION E'\\x1b]0;owned\\x07\\x1b[2J cleared'; END\$\$;
	CREATE TRIGGER boom BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION boom()" >/dev/null
expect_error "$MS" --registry "$HOST" trust add evil.pub
check "a server message with escapes: shown escaped" grep -q 'x1b\]0;owned' "$T/err"
check "... no control characters on stderr" not grep -q "$(printf '[\001-\010\013-\037\177]')" "$T/err"
run 2 "$MS" --registry "$HOST" --json trust add evil.pub
check "... nor in --json" no_ctl
# a schema version from the future: every command refuses it, copy too
FUT=$(newdb future)
run 0 "$MS" --registry "$FUT" trust add k.pub
psql_at "$FUT" "UPDATE modelseal_registry SET schema_version = 99" >/dev/null
for c in log audit "verify hb" "sign --key k.key --name f --version 1 hf" "trust add evil.pub" "registry copy $FUT $T/fut.db"; do
	expect_error "$MS" --registry "$FUT" $c
	expect_err 'newer than this modelseal knows'
done
check "... no SQLite copy made" [ ! -e "$T/fut.db" ]
# a forged marker over a database without the registry's tables
MARK=$(newdb marker)
psql_at "$MARK" "CREATE TABLE modelseal_registry (application text PRIMARY KEY, schema_version integer NOT NULL);
	INSERT INTO modelseal_registry VALUES ('modelseal', 4)" >/dev/null
for c in log audit "verify hb" "sign --key k.key --name m --version 1 hf"; do
	expect_error "$MS" --registry "$MARK" $c
done
check "the half registry was not completed behind the user's back" \
	[ "$(psql_at "$MARK" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 1 ]
# bytes that are not UTF-8, in a database that takes any bytes (SQL_ASCII)
ASCDB=$(dbname ascii)
pg_sql postgres "CREATE DATABASE \"$ASCDB\" ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" >/dev/null
ASC=$(pg_url "$ASCDB")
# (refused as a registry: a writer could store bytes every reader fails on)
cp hb/model.sig hb.sig.before
expect_error "$MS" --registry "$ASC" sign --key k.key --name base --version 1 hb
expect_err 'encoding is SQL_ASCII: a registry needs UTF8'
check "... a SQL_ASCII database is refused, left empty" \
	[ "$(psql_at "$ASC" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ]
check "... and the model's signature untouched" cmp -s hb/model.sig hb.sig.before
# a 300-deep lineage, every model backed by a well-formed signed event
DEEP=$(newdb deep)
run 0 "$MS" --registry "$DEEP" trust add k.pub
mkdir deep
python3 "$FORGE" chain 300 1 "$(psql_at "$DEEP" "SELECT hash FROM events WHERE id = 1")" deep
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$DEEP" >/dev/null <<EOF
ALTER TABLE models DISABLE TRIGGER USER;
ALTER TABLE edges DISABLE TRIGGER USER;
\copy models (id, digest, name, version, method, hash, size, files, signer, statement, bundle, created, provenance) from 'deep/models'
\copy edges from 'deep/edges'
\copy events from 'deep/events'
ALTER TABLE models ENABLE TRIGGER USER;
ALTER TABLE edges ENABLE TRIGGER USER;
SELECT setval(pg_get_serial_sequence('models', 'id'), 300);
EOF
run 0 "$MS" --registry "$DEEP" audit
expect_out 'intact (301 events'
run 0 timeout 120 "$MS" --registry "$DEEP" lineage d@300
check "the deep lineage reaches d@1" [ "$(grep -c 'finetune: d@' "$T/out")" = 299 ]
run 0 timeout 120 "$MS" --registry "$DEEP" --json lineage --descendants d@1
check "... and down again" [ "$(jq '.nodes | length' "$T/out")" = 300 ]

# ---- registry copy from hostile sources ----
mkmodel cb
mkmodel cf
SRC=$T/src.db
run 0 "$MS" --registry "$SRC" sign --key k.key --name base --version 1 cb
run 0 "$MS" --registry "$SRC" sign --key k.key --name ft --version 1 --parent base@1=finetune cf
run 0 "$MS" --registry "$SRC" checkpoint --key ck.key -o src-cp.json
SRCHEAD=$(head_of "$SRC")
# a view named like a table, showing other relations than the table holds
cp "$SRC" view.db
sqlite3 view.db "ALTER TABLE edges RENAME TO edges_real;
	CREATE VIEW edges AS SELECT child, parent, 'merge' AS relation FROM edges_real"
VDST=$(newdb viewdst)
expect_error "$MS" registry copy "$T/view.db" "$VDST"
expect_err 'not intact'
check "... nothing copied" [ "$(psql_at "$VDST" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ]
# a SQLite file that is not a registry
sqlite3 foreign.db "CREATE TABLE models (digest text); INSERT INTO models VALUES ('x')"
expect_error "$MS" registry copy "$T/foreign.db" "$VDST"
check "... nothing copied" [ "$(psql_at "$VDST" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ]
# killed (kill -9) in the middle of its write transaction: nothing of it
# stays. The destination's last table is locked against inserts, so the
# copy stops right there, its other rows written but not committed.
KDB=$(dbname killed)
pg_sql postgres "CREATE DATABASE \"$KDB\" TEMPLATE \"$(dbname clean)\"" >/dev/null
KURL=$(pg_url "$KDB")
psql_at "$KURL" "ALTER TABLE events DISABLE TRIGGER USER; ALTER TABLE models DISABLE TRIGGER USER;
	ALTER TABLE edges DISABLE TRIGGER USER;
	TRUNCATE events, models, edges, trusted_keys, trusted_cas, trusted_identities, revocations, checkpoints;
	DELETE FROM meta WHERE name <> 'registry_id';
	ALTER TABLE events ENABLE TRIGGER USER; ALTER TABLE models ENABLE TRIGGER USER;
	ALTER TABLE edges ENABLE TRIGGER USER" >/dev/null
"$PG_BIN/psql" -X -q -d "$KURL" -c "BEGIN; LOCK TABLE checkpoints IN SHARE MODE; SELECT pg_sleep(120)" \
	>/dev/null 2>&1 &
locker=$!
wait_for "$KDB" "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
	WHERE c.relname = 'checkpoints' AND l.mode = 'ShareLock' AND l.granted"
"$MS" registry copy "$SRC" "$KURL" >"$T/out" 2>"$T/err" &
copier=$!
wait_for "$KDB" "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
	WHERE c.relname = 'checkpoints' AND NOT l.granted"
check "the copy waits on the destination's last table" [ $? = 0 ]
check "... having written the rows before it" \
	[ "$(pg_sql "$KDB" "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
		WHERE c.relname = 'events' AND l.mode = 'RowExclusiveLock'")" = 1 ]
kill -9 $copier
wait $copier 2>/dev/null
unlock "$KDB"
check "killed copy: no models left" [ "$(psql_at "$KURL" "SELECT count(*) FROM models")" = 0 ]
check "... no events" [ "$(psql_at "$KURL" "SELECT count(*) FROM events")" = 0 ]
run 0 "$MS" registry copy "$SRC" "$KURL"
check "copied again: the source's events and head" [ "$(head_of "$KURL")" = "$SRCHEAD" ]
run 0 "$MS" --registry "$KURL" audit --checkpoint src-cp.json --key ck.pub

# killed in the middle of a copy into a new database: the schema is built
# in the copy's own transaction, so none is left behind. strace slows the
# copier's writes to the server down (0.3 s each after the first 40), so
# that it can be caught with its tables made and not committed.
if command -v strace >/dev/null 2>&1 && strace -o /dev/null true 2>/dev/null; then
	FURL=$(newdb fresh)
	FDB=$(dbname fresh)
	strace -f -o /dev/null -e trace=sendto -e inject=sendto:delay_exit=300000:when=40+ \
		"$MS_PLAIN" registry copy "$SRC" "$FURL" >/dev/null 2>&1 &
	copier=$!
	wait_for "$FDB" "SELECT (count(*) >= 5)::int FROM pg_locks l JOIN pg_stat_activity a
		ON a.pid = l.pid WHERE a.datname = '$FDB' AND l.locktype = 'relation'
		AND l.mode = 'AccessExclusiveLock' AND a.pid <> pg_backend_pid()"
	check "the copy makes the new schema in its transaction" [ $? = 0 ]
	check "... where no other session sees it" \
		[ "$(psql_at "$FURL" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ]
	kill -9 $(pgrep -P $copier) # modelseal, strace's child
	wait $copier 2>/dev/null
	pg_sql postgres "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$FDB'
		AND pid <> pg_backend_pid()" >/dev/null
	check "killed copy into a new database: no schema left" \
		[ "$(psql_at "$FURL" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ]
	run 0 "$MS" registry copy "$SRC" "$FURL"
	check "... and a copy then succeeds" [ "$(head_of "$FURL")" = "$SRCHEAD" ]
fi

# ---- secrets in odd URLs ----
PW='pa@ss:w/rd'
PWENC='pa%40ss%3Aw%2Frd'
AURL=$(echo "$URL" | sed "s,^postgresql://,postgresql://$PG_SUPER:$PWENC@,")
DOWNA=$(echo "$AURL" | sed "s,host=$PG_DIR,host=$T/nothing,")
for u in "$AURL" "$DOWNA" "$URL&password=$PWENC" "$(echo "$URL" | sed "s,host=$PG_DIR,host=$T/nothing,")&password=$PWENC"; do
	for c in "log" "--json log" "--json audit" "verify --key k.pub cb"; do
		"$MS" --registry "$u" $c >"$T/out" 2>"$T/err"
		check "no password in: $c" not grep -q "pa@ss\|$PWENC\|w/rd" "$T/out" "$T/err"
	done
done
for c in "registry copy $AURL $T/pwcopy.db" "--json registry copy $AURL $T/pwcopy2.db" \
	"registry copy $SRC $AURL" "-v --json registry copy $SRC $AURL" "registry copy $AURL $AURL"; do
	"$MS" $c >"$T/out" 2>"$T/err"
	check "no password in: $c" not grep -q "pa@ss\|$PWENC\|w/rd" "$T/out" "$T/err"
done
check "the copy with a password in its URL was made" [ -s pwcopy.db ]
run 0 "$MS" --registry "$AURL" --json log
check "--json log names the registry without the encoded password" \
	[ "$(jq -r .registry "$T/out")" = "$(echo "$AURL" | sed "s,:$PWENC@,@,")" ]

# ---- the server goes away while verify waits on the registry ----
# A transaction holding the revocations makes verify wait inside its read;
# the server is then stopped the hard way. No verdict (exit 2), never a pass.
"$PG_BIN/psql" -X -q -d "$URL" -c "BEGIN; LOCK TABLE revocations IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120)" \
	>/dev/null 2>&1 &
locker=$!
wait_for "$PG_TEST_DB" "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
	WHERE c.relname = 'revocations' AND l.mode = 'AccessExclusiveLock' AND l.granted"
"$MS" verify own >"$T/out" 2>"$T/err" &
verifier=$!
"$MS" audit >"$T/aout" 2>"$T/aerr" &
auditor=$!
wait_for "$PG_TEST_DB" "SELECT (count(*) = 2)::int FROM pg_stat_activity WHERE wait_event_type = 'Lock'
	AND application_name = 'modelseal'"
check "verify and audit wait for the registry" [ $? = 0 ]
pg_crash
wait $verifier
check "server gone mid-verify: exit 2, no verdict" [ $? = 2 ]
expect_err '^modelseal: error: '
check "... and no 'verified' line" not grep -q '^verified' "$T/out"
wait $auditor
check "server gone mid-audit: exit 2" [ $? = 2 ]
check "... saying so" grep -q '^modelseal: error: ' "$T/aerr"
check "... and never 'intact'" not grep -q 'intact' "$T/aout"
wait $locker 2>/dev/null
pg_restart
run 0 "$MS" audit
run 0 "$MS" verify own

# ---- the signer's and the owner's attacks that needed the database's help (pg-bugs 6-10) ----
# bug 6: the backing triggers must not read the signer's own temp tables
mkmodel lp4
if pg_sql_as "$SIGNER" "$LPDB" "BEGIN; CREATE TEMP TABLE events AS SELECT * FROM public.events;
	UPDATE pg_temp.events SET detail = replace(detail, '\"name\":\"lp\"', '\"name\":\"evil\"');
	UPDATE public.models SET name = 'evil' WHERE digest = '$D1'; COMMIT" >/dev/null 2>"$T/err"; then
	fail "the signer renamed a model through a temp table named events"
else
	pass "the signer's temp table named events does not back a rename"
fi
check "... lp@1 is still lp@1" [ "$(pg_sql "$LPDB" "SELECT name FROM models WHERE digest = '$D1'")" = lp ]
# bug 7: a signer appends a well-formed 'trusted' event for its own key
mkmodel evilm
"$MS" --registry "$T/none.db" sign --no-record --key evil.key evilm >/dev/null 2>&1
run 1 "$MS" --registry "$RURL" verify evilm
EID=$(sha256sum <evil.pub | cut -c1-64)
set -- $(pg_sql "$LPDB" "SELECT id + 1, hash FROM events ORDER BY id DESC LIMIT 1" | tr '|' ' ')
DET=$(jq -cn --arg pem "$(cat evil.pub)
" '{label: "release2", pem: $pem}')
# forged ID KIND SUBJECT DETAIL: the SQL of a well-formed next event
forged() {
	echo "INSERT INTO events VALUES ($1, 1, '$2', '$3', \$d\$$4\$d\$, '$HEADHASH',
		'$(python3 "$FORGE" hash "$1" 1 "$2" "$3" "$4" "$HEADHASH")')"
}
HEADHASH=$2
pg_refused "$SIGNER" "$LPDB" "$(forged "$1" trusted "$EID" "$DET")"
run 1 "$MS" --registry "$RURL" verify evilm
expect_out 'not trusted'
KID=$(sha256sum <k.pub | cut -c1-64)
pg_refused "$SIGNER" "$LPDB" "$(forged "$1" untrusted "$KID" '{}')"
pg_refused "$SIGNER" "$LPDB" "$(forged "$1" revoked "sha256:$D1" '{"kind":"model","reason":"signer says","time":1}')"
run 0 "$MS" --registry "$RURL" verify lp1
# bug 15: a well-formed 'signed' event with no models row, or one that no
# longer records its model's row: audit would fail on every host for good
SIGNED1=$(pg_sql "$LPDB" "SELECT detail FROM events WHERE kind = 'signed' AND subject = 'sha256:$D1' ORDER BY id DESC LIMIT 1")
BEFORE=$(head_of "$SURL")
pg_refused "$SIGNER" "$LPDB" "$(forged "$1" signed "sha256:$FAKE" "$SIGNED1")"
pg_refused "$SIGNER" "$LPDB" "$(forged "$1" signed "sha256:$FAKE" 'not json {')"
pg_refused "$SIGNER" "$LPDB" "$(forged "$1" signed "sha256:$D1" "$(printf %s "$SIGNED1" | jq -c '.name = "prod"')")"
check "... the forged signed events changed nothing" [ "$(head_of "$SURL")" = "$BEFORE" ]
run 0 "$MS" --registry "$RURL" audit
# bug 8: a signer appends events that break the chain
for q in "INSERT INTO events VALUES (100000, 0, 'verified', 'x', '{}', 'x', 'y')" \
	"INSERT INTO events SELECT max(id) + 1, 0, 'verified', 'x', '{}', repeat('0', 64), repeat('0', 64) FROM events" \
	"INSERT INTO events VALUES (-5, 0, 'verified', 'x', '{}', 'x', 'y')"; do
	if pg_sql_as "$SIGNER" "$LPDB" "$q" >/dev/null 2>&1; then fail "the signer may: $q"; else pass "the signer may not: $q"; fi
done
run 0 "$MS" --registry "$RURL" audit
# bug 9: a malformed URL with a password
for u in "postgresql://$PG_SUPER:Secret@[::1/x?host=$PG_DIR" "postgresql://$PG_SUPER:Secret@[]/x"; do
	expect_error "$MS" --registry "$u" log
	check "malformed URL: no password shown" not grep -q Secret "$T/err"
done
# bug 10: row level security hides a revocation from the readers only
mkmodel rls
run 0 "$MS" --registry "$OURL" sign --key k.key --name rls --version 1 rls
run 0 "$MS" --registry "$OURL" revoke rls@1 --reason withdrawn --yes
pg_sql "$LPDB" "ALTER TABLE events ENABLE ROW LEVEL SECURITY; ALTER TABLE revocations ENABLE ROW LEVEL SECURITY;
	CREATE POLICY hide ON events USING (kind <> 'revoked' OR pg_has_role(current_user, 'modelseal_owner', 'MEMBER'));
	CREATE POLICY hide ON revocations USING (pg_has_role(current_user, 'modelseal_owner', 'MEMBER'))" >/dev/null
"$MS" --registry "$RURL" verify rls >"$T/out" 2>"$T/err"
check "hidden revocation: the reader's verify does not pass" [ $? != 0 ]
expect_error "$MS" --registry "$OURL" audit
expect_err 'row level security'

# Opening reads pg_class alone (one query a fresh server process can
# answer quickly): a table with rules (relhasrules) is looked up in
# pg_rewrite, a policy matters only where row level security is on, and
# audit lists both.
RULED=$(newdb ruled)
mkmodel ruled
run 0 "$MS" --registry "$RULED" sign --key k.key --name ruled --version 1 ruled
pg_sql "$(dbname ruled)" "CREATE RULE quiet AS ON INSERT TO revocations DO INSTEAD NOTHING" >/dev/null
expect_error "$MS" --registry "$RULED" revoke ruled@1 --reason gone --yes
expect_err 'rules on revocations'
expect_error "$MS" --registry "$RULED" sign --key k.key --name ruled --version 2 ruled
expect_err 'rules on revocations'
check "a rule: the refused sign left the signature as it was" \
	sh -c '! ls ruled | grep -q tmp && "$1" verify --key k.pub ruled >/dev/null 2>&1' _ "$MS"
pg_sql "$(dbname ruled)" "DROP RULE quiet ON revocations" >/dev/null
run 0 "$MS" --registry "$RULED" log
pg_sql "$(dbname ruled)" "CREATE POLICY inert ON revocations USING (false)" >/dev/null
run 0 "$MS" --registry "$RULED" revoke ruled@1 --reason gone --yes
run 1 "$MS" --registry "$RULED" verify --key k.pub ruled
run 1 "$MS" --registry "$RULED" audit
expect_err 'NOT intact: schema: row level security, policies or rules on revocations'
pg_sql "$(dbname ruled)" "ALTER TABLE revocations ENABLE ROW LEVEL SECURITY" >/dev/null
expect_error "$MS" --registry "$RULED" verify --key k.pub ruled
expect_err 'row level security, policies or rules on revocations'

pg_sql postgres "DROP DATABASE \"$LPDB\" WITH (FORCE)" >/dev/null
for d in clean o1 o2 o3 o4 o5 hostile future marker ascii deep viewdst killed ruled; do
	pg_sql postgres "DROP DATABASE IF EXISTS \"$(dbname $d)\" WITH (FORCE)" >/dev/null
done
pg_sql postgres "DROP ROLE $OWNER, $SIGNER, $READER" >/dev/null
