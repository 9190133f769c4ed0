# modelseal completion: the scripts load, and bash's completion function,
# driven as bash drives it (COMP_WORDS, COMP_CWORD), offers the commands,
# every option each command's usage names, the values options list, and
# files where a path goes. fish and zsh are checked when installed.
run 0 "$MS" completion bash
cp "$T/out" ms.bash
check "bash script parses" bash -n ms.bash
check "bash script registers _modelseal" \
	bash -c '. ./ms.bash && complete -p modelseal | grep -q -- "-F _modelseal"'

# comp WORD...: what bash offers for the last WORD (one per line, sorted).
cat >drive.bash <<'EOF'
. ./ms.bash
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
_modelseal
printf '%s\n' "${COMPREPLY[@]}"
EOF
comp() { bash drive.bash modelseal "$@" | LC_ALL=C sort; }
# offers WANT WORD...: the completion of WORD... is exactly WANT (space separated).
offers() {
	_want=$1
	shift
	_got=$(comp "$@" | tr '\n' ' ' | sed 's/ $//')
	if [ "$_got" = "$_want" ]; then
		pass "completes $*"
	else
		fail "completion of '$*' is '$_got', wanted '$_want'"
	fi
}

commands=$("$MS" help | awk '/^Commands:/{on=1;next} on && !NF {exit} on {print $1}' | sort)
check "help lists commands" [ -n "$commands" ]
offers "$(echo $commands)" ''
offers "verify" veri
offers "completion" compl
offers "--registry" --reg
offers "verify" --registry reg.db veri
offers "verify" -q --json veri
# bash splits --opt=value into three words
offers "verify" --registry = reg.db veri
offers "json sha256sum text" hash --format = ''
comp nosuchcommand '' >offered
check "no command names after an unknown command" [ -z "$(grep -x verify offered)" ]

# Every option in a command's synopsis and option list (-h) is offered for
# it, and each -X too.
for c in $commands; do
	comp "$c" - >offered
	"$MS" "$c" -h | awk '!NF {body=1} !body || /^ +-/' >usage
	for o in $(grep -o -e '--[a-z][a-z-]*' -e '^ *-[a-zA-Z],' usage | tr -d ' ,' | sort -u); do
		grep -qx -- "$o" offered || fail "$c: usage names $o but completion does not offer it (is const struct option cmd_${c}_options[] its option table?)"
	done
	pass "$c: options"
	check "$c: global --json offered" grep -qx -- --json offered
done
offers "--no-passphrase --no-progress" keygen --no-p
offers "--max-count" log --max

# Values the usage lists; files for the others.
offers "json sha256sum text" hash --format ''
offers "dot json tree" lineage --format ''
offers "blake2b sha256" sign --hash ''
offers "files shards" digest -j 2 --method ''
mkdir -p "dir with space" keys
: >keys/ci.pub
: >"dir with space/w.bin"
offers "keys/ci.pub" verify --key keys/c
offers "keys/ci.pub" unpack -k keys/c
offers "keys/ci.pub" unpack --ca keys/c
offers "--trust-file --trusted-root" unpack --trus
offers "--identity" unpack --ide
offers "keys/ci.pub" verify --key = keys/c
offers "dir with space" verify --ignore-unsigned-files dir
offers "dir with space/w.bin" sign --key keys/ci.pub "dir with space/"
offers "keys" verify --registry reg.db k

# First operands the usage spells out.
offers "add export import list remove" trust ''
offers "export" trust ex
offers "keys" trust add k
offers "bash fish zsh" completion ''
offers "show sign" help s

# Errors.
run 2 "$MS" completion
expect_err "^modelseal: error: completion needs one shell"
run 2 "$MS" completion tcsh
expect_err "no completion for 'tcsh'"
run 2 "$MS" completion bash zsh

# zsh and fish: the scripts parse, and each shell completes with them.
run 0 "$MS" completion zsh
cp "$T/out" _modelseal
check "zsh script starts with #compdef" [ "$(head -1 _modelseal)" = "#compdef modelseal" ]
check "zsh names the sign options" grep -q "'\*--signature=:signature:_files'" _modelseal
if command -v zsh >/dev/null 2>&1; then
	check "zsh script parses" zsh -n _modelseal
	# An interactive zsh on a pseudo-terminal (zpty) with compinit finding
	# _modelseal in $T, a TAB after the line, and compadd wrapped to print
	# what it is given (the markers are split so the echoed input does not
	# match them).
	cat >zcap.zsh <<'EOF'
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT= ; fpath=($2 \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'compadd () {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  typeset -a __hits; builtin compadd -A __hits "$@"
  (( $#__hits == 0 )) && return 1
  for h in $__hits; do print -r -- "<H""IT>$h"; done
  builtin compadd "$@"
}'
zpty -w z 'comppostfuncs=(_zt_done); _zt_done() { print "<DO""NE>"; exit }'
zpty -w z "$1"$'\t'
while zpty -r z line; do
  [[ $line == *"<DONE>"* ]] && break
  [[ $line == *"<HIT>"* ]] && print -r -- "${${line#*<HIT>}%%$'\r'}"
done
zpty -d z
EOF
	zsh_comp() { timeout 30 zsh -f zcap.zsh "$1" "$T" | tr -d '\r' | grep -v '^$' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'; }
	check "zsh: commands" [ "$(zsh_comp 'modelseal veri')" = "verify" ]
	check "zsh: option values" [ "$(zsh_comp 'modelseal hash --format ')" = "json sha256sum text" ]
	check "zsh: trust words" [ "$(zsh_comp 'modelseal trust ')" = "add export import list remove" ]
	check "zsh: options" [ "$(zsh_comp 'modelseal sign --sig')" = "--signature" ]
	check "zsh: after a global option" [ "$(zsh_comp 'modelseal --registry reg.db veri')" = "verify" ]
else
	echo "  note [t_completion] zsh not installed: zsh script not parsed" >&2
fi
run 0 "$MS" completion fish
cp "$T/out" ms.fish
if command -v fish >/dev/null 2>&1; then
	check "fish script parses" fish -n ms.fish
	fish_comp() { HOME=$T fish -N -c ". ./ms.fish; complete -C '$1'" | cut -f1 | sort | tr '\n' ' ' | sed 's/ $//'; }
	check "fish: commands" [ "$(fish_comp 'modelseal veri')" = "verify" ]
	check "fish: option values" [ "$(fish_comp 'modelseal hash --format ')" = "json sha256sum text" ]
	check "fish: trust words" [ "$(fish_comp 'modelseal trust ')" = "add export import list remove" ]
	check "fish: options" [ "$(fish_comp 'modelseal verify --trust-f')" = "--trust-file" ]
else
	echo "  note [t_completion] fish not installed: fish script not run" >&2
fi
