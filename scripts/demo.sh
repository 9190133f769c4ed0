#!/bin/sh
# make demo: generate a realistic model under build/demo and run modelseal on it.
# Usage: demo.sh /path/to/modelseal DEMO_DIR
set -eu
MS=$1
DEMO=$2
rm -rf "$DEMO"
mkdir -p "$DEMO"
cd "$DEMO"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*" | sed "s|$MS|modelseal|"; "$@"; }

say "Generating an example model (safetensors-shaped weights + config + tokenizer)"
sh "$(dirname "$0")/make-example-model.sh" model
ls -l model

say "Root digest (OMS v1.0, sha256, 64 MiB shards)"
show "$MS" digest model
