# Models where they live: a Hugging Face hub cache (snapshot links into the
# repository's own blobs/ are followed and hashed under the link's name, links
# leaving it refused), `hf download --local-dir` bookkeeping, and verify's
# --allow-symlinks.
unset MODELSEAL_PASSPHRASE
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
HOOK=$BAD/../../examples/hooks/pre-deploy.sh

# A cache as huggingface_hub lays it out: content-addressed blobs, refs/main
# naming the revision, snapshots/REV/ holding relative links (also nested).
REV=5f3a1c0e9b7d2468ace13579bdf02468ace13579
H=cache/hub/models--acme--tiny
mkdir -p "$H/blobs" "$H/refs" "$H/snapshots/$REV/tokenizer" "$H/snapshots/0ld/tokenizer" "$H/.no_exist/$REV"
blob() { # NAME CONTENT: writes a blob named by its sha256, prints the name
	printf '%s' "$2" >"$H/blobs/tmp"
	b=$(sha256sum <"$H/blobs/tmp" | cut -c1-64)
	mv "$H/blobs/tmp" "$H/blobs/$b"
	echo "$b"
}
W=$(blob w 'safetensors weights')
C=$(blob c '{"model_type": "tiny"}')
TOK=$(blob t '{"vocab": {}}')
O=$(blob o 'old weights')
printf '%s' "$REV" >"$H/refs/main"
S=$H/snapshots/$REV
ln -s "../../blobs/$W" "$S/model.safetensors"
ln -s "../../blobs/$C" "$S/config.json"
ln -s "../../../blobs/$TOK" "$S/tokenizer/tokenizer.json"
ln -s "../../blobs/$O" "$H/snapshots/0ld/model.safetensors"
cp -rL "$S" deref

# ---- the root digest is that of a dereferenced copy ----
run 0 "$MS" digest "$S"
SNAP=$(cat "$T/out")
run 0 "$MS" digest deref
check "snapshot digest = cp -rL copy digest" [ "$SNAP" = "$(cat "$T/out")" ]
run 0 "$MS" hash --format json "$S"
check "hashed under the links' names" [ "$(jq -r '[.predicate.resources[].name | sub(":.*"; "")] | join(" ")' "$T/out")" = "config.json model.safetensors tokenizer/tokenizer.json" ]
check "recorded allow_symlinks: true" [ "$(jq -r .predicate.serialization.allow_symlinks "$T/out")" = true ]

# ---- sign and verify out of the box, and the copy verifies too ----
run 0 "$MS" sign --key k.key --name acme/tiny --version "$REV" "$S"
expect_out "^digest: $SNAP$"
run 0 "$MS" -v verify --key k.pub "$S"
# the listing made while the signature is checked guessed a snapshot's
# rules (its links followed), so it stood in for the walk
expect_err "ahead: 3 file(s) in .* s, used$"
cp "$S/model.sig" deref/model.sig
run 0 "$MS" verify --key k.pub deref
printf '{"version": 1, "trusted_keys": ["k.pub"]}\n' >policy.json
run 0 env MODELSEAL="$MS" sh "$HOOK" "$S" policy.json
expect_out "pre-deploy: OK"
# a changed blob is reported under the link's name
printf 'X' >>"$H/blobs/$W"
run 1 "$MS" verify --key k.pub "$S"
expect_out "^modified: model.safetensors"
run 1 env MODELSEAL="$MS" sh "$HOOK" "$S" policy.json
expect_err "REFUSED"
truncate -s -1 "$H/blobs/$W"
run 0 "$MS" verify --key k.pub "$S"
# pack: the snapshot's links go in as the files they name, so the archive
# (and what unpack makes of it) is the dereferenced copy, and verifies
run 0 "$MS" pack -o snap.tar "$S"
run 0 "$MS" verify --key k.pub --archive snap.tar
check "no link in the archive" not sh -c 'tar tvf snap.tar | grep -q "^l"'
run 0 "$MS" unpack --key k.pub snap.tar unpacked-snap
check "unpacked weights are the blob's bytes" cmp -s unpacked-snap/model.safetensors "$H/blobs/$W"
check "nested link unpacked as a file" [ -f unpacked-snap/tokenizer/tokenizer.json -a ! -L unpacked-snap/tokenizer/tokenizer.json ]
run 0 "$MS" verify --key k.pub unpacked-snap

