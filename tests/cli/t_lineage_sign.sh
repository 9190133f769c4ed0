# sign records models, edges and signed SLSA provenance; verify records its
# result; lineage, show, log and audit on what real signatures put there.
# backends: sqlite postgresql
unset MODELSEAL_PASSPHRASE
REG=$MODELSEAL_REGISTRY
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
keyid=$(sha256sum <k.pub | cut -c1-64)
sq() { regsql "$REG" "$@"; }
# The DSSE payload of a bundle file, decoded.
payload() { jq -r .dsseEnvelope.payload "$1" | base64 -d; }

mkdir base data ft ft2
printf 'base weights' >base/w.bin
printf '{"arch": "tiny"}' >base/config.json
printf 'question,answer\n' >data/train.csv
printf 'finetuned weights' >ft/w.bin
printf '{"arch": "tiny"}' >ft/config.json
printf 'other weights' >ft2/w.bin
printf 'quantized weights' >q4.bin

# ---- a family: base, dataset, finetune, quantized single file ----
run 0 "$MS" sign --key k.key --name base --version 1 base
expect_out "^recorded: $REG$"
check "provenance also without parents" [ -f base/model.provenance.sig ]
check "... with name, version and signing time" [ "$(payload base/model.provenance.sig | jq -c '[.predicate.buildDefinition.externalParameters.name, .predicate.buildDefinition.externalParameters.version, .predicate.buildDefinition.resolvedDependencies, (.predicate.runDetails.metadata.finishedOn | test("^20[0-9-]+T"))]')" = '["base","1",[],true]' ]
run 0 "$MS" sign --key k.key --name data --version 1 data
run 0 "$MS" sign --key k.key --name ft --version 1 --parent base@1=finetune --dataset data@1 ft
expect_out '^provenance: ft/model.provenance.sig$'
FT=$("$MS" digest ft | cut -c8-)
BASE=$("$MS" digest base | cut -c8-)
DATA=$("$MS" digest data | cut -c8-)
run 0 "$MS" verify --key k.pub ft
expect_out "^verified sha256:$FT"
run 0 "$MS" --json sign --key k.key --name q4 --version 1 --parent ft@1=quantized q4.bin
check "sign --json names the provenance" [ "$(jq -r .provenance "$T/out")" = q4.bin.provenance.sig ]
check "sign --json names the registry" [ "$(jq -r .registry "$T/out")" = "$REG" ]
Q4=$(jq -r .digest "$T/out" | cut -c8-)
check "single-file provenance beside the file" [ -f q4.bin.provenance.sig ]

