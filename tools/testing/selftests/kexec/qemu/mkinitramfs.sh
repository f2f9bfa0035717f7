#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the test guests' initramfs images:
#   mkinitramfs.sh OUTDIR BZIMAGE
# OUTDIR/stage2.cpio  busybox, /init, kt_load, the test scripts and a random
#                     /payload whose sha256 is OUTDIR/payload.sha256
# OUTDIR/stage1.cpio  the same plus /images/{bzImage,stage2.cpio,payload.sha256}
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$1
kernel=$2
busybox=/bin/busybox  # busybox-static

rm -rf "$out/root"
mkdir -p "$out/root"/{bin,proc,sys,dev,tmp,images,tests}
root=$out/root

gcc -static -O2 -Wall -Werror -o "$root/bin/kt_load" "$here/kt_load.c"
cp "$busybox" "$root/bin/busybox"
for app in $("$busybox" --list); do
	[ "$app" = busybox ] || ln -sf busybox "$root/bin/$app"
done
cp "$here/guest/init" "$root/init"
chmod +x "$root/init"
cp "$here"/guest/tests/*.sh "$root/tests/"

head -c 1048576 /dev/urandom >"$root/payload"
sha256sum "$root/payload" | cut -d' ' -f1 >"$out/payload.sha256"

mkcpio() { (cd "$1" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) >"$2"; }

mkcpio "$root" "$out/stage2.cpio"
cp "$kernel" "$root/images/bzImage"
cp "$out/stage2.cpio" "$out/payload.sha256" "$root/images/"
mkcpio "$root" "$out/stage1.cpio"
echo "initramfs: $out/stage1.cpio ($(stat -c %s "$out/stage1.cpio") bytes)"
