# Git LFS checkouts: pointer files in place of weights are refused by sign
# (--allow-lfs-pointers signs them anyway), and verify says what it found
# where weights were signed.
unset MODELSEAL_PASSPHRASE
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
OID=4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393
pointer() { printf 'version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %s\n' "$OID" "$2" >"$1"; }
# A clone without 'git lfs pull': config is real, the weights are pointers.
mkdir -p clone/sub
printf '*.safetensors filter=lfs diff=lfs merge=lfs -text\n' >clone/.gitattributes
printf '{"model_type": "tiny"}' >clone/config.json
pointer clone/model.safetensors 4294967296
pointer clone/sub/adapter.bin 1048576

# ---- sign refuses, naming each pointer and what to run ----
expect_error "$MS" sign --key k.key --no-record clone
expect_err "clone/model.safetensors' is a Git LFS pointer file (oid sha256:4d7a214614ab..., size 4294967296)"
expect_err "clone/sub/adapter.bin' is a Git LFS pointer file"
expect_err "git lfs pull"
check "refused: no signature written" [ ! -e clone/model.sig ]
pointer w.bin 10
expect_error "$MS" sign --key k.key --no-record w.bin
expect_err "w.bin' is a Git LFS pointer file"
check "single file: no signature written" [ ! -e w.bin.sig ]
# ---- --allow-lfs-pointers signs them as they are, with a warning ----
run 0 "$MS" sign --key k.key --no-record --allow-lfs-pointers clone
expect_err "warning: .*model.safetensors.*Git LFS pointer"
run 0 "$MS" verify --key k.pub clone
# ---- text that only looks like a pointer is signed like any file ----
mkdir near
printf 'version https://git-lfs.github.com/spec/v1\noid sha256:%s\n' "$OID" >near/notes.txt
printf 'version 1\n' >near/version.txt
run 0 "$MS" sign --key k.key --no-record near

# ---- verify names a pointer found where weights were signed ----
mkdir real
printf 'real weights, many bytes' >real/model.safetensors
printf '{}' >real/config.json
"$MS" sign --key k.key --no-record real >/dev/null 2>&1
pointer real/model.safetensors 24
run 1 "$MS" verify --key k.pub real
expect_out "^modified: model.safetensors (a Git LFS pointer file (oid sha256:4d7a214614ab..., size 24) where the signed file was: run 'git lfs pull')$"
run 1 "$MS" --json verify --key k.pub real
check "json detail names the pointer" sh -c "jq -r '.problems[0].detail' '$T/out' | grep -q 'Git LFS pointer'"
printf 'real weights, many bytes' >one.bin
"$MS" sign --key k.key --no-record one.bin >/dev/null 2>&1
pointer one.bin 24
run 1 "$MS" verify --key k.pub one.bin
expect_out "^modified: one.bin (a Git LFS pointer file"
