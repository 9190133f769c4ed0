# Unusual file names in a model: non-UTF-8 bytes, newlines, backslashes.
# Policy (SECURITY.md): any name the file system allows is hashed, and
# digest and hash's text formats work. A statement is JSON, which is UTF-8
# only, so hash --format json and sign refuse a model with a non-UTF-8 name
# by name (exit 2, nothing written). Ignoring it does not help: ignored
# paths are recorded in the statement too.
no_temp_files() { ! ls -a "$@" | grep -q '\.tmp$'; }
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1

mkdir m
printf 'weights' >m/w.bin
bad=$(printf 'bad\377name')
printf 'x' >"m/$bad"
run 0 "$MS" digest m
expect_out '^sha256:[0-9a-f]\{64\}$'
run 0 "$MS" hash --method files m
check "text format lists the non-UTF-8 name, escaped" grep -q '^\\[0-9a-f]\{64\}  bad\\xffname$' "$T/out"
expect_error "$MS" hash --format json m
expect_err "file name 'bad\\\\xffname' is not valid UTF-8"
check "no partial JSON on stdout" [ ! -s "$T/out" ]
expect_error "$MS" sign --key k.key m
expect_err "not valid UTF-8"
check "sign wrote no signature" [ ! -e m/model.sig ]
check "sign left no temp file" no_temp_files m
expect_error "$MS" sign --key k.key --ignore "$bad" m
expect_err "ignored path 'bad\\\\xffname' is not valid UTF-8"
mv "m/$bad" m/renamed
run 0 "$MS" sign --key k.key m
run 0 "$MS" verify --key k.pub m

# A model whose own name is not UTF-8 (it becomes the subject name).
mkdir "$bad.d" && printf 'w' >"$bad.d/w"
expect_error "$MS" hash --format json "$bad.d"
expect_err "model name"

# Newlines and backslashes are valid UTF-8: escaped in JSON, and signed and
# verified like any other name.
mkdir n
printf 'a' >"n/$(printf 'new\nline')"
printf 'b' >'n/back\slash'
printf 'c' >"n/caf$(printf '\303\251')"
run 0 "$MS" hash --method files --format json n
check "names survive the JSON" sh -c "jq -r '.predicate.resources[].name' '$T/out' | grep -c . | grep -qx 4"
run 0 "$MS" hash --method files --format sha256sum n
cp "$T/out" n.sums
check "sha256sum -c reads the escaped lines" sh -c 'cd n && sha256sum -c --quiet ../n.sums'
run 0 "$MS" sign --key k.key n
run 0 "$MS" verify --key k.pub n
printf 'A' >"n/$(printf 'new\nline')"
run 1 "$MS" verify --key k.pub n

# The text format escapes like sha256sum, so a newline in a name cannot
# forge a second manifest line.
printf 'a' >"n/$(printf 'new\nline')"
run 0 "$MS" hash --method files n
check "text format: one line per file despite the newline" [ "$(wc -l <"$T/out")" -eq 3 ]
check "text format: the name is escaped" grep -q '^\\[0-9a-f]\{64\}  new\\nline$' "$T/out"
