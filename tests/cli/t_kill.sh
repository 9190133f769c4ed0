# kill -9 of sign at random points (hashing, writing the bundle, recording):
# backends: sqlite postgresql
# afterwards the registry passes audit and the model's signature is either
# the old one, untouched, or a complete new one that verifies.
unset MODELSEAL_PASSPHRASE
"$MS" keygen -o k --no-passphrase >/dev/null 2>&1
"$MS" keygen -o k2 --no-passphrase >/dev/null 2>&1
mkdir m
head -c 48000000 /dev/zero | tr '\0' 'w' >m/w.bin # about 60 ms of signing
for i in 1 2 3; do printf '%s' "$i" >m/f$i; done
ms_now() { echo $(($(date +%s%N) / 1000000)); }
t0=$(ms_now)
"$MS_PLAIN" sign --key k.key m >/dev/null 2>&1
took=$(($(ms_now) - t0))

# Kill delays spread over 0 to 1.3 times what one sign takes here, from a
# fixed seed: some land while hashing, some while writing or recording, some
# after the end, on a fast machine or a slow one.
delays=$(awk -v took="$took" 'BEGIN { srand(7); for (i = 0; i < 20; i++) printf "%d ", rand() * took * 1.3 }')
old_ok=0 new_ok=0 bad=0 leftovers=0
key=k2
for d in $delays; do
	cp m/model.sig before.sig
	"$MS_PLAIN" sign --key $key.key m >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v d="$d" 'BEGIN { printf "%.3f", d / 1000 }')"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	if cmp -s m/model.sig before.sig; then
		old_ok=$((old_ok + 1))
	elif "$MS_PLAIN" verify --key $key.pub --ignore-unsigned-files m >/dev/null 2>&1; then
		new_ok=$((new_ok + 1))
		[ $key = k2 ] && key=k || key=k2
	else
		bad=$((bad + 1))
		fail "after kill at ${d} ms: model.sig is neither the old nor a valid new one"
	fi
	# A temp file from an interrupted write cannot be cleaned up by the
	# killed process; count them, then clear them for the next round.
	for f in m/model.sig.*.tmp; do
		[ -e "$f" ] && leftovers=$((leftovers + 1)) && rm -f "$f"
	done
	run 0 "$MS_PLAIN" audit
done
check "kill -9: every signature old or complete ($old_ok old, $new_ok new)" [ $bad -eq 0 ]
check "kill -9 hit both before and after the write" [ $old_ok -gt 0 ] && [ $new_ok -gt 0 ]
echo "  note [t_kill]: $old_ok old, $new_ok new, $leftovers temp files left by killed writes"
run 0 "$MS" verify --key k.pub --key k2.pub m
run 0 "$MS" audit
