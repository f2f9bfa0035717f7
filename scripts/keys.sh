#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Test keys for signed kexec, made once per build tree (never committed):
#   build/keys/trusted.{key,crt}    built into the kernel (SYSTEM_TRUSTED_KEYS)
#   build/keys/untrusted.{key,crt}  a key the kernel does not know
#   build/keys/db.{key,pem}         Debian's OVMF test key (in PK, KEK and db
#                                   of OVMF_VARS_4M.snakeoil.fd), its private
#                                   key decrypted (README.Debian of ovmf gives
#                                   the password) so that sbsign can use it
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
keys=$top/build/keys
mkdir -p "$keys"
for k in trusted untrusted; do
	[ -f "$keys/$k.crt" ] && [ -f "$keys/$k.key" ] && continue
	openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 3650 \
		-subj "/CN=kexec-rs $k test key/" \
		-addext "keyUsage=digitalSignature" \
		-addext "extendedKeyUsage=codeSigning" \
		-keyout "$keys/$k.key" -out "$keys/$k.crt" 2>/dev/null ||
		{ echo "keys: openssl failed for $k" >&2; exit 1; }
	echo "keys: generated build/keys/$k.crt"
done
ovmf_key=/usr/share/ovmf/PkKek-1-snakeoil
if [ ! -f "$keys/db.key" ] || [ ! -f "$keys/db.pem" ]; then
	[ -f "$ovmf_key.key" ] || { echo "keys: $ovmf_key.key missing (package ovmf)" >&2; exit 1; }
	openssl pkey -in "$ovmf_key.key" -passin pass:snakeoil -out "$keys/db.key" ||
		{ echo "keys: cannot decrypt $ovmf_key.key" >&2; exit 1; }
	cp "$ovmf_key.pem" "$keys/db.pem"
	echo "keys: build/keys/db.{key,pem} from $ovmf_key"
fi
