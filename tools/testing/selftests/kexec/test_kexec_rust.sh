#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The Rust kexec_file_load() loaders on the running kernel, in KTAP:
# CONFIG_KEXEC_BZIMAGE64_RUST takes a bzImage, an image that is no kernel is
# refused with ENOEXEC, CONFIG_KEXEC_UKI64_RUST takes a Unified Kernel
# Image. Each load is unloaded again: nothing is kexec'd.
#
#   KEXEC_RS_IMAGE  a bzImage this kernel accepts (signed if it must be);
#                   default /boot/vmlinuz-$(uname -r)
#   KEXEC_RS_UKI    a UKI it accepts (the UKI test is skipped without one)
#   KT_LOAD         the loader program, default qemu/kt_load beside this
#                   script (make -C tools/testing/selftests TARGETS=kexec)

DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../kselftest/ktap_helpers.sh"

IMAGE=${KEXEC_RS_IMAGE:-/boot/vmlinuz-$(uname -r)}
UKI=${KEXEC_RS_UKI:-}
KT_LOAD=${KT_LOAD:-$DIR/qemu/kt_load}

ktap_print_header
[ "$(id -u)" = 0 ] || { ktap_skip_all "must be run as root"; exit "$KSFT_SKIP"; }
[ -x "$KT_LOAD" ] || { ktap_skip_all "no $KT_LOAD"; exit "$KSFT_SKIP"; }
[ -r "$IMAGE" ] || { ktap_skip_all "no kernel image $IMAGE"; exit "$KSFT_SKIP"; }
ktap_set_plan 4

# load FILE: kexec_file_load() of FILE with KEXEC_FILE_DEBUG, no initrd,
# no command line; prints kt_load's result, leaves the kernel's messages
# in $LOG.
LOG=$(mktemp)
load() {
	dmesg -c >/dev/null 2>&1
	"$KT_LOAD" load "$1" -d -n | sed -n 's/^KT: load //p'
	dmesg -c >"$LOG" 2>&1
}

r=$(load "$IMAGE")
case "$r" in
ok*)
	if grep -q 'kexec-bzImage64-rs: Loaded 64bit kernel' "$LOG"; then
		ktap_test_pass "the Rust bzImage64 loader takes $IMAGE"
	else
		ktap_print_msg "$(grep -m1 'Loaded 64bit kernel' "$LOG")"
		ktap_test_fail "$IMAGE loaded, but not by the Rust bzImage64 loader"
	fi
	;;
*)
	ktap_test_fail "$IMAGE not loaded: $r"
	;;
esac

if r=$("$KT_LOAD" unload 2>&1); then
	ktap_test_pass "KEXEC_FILE_UNLOAD"
else
	ktap_test_fail "KEXEC_FILE_UNLOAD: $r"
fi

NOT_KERNEL=$(mktemp)
echo "not a kernel" >"$NOT_KERNEL"
r=$(load "$NOT_KERNEL")
case "$r" in
err=ENOEXEC*) ktap_test_pass "a file that is no kernel: ENOEXEC" ;;
*) ktap_test_fail "a file that is no kernel: $r, expected ENOEXEC" ;;
esac

if [ -z "$UKI" ]; then
	ktap_test_skip "UKI loader (no KEXEC_RS_UKI)"
else
	r=$(load "$UKI")
	case "$r" in
	ok*)
		if grep -q 'kexec-bzImage64-rs: UKI: \.linux' "$LOG"; then
			ktap_test_pass "the Rust UKI loader takes $UKI"
		else
			ktap_test_fail "$UKI loaded, but not by the UKI loader"
		fi
		"$KT_LOAD" unload >/dev/null
		;;
	*)
		ktap_test_fail "$UKI not loaded: $r"
		;;
	esac
fi

rm -f "$LOG" "$NOT_KERNEL"
ktap_finished
