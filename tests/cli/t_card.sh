# Model cards: sign records the README.md front matter (base_model,
# base_model_relation, datasets, license) as declared lineage in the signed
# provenance and the registry, apart from proven parents; show prints both.
# Bad front matter is a warning, never a failure.
unset MODELSEAL_PASSPHRASE
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
payload() { jq -r .dsseEnvelope.payload "$1" | base64 -d; }
card() { payload "$1/model.provenance.sig" | jq -c .predicate.buildDefinition.externalParameters.model_card; }
model() { # DIR FRONT-MATTER: a model with a README.md
	mkdir -p "$1"
	printf 'weights of %s' "$1" >"$1/model.safetensors"
	printf -- '%s\n# %s\n\nSome prose.\n' "$2" "$1" >"$1/README.md"
}

# ---- one base model ----
model ft '---
license: apache-2.0
base_model: meta-llama/Llama-2-7b-hf
base_model_relation: finetune
datasets:
  - org/chat
tags: [text-generation]
---'
run 0 "$MS" sign --key k.key --name ft --version 1 ft
expect_out "^provenance: ft/model.provenance.sig$"
check "declared lineage in the signed provenance" [ "$(card ft)" = '{"source":"README.md","base_model":["meta-llama/Llama-2-7b-hf"],"base_model_relation":"finetune","datasets":["org/chat"],"license":"apache-2.0"}' ]
check "declared is not proven: no resolvedDependencies" [ "$(payload ft/model.provenance.sig | jq -c .predicate.buildDefinition.resolvedDependencies)" = '[]' ]
run 0 "$MS" verify --key k.pub ft
run 0 "$MS" show ft@1
expect_out "^declared    base_model: meta-llama/Llama-2-7b-hf  (model card, not verified)$"
expect_out "^            datasets: org/chat$"
expect_out "^            license: apache-2.0$"
run 0 "$MS" --json show ft@1
check "show --json declared" [ "$(jq -c '.declared.base_model' "$T/out")" = '["meta-llama/Llama-2-7b-hf"]' ]

# ---- a list of bases (a merge), next to proven parents ----
model base 'no front matter here'
"$MS" sign --key k.key --name base --version 1 base >/dev/null 2>&1
model merged '---
base_model:
- org/a
- org/b
base_model_relation: merge
---'
run 0 "$MS" sign --key k.key --name merged --version 1 --parent base@1=finetune merged
check "merge: both bases declared" [ "$(card merged | jq -c '[.base_model, .base_model_relation]')" = '[["org/a","org/b"],"merge"]' ]
check "proven parent kept apart" [ "$(payload merged/model.provenance.sig | jq -r '.predicate.buildDefinition.resolvedDependencies[0].name')" = base@1 ]
run 0 "$MS" show merged@1
expect_out "^parents     finetune   base@1"
expect_out "^declared    base_model: org/a, org/b"

# ---- bad front matter: a warning, and the model is signed all the same ----
model bad '---
base_model: [org/a
license: mit
---'
run 0 "$MS" sign --key k.key --no-record bad
expect_err "warning: .*bad/README.md: the model card's front matter is not valid YAML (line 3"
check "malformed: no declared lineage" [ "$(card bad)" = null ]
model open '---
license: mit'
run 0 "$MS" sign --key k.key --no-record open
expect_err "no closing '---' line"
model types '---
base_model: {org: a}
datasets: [ok/one, [nested]]
base_model_relation: distilled
license: "evil\e[2Jname"
---'
run 0 "$MS" sign --key k.key --no-record types
expect_err "field 'base_model' is neither a string nor a list of strings"
expect_err "field 'datasets' holds an entry that is not a string"
expect_err "field 'base_model_relation' is not adapter, merge, quantized or finetune"
expect_err "field 'license' holds a control character"
check "only the good entries are kept" [ "$(card types)" = '{"source":"README.md","datasets":["ok/one"]}' ]
model list '---
- just
- a list
---'
run 0 "$MS" sign --key k.key --no-record list
expect_err "not a mapping"
# a README that is no regular file is passed over, never waited on
mkdir fifo && printf 'w' >fifo/w.bin && mkfifo fifo/README.md
run 2 "$MS" sign --key k.key --no-record fifo
expect_err "README.md"

# ---- lineage shows the declared lineage too, apart from the tree ----
run 0 "$MS" lineage merged@1
check "lineage: tree, then the declared lines" [ "$(sed -n '2p;3p' "$T/out")" = "└── finetune: base@1  sha256:$("$MS" digest base | cut -c8-19)
declared    base_model: org/a, org/b  (model card, not verified)" ]
run 0 "$MS" lineage --format json merged@1
check "lineage json: declared" [ "$(jq -c '.declared.base_model' "$T/out")" = '["org/a","org/b"]' ]
run 0 "$MS" lineage --format json base@1
check "lineage json: declared null without a card" [ "$(jq -c '.declared' "$T/out")" = null ]