# ---- the provenance statement: SLSA v1, signed by the same key ----
payload ft/model.provenance.sig >prov.json
check "provenance predicateType" [ "$(jq -r .predicateType prov.json)" = https://slsa.dev/provenance/v1 ]
check "provenance _type" [ "$(jq -r ._type prov.json)" = https://in-toto.io/Statement/v1 ]
check "provenance subject is the root" [ "$(jq -r '.subject[0].digest.sha256' prov.json)" = "$FT" ]
check "provenance dependencies" [ "$(jq -r '.predicate.buildDefinition.resolvedDependencies | map(.name + "=" + .annotations.relation + "=" + .digest.sha256) | join(" ")' prov.json)" = "base@1=finetune=$BASE data@1=dataset=$DATA" ]
check "provenance builder" [ "$(jq -r .predicate.runDetails.builder.id prov.json)" = https://modelseal.dev/sign ]
check "provenance bundle hint" [ "$(jq -r .verificationMaterial.publicKey.hint ft/model.provenance.sig)" = "$keyid" ]
# Ed25519 over the DSSE PAE, checked with openssl rather than modelseal.
{
	printf 'DSSEv1 28 application/vnd.in-toto+json %d ' "$(wc -c <prov.json)"
	cat prov.json
} >pae.bin
jq -r '.dsseEnvelope.signatures[0].sig' ft/model.provenance.sig | base64 -d >sig.bin
ossl_verify() { openssl pkeyutl -verify -pubin -inkey k.pub -rawin -in pae.bin -sigfile sig.bin >/dev/null 2>&1; }
check "provenance signature verifies with openssl" ossl_verify
check "registry holds the same provenance" [ "$(sq "SELECT provenance FROM models WHERE name = 'ft'")" = "$(cat ft/model.provenance.sig)" ]

# ---- reading it back ----
run 0 "$MS" lineage q4@1
check "lineage tree through real signatures" [ "$(cat "$T/out")" = "q4@1  sha256:$(echo "$Q4" | cut -c1-12)
└── quantized: ft@1  sha256:$(echo "$FT" | cut -c1-12)
    ├── finetune: base@1  sha256:$(echo "$BASE" | cut -c1-12)
    └── dataset: data@1  sha256:$(echo "$DATA" | cut -c1-12)" ]
# a path REF is verified first: with a key of the trust store
expect_error "$MS" lineage --descendants ./base
expect_err "trust add"
"$MS" trust add k.pub >/dev/null 2>&1
run 0 "$MS" lineage --descendants ./base
expect_out '^base@1 '
expect_out 'quantized: q4@1'
run 0 "$MS" show q4.bin
expect_out "^model       sha256:$Q4$"
expect_out '^provenance  signed SLSA Provenance v1$'
run 0 "$MS" --json show ft@1
check "show --json provenance is the bundle" [ "$(jq -r .provenance.dsseEnvelope.payloadType "$T/out")" = application/vnd.in-toto+json ]
check "show --json statement is the signed one" [ "$(jq -r '.statement.subject[0].digest.sha256' "$T/out")" = "$FT" ]
run 0 "$MS" log
check "log: a header, then 4 models, newest first" [ "$(awk '{print $1}' "$T/out" | tr '\n' ' ')" = "MODEL q4@1 ft@1 data@1 base@1 " ]
# A path REF in --parent, and a digest prefix.
printf 'adapter weights' >adapter.bin
run 0 "$MS" sign --key k.key --name lora --version 1 --parent "./ft=adapter" adapter.bin
run 0 "$MS" sign --key k.key --name lora --version 1 --no-record adapter.bin
printf 'merged' >merged.bin
run 0 "$MS" sign --key k.key --name m --version 1 --parent "sha256:$(echo "$BASE" | cut -c1-8)=merge" --parent ft@1=merge merged.bin
run 0 "$MS" lineage --format json m@1
check "merge has two parents" [ "$(jq -r "[.edges[] | select(.child == \"sha256:$(jq -r .root "$T/out" | cut -c8-)\")] | length" "$T/out")" = 2 ]

# ---- refusals: before anything is written ----
expect_error "$MS" sign --key k.key --name x --version 1 --parent nosuch@1=finetune ft2
expect_err "unknown REF 'nosuch@1'"
check "unknown REF: no signature written" [ ! -e ft2/model.sig ]
expect_error "$MS" sign --key k.key --name x --version 1 --dataset sha256:ffffffff ft2
expect_error "$MS" sign --key k.key --name base --version 1 ft2
expect_err 'base@1 is already recorded for another model'
check "taken name: no signature written" [ ! -e ft2/model.sig ]
check "... nor any temporary file" [ "$(ls ft2 | grep -c tmp)" = 0 ]
mkdir base-again && cp base/w.bin base/config.json base-again/
expect_error "$MS" sign --key k.key --name other --version 9 base-again
expect_err 'model sha256:[0-9a-f]\{12\}\.\.\. is already recorded as base@1'
check "a model under a second name: nothing written" [ "$(ls base-again | tr '\n' ' ')" = "config.json w.bin " ]
expect_error "$MS" sign --key k.key --name x --version 1 --parent base@1=distilled ft2
expect_err "unknown relation 'distilled'"
expect_error "$MS" sign --key k.key --name x --version 1 --parent base@1 ft2
expect_error "$MS" sign --key k.key --name x ft2
expect_err '\-\-name and \-\-version go together'
expect_error "$MS" sign --key k.key --parent base@1=finetune --parent data@1=finetune ft2
expect_error "$MS" sign --key k.key --parent base@1=finetune base
expect_err 'cannot be its own parent'
check "refusals recorded nothing" [ "$(sq 'SELECT count(*) FROM models')" = 6 ]
# Re-signing a recorded model under its own name is fine.
run 0 "$MS" sign --key k.key --name base --version 1 base

# ---- --no-record and a missing registry ----
run 0 env MODELSEAL_REGISTRY="$T/none/r.db" "$MS" sign --key k.key --no-record ft2
check "--no-record creates no registry" [ ! -e "$T/none" ]
expect_error env MODELSEAL_REGISTRY="$T/none/r.db" "$MS" sign --key k.key --no-record --parent base@1=finetune ft2
expect_err 'no registry at'
# only the default location is created; a given one must have its directory
expect_error env MODELSEAL_REGISTRY="$T/new/dir/r.db" "$MS" sign --key k.key ft2
expect_err "directory '$T/new/dir' does not exist"
check "a given registry location's directory is not created" [ ! -e "$T/new" ]
run 0 env -u MODELSEAL_REGISTRY XDG_DATA_HOME="$T/new" "$MS" sign --key k.key ft2
check "sign creates the default registry's directory 0700" [ "$(stat -c %a "$T/new/modelseal")" = 700 ]

# ---- verify records its result where a registry exists ----
n0=$(sq "SELECT count(*) FROM events")
run 0 "$MS" verify --key k.pub base
check "verify recorded 'verified'" [ "$(sq "SELECT kind || ' ' || subject FROM events ORDER BY id DESC LIMIT 1")" = "verified sha256:$BASE" ]
printf 'tampered' >>base/w.bin
run 1 "$MS" verify --key k.pub base
check "verify recorded 'failed'" [ "$(sq "SELECT kind FROM events ORDER BY id DESC LIMIT 1")" = failed ]
check "two events more" [ "$(sq "SELECT count(*) FROM events")" -eq $((n0 + 2)) ]
run 0 "$MS" audit
expect_out 'intact'
run 1 env MODELSEAL_REGISTRY="$T/absent.db" "$MS" verify --key k.pub base
check "verify never creates a registry" [ ! -e "$T/absent.db" ]
printf 'garbage, not a database at all, long enough to be read as a header....' >"$T/junk.db"
# revocations live there: a registry that cannot be read fails closed
expect_error env MODELSEAL_REGISTRY="$T/junk.db" "$MS" verify --key k.pub ft
expect_err "junk.db"
run 0 env -u MODELSEAL_REGISTRY -u HOME -u XDG_DATA_HOME "$MS" verify --key k.pub ft
check "no HOME: verify says nothing about the registry" [ ! -s "$T/err" ]
# nowhere to look: nothing was recorded here, an empty history
run 0 env -u MODELSEAL_REGISTRY -u HOME -u XDG_DATA_HOME "$MS" log
check "no HOME: log prints nothing" [ ! -s "$T/out" ]
check "no HOME: no error" not err_has error

# ---- ten signers at once into one new registry ----
mkdir par
for i in 0 1 2 3 4 5 6 7 8 9; do
	mkdir "par/m$i"
	printf 'model %d' "$i" >"par/m$i/w.bin"
done
for i in 0 1 2 3 4 5 6 7 8 9; do
	MODELSEAL_REGISTRY="$T/par.db" "$MS" sign --key k.key --name "par$i" --version 1 "par/m$i" \
		>"par/out$i" 2>&1 &
done
wait
fails=0
for i in 0 1 2 3 4 5 6 7 8 9; do
	grep -q '^recorded: ' "par/out$i" || { fails=$((fails + 1)); cat "par/out$i" >&2; }
done
check "ten parallel signs all succeeded ($fails failed)" [ "$fails" -eq 0 ]
check "ten models recorded" [ "$(sqlite3 "$T/par.db" 'SELECT count(*) FROM models')" = 10 ]
check "ten signed events" [ "$(sqlite3 "$T/par.db" "SELECT count(*) FROM events WHERE kind = 'signed'")" = 10 ]
run 0 env MODELSEAL_REGISTRY="$T/par.db" "$MS" audit
expect_out 'intact (10 events'
run 0 env -u MODELSEAL_REGISTRY -u HOME -u XDG_DATA_HOME "$MS" audit
check "no HOME: audit has nothing to check, and no error" not err_has error
