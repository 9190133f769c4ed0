# checkpoint and audit --checkpoint: a log that grew passes, one truncated
# or rewritten below the checkpoint fails, a wrong key fails, a malformed
# file is an error; trust export carries the newest checkpoint and trust
# import refuses a rolled-back trust file. Also: migration of a registry
# made by the modelseal of before issue 11 (tests/data/registry-v2).
# On PostgreSQL up to the first restore: the rest restores and rewrites the
# registry file (sqlite3 .backup, ms_tool rechain), SQLite only; t_postgres
# has checkpoints across a registry copy.
# backends: sqlite postgresql
unset MODELSEAL_PASSPHRASE
REG=$MODELSEAL_REGISTRY
DATA=$INTEROP/../data
sq() { regsql "$REG" "$@"; }
for k in k ck other; do "$MS" keygen -o $k --no-passphrase >/dev/null 2>&1; done
CKID=$(sha256sum <ck.pub | cut -c1-64)
mkdir m1 m2 m3
for m in m1 m2 m3; do printf '%s weights' $m >$m/w.bin; done
"$MS" sign --key k.key --name m --version 1 m1 >/dev/null 2>&1
"$MS" trust add k.pub --label release >/dev/null 2>&1

# ---- checkpoint ----
run 0 "$MS" checkpoint --key ck.key -o cp1.json
expect_err "checkpoint of registry [0-9a-f]\{32\}: 2 events, head [0-9a-f]\{64\}, signed by $CKID, written to cp1.json"
check "the file is a bundle with a DSSE envelope" [ "$(jq -r '.dsseEnvelope.payloadType' cp1.json)" = "application/vnd.modelseal.checkpoint.v1+json" ]
jq -r '.dsseEnvelope.payload' cp1.json | base64 -d >payload.json
check "payload: size, head, registry" [ "$(jq -r '[.modelseal_checkpoint, .size, (.head | length), (.registry | length)] | join(" ")' payload.json)" = "1 2 64 32" ]
check "payload head is the log's head" [ "$(jq -r .head payload.json)" = "$(sq 'SELECT hash FROM events WHERE id = 2')" ]
check "the registry keeps a copy" [ "$(sq 'SELECT count(*) FROM checkpoints')" = 1 ]
run 0 "$MS" checkpoint --key ck.key
check "stdout: the bundle" [ "$(jq -r '.mediaType' "$T/out")" = "application/vnd.dev.sigstore.bundle.v0.3+json" ]
run 0 "$MS" --json checkpoint --key ck.key -o cp1b.json
check "json: size and signer" [ "$(jq -r '[.size, .signer] | join(" ")' "$T/out")" = "2 $CKID" ]
expect_error "$MS" checkpoint
expect_err "no secret key given"
expect_error "$MS" checkpoint --key ck.key extra
expect_error "$MS" checkpoint --key missing.key
expect_error "$MS" checkpoint --key ck.key --passphrase secret
expect_err "never on the command line\|passphrase"
run 0 "$MS" checkpoint --key ck.key --passphrase-file /dev/null -o cp0.json
expect_error env MODELSEAL_REGISTRY="$T/none.db" "$MS" checkpoint --key ck.key
check "a failed checkpoint creates no registry" [ ! -e "$T/none.db" ]

# ---- the log grew: passes ----
"$MS" sign --key k.key --name m --version 2 m2 >/dev/null 2>&1
"$MS" verify m1 >/dev/null 2>&1
run 0 "$MS" audit --checkpoint cp1.json --key ck.pub
expect_out "^extends checkpoint cp1.json (2 events)$"
run 0 "$MS" --json audit --checkpoint cp1.json --key ck.pub
check "json: checkpoint size" [ "$(jq -r '[.ok, .checkpoint.size] | join(" ")' "$T/out")" = "true 2" ]
run 0 "$MS" audit --checkpoint cp1.json --key other.pub --key ck.pub
run 0 "$MS" checkpoint --key ck.key -o cp2.json
on_sqlite || return 0 # the rest edits the SQLite file
sqlite3 "$REG" ".backup good.db"
restore() {
	rm -f "$REG" "$REG-wal" "$REG-shm"
	cp good.db "$REG"
}

