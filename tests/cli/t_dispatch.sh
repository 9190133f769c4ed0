# The dispatcher: help, -h everywhere, --version, unknown commands and options.
run 0 "$MS" --version
expect_out '^modelseal [0-9]'
run 0 "$MS" help
expect_out 'Commands:'
run 0 "$MS" --help
expect_out 'Commands:'
run 2 "$MS"
expect_err 'usage: modelseal'
expect_error "$MS" frobnicate
expect_err "'frobnicate' is not a modelseal command"
expect_error "$MS" --bogus help
expect_err "unknown option '--bogus'"
expect_error "$MS" help nosuchcommand
# Every command answers -h and help COMMAND with the same usage, exit 0.
for c in $("$MS" help | awk '/^Commands:/{on=1;next} on && !NF {exit} on {print $1}'); do
	run 0 "$MS" "$c" -h
	expect_out "usage: modelseal $c"
	"$MS" help "$c" >"$T/help.txt"
	check "help $c equals $c -h" cmp -s "$T/out" "$T/help.txt"
	run 0 "$MS" -q "$c" --help
done

# ---- did you mean, ambiguity, version ----
expect_error "$MS" sgin
expect_err "'sgin' is not a modelseal command; did you mean 'sign'?"
expect_error "$MS" verfiy m
expect_err "did you mean 'verify'?"
expect_error "$MS" frobnicate
check "no suggestion for a word far from every command" not err_has "did you mean"
expect_error "$MS" sign --kye k.key m
expect_err "unknown option '--kye' for 'sign'; did you mean '--key'?"
expect_error "$MS" verify --polcy p.json m
expect_err "did you mean '--policy'?"
expect_error "$MS" verify --ig x m
expect_err "option '--ig' is ambiguous for 'verify': --ignore, --ignore-unsigned-files"
expect_error "$MS" sign --zzzzzz m
check "no suggestion for a far option" not err_has "did you mean"
run 0 "$MS" version
expect_out_is "modelseal $("$MS" --version | cut -d' ' -f2)"
run 0 "$MS" -V
expect_out "^modelseal [0-9]"
run 0 "$MS" -v version
expect_out "^  libcrypto  OpenSSL"
expect_out "^  sqlite     3"
run 0 "$MS" --json version
check "version --json is JSON with libraries" python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); assert d["version"] and d["libraries"]["libsodium"]' "$T/out"
expect_error "$MS" version extra
