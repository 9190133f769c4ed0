#!/bin/sh
# The gate: verifies MODEL against the signature from the signing job and,
# when given, a deploy policy. Writes the JSON verdict to
# ${MODELSEAL_VERDICT:-verdict.json} and exits with modelseal's status:
# 0 deploy, 1 do not deploy (verification or policy failed), 2 error.
#
# Environment:
#   MODELSEAL             the modelseal binary (default: modelseal)
#   MODELSEAL_PUBLIC_KEY  public key file to trust (checked into the repo)
#   MODELSEAL_TRUST_FILE  or a 'modelseal trust export' file
#
# Usage: verify.sh MODEL SIGNATURE [POLICY]
set -eu
[ $# -ge 2 ] || { echo "usage: verify.sh MODEL SIGNATURE [POLICY]" >&2; exit 2; }
MODEL=$1
SIG=$2
POLICY=${3:-}
MS=${MODELSEAL:-modelseal}
VERDICT=${MODELSEAL_VERDICT:-verdict.json}
set -- --signature "$SIG"
[ -z "$POLICY" ] || set -- "$@" --policy "$POLICY"
[ -z "${MODELSEAL_PUBLIC_KEY:-}" ] || set -- "$@" --key "$MODELSEAL_PUBLIC_KEY"
[ -z "${MODELSEAL_TRUST_FILE:-}" ] || set -- "$@" --trust-file "$MODELSEAL_TRUST_FILE"

rc=0
"$MS" --json --no-progress verify "$@" "$MODEL" >"$VERDICT" || rc=$?
cat "$VERDICT"
case $rc in
0) echo "modelseal: $MODEL may be deployed" >&2 ;;
1) echo "modelseal: $MODEL must NOT be deployed (see $VERDICT)" >&2 ;;
*) echo "modelseal: could not verify $MODEL (exit $rc)" >&2 ;;
esac
exit "$rc"