# ---- wrong key: exit 1 ----
run 1 "$MS" audit --checkpoint cp1.json --key other.pub
expect_err "checkpoint 'cp1.json': the signature does not verify with the given key"
run 1 "$MS" audit --checkpoint cp1.json --key k.pub --key other.pub
expect_err "does not verify with any of the given keys"

# ---- truncated: the newest events gone (triggers put back) ----
N=$(sq "SELECT max(id) FROM events")
sq "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id = $N;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;"
run 0 "$MS" audit
run 1 "$MS" audit --checkpoint cp2.json --key ck.pub
expect_out "^  checkpoint (registry [0-9a-f]*, $N events, head [0-9a-f.]*, [0-9TZ:-]*): the log was truncated below the checkpoint; the log now has $((N - 1)) events$"
run 0 "$MS" audit --checkpoint cp1.json --key ck.pub

# ---- rewritten below the checkpoint, every hash recomputed ----
restore
"$MS_TOOL" rechain "$REG" "UPDATE events SET detail = json_set(detail, '\$.label', 'evil') WHERE kind = 'trusted';
	UPDATE trusted_keys SET label = 'evil'"
run 0 "$MS" audit
run 1 "$MS" audit --checkpoint cp1.json --key ck.pub
expect_out "the log was rewritten below the checkpoint; the log now has $N events$"
run 1 "$MS" --json audit --checkpoint cp1.json --key ck.pub
check "json: bad_event is the checkpoint's last" [ "$(jq -r '.bad_event' "$T/out")" = 2 ]
# ... and a truncated log that grew back to the same size
restore
"$MS_TOOL" rechain "$REG" "DELETE FROM events WHERE id = $N"
"$MS" verify m2 >/dev/null 2>&1
run 1 "$MS" audit --checkpoint cp2.json --key ck.pub
expect_out "rewritten below the checkpoint"

# ---- another registry's checkpoint ----
restore
cp good.db other.db
sqlite3 other.db "UPDATE meta SET value = '00000000000000000000000000000000'"
run 1 "$MS" --registry other.db audit --checkpoint cp1.json --key ck.pub
expect_out "the checkpoint is of another registry"

# ---- malformed checkpoint files: exit 2, named ----
expect_error "$MS" audit --checkpoint missing.json --key ck.pub
expect_error "$MS" audit --checkpoint cp1.json
expect_err "needs --key PUB"
expect_error "$MS" audit --key ck.pub
expect_error "$MS" audit --checkpoint cp1.json --key missing.pub
printf 'not json' >bad1.json
expect_error "$MS" audit --checkpoint bad1.json --key ck.pub
expect_err "checkpoint 'bad1.json'"
"$MS" sign --key k.key --no-record m3 >/dev/null 2>&1
expect_error "$MS" audit --checkpoint m3/model.sig --key k.pub
expect_err "unexpected payloadType"
# a well-signed payload that is not a checkpoint, field by field
bad_payload() {
	printf '%s' "$2" >p.json
	"$MS_TOOL" sign ck.key application/vnd.modelseal.checkpoint.v1+json p.json >bad.json
	expect_error "$MS" audit --checkpoint bad.json --key ck.pub
	expect_err "$1"
}
REGID=$(sq "SELECT value FROM meta WHERE name = 'registry_id'")
H=$(printf '%064d' 0)
bad_payload "must be a JSON object" '[]'
bad_payload "field 'modelseal_checkpoint' is missing" '{}'
bad_payload "version 2 is not supported" '{"modelseal_checkpoint": 2}'
bad_payload "unknown field 'extra'" '{"modelseal_checkpoint": 1, "extra": 1}'
bad_payload "field 'registry' must be 32 lower-case hex digits" \
	'{"modelseal_checkpoint": 1, "registry": "ABC", "size": 1, "head": "'$H'", "time": "2026-01-01T00:00:00Z", "trust_sha256": "'$H'"}'
