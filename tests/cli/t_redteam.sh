# Issue 10 tried again as an attacker, with cases its examples did not
# name: each block fails on the code before its fix.
unset MODELSEAL_PASSPHRASE
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
has_raw_control() { LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$@"; }

# ---- hash --format sha256sum: a name sha256sum cannot escape is refused,
# never printed raw (sha256sum escapes only \, newline and CR) ----
mkdir -p sums
printf 'a' >sums/a
printf 'b' >"sums/$(printf 'x\033[2K\rverified OK')"
run 2 "$MS" hash --method files --format sha256sum sums
check "sha256sum format: no raw control byte on stdout" not has_raw_control "$T/out"
check "sha256sum format: nothing printed" [ ! -s "$T/out" ]
expect_err "has characters the sha256sum format cannot escape"
rm sums/x*
printf 'b' >"sums/$(printf 'a\342\200\256b')"
run 2 "$MS" hash --method files --format sha256sum sums
rm sums/a?*
# what sha256sum can carry still round-trips
printf 'c' >"sums/$(printf 'new\nline')"
printf 'd' >'sums/back\slash'
run 0 "$MS" hash --method files --format sha256sum sums
cp "$T/out" s.sums
check "sha256sum -c reads the escaped lines" sh -c 'cd sums && sha256sum -c --quiet ../s.sums'
