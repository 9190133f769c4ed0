# The tamper matrix (issue 11): each direct edit an attacker with write
# access to registry.db could make with the sqlite3 tool (triggers dropped
# first, and put back afterwards to hide it), against a registry built by
# the real commands. For each: audit exits 1 naming the row, and verify
# reaches the verdict the event log implies, the one it reached before.
# backends: sqlite only: the edits are made with the sqlite3 tool; the same
# edits through psql are in t_postgres.
unset MODELSEAL_PASSPHRASE
REG=$MODELSEAL_REGISTRY
sq() { sqlite3 -batch "$REG" "$@"; }
for k in k leaked evil; do "$MS" keygen -o $k --no-passphrase >/dev/null 2>&1; done
KID=$(sha256sum <k.pub | cut -c1-64)
LEAKED=$(sha256sum <leaked.pub | cut -c1-64)
EVIL=$(sha256sum <evil.pub | cut -c1-64)
mkdir base other data ft ft2 q4 bad evilm
for m in base other data ft ft2 q4 bad evilm; do printf '%s weights' $m >$m/w.bin; done
sign() { "$MS" sign --key "$@" >/dev/null 2>&1 || echo "sign $* failed" >&2; }
sign k.key --name base --version 1 base
sign k.key --name other --version 1 other
sign k.key --name chat-data --version 3 data
sign k.key --name base-ft --version 1 --parent base@1=finetune --dataset chat-data@3 ft
sign k.key --name other-ft --version 1 --parent other@1=finetune ft2
sign k.key --name base-ft-q4 --version 1 --parent base-ft@1=quantized q4
sign leaked.key --name bad --version 1 bad
sign evil.key --name evil --version 1 evilm
"$MS" trust add k.pub --label release >/dev/null 2>&1
"$MS" trust add leaked.pub --label leaked >/dev/null 2>&1
"$MS" revoke leaked --reason "key leaked" --yes >/dev/null 2>&1
"$MS" revoke base-ft-q4@1 --reason "bad quantization" --yes >/dev/null 2>&1
BASE=$("$MS" digest base | cut -c8-)
OTHER=$("$MS" digest other | cut -c8-)
FT=$("$MS" digest ft | cut -c8-)
Q4=$("$MS" digest q4 | cut -c8-)
DATA=$("$MS" digest data | cut -c8-)
printf '{"version": 1, "require_ancestor": ["base@1"]}\n' >ancestor.json
printf '{"version": 1, "max_signature_age_days": 30}\n' >age.json
run 0 "$MS" audit
sqlite3 "$REG" ".backup clean.db"

# The verdicts (exit codes) that matter, in one line.
verdicts() {
	for c in "verify ft" "verify q4" "verify bad" "verify evilm" \
		"verify --policy ancestor.json ft" "verify --policy ancestor.json ft2" \
		"verify --policy age.json base"; do
		"$MS" $c >/dev/null 2>&1
		printf '%s ' $?
	done
}
WANT="0 1 1 1 0 1 0 "
check "verdicts of the clean registry" [ "$(verdicts)" = "$WANT" ]

restore() {
	rm -f "$REG" "$REG-wal" "$REG-shm"
	cp clean.db "$REG"
}
TRIGGERS="CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;"

# tamper NAME SQL PATTERN: the edit, then audit names it and the verdicts
# stay what the log implies.
tamper() {
	restore
	sq "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; $2; $TRIGGERS"
	run 1 "$MS" audit
	expect_out "$3"
	check "$1: verdicts unchanged" [ "$(verdicts)" = "$WANT" ]
}

tamper "revocations deleted" "DELETE FROM revocations" \
	"^  key $LEAKED is revoked in the log, but its revocations row is missing (deleted)$"
expect_out "^  model sha256:$Q4 is revoked in the log, but its revocations row is missing"
run 0 "$MS" show base-ft-q4@1
expect_out "^revoked     REVOKED .*: bad quantization$"
tamper "revocation reason edited" "UPDATE revocations SET reason = 'fine'" \
	"^  revocations row key $LEAKED: reason differs from its 'revoked' event$"
