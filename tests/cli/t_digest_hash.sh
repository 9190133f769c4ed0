# digest and hash: agreement with model_signing, formats, and bad input.

# The models behind model_signing's statements in $INTEROP/oms/statements.
mkdir -p sample_model/d0 sample_model/d1 empty_folder_model
for i in 0 1; do for j in 0 1 2; do
	printf 'This is file f%s%s in d%s.' $i $j $i >sample_model/d$i/f$i$j
done; done
for i in 0 1 2 3; do printf 'This is file f%s in root.' $i >sample_model/f$i; done
printf 'This is a simple model' >file_model

S=$INTEROP/oms/statements
for case in \
	"sample_model_folder sample_model --method files" \
	"sample_model_folder_shard sample_model --shard-size 1000000000" \
	"sample_model_folder_small_shards sample_model --shard-size 8" \
	"sample_model_file file_model --method files" \
	"sample_model_file_small_shards file_model --shard-size 8" \
	"empty_model_folder empty_folder_model --method files"; do
	set -- $case
	st=$1 model=$2
	shift 2
	want=$(jq -r '.subject[0].digest.sha256' "$S/$st.json")
	run 0 "$MS" digest --allow-symlinks "$@" "$model"
	expect_out_is "sha256:$want"
	# hash --format json carries the same resources, in the same order.
	run 0 "$MS" hash --format json --allow-symlinks "$@" "$model"
	jq -c '[.predicate.resources[] | [.name, .algorithm, .digest]]' "$S/$st.json" >want.json
	jq -c '[.predicate.resources[] | [.name, .algorithm, .digest]]' "$T/out" >got.json
	check "$st: same resources as model_signing" cmp -s want.json got.json
	check "$st: same subject" [ "$(jq -r '.subject[0].digest.sha256' "$T/out")" = "$want" ]
done

# Global options work before and after the command.
run 0 "$MS" --json digest sample_model
check "--json before the command" [ "$(jq -r .digest "$T/out")" = "sha256:143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7" ]
run 0 "$MS" digest sample_model --json
expect_out '"digest": "sha256:143cc682'
check "json counts files" [ "$(jq -r .files "$T/out")" = 10 ]

# Text format: one line per shard.
run 0 "$MS" hash --shard-size 8 file_model
check "three shard lines" [ "$(wc -l <"$T/out")" -eq 3 ]
expect_out '  \.:16:22$'

# sha256sum format is accepted by sha256sum -c from the model root.
run 0 "$MS" hash --method files --format sha256sum sample_model
cp "$T/out" sums
check "sha256sum -c accepts the lines" sh -c 'cd sample_model && sha256sum -c --quiet ../sums'
run 0 "$MS" hash --method files --format sha256sum file_model
check "single file line names the file" sh -c 'sha256sum -c --quiet "$T/out"'
expect_error "$MS" hash --format sha256sum sample_model
expect_err 'needs --method files'

# blake2b: another digest, the same structure.
run 0 "$MS" hash --hash blake2b --method files --format json sample_model
check "blake2b digests are 128 hex" [ "$(jq -r '.predicate.resources[0].digest | length' "$T/out")" = 128 ]
run 0 "$MS" digest --hash blake2b sample_model
check "blake2b root differs" [ "$(cat "$T/out")" != "sha256:143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7" ]

# The signature file and git metadata are never part of the digest.
cp -r sample_model with_extras
echo sig >with_extras/model.sig
mkdir with_extras/.git && echo ref >with_extras/.git/HEAD
run 0 "$MS" digest --method files with_extras
expect_out_is "sha256:143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7"
run 0 "$MS" digest --method files --no-ignore-git with_extras
check "--no-ignore-git includes .git" [ "$(cat "$T/out")" != "sha256:143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7" ]
echo extra >with_extras/scratch.txt
run 0 "$MS" digest --method files --ignore scratch.txt with_extras
expect_out_is "sha256:143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7"

# Thread count does not change the result.
for j in 1 2 7; do
	run 0 "$MS" digest -j $j --shard-size 5 sample_model
	expect_out_is "$("$MS" digest --shard-size 5 sample_model)"
done

# Symlinks: refused by default, inside-only when allowed.
mkdir linked && printf data >linked/real && ln -s real linked/alias
expect_error "$MS" digest linked
expect_err "symbolic link"
run 0 "$MS" digest --allow-symlinks linked
ln -s /etc/hostname linked/escape
expect_error "$MS" digest --allow-symlinks linked
expect_err "points outside the model"

# Bad input: exit 2 and a clear error.
expect_error "$MS" digest does-not-exist
expect_err "does-not-exist"
expect_error "$MS" digest
expect_err "no MODEL"
expect_error "$MS" digest sample_model file_model
expect_error "$MS" digest --shard-size 0 sample_model
expect_err "shard-size"
expect_error "$MS" digest --shard-size abc sample_model
expect_error "$MS" digest --shard-size -5 sample_model
expect_error "$MS" digest --method bytes sample_model
expect_err "unknown --method"
expect_error "$MS" digest --hash md5 sample_model
expect_err "unknown --hash"
expect_error "$MS" digest -j 0 sample_model
expect_err "jobs"
expect_error "$MS" digest --ignore ../x sample_model
expect_error "$MS" hash --format yaml sample_model
expect_error "$MS" digest --bogus sample_model
mkfifo fifo_model
expect_error "$MS" digest fifo_model
mkdir withfifo && mkfifo withfifo/p
expect_error "$MS" digest withfifo
expect_err "not a regular file"
if [ "$(id -u)" -ne 0 ]; then
	mkdir locked && echo x >locked/f && chmod 000 locked/f
	expect_error "$MS" digest locked