# ---- links that leave the repository's folder are still refused ----
O2=cache/hub/models--other--model
mkdir -p "$O2/blobs"
printf 'foreign' >"$O2/blobs/f"
ln -s ../../../models--other--model/blobs/f "$S/foreign.bin"
expect_error "$MS" digest "$S"
expect_err "symbolic link 'foreign.bin' points outside the model and outside its hub cache folder"
expect_error "$MS" sign --key k.key --no-record "$S"
rm "$S/foreign.bin"
ln -s /etc/hostname "$S/abs.bin"
expect_error "$MS" digest "$S"
expect_err "outside"
rm "$S/abs.bin"
ln -s ../../blobs "$S/dirlink"
expect_error "$MS" digest "$S"
expect_err "does not point to a regular file"
rm "$S/dirlink"
# outside a hub cache nothing changes: links need --allow-symlinks
mkdir -p plain/snapshots/r && cp -r "$S/." plain/snapshots/r/
expect_error "$MS" digest plain/snapshots/r
expect_err "use --allow-symlinks"

# ---- verify --allow-symlinks: links inside the model, not in the statement ----
mkdir lnk
printf 'weights' >lnk/w.bin
printf 'weights' >lnk/w2.bin
"$MS" sign --key k.key --no-record lnk >/dev/null 2>&1
rm lnk/w2.bin && ln -s w.bin lnk/w2.bin
expect_error "$MS" verify --key k.pub lnk
expect_err "use --allow-symlinks"
run 0 "$MS" verify --key k.pub --allow-symlinks lnk
# a statement that allows links is honoured without the option
"$MS" sign --key k.key --no-record --allow-symlinks lnk >/dev/null 2>&1
run 0 "$MS" verify --key k.pub lnk

# ---- hf download --local-dir: .cache/huggingface is bookkeeping ----
mkdir -p local/.cache/huggingface/download
printf 'weights' >local/model.safetensors
printf '{"etag": "1"}' >local/.cache/huggingface/download/model.safetensors.metadata
run 0 "$MS" sign --key k.key --no-record local
run 0 "$MS" hash --format json local
check "ignore_paths records .cache/huggingface" sh -c "jq -e '.predicate.serialization.ignore_paths | index(\".cache/huggingface\")' '$T/out' >/dev/null"
printf '{"etag": "2"}' >local/.cache/huggingface/download/model.safetensors.metadata
touch local/.cache/huggingface/.gitignore
run 0 "$MS" verify --key k.pub local
printf 'x' >local/extra.bin
run 1 "$MS" verify --key k.pub local
expect_out "^extra: extra.bin"

# ---- Hugging Face ids are names: in REFs and in policies ----
mkdir tuned && printf 'tuned' >tuned/w.bin
run 0 "$MS" sign --key k.key --name acme/tiny-chat --version 1 --parent "acme/tiny@$REV=finetune" tuned
run 0 "$MS" show "acme/tiny@$REV"
expect_out "^name        acme/tiny@$REV$"
run 0 "$MS" lineage acme/tiny-chat@1
expect_out "finetune: acme/tiny@$REV"
printf '{"version": 1, "require_ancestor": ["acme/tiny@%s"]}\n' "$REV" >hf-policy.json
run 0 "$MS" --json verify --key k.pub --policy hf-policy.json tuned
check "require_ancestor takes an org/name id" sh -c "jq -r '.policy[0].detail' '$T/out' | grep -q '^descends from acme/tiny@$REV'"

# ---- a snapshot's model card (a link into blobs/) is read like any other ----
CARD=$(blob card '---
base_model: acme/base
base_model_relation: finetune
---
# tiny')
ln -s "../../blobs/$CARD" "$S/README.md"
run 0 "$MS" sign --key k.key --no-record "$S"
check "card through a hub link" [ "$(jq -r .dsseEnvelope.payload "$S/model.provenance.sig" | base64 -d | jq -c .predicate.buildDefinition.externalParameters.model_card.base_model)" = '["acme/base"]' ]
