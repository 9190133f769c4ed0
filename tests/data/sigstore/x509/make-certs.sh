#!/bin/sh
# Mints the certificates the unit tests of src/sigstore/cert.c need beyond the
# production ones: a CA and Fulcio-shaped leaves that chain to it but lack
# the code-signing EKU, have another EKU, or lack digitalSignature. Run from
# this folder; the output is committed (tests never run openssl).
set -eu
days=36500
openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -x509 -new -key ca.key -subj "/O=modelseal test/CN=test fulcio root" \
	-days $days -set_serial 1 -out ca.pem \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl ecparam -name prime256v1 -genkey -noout -out leaf.key
openssl req -new -key leaf.key -subj "/" -out leaf.csr 2>/dev/null
mint() { # NAME EXTENSIONS...
	name=$1
	shift
	printf '%s\n' "$@" >"$name.ext"
	openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days $days \
		-extfile "$name.ext" -out "$name.pem"
	rm -f "$name.ext"
}
san="subjectAltName=critical,email:someone@example.com"
# The deprecated issuer extension (.1.1) holds the raw string, not DER.
raw_issuer="1.3.6.1.4.1.57264.1.1=DER:$(printf 'https://a.example' | od -An -tx1 | tr -d ' \n')"
mint leaf-ok "keyUsage=critical,digitalSignature" "extendedKeyUsage=codeSigning" "$san" \
	"$raw_issuer"
mint leaf-no-eku "keyUsage=critical,digitalSignature" "$san"
mint leaf-server-eku "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" "$san"
mint leaf-no-digsig "keyUsage=critical,keyEncipherment" "extendedKeyUsage=codeSigning" "$san"
mint leaf-uri "keyUsage=critical,digitalSignature" "extendedKeyUsage=codeSigning" \
	"subjectAltName=critical,URI:https://example.com/wf.yml@refs/heads/main" \
	"$raw_issuer" \
	"1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:https://b.example"
rm -f leaf.csr ca.key leaf.key ca.srl
