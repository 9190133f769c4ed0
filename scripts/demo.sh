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

say() { printf '\n== %s\n' "$*"; }
# show CMD...: print the command as a user would type it, then run it.
show() {
	shift
	printf '$ modelseal%s\n' "$(printf ' %s' "$@")" >&2
	"$MS" "$@"
}
# show_fail CMD...: a command that is expected to fail (exit 1).
show_fail() {
	if show "$@"; then
		echo "demo: expected this to fail" >&2
		exit 1
	fi
	echo "(exit $?: as expected)"
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