bad_payload "field 'size' must be a whole number" \
	'{"modelseal_checkpoint": 1, "registry": "'$REGID'", "size": -1, "head": "'$H'", "time": "2026-01-01T00:00:00Z", "trust_sha256": "'$H'"}'
bad_payload "field 'head' must be 64 lower-case hex digits" \
	'{"modelseal_checkpoint": 1, "registry": "'$REGID'", "size": 1, "head": "00", "time": "2026-01-01T00:00:00Z", "trust_sha256": "'$H'"}'
bad_payload "time must be UTC" \
	'{"modelseal_checkpoint": 1, "registry": "'$REGID'", "size": 1, "head": "'$H'", "time": "yesterday", "trust_sha256": "'$H'"}'
bad_payload "field 'trust_sha256' is missing" \
	'{"modelseal_checkpoint": 1, "registry": "'$REGID'", "size": 1, "head": "'$H'", "time": "2026-01-01T00:00:00Z"}'

# ---- a tampered registry is not signed ----
restore
sq "DELETE FROM revocations; INSERT INTO trusted_keys VALUES ('$(sha256sum <other.pub | cut -c1-64)', '$(cat other.pub)', 'x', 0)"
run 1 "$MS" checkpoint --key ck.key -o cp3.json
expect_err "is NOT intact (trusted_keys row"
check "nothing written" [ ! -e cp3.json ]

# ---- trust export carries the newest checkpoint; import refuses rollback ----
restore
"$MS" trust add ck.pub --label checkpoints >/dev/null 2>&1
run 0 "$MS" trust export -o t-stale.json
expect_err "trust changed since the newest checkpoint"
check "stale: no checkpoint" [ "$(jq 'has("checkpoint")' t-stale.json)" = false ]
"$MS" checkpoint --key ck.key -o cpa.json 2>/dev/null
run 0 "$MS" trust export -o t-a.json
check "export: checkpoint" [ "$(jq -r '.checkpoint.dsseEnvelope.payloadType' t-a.json)" = "application/vnd.modelseal.checkpoint.v1+json" ]
"$MS" revoke "$(sha256sum <other.pub | cut -c1-64)" --reason "lost" --yes >/dev/null 2>&1
"$MS" checkpoint --key ck.key >/dev/null 2>&1
"$MS" trust export -o t-b.json 2>/dev/null
DEPLOY="$T/deploy.db"
run 0 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" trust import t-a.json
run 0 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" trust import t-b.json
expect_out "imported 0 new keys and 1 new revocation from t-b.json"
run 1 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" trust import t-a.json
expect_err "trust file rolled back: its checkpoint covers [0-9]* events of registry $REGID, but this host already imported one covering [0-9]*"
run 1 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" trust import t-stale.json
expect_err "carries no checkpoint, but this host imported checkpointed trust files before"
jq '.revocations = []' t-b.json >t-edited.json
run 1 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" trust import t-edited.json
expect_err "not the ones its checkpoint signs"
# a checkpoint signed by a key the deploy host does not trust
"$MS" --registry other.db checkpoint --key other.key -o cpo.json >/dev/null 2>&1
jq --slurpfile c cpo.json '.checkpoint = $c[0]' t-b.json >t-forged.json
run 1 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" trust import t-forged.json
expect_err "checkpoint is not signed by a key this host trusts"
run 0 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" audit
expect_error env MODELSEAL_REGISTRY="$DEPLOY" "$MS" trust import "$BAD/../data/keys/ed25519.pub"
# verify --trust-file FILE (no import) applies the same rule where a registry
# exists: t-a.json is older than what this host has seen, so it is refused
# (it predates a revocation); with no registry there is nothing to compare
check "fixture: k is in both files" [ "$(jq '[.keys[] | select(.label == "release")] | length' t-a.json t-b.json | sort -u)" = 1 ]
run 0 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" verify --trust-file t-b.json m1
run 2 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" verify --trust-file t-a.json m1
expect_err "trust file rolled back: its checkpoint covers [0-9]* events of registry $REGID, but this host already imported one covering [0-9]*"
check "no verdict after a refused trust file" [ ! -s "$T/out" ]
run 2 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" --json verify --trust-file t-a.json m1
check "json: the error names the rollback" sh -c "jq -r .error.message '$T/out' | grep -q 'trust file rolled back'"
run 2 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" verify --trust-file t-stale.json m1
expect_err "carries no checkpoint, but this host imported checkpointed trust files before"
run 2 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" verify --trust-file t-edited.json m1
expect_err "not the ones its checkpoint signs"
run 2 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" verify --trust-file t-forged.json m1
expect_err "checkpoint is not signed by a key this host trusts"
run 0 env MODELSEAL_REGISTRY="$T/fresh.db" "$MS" verify --trust-file t-a.json m1
check "no registry: none created" [ ! -e "$T/fresh.db" ]
# sign, show and lineage --trust-file read the file through the same rule
mkdir ft && printf 'ft weights' >ft/w.bin
run 2 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" sign --key other.key --no-record --trust-file t-a.json \
	--parent m1=finetune ft
