# The bad-input corpus, tests/bad/: every hostile input gets the outcome
# tests/bad/cases.tsv gives it (exit code and a phrase of stderr, or of
# stdout for exit 1), and never a crash, a hang or exit 0 by accident.
#
# cases.tsv: KIND<TAB>FILE<TAB>EXIT<TAB>PHRASE, FILE relative to tests/bad/:
#   statement  FILE through the statement parser alone (ms_tool)
#   signed     FILE (a statement) signed with the test key as the fixture
#              model's signature, then `verify` with the test public key
#   bundle     FILE as the fixture model's signature, then `verify`
#   pubkey     `verify --key FILE` of the correctly signed fixture model
#   seckey     `sign --key FILE` (mode 0600, passphrase "wrong-horse")
#   json       FILE through the strict JSON parser alone (ms_tool)
KEYS=$BAD/../data/keys

# The fixture model the statements and bundles in the corpus were made for
# (see tests/bad/gen_statements.py).
mkdir -p model/d
printf 'aaaaaaaaaa' >model/a
printf 'bbbb' >model/d/b
cp "$KEYS/ed25519.key" test.key && chmod 600 test.key
printf 'wrong-horse\n' >wrong-pass

run_case() {
	input=$BAD/$2
	rm -f model/model.sig
	case $1 in
	statement) "$MS_TOOL" parse statement "$input" ;;
	json) "$MS_TOOL" parse json "$input" ;;
	signed)
		"$MS_TOOL" sign test.key application/vnd.in-toto+json "$input" >model/model.sig &&
			"$MS" verify --key "$KEYS/ed25519.pub" model
		;;
	bundle) cp "$input" model/model.sig && "$MS" verify --key "$KEYS/ed25519.pub" model ;;
	pubkey) cp "$BAD/bundle/good.sig" model/model.sig && "$MS" verify --key "$input" model ;;
	seckey)
		cp "$input" sec.key && chmod 600 sec.key &&
			"$MS" sign --key sec.key --passphrase-file wrong-pass model
		;;
	*) echo "t_bad: unknown kind '$1'" >&2 && return 99 ;;
	esac
}

n=0
tab=$(printf '\t')
while IFS=$tab read -r kind file want phrase; do
	case $kind in '' | '#'*) continue ;; esac
	n=$((n + 1))
	run_case "$kind" "$file" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$kind $file: exit $got, wanted $want" "$(head -c 400 "$T/err")"
		continue
	fi
	if [ "$want" -eq 2 ] && ! grep -q '^modelseal: error: ' "$T/err"; then
		fail "$kind $file: no 'modelseal: error:' line" "$(head -c 400 "$T/err")"
	elif [ -n "$phrase" ] && ! cat "$T/out" "$T/err" | grep -q -e "$phrase"; then
		fail "$kind $file: output lacks '$phrase'" "$(cat "$T/out" "$T/err" | head -c 400)"
	else
		pass "$kind $file"
	fi
	check "$kind $file: no signature written by a failed sign" \
		[ "$kind" != seckey -o ! -e model/model.sig ]
done <"$BAD/cases.tsv"
check "the corpus has cases ($n)" [ "$n" -gt 50 ]

# Every file in the corpus is listed, so none is silently skipped.
for f in "$BAD"/statement/*.json "$BAD"/bundle/*.sig "$BAD"/key/*; do
	rel=${f#"$BAD"/}
	check "$rel is in cases.tsv" grep -q "$tab$rel$tab" "$BAD/cases.tsv"
done

# Generated here, too big to keep: a 300 MB signature file is refused by
# its size, before it is read.
truncate -s 300M model/model.sig
run 2 "$MS" verify --key "$KEYS/ed25519.pub" model
expect_err "larger than"
rm -f model/model.sig
