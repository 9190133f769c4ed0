# examples/: the CI workflows (structure, and their shell steps run for real
# in a scratch checkout), the pre-deploy hook on a signed and a tampered
# model, and the Kubernetes initContainer snippet.
unset MODELSEAL_PASSPHRASE
HERE=$(cd "$(dirname "$MS")/.." 2>/dev/null && pwd)
[ -d "$HERE/examples" ] || HERE=$(cd "$INTEROP/../.." && pwd)
EX=$HERE/examples
STEPS="python3 $HERE/tests/cli/ci_steps.py"
have_yaml() { python3 -c 'import yaml' 2>/dev/null; }

# ---- a scratch checkout: the examples, a model, the public key, a policy,
# and a Makefile that "builds" the binary under test ----
mkdir -p repo/model/sub repo/keys repo/deploy tmp runner
cp -r "$EX" repo/examples
printf '{"layers": 2}' >repo/model/config.json
# fixed bytes (no 'X' anywhere): the tamper steps below write an 'X', which
# random bytes would already hold one run in 256
yes weights | head -c 5000 >repo/model/weights.bin
printf 'tok' >repo/model/sub/tok.txt
MODELSEAL_PASSPHRASE=ci-pass "$MS" keygen -o ci >/dev/null 2>&1
cp ci.pub repo/keys/ci.pub
printf '{"version": 1, "trusted_keys": ["../keys/ci.pub"], "allow_unsigned_files": false}\n' \
	>repo/deploy/policy.json
printf 'all:\n\tmkdir -p build && cp %s build/modelseal\n' "$MS" >repo/Makefile
KID=$(sha256sum <ci.pub | cut -c1-64)
DIGEST=$("$MS" digest repo/model)
# the base model the examples fine-tune, as its team published it: signed
# by another key, with that team's exported trust file checked in
mkdir -p repo/base basereg
printf 'base weights' >repo/base/weights.bin
"$MS" keygen -o baseteam --no-passphrase >/dev/null 2>&1
env MODELSEAL_REGISTRY="$T/basereg/r.db" "$MS" sign --key baseteam.key --name base --version 1 repo/base >/dev/null 2>&1
env MODELSEAL_REGISTRY="$T/basereg/r.db" "$MS" trust add baseteam.pub >/dev/null 2>&1
env MODELSEAL_REGISTRY="$T/basereg/r.db" "$MS" trust export -o repo/keys/base-trust.json 2>/dev/null
BASE=$("$MS" digest repo/base)
# parent_of PROVENANCE: "name relation digest" of its first dependency
parent_of() { jq -r .dsseEnvelope.payload "$1" | base64 -d | jq -r '.predicate.buildDefinition.resolvedDependencies[0] | .name + " " + .annotations.relation + " sha256:" + .digest.sha256'; }
# ci ENV... CMD: run like a CI runner would: no registry, a private TMPDIR,
# the secrets in the environment.
ci() { (cd repo && env -u MODELSEAL_REGISTRY TMPDIR="$T/tmp" RUNNER_TEMP="$T/runner" "$@"); }

# ---- the scripts themselves ----
run 0 ci sh examples/ci/build.sh .
expect_out_is "$T/repo/build/modelseal"
run 2 ci sh examples/ci/sign.sh model
run 2 ci sh examples/ci/verify.sh model
run 2 ci env MODELSEAL=build/modelseal sh examples/ci/sign.sh model out
expect_err "MODELSEAL_SIGNING_KEY"
run 2 ci env MODELSEAL=build/modelseal MODELSEAL_SIGNING_KEY="$(cat ci.key)" MODELSEAL_PASSPHRASE=wrong sh examples/ci/sign.sh model out
expect_err "wrong passphrase"
check "wrong passphrase: no signature" [ ! -e repo/out/model.sig ]
check "the key never stays on disk" [ -z "$(ls -A tmp)" ]

# ---- the modelseal action and template build from a source like this one
# (VERSION, src/, include/, examples/ci/build.sh, a Makefile) ----
mkdir -p action/examples/ci action/src action/include home
cp "$HERE/action.yml" "$HERE/VERSION" action/
cp "$EX/ci/build.sh" action/examples/ci/
printf 'int x;\n' >action/src/x.c
cp repo/Makefile action/Makefile
# A copied workflow has only itself: nothing from the modelseal repository.
rm -rf repo/examples repo/build
# gh ENV... CMD: a job on a GitHub runner with this action checked out.
gh() { ci env GITHUB_ACTION_PATH="$T/action" HOME="$T/home" "$@"; }

