# registry copy between SQLite files (PostgreSQL's side: the PostgreSQL
# tests): every row verbatim, the same head, the copy keeps working; a
# source that is not intact, a destination that is not empty and bad usage
# are refused. Also: a record that fails leaves the signature files as
# they were (sign writes them only after the commit).
unset MODELSEAL_PASSPHRASE
REG=$MODELSEAL_REGISTRY
sq() { sqlite3 -batch "$1" "$2"; }
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
mkdir base ft
printf 'base weights' >base/w.bin
printf 'ft weights' >ft/w.bin
"$MS" sign --key k.key --name base --version 1 base >/dev/null 2>&1
"$MS" sign --key k.key --name ft --version 1 --parent base@1=finetune ft >/dev/null 2>&1
"$MS" trust add k.pub --label ci >/dev/null 2>&1
"$MS" revoke --reason "old" base@1 --yes >/dev/null 2>&1
"$MS" checkpoint --key k.key -o cp.json >/dev/null 2>&1
HEAD=$(sq "$REG" 'SELECT hash FROM events ORDER BY id DESC LIMIT 1')

run 0 "$MS" registry copy "$REG" "$T/copy.db"
out_has "copied $REG to $T/copy.db: 6 events, head $HEAD"
for t in meta models edges events trusted_keys revocations checkpoints; do
	check "$t: the same rows" [ "$(sq "$REG" "SELECT * FROM $t ORDER BY 1, 2")" = "$(sq "$T/copy.db" "SELECT * FROM $t ORDER BY 1, 2")" ]
done
run 0 env MODELSEAL_REGISTRY="$T/copy.db" "$MS" audit --checkpoint cp.json --key k.pub
out_has "intact (6 events"
run 0 env MODELSEAL_REGISTRY="$T/copy.db" "$MS" lineage ft@1
out_has "finetune: base@1"
run 1 env MODELSEAL_REGISTRY="$T/copy.db" "$MS" verify base
mkdir m2
printf 'more' >m2/w.bin
run 0 env MODELSEAL_REGISTRY="$T/copy.db" "$MS" sign --key k.key --name m2 --version 1 m2
run 0 env MODELSEAL_REGISTRY="$T/copy.db" "$MS" audit
out_has "intact (8 events"
run 0 "$MS" -v registry copy "$REG" "$T/copy-v.db"
out_has "  models               2 rows"

# ---- refused ----
before=$(sq "$T/copy.db" 'SELECT count(*) FROM events')
expect_error "$MS" registry copy "$REG" "$T/copy.db"
expect_err "not empty (3 models rows): registry copy writes only into a new or empty registry"
check "the destination is unchanged" [ "$(sq "$T/copy.db" 'SELECT count(*) FROM events')" = "$before" ]
expect_error "$MS" registry copy "$T/none.db" "$T/copy2.db"
expect_err "no registry at $T/none.db"
check "no destination made for a missing source" [ ! -e "$T/copy2.db" ]
cp "$REG" "$T/bad.db"
sq "$T/bad.db" "DROP TRIGGER events_no_update; UPDATE events SET detail = '{}' WHERE id = 2;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;"
expect_error "$MS" registry copy "$T/bad.db" "$T/copy3.db"
expect_err "not intact (event 2 .*): refusing to copy it"
check "a refused source leaves no destination" [ ! -e "$T/copy3.db" ]
# a destination whose directory is missing: refused before anything is made
expect_error "$MS" registry copy "$REG" "$T/nodir/copy.db"
expect_err "directory '$T/nodir' does not exist"
check "nothing made" [ ! -e "$T/nodir" ]
expect_error "$MS" registry
expect_err "registry needs a subcommand: copy"
expect_error "$MS" registry move a b
expect_err "unknown registry subcommand 'move'"
expect_error "$MS" registry copy "$REG"
expect_err "registry copy takes SRC and DST"
run 0 "$MS" registry -h
out_has "usage: modelseal registry copy SRC DST"

# ---- sign: nothing in place before the record commits ----
mkdir m3
printf 'm3' >m3/w.bin
"$MS" sign --key k.key m3 >/dev/null 2>&1
old=$(cat m3/model.sig m3/model.provenance.sig | sha256sum)
# base@1 is revoked: it cannot be a parent (refused before signing), so
# make the record itself fail: a registry made read-only after opening is
# not possible here; an event log that refuses inserts is.
sq "$REG" "CREATE TRIGGER no_insert BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'no'); END;"
expect_error "$MS" sign --key k.key --name m3 --version 1 m3
expect_err "m3 was not signed: the registry did not record it; its signature files are unchanged"
check "signature files unchanged" [ "$(cat m3/model.sig m3/model.provenance.sig | sha256sum)" = "$old" ]
check "no temp file left" [ "$(ls -a m3 | grep -c tmp)" = 0 ]
sq "$REG" "DROP TRIGGER no_insert"
