# log, show, lineage, audit on a registry built by hand with the sqlite3
# backends: sqlite only: it builds and damages the registry file with the
# sqlite3 tool; t_postgres covers the same on PostgreSQL.
# CLI as schema version 1 (the commands migrate it on first open). Events
# get their hashes from sha256sum, a second implementation of the encoding
# documented in src/registry/registry_events.c.
REG=$T/reg.db
export MODELSEAL_REGISTRY=$REG
KEYID=1111111111111111111111111111111111111111111111111111111111111111
NOW=1700000000

sq() { sqlite3 -batch "$REG" "$@"; }
hex64() { printf '%s' "$1" | sha256sum | cut -c1-64; }

# ev_hash ID TIME KIND SUBJECT DETAIL PREV
ev_hash() {
	{
		printf 'modelseal.event.v1\n'
		for f in "$@"; do
			printf '%d:%s\n' "$(printf '%s' "$f" | wc -c)" "$f"
		done
	} | sha256sum | cut -c1-64
}

add_event() { # KIND SUBJECT DETAIL
	id=$(sq "SELECT coalesce(max(id), 0) + 1 FROM events")
	prev=$(sq "SELECT coalesce((SELECT hash FROM events ORDER BY id DESC LIMIT 1), printf('%064d', 0))")
	h=$(ev_hash "$id" "$NOW" "$1" "$2" "$3" "$prev")
	sq "INSERT INTO events VALUES ($id, $NOW, '$1', '$2', '$3', '$prev', '$h')"
}

# add_model NAME VERSION [PARENT_NAME@VERSION RELATION]...
add_model() {
	d=$(hex64 "$1@$2")
	bundle="{\"model\":\"$1@$2\"}"
	NOW=$((NOW + 60))
	sq "INSERT INTO models (digest, name, version, method, hash, size, files, signer,
		statement, bundle, created) VALUES ('$d', '$1', '$2', 'shards', 'sha256', 1000, 3,
		'$KEYID', '{\"_type\":\"https://in-toto.io/Statement/v1\"}', '$bundle', $NOW)"
	child=$d
	shift 2
	while [ $# -ge 2 ]; do
		sq "INSERT INTO edges VALUES ('$child', '$(hex64 "$1")', '$2')"
		shift 2
	done
	add_event signed "sha256:$child" "{\"bundle_sha256\":\"$(printf '%s' "$bundle" | sha256sum | cut -c1-64)\"}"
}

