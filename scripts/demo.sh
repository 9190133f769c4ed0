#!/bin/sh
# make demo: generate a realistic model under build/demo and run modelseal on
# it, showing each command and its output.
# Usage: demo.sh /path/to/modelseal DEMO_DIR
set -eu
MS=$1
DEMO=$2
SCRIPTS=$(cd "$(dirname "$0")" && pwd)
rm -rf "$DEMO"
mkdir -p "$DEMO"
cd "$DEMO"
# sign records into a registry: the demo's own, never the user's.
export MODELSEAL_REGISTRY="$PWD/registry.db"

say() { printf '\n== %s\n' "$*"; }
# show CMD...: print the command as a user would type it, then run it.
show() {
	shift
	printf '$ modelseal%s\n' "$(printf ' %s' "$@")" >&2
	"$MS" "$@"
}
# show_fail CMD...: a command that must fail with exit 1 (do not deploy).
show_fail() {
	rc=0
	show "$@" || rc=$?
	if [ $rc -ne 1 ]; then
		echo "demo: expected exit 1, got $rc" >&2
		exit 1
	fi
	echo "(exit 1: as expected)"
}

say "An example model: three safetensors shards (288 MiB), config, tokenizer"
sh "$SCRIPTS/make-example-model.sh" model
ls -l model

say "Root digest (OMS v1.0 shards of 64 MiB, SHA-256, all cores)"
show "$MS" digest model

say "With model_signing's default shard size (1 GB): another shard plan, another digest"
show "$MS" digest --shard-size 1000000000 model

say "Manifest, one line per shard"
show "$MS" hash model | head -8

say "Per-file manifest that sha256sum -c accepts"
show "$MS" hash --method files --format sha256sum model >SHA256SUMS
cat SHA256SUMS
(cd model && sha256sum -c ../SHA256SUMS)

say "The in-toto statement that sign will sign (first lines)"
show "$MS" hash --format json model | head -20

say "A signing key (the passphrase would come from a CI secret or a prompt)"
export MODELSEAL_PASSPHRASE=demo-passphrase
show "$MS" keygen -o ci
ls -l ci.key ci.pub

say "Sign the model: hash, OMS statement, Ed25519 over DSSE, Sigstore bundle"
show "$MS" sign --key ci.key --name demo-model --version 1.0 model
unset MODELSEAL_PASSPHRASE

say "Verify before deploying"
show "$MS" verify --key ci.pub model

say "Pack the signed model into one deterministic archive; verify it without extracting"
show "$MS" pack -o model.tar.zst model
show "$MS" digest --archive model.tar.zst
show "$MS" verify --key ci.pub --archive model.tar.zst

say "Unpack elsewhere: signature first, then extraction; DEST appears only if everything matched"
mkdir -p deployed
show "$MS" unpack --key ci.pub model.tar.zst deployed/model
ls -l deployed/model

say "Someone changes one byte deep inside the second weight file (in a copy)"
cp -r model tampered
f=$(ls tampered/*.safetensors | sed -n 2p)
printf 'X' | dd of="$f" bs=1 seek=100000000 conv=notrunc 2>/dev/null
show_fail "$MS" verify --key ci.pub tampered

say "The same failure as JSON, for CI"
show_fail "$MS" --json verify --key ci.pub tampered

say "Lineage: base -> finetune (on a dataset) -> quantized"
"$MS" keygen -o lineage --no-passphrase >/dev/null 2>&1
mkdir -p chat-data base-1b base-1b-chat
printf 'prompt,response\nhello,hi there\n' >chat-data/train.csv
sh "$SCRIPTS/make-example-model.sh" base-1b 1 2
sh "$SCRIPTS/make-example-model.sh" base-1b-chat 1 2 1
head -c 262144 base-1b-chat/model-00001-of-00001.safetensors >base-1b-chat-q4.gguf
show "$MS" sign --key lineage.key --name chat-data --version 1 chat-data
show "$MS" sign --key lineage.key --name base-1b --version 1.0 base-1b
show "$MS" sign --key lineage.key --name base-1b-chat --version 1.0 \
	--parent base-1b@1.0=finetune --dataset chat-data@1 base-1b-chat
show "$MS" sign --key lineage.key --name base-1b-chat-q4 --version 1.0 \
	--parent base-1b-chat@1.0=quantized base-1b-chat-q4.gguf
show "$MS" log
show "$MS" lineage base-1b-chat-q4@1.0
show "$MS" lineage --descendants base-1b@1.0
show "$MS" audit

say "Gate your deployments: trust keys, write a policy, check before deploying"
show "$MS" trust add ci.pub --label ci
show "$MS" trust add lineage.pub --label lineage
cat >lineage-policy.json <<POLICY
{"version": 1,
 "trusted_keys": ["lineage.pub"],
 "require_ancestor": ["base-1b@1.0"],
 "allow_unsigned_files": false}
POLICY
cat lineage-policy.json
show "$MS" verify --policy lineage-policy.json base-1b-chat-q4.gguf
cat >policy.json <<POLICY
{"version": 1,
 "trusted_keys": ["ci.pub"],
 "allow_unsigned_files": false,
 "max_signature_age_days": 90}
POLICY
cat policy.json
show "$MS" verify --policy policy.json model
show "$MS" --json verify --policy policy.json model
show_fail "$MS" verify --policy policy.json tampered

say "The pre-deploy hook a deploy runs (examples/hooks/pre-deploy.sh)"
HOOK=$SCRIPTS/../examples/hooks/pre-deploy.sh
echo "\$ sh examples/hooks/pre-deploy.sh model policy.json"
MODELSEAL=$MS sh "$HOOK" model policy.json
echo "\$ sh examples/hooks/pre-deploy.sh tampered policy.json"
rc=0
MODELSEAL=$MS sh "$HOOK" tampered policy.json || rc=$?
[ $rc -eq 1 ] || { echo "demo: expected the hook to refuse (exit 1), got $rc" >&2; exit 1; }
echo "(exit 1: deployment refused)"