if have_yaml; then
	# ---- GitHub Actions: the workflow with the action's steps ----
	run 0 $STEPS check-action "$HERE/action.yml"
	run 0 $STEPS check-github "$EX/ci/github-actions.yml"
	$STEPS github "$EX/ci/github-actions.yml" sign "$HERE/action.yml" >gh-sign.sh
	$STEPS github "$EX/ci/github-actions.yml" verify "$HERE/action.yml" >gh-verify.sh
	run 0 gh env MODELSEAL_SIGNING_KEY="$(cat ci.key)" MODELSEAL_PASSPHRASE=ci-pass GITHUB_RUN_NUMBER=7 sh "$T/gh-sign.sh"
	expect_out "^signed $DIGEST$"
	check "github: signature artifact" [ -s repo/signature/model.sig ]
	check "github: the model itself is untouched" [ ! -e repo/model/model.sig ]
	check "github: lineage on a runner without a registry" [ "$(parent_of repo/signature/model.provenance.sig)" = "base@1 finetune $BASE" ]
	check "github: no registry was created" [ ! -e "$XDG_DATA_HOME/modelseal" ]
	check "github: no key left in TMPDIR" [ -z "$(ls -A tmp)" ]
	check "github: the built binary is cached" [ -x home/.cache/modelseal-action/modelseal ]
	# the verify job finds the binary in the cache: no build
	rm -rf action/build
	run 0 gh sh "$T/gh-verify.sh"
	check "github: no rebuild with the cache" [ ! -e action/build ]
	check "github: verdict verified" [ "$(jq -c '[.verified, .signer, .policy[0].ok]' repo/verdict.json)" = "[true,\"$KID\",true]" ]
	cp repo/model/weights.bin weights.keep
	printf 'X' | dd of=repo/model/weights.bin bs=1 seek=100 conv=notrunc 2>/dev/null
	run 1 gh sh "$T/gh-verify.sh"
	expect_err "must NOT be deployed"
	check "github: verdict names the change" [ "$(jq -r '.problems[0].problem + " " + .problems[0].path' repo/verdict.json)" = "modified weights.bin" ]
	cp weights.keep repo/model/weights.bin
	# a job step without the secret fails the job
	run 2 gh env MODELSEAL_SIGNING_KEY= MODELSEAL_PASSPHRASE= GITHUB_RUN_NUMBER=8 sh "$T/gh-sign.sh"
	expect_err "key must be the secret key's PEM text"
	# a workflow that calls the repository's own scripts is refused
	sed 's,run: echo "signed,run: sh examples/ci/sign.sh model #,' "$EX/ci/github-actions.yml" >bad-gh.yml
	run 1 $STEPS check-github bad-gh.yml
	expect_err "exists only in the modelseal repository"

	# ---- GitLab CI: the example with the included template ----
	rm -rf repo/signature repo/verdict.json
	cp -r action source
	rm -rf source/build
	(cd source && git init -q && git add -A && git -c user.name=t -c user.email=t@t.invalid commit -qm t &&
		git tag "v$(cat VERSION)") >/dev/null 2>&1
	run 0 $STEPS check-gitlab "$EX/ci/gitlab-ci.yml"
	for job in sign-model verify-model; do
		$STEPS gitlab "$EX/ci/gitlab-ci.yml" $job "$EX/ci/modelseal.gitlab-ci.yml" >"gl-$job.sh"
	done
	gl() { ci env MODELSEAL_SOURCE="$T/source" "$@"; }
	run 0 gl env MODELSEAL_SIGNING_KEY="$(cat ci.key)" MODELSEAL_PASSPHRASE=ci-pass CI_PIPELINE_IID=3 sh "$T/gl-sign-model.sh"
	check "gitlab: signature artifact" [ -s repo/modelseal/model.sig ]
	check "gitlab: digest recorded" [ "$(cat repo/modelseal/digest.txt)" = "$DIGEST" ]
	check "gitlab: lineage on a runner without a registry" [ "$(parent_of repo/modelseal/model.provenance.sig)" = "base@1 finetune $BASE" ]
	check "gitlab: the source clone and build are cached" [ -x repo/.modelseal-cache/src/build/modelseal ]
	check "gitlab: no key left in TMPDIR" [ -z "$(ls -A tmp)" ]
	run 0 gl sh "$T/gl-verify-model.sh"
	check "gitlab: verdict verified" [ "$(jq .verified repo/modelseal/verdict.json)" = true ]
	printf 'unsigned' >repo/model/new.txt
	run 1 gl sh "$T/gl-verify-model.sh"
	check "gitlab: extra file refused by the policy" [ "$(jq -r '.policy[] | select(.rule == "allow_unsigned_files") | .ok' repo/modelseal/verdict.json)" = false ]
	rm repo/model/new.txt
	run 2 gl env MODELSEAL_SIGNING_KEY= CI_PIPELINE_IID=4 sh "$T/gl-sign-model.sh"
	expect_err "set MODELSEAL_SIGNING_KEY"

	# ---- Kubernetes ----
	run 0 $STEPS check-k8s "$EX/hooks/k8s-init-container.yaml"
