#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the test guests' images:
#   mkinitramfs.sh OUTDIR BZIMAGE [--sig KEYDIR [--db DBKEY]] [--corpus] [--module KO]...
# OUTDIR/small.cpio   busybox, /init, kt_load and the test scripts
# OUTDIR/args.cpio    the same plus /kt.args, for a boot with no command line
# OUTDIR/stage2.cpio  the same plus a random /payload (sha256 in payload.sha256)
# OUTDIR/stage1.cpio  stage2.cpio's files plus /images/{bzImage,stage2.cpio,...}
# OUTDIR/disk.img     ext2: the base files plus /images, for the virtio disk,
#                     and /tools: Debian's kexec, vmcore-dmesg and makedumpfile
#                     with the shared libraries they need (run them with
#                     `tool` of guest/tests/lib.sh)
# --sig KEYDIR (test keys, scripts/keys.sh): /images/sig on the disk holds the
# signed-kexec images (mksig.py), /images/uki Unified Kernel Images
# (mkuki.py).  --corpus: /images/corpus holds the
# malformed-image corpus (mkcorpus.py).  --db DBKEY (DBKEY.key, DBKEY.pem):
# a key of the firmware's Secure Boot db; /images/sig gets images signed with
# it, and OUTDIR/firmware.efi is BZIMAGE signed with it, for the firmware.
# --module KO: the disk's /modules holds KO.  Every disk has /images/flat,
# the sample loader's flat image (mkflat.py).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$1
kernel=$2
shift 2
keys= corpus= db= modules=()
while [ $# -gt 0 ]; do
	case "$1" in
	--sig) keys=$2; shift 2 ;;
	--corpus) corpus=1; shift ;;
	--db) db=$2; shift 2 ;;
	--module) modules+=("$2"); shift 2 ;;
	*) echo "mkinitramfs: unknown option $1" >&2; exit 2 ;;
	esac
done
busybox=/bin/busybox # busybox-static

rm -rf "$out/root" "$out/images" "$out/disk.img"
mkdir -p "$out/root"/{bin,proc,sys,dev,tmp,mnt,images,tests} "$out/images"
root=$out/root

# kt_load, built the kselftest way (the kexec target's Makefile).
ksft=$(realpath -m "$out/kselftest")
src=$(cd "$here/../../../../.." && pwd)/build/src
make -s -C "$src/tools/testing/selftests" TARGETS=kexec O="$ksft" >/dev/null
cp "$ksft/kselftest/kexec/qemu/kt_load" "$root/bin/kt_load"
cp "$busybox" "$root/bin/busybox"
for app in $("$busybox" --list); do
	[ "$app" = busybox ] || ln -sf busybox "$root/bin/$app"
done
cp "$here/guest/init" "$root/init"
chmod +x "$root/init"
cp "$here"/guest/tests/*.sh "$root/tests/"

mkcpio() { (cd "$1" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) >"$2"; }

mkcpio "$root" "$out/images/small.cpio"
echo "kt.test=diff kt.step=4" >"$root/kt.args"
mkcpio "$root" "$out/images/args.cpio"
rm "$root/kt.args"

head -c 1048576 /dev/urandom >"$root/payload"
sha256sum "$root/payload" | cut -d' ' -f1 >"$out/images/payload.sha256"
mkcpio "$root" "$out/images/stage2.cpio"
python3 "$here/mkbad.py" "$kernel" "$out/images/bad"
if [ -n "$keys" ]; then
	# The kernel the tests kexec into is signed: the kernel may enforce it.
	python3 "$here/mksig.py" "$kernel" "$keys" "$out/images/sig" $db
	cp "$out/images/sig/signed" "$out/images/bzImage"
	[ -z "$db" ] || cp "$out/images/sig/db_signed" "$out/firmware.efi"
	# Unified Kernel Images of the same kernel (signed like the images
	# above), booting stage2.cpio.
	python3 "$here/mkuki.py" "$kernel" "$out/images/stage2.cpio" \
		"$(cat "$out/images/payload.sha256")" "$keys" "$out/images/uki" $db
else
	cp "$kernel" "$out/images/bzImage"
fi

cp "$out"/images/*.cpio "$out"/images/bzImage "$out"/images/payload.sha256 "$root/images/"
mkcpio "$root" "$out/stage1.cpio"

cp -r "$out/images/bad" "$out/images/unbootable" "$root/images/"
[ -z "$keys" ] || cp -r "$out/images/sig" "$out/images/uki" "$root/images/"
# The UKI with a 32 MiB .initrd is for the main guest's uki_large_initrd
# only: the debug (--corpus) and distro (--db) disks leave it out.
[ -z "$corpus$db" ] || rm -f "$root/images/uki/large_signed"
if [ -n "$corpus" ]; then
	python3 "$here/mkcorpus.py" "$kernel" "$out/images/corpus"
	cp -r "$out/images/corpus" "$root/images/"
fi
python3 "$here/mkflat.py" "$root/images/flat"
# The kexec selftests the kselftest way: test_kexec_rust.sh (KTAP), the
# helpers it sources and the program it runs, as `make install` lays them
# out, on the disk.
mkdir -p "$root/kselftest/kexec/qemu" "$root/kselftest/kselftest"
cp "$ksft/kselftest/kexec/qemu/kt_load" "$root/kselftest/kexec/qemu/"
cp "$src/tools/testing/selftests/kexec/test_kexec_rust.sh" "$root/kselftest/kexec/"
cp "$src/tools/testing/selftests/kselftest/ktap_helpers.sh" "$root/kselftest/kselftest/"
mkdir -p "$root/modules"
for m in "${modules[@]}"; do cp "$m" "$root/modules/"; done
# Debian's kdump tools, run in the guests from the disk through the dynamic
# loader copied beside them (the initramfs stays small).
mkdir -p "$root/tools/bin" "$root/tools/lib"
for prog in /usr/sbin/kexec /usr/sbin/vmcore-dmesg /usr/bin/makedumpfile; do
	cp "$prog" "$root/tools/bin/"
	ldd "$prog" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
		while read -r lib; do cp -L "$lib" "$root/tools/lib/"; done
done
rm -f "$out/disk.img"
mke2fs -q -F -t ext2 -b 4096 -d "$root" "$out/disk.img" 256M
cp "$out/images/small.cpio" "$out/images/args.cpio" "$out/images/stage2.cpio" "$out/images/payload.sha256" "$out/"
echo "guest images: $out (stage1.cpio $(stat -c %s "$out/stage1.cpio") bytes, disk.img 256 MiB)"
