#!/bin/sh
# Signs a model in CI with a key kept in a CI secret, and leaves the
# signature and its signed provenance in OUTDIR for the pipeline to upload as
# an artifact. Parents given as paths (--parent ../base=finetune) need no
# registry on the runner: they are verified and named from their own
# signatures and provenance.
#
# Environment (set them from masked CI secrets, never on the command line):
#   MODELSEAL_SIGNING_KEY  the PEM text of the secret key (modelseal keygen)
#   MODELSEAL_PASSPHRASE   its passphrase
#   MODELSEAL              the modelseal binary (default: modelseal)
#   MODELSEAL_REGISTRY     record the model there; unset: --no-record
#
# Usage: sign.sh MODEL OUTDIR [SIGN OPTIONS...]   (e.g. --name llama-ft --version 3)
set -eu
[ $# -ge 2 ] || { echo "usage: sign.sh MODEL OUTDIR [SIGN OPTIONS...]" >&2; exit 2; }
MODEL=$1
OUT=$2
shift 2
MS=${MODELSEAL:-modelseal}
: "${MODELSEAL_SIGNING_KEY:?set MODELSEAL_SIGNING_KEY from a CI secret}"
: "${MODELSEAL_PASSPHRASE:?set MODELSEAL_PASSPHRASE from a CI secret}"
export MODELSEAL_PASSPHRASE

# The key only ever exists in a private temporary file, removed on exit.
umask 077
keydir=$(mktemp -d)
trap 'rm -rf "$keydir"' EXIT INT TERM
printf '%s\n' "$MODELSEAL_SIGNING_KEY" >"$keydir/signing.key"

mkdir -p "$OUT"
[ -n "${MODELSEAL_REGISTRY:-}" ] || set -- --no-record "$@"
"$MS" --no-progress sign --key "$keydir/signing.key" --signature "$OUT/model.sig" "$@" "$MODEL" \
	>"$OUT/sign.txt"
cat "$OUT/sign.txt"
sed -n 's/^digest: //p' "$OUT/sign.txt" >"$OUT/digest.txt"
