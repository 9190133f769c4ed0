# Hashing split across machines: hash --part K/N, hash --merge, and
# sign --statement (issue 17).
unset MODELSEAL_PASSPHRASE
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
mkdir -p m/sub
head -c 5000 /dev/urandom >m/w1.bin
head -c 777 /dev/urandom >m/sub/w2.bin
: >m/sub/__init__.py
printf 'cfg' >m/config.json

for n in 1 2 3 4 7; do
	files=
	for k in $(seq 1 "$n"); do
		"$MS" hash --shard-size 512 --part "$k/$n" m >"part$k.json" 2>"$T/err" ||
			fail "hash --part $k/$n" "$(cat "$T/err")"
		files="$files part$k.json"
	done
	# shellcheck disable=SC2086
	run 0 "$MS" hash --merge $files
	"$MS" hash --shard-size 512 --format json m >whole.json
	check "$n parts merge to the whole statement" cmp -s "$T/out" whole.json
	rm -f part*.json
done
# files method, and the merged statement signed
"$MS" hash --method files --part 1/2 m >p1.json
"$MS" hash --method files --part 2/2 m >p2.json
"$MS" hash --method files --format json m >wf.json
run 0 "$MS" hash --merge p2.json p1.json
check "files method: parts in any order merge" cmp -s "$T/out" wf.json
cp "$T/out" merged.json
run 0 "$MS" sign --key k.key --no-record --statement merged.json m
run 0 "$MS" verify --key k.pub m
# the statement must cover the model exactly
printf 'x' >m/extra
run 2 "$MS" sign --key k.key --no-record --statement merged.json m
expect_err "'extra' is in the model but not in the statement"
expect_err "does not cover 'm' exactly"
rm m/extra
"$MS" hash --shard-size 512 --part 1/1 m >s1.json
"$MS" hash --merge s1.json >shards.json
printf 'y' >>m/w1.bin
run 2 "$MS" sign --key k.key --no-record --statement shards.json m
expect_err "'w1.bin' is 5001 bytes, the statement says 5000"
# a statement edited by hand is not in modelseal's form
sed 's/"allow_symlinks": false/"allow_symlinks":false/' shards.json >edited.json
run 2 "$MS" sign --key k.key --no-record --statement edited.json m
expect_err "not in modelseal's own form"
# sizes (and every number of a part) are plain integers: 5e3 or 5000.0
# read as 5000 and merged before; -0, a leading zero, and 2^53 + 1 (which
# a double reads as 2^53) are refused too. A name holding such text is fine.
for bad in '"size": 5e3' '"size": 5000.0' '"size": 5000e0' '"size": 05000' \
	'"size": 9007199254740993' '"size": 1e400'; do
	sed "s/\"size\": 5000/$bad/" s1.json >bad.json
	check "the fixture changed for $bad" not cmp -s bad.json s1.json
	run 2 "$MS" hash --merge bad.json
	expect_err "not a plain integer\|must be a whole number"
done
sed 's/"size": 0/"size": -0/' s1.json >bad.json
run 2 "$MS" hash --merge bad.json
expect_err "the number '-0' at byte [0-9]* is not a plain integer"
sed 's/"shard_size": 512/"shard_size": 512.0/' s1.json >bad.json
run 2 "$MS" hash --merge bad.json
expect_err "the number '512.0' at byte [0-9]* is not a plain integer"
mkdir -p odd/-0e3
printf 'z' >'odd/-0e3/1.5'
"$MS" hash --part 1/1 odd >odd1.json
run 0 "$MS" hash --merge odd1.json
check "names that look like numbers merge" grep -q '"-0e3/1.5:0:1"' "$T/out"
# parts that do not fit
run 2 "$MS" hash --merge p1.json
expect_err "part 2 of 2 is missing"
run 2 "$MS" hash --merge p1.json p1.json
expect_err "part 1 of 2 is given twice"
run 2 "$MS" hash --merge p1.json s1.json
expect_err "comes from another model or listing"
expect_error "$MS" hash --part 3/2 m
expect_error "$MS" hash --part 1/2 --format sha256sum --method files m
expect_error "$MS" hash --merge
printf '{"modelseal_statement_part": 1}' >junk.json
expect_error "$MS" hash --merge junk.json