else
	echo "  note [t_examples] python3 yaml missing: YAML checks and CI step runs skipped" >&2
fi

# ---- the pre-deploy hook ----
HOOK=$EX/hooks/pre-deploy.sh
mkdir -p deploy
cp -r repo/model good
MODELSEAL_PASSPHRASE=ci-pass "$MS" sign --key ci.key --no-record good >/dev/null 2>&1
cp ci.pub deploy/ci.pub
printf '{"version": 1, "trusted_keys": ["ci.pub"], "allow_unsigned_files": false}\n' >deploy/policy.json
export MODELSEAL="$MS"
run 0 sh "$HOOK" good deploy/policy.json
expect_out "^pre-deploy: OK: verified $DIGEST signed by $KID; policy: 2 rules pass$"
cp -r good tampered
printf 'X' | dd of=tampered/weights.bin bs=1 seek=4000 conv=notrunc 2>/dev/null
run 1 sh "$HOOK" tampered deploy/policy.json
expect_err "^pre-deploy: REFUSED: tampered failed verification or policy deploy/policy.json:$"
expect_err "^  modified: weights.bin (bytes 0:5000 differ)$"
expect_err "do not deploy this model"
check "refusal on stderr only" [ ! -s "$T/out" ]
printf 'extra' >tampered/weights.bin.orig
"$MS" keygen -o rogue --no-passphrase >/dev/null 2>&1
cp -r repo/model rogue-model
"$MS" sign --key rogue.key --no-record rogue-model >/dev/null 2>&1
run 1 sh "$HOOK" rogue-model deploy/policy.json
expect_err "REFUSED"
expect_err "untrusted: rogue-model/model.sig (signed by key [0-9a-f]*, which is not trusted here"
printf '{"version": 1, "trusted_key": ["ci.pub"]}' >deploy/typo.json
run 2 sh "$HOOK" good deploy/typo.json
expect_err "could not be checked (modelseal exit 2)"
expect_err "unknown field 'trusted_key'"
run 2 sh "$HOOK" good
expect_err "usage: pre-deploy.sh"
run 2 sh "$HOOK" missing deploy/policy.json
# trust from an exported file, and its revocations
"$MS" trust add ci.pub --label ci >/dev/null 2>&1
"$MS" revoke ci.pub --reason "rotated" >/dev/null 2>&1
"$MS" trust export -o deploy/trust.json 2>/dev/null
printf '{"version": 1}\n' >deploy/bare.json
run 1 env -u MODELSEAL_REGISTRY MODELSEAL_TRUST_FILE=deploy/trust.json sh "$HOOK" good deploy/bare.json
expect_err "revoked .*rotated"
# archives go through verify --archive (the archive module)
if "$MS" verify -h 2>&1 | grep -q -- '--archive' && "$MS" help 2>&1 | grep -q '^  pack'; then
	"$MS" pack -o good.tar good >/dev/null 2>&1
	run 0 env -u MODELSEAL_REGISTRY sh "$HOOK" good.tar deploy/policy.json
	cp -r tampered t2 && rm -f t2/weights.bin.orig
	"$MS" pack -o bad.tar t2 >/dev/null 2>&1
	run 1 env -u MODELSEAL_REGISTRY sh "$HOOK" bad.tar deploy/policy.json
else
	echo "  note [t_examples] no verify --archive in this build: archive hook case skipped" >&2
fi
unset MODELSEAL