# The version 1 schema, exactly as modelseal made it (src/registry/registry_schema.c
# step 1: audit compares the schema text with what the migrations make).
sq "PRAGMA application_id = 1297306183; PRAGMA user_version = 1;
CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  digest TEXT NOT NULL UNIQUE
    CHECK (length(digest) = 64 AND digest NOT GLOB '*[^0-9a-f]*'),
  name TEXT,
  version TEXT,
  method TEXT NOT NULL,
  hash TEXT NOT NULL,
  size INTEGER NOT NULL,
  files INTEGER NOT NULL,
  signer TEXT NOT NULL,
  statement TEXT NOT NULL,
  bundle TEXT NOT NULL,
  created INTEGER NOT NULL,
  UNIQUE (name, version),
  CHECK ((name IS NULL) = (version IS NULL))
);
CREATE INDEX models_created ON models (created, id);
CREATE TABLE edges (
  child TEXT NOT NULL REFERENCES models (digest),
  parent TEXT NOT NULL REFERENCES models (digest),
  relation TEXT NOT NULL
    CHECK (relation IN ('finetune', 'adapter', 'quantized', 'merge', 'dataset')),
  PRIMARY KEY (child, parent),
  CHECK (child <> parent)
) WITHOUT ROWID;
CREATE INDEX edges_parent ON edges (parent, child);
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('signed', 'verified', 'failed', 'revoked',
                                     'trusted', 'untrusted')),
  subject TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX events_subject ON events (subject, kind, id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;"
add_model base 1
add_model chat-data 3
add_model base-ft 1 base@1 finetune chat-data@3 dataset
add_model base-ft-q4 1 base-ft@1 quantized
add_model base-ft 2 base@1 finetune
BASE=$(hex64 base@1)
FT=$(hex64 base-ft@1)
Q4=$(hex64 base-ft-q4@1)

# --- audit: the hand-made chain is intact; the first open migrates, and
# schema 3 binds each model to a new event that records its whole row ---
run 0 "$MS" audit
expect_out 'intact (10 events'
expect_out "^head [0-9a-f]\{64\}$"
check "registry migrated to the current schema (4)" [ "$(sq 'PRAGMA user_version')" = 4 ]
check "one binding event per model" [ "$(sq "SELECT count(*) FROM events WHERE id > 5 AND kind = 'signed' AND json_extract(detail, '\$.migrated')")" = 5 ]
check "WAL after first open" [ "$(sq 'PRAGMA journal_mode')" = wal ]
run 0 "$MS" --json audit
check "audit --json ok" [ "$(jq -r '.ok, .events' "$T/out" | tr '\n' ' ')" = "true 10 " ]

# --- log ---
run 0 "$MS" log
check "log lists a header and 5 models" [ "$(wc -l <"$T/out")" -eq 6 ]
expect_out "^MODEL  *DIGEST  *SIGNER  *SIGNED  *FROM$"
check "log newest first" [ "$(awk 'NR > 1 {print $1}' "$T/out" | tr '\n' ' ')" = "base-ft@2 base-ft-q4@1 base-ft@1 chat-data@3 base@1 " ]
expect_out "^base-ft-q4@1 .*sha256:$(echo "$Q4" | cut -c1-12)  1111111111111111  2023-11-14T22:17:20Z  quantized: base-ft@1$"
expect_out "^base-ft@1 .*finetune: base@1, dataset: chat-data@3$"
run 0 "$MS" log base-ft
check "log NAME filters" [ "$(awk 'NR > 1 {print $1}' "$T/out" | tr '\n' ' ')" = "base-ft@2 base-ft@1 " ]
run 0 "$MS" log -n 2
check "log -n 2" [ "$(wc -l <"$T/out")" -eq 3 ]
run 0 "$MS" log --json
check "log --json digests" [ "$(jq -r '.models[1].digest' "$T/out")" = "sha256:$Q4" ]
check "log --json parents" [ "$(jq -r '.models[2].parents | map(.relation + "=" + .name) | join(",")' "$T/out")" = "finetune=base,dataset=chat-data" ]
expect_error "$MS" log nosuchmodel
expect_err "no recorded model is named 'nosuchmodel'"
expect_error "$MS" log a b
expect_error "$MS" log -n 0

# --- show ---
run 0 "$MS" show base-ft@1
expect_out "^model       sha256:$FT$"
expect_out '^name        base-ft@1$'
expect_out "^signer      $KEYID$"
expect_out "^parents     finetune   base@1 .* sha256:$(echo "$BASE" | cut -c1-12)$"
expect_out '^datasets    dataset    chat-data@3'
expect_out '^children    quantized  base-ft-q4@1'
expect_out '^revoked     no$'
run 0 "$MS" show "sha256:$(echo "$Q4" | cut -c1-10)"
expect_out '^name        base-ft-q4@1$'
run 0 "$MS" show "$(echo "$BASE" | cut -c1-8 | tr a-f A-F)"
expect_out '^name        base@1$'
run 0 "$MS" --json show "sha256:$FT"
check "show --json" [ "$(jq -r '[.name, .version, .parents[0].relation, .children[0].name, (.revoked == null), .statement._type] | join(" ")' "$T/out")" = "base-ft 1 finetune base-ft-q4 true https://in-toto.io/Statement/v1" ]
"$MS" revoke base-ft@1 --reason "bad data" --yes >/dev/null 2>&1
run 0 "$MS" show base-ft@1
expect_out '^revoked     REVOKED .*: bad data$'
run 0 "$MS" show --json base-ft@1
check "show --json revoked" [ "$(jq -r '.revoked.reason' "$T/out")" = "bad data" ]
expect_error "$MS" show nosuch@1
expect_err "unknown REF 'nosuch@1'"
expect_error "$MS" show sha256:zzzz
expect_error "$MS" show
expect_error "$MS" show a b

# --- lineage ---
run 0 "$MS" lineage base-ft-q4@1
check "lineage tree" [ "$(cat "$T/out")" = "base-ft-q4@1  sha256:$(echo "$Q4" | cut -c1-12)
└── quantized: base-ft@1  sha256:$(echo "$FT" | cut -c1-12)
    ├── finetune: base@1  sha256:$(echo "$BASE" | cut -c1-12)
    └── dataset: chat-data@3  sha256:$(hex64 chat-data@3 | cut -c1-12)" ]
run 0 "$MS" lineage --descendants base@1
expect_out '^├── finetune: base-ft@\(1\|2\)'
expect_out '^│   └── quantized: base-ft-q4@1\|^    └── quantized: base-ft-q4@1'
check "descendants: 4 lines" [ "$(wc -l <"$T/out")" -eq 4 ]
run 0 "$MS" lineage --format json base-ft-q4@1
check "lineage json nodes" [ "$(jq -r '.nodes | map(.name) | join(",")' "$T/out")" = "base-ft-q4,base,chat-data,base-ft" ]
check "lineage json edges" [ "$(jq -r '.edges | length' "$T/out")" = 3 ]
check "lineage json edge shape" [ "$(jq -r ".edges[] | select(.child == \"sha256:$Q4\") | .parent + \" \" + .relation" "$T/out")" = "sha256:$FT quantized" ]
run 0 "$MS" --json lineage base-ft-q4@1
check "--json is --format json" [ "$(jq -r '.root' "$T/out")" = "sha256:$Q4" ]
run 0 "$MS" lineage --format dot base-ft@1
expect_out '^digraph lineage {$'
expect_out "^	\"sha256:$FT\" -> \"sha256:$BASE\" \[label=\"finetune\"\];$"
expect_out '^}$'
expect_error "$MS" lineage --format svg base@1
expect_error "$MS" --json lineage --format dot base@1
expect_error "$MS" lineage nosuch@1
expect_error "$MS" lineage

# --- audit catches a rewritten event ---
cp "$REG" "$T/good.db"
sq "DROP TRIGGER events_no_update; UPDATE events SET detail = '{\"bundle_sha256\":\"x\"}' WHERE id = 3;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;"
run 1 "$MS" audit
expect_out "^  event 3 (signed sha256:$FT): row content does not match its hash (rewritten)$"
run 1 "$MS" --json audit
check "audit --json names event 3" [ "$(jq -r '.ok, .bad_event' "$T/out" | tr '\n' ' ')" = "false 3 " ]
# ... and a model whose stored signature was swapped
cp "$T/good.db" "$REG"
sq "UPDATE models SET bundle = '{\"forged\":true}' WHERE name = 'base-ft-q4'"
run 1 "$MS" audit
expect_out "^  models row sha256:$Q4 differs from its 'signed' event 9 in: signature$"
cp "$T/good.db" "$REG"
run 0 "$MS" audit

# --- where the registry lives ---
run 0 "$MS" --registry "$REG" log -n 1
unset MODELSEAL_REGISTRY
mkdir -p "$T/xdg/modelseal"
cp "$REG" "$T/xdg/modelseal/registry.db"
run 0 env XDG_DATA_HOME="$T/xdg" "$MS" log -n 1
expect_out 'base-ft@2'
mkdir -p "$T/home/.local/share/modelseal"
cp "$REG" "$T/home/.local/share/modelseal/registry.db"
run 0 env -u XDG_DATA_HOME HOME="$T/home" "$MS" log -n 1
expect_out 'base-ft@2'
export MODELSEAL_REGISTRY=$REG

# --- bad registries: a clear error and exit 2, never a crash ---
# nothing recorded yet: an empty history and an empty log, exit 0
run 0 "$MS" --registry "$T/none.db" log
check "log of no registry: nothing on stdout" [ ! -s "$T/out" ]
expect_err "no models recorded yet"
run 0 "$MS" --registry "$T/none.db" audit
expect_out "none yet (nothing recorded on this machine)"
run 0 "$MS" --registry "$T/none.db" --json log
check "log --json of no registry: no models" [ "$(jq '.models | length' "$T/out")" = 0 ]
expect_error "$MS" --registry "$T/none.db" show base@1
check "a reader creates nothing" [ ! -e "$T/none.db" ]
printf 'this is not a SQLite database, only text pretending to be one.%.0s' 1 2 3 4 5 6 7 8 >"$T/junk.db"
for c in log audit "show base@1" "lineage base@1"; do
	expect_error "$MS" --registry "$T/junk.db" $c
	expect_err 'corrupt or not a SQLite database'
done
# sign opens the registry while it hashes (in place for a file): an
# unusable one is one error, nothing written
mkdir "$T/junk-model" && printf 'w' >"$T/junk-model/w.bin"
"$MS" keygen -o "$T/jk" --no-passphrase >/dev/null 2>&1
expect_error "$MS" --registry "$T/junk.db" sign --key "$T/jk.key" --name junk --version 1 "$T/junk-model"
expect_err 'corrupt or not a SQLite database'
check "an unusable registry: one error line" [ "$(grep -c '^modelseal: error:' "$T/err")" = 1 ]
check "... and no signature written" [ "$(ls "$T/junk-model")" = w.bin ]
# ... found before the key is unlocked: no passphrase asked for
printf 'a passphrase\n' >"$T/jpp"
"$MS" keygen -o "$T/jpk" --passphrase-file "$T/jpp" >/dev/null 2>&1
expect_error "$MS" --registry "$T/junk.db" sign --key "$T/jpk.key" --name junk --version 1 "$T/junk-model" </dev/null
expect_err 'corrupt or not a SQLite database'
check "... before any passphrase is asked for" not grep -qi passphrase "$T/err"
# A sign that fails for its own reason (no such key) while a PostgreSQL
# registry opens in the background and fails too: one error line, the
# first cause known (the key's; or the registry's when its thread failed
# before the key was read, as a slow sanitizer build can make it; a dead
# socket, no server required).
mkdir "$T/nosock"
expect_error "$MS" --registry "postgresql:///x?host=$T/nosock&user=nobody" sign --key "$T/no-such.key" "$T/junk-model"
expect_err "cannot open secret key\|registry .*nosock.*cannot connect"
check "a failed sign with a failing registry opening: one error line" [ "$(grep -c '^modelseal: error:' "$T/err")" = 1 ]
check "... and no signature written" [ "$(ls "$T/junk-model")" = w.bin ]
head -c 3000 "$T/good.db" >"$T/cut.db"
expect_error "$MS" --registry "$T/cut.db" log
sqlite3 "$T/other.db" "CREATE TABLE t (x)"
expect_error "$MS" --registry "$T/other.db" log
expect_err 'not a modelseal registry'
cp "$T/good.db" "$T/future.db"
sqlite3 "$T/future.db" "PRAGMA user_version = 7"
expect_error "$MS" --registry "$T/future.db" audit
expect_err 'schema version 7 is newer than this modelseal knows'
mkdir "$T/adir"
expect_error "$MS" --registry "$T/adir" log
# A damaged page: integrity_check or the reader reports it, never a crash.
cp "$T/good.db" "$T/damaged.db"
printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' |
	dd of="$T/damaged.db" bs=1 seek=4096 conv=notrunc 2>/dev/null
"$MS" --registry "$T/damaged.db" audit >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -eq 1 ]; then
	expect_out '^  database damaged: .*Page 2'
else
	check "damaged registry: audit exit 1 or 2, not a crash ($rc)" [ "$rc" -eq 2 ]
	expect_err '^modelseal: error: .*corrupt'
fi
