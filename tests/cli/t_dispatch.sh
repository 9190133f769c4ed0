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