fi

# A file that grows or shrinks while it is hashed gives an error, no digest.
# (3 GiB sparse: hashing takes about a second, the change comes at 0.2 s.)
for change in grow shrink; do
	truncate -s 3G moving.bin
	"$MS_PLAIN" digest -j 2 moving.bin >"$T/out" 2>"$T/err" &
	pid=$!
	sleep 0.2
	if [ $change = grow ]; then echo more >>moving.bin; else truncate -s 1M moving.bin; fi
	wait $pid
	check "$change while hashing: exit 2" [ $? -eq 2 ]
	check "$change while hashing: no digest" [ ! -s "$T/out" ]
	expect_err "moving.bin' \(changed\|shrank\) while the model was being hashed"
	# said once, though both threads were hashing shards of it
	check "$change while hashing: one error line" [ "$(grep -c 'error:' "$T/err")" -eq 1 ]
	rm -f moving.bin
done

# Progress: drawn on a terminal only, and never with --no-progress or -q.
if command -v script >/dev/null 2>&1; then
	truncate -s 3G slow.bin
	script -qec "'$MS_PLAIN' digest slow.bin" /dev/null >tty.txt 2>&1
	check "progress line on a terminal" grep -q 'hashing .*GB/s' tty.txt
	script -qec "'$MS_PLAIN' digest --no-progress slow.bin" /dev/null >tty.txt 2>&1
	check "--no-progress silences it" sh -c '! grep -q "GB/s" tty.txt'
	script -qec "'$MS_PLAIN' -q digest slow.bin" /dev/null >tty.txt 2>&1
	check "-q silences it" sh -c '! grep -q "GB/s" tty.txt'
	# a log (stderr not a terminal) gets plain lines, never escape codes
	# (one thread of BLAKE2b over 6 GiB lasts well past the 2 s before the
	# first line, even on a fast machine)
	truncate -s 6G slower.bin
	run 0 "$MS_PLAIN" --progress plain digest -j 1 --hash blake2b slower.bin
	expect_err '^modelseal: hashing [0-9]*% ([0-9.]* of 6.0 GiB, [0-9.]* GB/s, ETA [0-9]*s)$'
	expect_err '^modelseal: hashing done (6.0 GiB in '
	check "plain progress has no escape codes" not grep -q "$(printf '\033')" "$T/err"
	rm -f slower.bin
	run 0 "$MS_PLAIN" --progress none digest slow.bin
	check "--progress none: nothing on stderr" [ ! -s "$T/err" ]
	run 0 "$MS_PLAIN" -q digest slow.bin
	check "-q: nothing on stderr" [ ! -s "$T/err" ]
	# the bar fits a narrow terminal: no line wider than 39 columns
	script -qec "stty cols 40; '$MS_PLAIN' --progress bar digest slow.bin" /dev/null >tty.txt 2>&1
	check "the bar fits 40 columns" sh -c "tr '\r' '\n' <tty.txt | sed 's/$(printf '\033')\[K//g' |
		awk 'length > 39 && !/^sha256:/ { bad = 1 } END { exit bad }'"
	expect_error "$MS_PLAIN" --progress sometimes digest slow.bin
	rm -f slow.bin
fi

# Bytes that are not in the page cache are read, never mapped, even with
# the mapped path fixed: a mapping of cold bytes is slower than reading
# them, and a mapped sample of them would time the disk. Needs strace, and
# fincore to see that dd's nocache flag evicted the file.
if command -v strace >/dev/null 2>&1 && command -v fincore >/dev/null 2>&1 &&
	strace -o /dev/null true 2>/dev/null; then
	head -c 40000000 /dev/urandom >cold.bin
	run 0 "$MS" digest cold.bin
	want=$(cat "$T/out")
	sync
	dd if=cold.bin iflag=nocache count=0 status=none
	if [ "$(fincore -n -b -o RES cold.bin | tr -d ' ')" = 0 ]; then
		MODELSEAL_READ=mmap strace -f -e trace=mmap -o "$T/trace" "$MS_PLAIN" digest cold.bin \
			>"$T/out" 2>/dev/null
		check "cold bytes: the same digest" out_is "$want"
		# the first window (later ones may be in by then: readahead); strace
		# may cut the line after the offset ("0 <unfinished ...>")
		check "cold bytes are read, not mapped" \
			not grep -q 'mmap(NULL, 16777216, PROT_READ, MAP_PRIVATE, [0-9]*, 0[ )]' "$T/trace"
		MODELSEAL_READ=mmap strace -f -e trace=mmap -o "$T/trace" "$MS_PLAIN" digest cold.bin \
			>"$T/out" 2>/dev/null
		check "cached bytes: the same digest" out_is "$want"
		check "cached bytes are mapped when mmap is fixed" \
			grep -q 'mmap(NULL, 16777216, PROT_READ, MAP_PRIVATE, [0-9]*, 0[ )]' "$T/trace"
	fi
	rm -f cold.bin
fi