expect_err "trust file rolled back"
check "sign with a rolled-back trust file: nothing signed" [ ! -e ft/model.sig ]
run 0 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" sign --key other.key --no-record --trust-file t-b.json \
	--parent m1=finetune ft
run 2 env MODELSEAL_REGISTRY="$DEPLOY" "$MS" show --trust-file t-a.json ./ft
expect_err "trust file rolled back"

# ---- migration: a registry made before issue 11 (schema 2) ----
V2=$DATA/registry-v2
cp "$V2/registry.db" old.db
check "fixture is schema 2" [ "$(sqlite3 old.db 'PRAGMA user_version')" = 2 ]
run 0 "$MS" --registry old.db audit
expect_out "intact (17 events, database ok)"
check "migrated to the current schema (4)" [ "$(sqlite3 old.db 'PRAGMA user_version')" = 4 ]
check "each of the 5 models bound" [ "$(sqlite3 old.db "SELECT count(DISTINCT subject) FROM events WHERE id > 12 AND json_extract(detail, '\$.migrated')")" = 5 ]
check "a registry identity" [ "$(sqlite3 old.db "SELECT length(value) FROM meta WHERE name = 'registry_id'")" = 32 ]
for m in base ft q4 bad; do cp -r "$V2/$m" .; done
run 0 "$MS" --registry old.db verify ft
run 1 "$MS" --registry old.db verify q4
expect_out "^revoked: q4 (model sha256:.*: bad quantization)$"
run 1 "$MS" --registry old.db verify bad
expect_out "signing key .* was revoked .*: key leaked)$"
run 0 "$MS" --registry old.db lineage base-ft-q4@1
# the migrated registry is protected like a new one
sqlite3 old.db "DELETE FROM revocations"
run 1 "$MS" --registry old.db audit
expect_out "is revoked in the log, but its revocations row is missing (deleted)$"
run 1 "$MS" --registry old.db verify bad
# a schema 2 registry whose row was edited before the migration: left unbound, named
cp "$V2/registry.db" old2.db
sqlite3 old2.db "UPDATE models SET bundle = '{}' WHERE name = 'base'"
run 1 "$MS" --registry old2.db audit
expect_err "does not match its 'signed' event; left unbound"
expect_out "^  models row sha256:[0-9a-f]* differs from its 'signed' event 1 in: signature$"