tamper "trusted_keys row inserted" \
	"INSERT INTO trusted_keys VALUES ('$EVIL', '$(cat evil.pub)', 'evil', 0)" \
	"^  trusted_keys row $EVIL: no 'trusted' event backs it$"
tamper "trusted_keys row deleted" "DELETE FROM trusted_keys WHERE label = 'release'" \
	"^  event [0-9]* trusts key $KID, but its trusted_keys row is missing (deleted)$"
tamper "model names swapped" \
	"UPDATE models SET name = 'x' WHERE name = 'base';
	 UPDATE models SET name = 'base' WHERE name = 'other';
	 UPDATE models SET name = 'other' WHERE name = 'x'" \
	"^  models row sha256:$BASE differs from its 'signed' event [0-9]* in: name@version$"
expect_out "^  models row sha256:$OTHER differs from its 'signed' event [0-9]* in: name@version$"
# ... and NAME@VERSION still means the model its event names (sign --parent
# writes it into signed provenance)
run 0 "$MS" show base@1
expect_out "^model       sha256:$BASE$"
tamper "models.created set to 0" "UPDATE models SET created = 0" \
	"^  models row sha256:$BASE differs from its 'signed' event [0-9]* in: created$"
# log orders by created: an edited one is named there, and its time is the
# event's (verify's verdict line reads no created from the row at all)
run 0 "$MS" log
expect_err "record of sha256:${BASE%"${BASE#????????????}"}... differs from its 'signed' event [0-9]* (created)"
check "log shows the event's time, not the row's" [ "$(grep -c '1970-01-01' "$T/out")" -eq 0 ]
tamper "models.signer changed" "UPDATE models SET signer = '$EVIL' WHERE digest = '$FT'" \
	"^  models row sha256:$FT differs from its 'signed' event [0-9]* in: signer$"
tamper "statement and bundle swapped" \
	"UPDATE models SET (statement, bundle) = (SELECT statement, bundle FROM models WHERE digest = '$OTHER') WHERE digest = '$BASE'" \
	"^  models row sha256:$BASE differs from its 'signed' event [0-9]* in: statement, signature$"
tamper "provenance removed" "UPDATE models SET provenance = NULL WHERE digest = '$FT'" \
	"^  models row sha256:$FT differs from its 'signed' event [0-9]* in: provenance$"
tamper "edges deleted" "DELETE FROM edges" \
	"^  edges row sha256:$FT -> sha256:$BASE (finetune) is missing: event [0-9]* records it$"
expect_out "^  edges row sha256:$FT -> sha256:$DATA (dataset) is missing"
tamper "edge inserted" "INSERT INTO edges VALUES ('$OTHER', '$BASE', 'merge')" \
	"^  edges row sha256:$OTHER -> sha256:$BASE (merge): no 'signed' event records it$"
tamper "relation changed" "UPDATE edges SET relation = 'adapter' WHERE child = '$FT' AND parent = '$BASE'" \
	"^  edges row sha256:$FT -> sha256:$BASE: relation adapter, but event [0-9]* records finetune$"
tamper "models row inserted" \
	"INSERT INTO models (digest, name, version, method, hash, size, files, signer, statement, bundle, created)
	 VALUES ('$(printf x | sha256sum | cut -c1-64)', 'ghost', '1', 'files', 'sha256', 1, 1, '$KID', '{}', '{}', 1)" \
	"^  models row sha256:$(printf x | sha256sum | cut -c1-64) (ghost): no 'signed' event backs it$"
tamper "models row deleted" "DELETE FROM edges WHERE child = '$Q4'; DELETE FROM models WHERE digest = '$Q4'" \
	"^  event [0-9]* signed sha256:$Q4, but its models row is missing (deleted)$"
# the newest events removed, their rows kept: rows without events
LAST=$(sqlite3 clean.db "SELECT max(id) FROM events")
tamper "newest events removed" "DELETE FROM events WHERE id >= $((LAST - 1))" \
	"^  revocations row model $Q4: no 'revoked' event backs it$"
expect_out "^  revocations row key $LEAKED: no 'revoked' event backs it$"

# Triggers dropped and left so: the schema says so.
restore
sq "DROP TRIGGER events_no_delete"
run 1 "$MS" audit
expect_out "^  schema: trigger events_no_delete is missing (dropped)$"
sq "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT 1; END"
run 1 "$MS" audit
expect_out "^  schema: trigger events_no_delete was changed$"
sq "CREATE TABLE shadow (x)"
run 1 "$MS" audit
expect_out "^  schema: table shadow is not part of the registry schema (added)$"
check "schema edits: verdicts unchanged" [ "$(verdicts)" = "$WANT" ]

# An event rewritten in the middle: audit names it; verify refuses to use a
# damaged trust event (exit 2, never a pass).
restore
REV=$(sqlite3 clean.db "SELECT id FROM events WHERE kind = 'revoked' AND subject = '$LEAKED'")
sq "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
	UPDATE events SET detail = json_set(detail, '\$.reason', 'fine') WHERE id = $REV; $TRIGGERS"
run 1 "$MS" audit
expect_out "^  event $REV (revoked $LEAKED): row content does not match its hash (rewritten)$"
run 2 "$MS" verify bad
expect_err "event $REV (revoked $LEAKED) is not intact: the event log was edited"
# ... a row and its event both gone, the chain re-hashed: only a signed
# checkpoint shows it (t_checkpoint.sh); audit alone cannot.
restore
"$MS_TOOL" rechain "$REG" "DELETE FROM revocations WHERE kind = 'key';
	DELETE FROM events WHERE id = $REV; UPDATE events SET id = id - 1 WHERE id > $REV"
run 0 "$MS" audit
run 0 "$MS" verify bad

# Numbers out of range in a rewritten (and re-hashed) detail: named, never
# undefined behaviour (the sanitizer run checks). The signing time comes
# from the model's signed provenance, so the age rule still passes on the
# true time, whatever the registry says.
restore
"$MS_TOOL" rechain "$REG" "UPDATE events SET detail = json_set(detail, '\$.created', 1e300)
	WHERE kind = 'signed' AND subject = 'sha256:$BASE';
	UPDATE events SET detail = json_set(detail, '\$.time', -1e300) WHERE kind = 'revoked'"
run 1 "$MS" audit
expect_out "^  models row sha256:$BASE differs from its 'signed' event [0-9]* in: created$"
run 0 "$MS" verify --policy age.json base
run 1 "$MS" verify bad
expect_out "^revoked: bad/model.sig (signing key $LEAKED was revoked "

# Every problem at once, each on its own line; --json lists them.
restore
sq "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
	DELETE FROM revocations; UPDATE models SET created = 0 WHERE digest = '$BASE'"
run 1 "$MS" --json audit
check "json: every problem" [ "$(jq '.problems | length' "$T/out")" = 5 ]
check "json: first problem" [ "$(jq -r '.problem' "$T/out")" = "schema: trigger events_no_delete is missing (dropped)" ]

# Ten signers at once: all recorded, audit intact.
restore
for i in 0 1 2 3 4 5 6 7 8 9; do
	mkdir par$i && printf 'parallel %d' $i >par$i/w.bin
	"$MS" sign --key k.key --name par --version $i --parent base@1=finetune par$i >/dev/null 2>"par$i.err" &
done
wait
check "ten signers: ten models" [ "$(sq "SELECT count(*) FROM models WHERE name = 'par'")" = 10 ]
check "ten signers: ten edges" [ "$(sq "SELECT count(*) FROM edges WHERE parent = '$BASE' AND relation = 'finetune'")" = 11 ]
run 0 "$MS" audit

# ---- trusted CAs and keyless identities (issue 12) ----
# The log trusts the keyless identity (with its trusted root) but no CA:
# the certificate bundle fails, the keyless one passes. Each edit of the
# new rows is named by audit and leaves both verdicts as they were.
export MODELSEAL_REGISTRY="$T/anchors.db"
REG=$MODELSEAL_REGISTRY
OMS=$INTEROP/oms
SROOT=$INTEROP/sigstore/trusted_root.production.json
ID=stefanb@us.ibm.com
ISS=https://sigstore.verify.ibm.com/oauth2
CAID=$(openssl x509 -in "$OMS/keys/ca-cert.pem" -outform DER | sha256sum | cut -c1-64)
IDID=$(printf '%s\n%s' "$ISS" "$ID" | sha256sum | cut -c1-64)
"$MS" trust add --identity "$ID" --issuer "$ISS" --trusted-root "$SROOT" --label stefan >/dev/null 2>&1
"$MS" revoke --identity gone@example.com --issuer "$ISS" --reason "left" --yes >/dev/null 2>&1
run 0 "$MS" audit
sqlite3 "$REG" ".backup clean.db"
verdicts() {
	for m in v1.1.0-certificate v0.3.1-sigstore; do
		"$MS" verify --ignore ignore-me "$OMS/$m" >/dev/null 2>&1
		printf '%s ' $?
	done
}
WANT="1 0 "
check "anchors: verdicts of the clean registry" [ "$(verdicts)" = "$WANT" ]
tamper "trusted_cas row inserted" \
	"INSERT INTO trusted_cas VALUES ('$CAID', '$(cat "$OMS/keys/ca-cert.pem")', 'CN=root-ca', 'corp', 0)" \
	"^  trusted_cas row $CAID: no 'trusted' event backs it$"
tamper "trusted_identities row deleted" "DELETE FROM trusted_identities" \
	"^  the log trusts identity $ID at $ISS, but its trusted_identities row is missing (deleted)$"
tamper "identity edited" "UPDATE trusted_identities SET identity = 'evil@example.com'" \
	"^  trusted_identities row $IDID: identity or issuer differs from its event ($ID at $ISS)$"
tamper "trusted root swapped" \
	"UPDATE trusted_identities SET trusted_root = readfile('$INTEROP/sigstore/trusted_root.staging.json')" \
	"^  trusted_identities row $IDID: trusted_root differs from its event$"
tamper "identity label edited" "UPDATE trusted_identities SET label = 'x'" \
	"^  trusted_identities row $IDID: label 'x' differs from its event$"
tamper "identity row inserted" \
	"INSERT INTO trusted_identities VALUES ('$(printf 'x\ny' | sha256sum | cut -c1-64)', 'y', 'x', NULL, NULL, 0)" \
	"^  trusted_identities row $(printf 'x\ny' | sha256sum | cut -c1-64): no 'trusted' event backs it$"
tamper "identity revocation deleted" "DELETE FROM revocations WHERE kind = 'identity'" \
	"^  identity [0-9a-f]* is revoked in the log, but its revocations row is missing (deleted)$"
tamper "identity revocation's identity edited" "UPDATE revocations SET identity = 'x'" \
	"identity or issuer differs from its 'revoked' event$"
# the identity's event rewritten: audit names it; verify refuses it (exit 2)
restore
EV=$(sqlite3 clean.db "SELECT id FROM events WHERE subject = 'identity:$IDID'")
sq "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
	UPDATE events SET detail = json_set(detail, '\$.identity', 'evil@example.com') WHERE id = $EV; $TRIGGERS"
run 1 "$MS" audit
expect_out "^  event $EV (trusted identity:$IDID): row content does not match its hash (rewritten)$"
run 2 "$MS" verify --ignore ignore-me "$OMS/v0.3.1-sigstore"
expect_err "event $EV (trusted identity:$IDID) is not intact"
