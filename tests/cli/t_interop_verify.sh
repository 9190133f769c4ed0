# Bundles made by model_signing (ECDSA P-384, releases 0.3.1 to 1.1.0) verify,
# and fail once a signed byte changes.
OMS=$INTEROP/oms
PUB=$OMS/keys/signing-key-pub.pem
HINT=e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e
"$MS" keygen -o ed --no-passphrase >/dev/null 2>&1

for v in v0.3.1 v1.0.0 v1.0.1 v1.1.0; do
	d=$OMS/$v-elliptic-key
	run 0 "$MS" verify --key "$PUB" --ignore ignore-me "$d"
	expect_out "^verified sha256:[0-9a-f]\{64\} signed by $HINT$"
	run 0 "$MS" --json verify --key ed.pub --key "$PUB" --ignore ignore-me "$d"
	expect_out '"verified": true'
	run 1 "$MS" verify --key ed.pub --ignore ignore-me "$d"
	# (bundles that name their key say it is not trusted; older ones, without
	# a hint, only that the signature does not verify)
	expect_out "^\(untrusted: .*(signed by key $HINT, which is not trusted here\|signature: \)"

	# change one byte of each signed file in turn, in a copy
	for f in "$d"/signme-*; do
		name=$(basename "$f")
		rm -rf copy && cp -r "$d" copy
		printf 'Z' | dd of="copy/$name" bs=1 seek=0 conv=notrunc 2>/dev/null
		run 1 "$MS" verify --key "$PUB" --ignore ignore-me copy
		expect_out "^modified: $name (content differs)$"
	done
	# remove a signed file
	rm -rf copy && cp -r "$d" copy && rm copy/signme-1
	run 1 "$MS" verify --key "$PUB" --ignore ignore-me copy
	expect_out "^missing: signme-1$"
	# one flipped bit of the ECDSA signature
	rm -rf copy && cp -r "$d" copy
	sig=$(sed -n 's/.*"sig": *"\([^"]*\)".*/\1/p' copy/model.sig)
	printf %s "$sig" | base64 -d >sig.der
	printf '\001' | dd of=sig.der bs=1 seek=20 conv=notrunc 2>/dev/null
	sed "s|$sig|$(base64 -w0 sig.der)|" "$d/model.sig" >copy/model.sig
	check "$v: signature changed" sh -c '! cmp -s copy/model.sig "$1"' _ "$d/model.sig"
	run 1 "$MS" verify --key "$PUB" --ignore ignore-me copy
done

# 1.1.0 records its ignore list, 1.0.1 does not (as model_signing itself)
run 0 "$MS" verify --key "$PUB" "$OMS/v1.1.0-elliptic-key"
run 1 "$MS" verify --key "$PUB" "$OMS/v1.0.1-elliptic-key"
expect_out "^extra: ignore-me (not signed)$"
run 0 "$MS" verify --key "$PUB" --ignore-unsigned-files "$OMS/v1.0.1-elliptic-key"
# a directory is verified as a directory: a single-file signature in
# DIR/model.sig covers DIR only when that file is all DIR holds
rm -rf copy && cp -r "$OMS/v1.0.0-elliptic-key" copy && echo x >copy/other
run 1 "$MS" verify --key "$PUB" --ignore ignore-me copy
expect_out "^extra: other (not signed: the signature covers one file of this directory)$"
expect_out "^type: copy (the signature is for the single file 'signme-1', not for this directory)$"
run 0 "$MS" verify --key "$PUB" --ignore ignore-me --ignore-unsigned-files copy
rm copy/other
run 0 "$MS" verify --key "$PUB" --ignore ignore-me copy
rm copy/signme-1
run 1 "$MS" verify --key "$PUB" --ignore ignore-me copy
expect_out "^missing: signme-1$"
