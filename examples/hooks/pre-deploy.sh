#!/bin/sh
# pre-deploy hook: lets a model through only when modelseal verifies it
# (trusted signer, unchanged bytes, nothing revoked) and the deploy policy
# holds. Anything else refuses the deployment with the reason, and a
# non-zero exit status: 1 the model must not be deployed, 2 the check itself
# could not run (missing file, malformed policy, ...). No network is used.
#
# Usage: pre-deploy.sh MODEL|ARCHIVE POLICY
#   MODEL    a model directory or file (signature beside it: MODEL/model.sig)
#   ARCHIVE  .tar, .tar.gz, .tgz, .tar.xz, .tar.zst or .zip made by
#            'modelseal pack' (verified without extracting)
# Environment:
#   MODELSEAL             the modelseal binary (default: modelseal)
#   MODELSEAL_TRUST_FILE  a 'modelseal trust export' file: trusted keys and
#                         revocations for hosts without the team's registry
#   MODELSEAL_SIGNATURE   the signature, when it is not beside the model
set -u
if [ $# -ne 2 ]; then
	echo "usage: pre-deploy.sh MODEL|ARCHIVE POLICY" >&2
	exit 2
fi
MODEL=$1
POLICY=$2
MS=${MODELSEAL:-modelseal}

set -- --policy "$POLICY"
case $MODEL in
*.tar | *.tar.gz | *.tgz | *.tar.xz | *.txz | *.tar.zst | *.tar.bz2 | *.zip)
	set -- "$@" --archive ;;
esac
[ -z "${MODELSEAL_TRUST_FILE:-}" ] || set -- "$@" --trust-file "$MODELSEAL_TRUST_FILE"
[ -z "${MODELSEAL_SIGNATURE:-}" ] || set -- "$@" --signature "$MODELSEAL_SIGNATURE"

# No temporary files: the hook also runs on read-only root filesystems.
rc=0
out=$("$MS" --no-progress verify "$@" "$MODEL" 2>&1) || rc=$?
if [ "$rc" -eq 0 ]; then
	echo "pre-deploy: OK: $out"
	exit 0
fi
{
	if [ "$rc" -eq 1 ]; then
		echo "pre-deploy: REFUSED: $MODEL failed verification or policy $POLICY:"
	else
		echo "pre-deploy: REFUSED: $MODEL could not be checked (modelseal exit $rc):"
	fi
	printf '%s\n' "$out" | sed 's/^/  /'
} >&2
exit "$rc"
