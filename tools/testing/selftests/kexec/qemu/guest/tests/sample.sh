# SPDX-License-Identifier: GPL-2.0
# The sample loader (samples/rust/rust_kexec_loader.rs), a module on the
# disk, and its flat image (/mnt/images/flat, mkflat.py) with the test's
# nonce written in.
#   kt.sample=stage2  insmod, load the flat image, kexec: the program it
#                     holds prints the nonce on the serial port
#   kt.sample=unload  insmod, load, rmmod (refused: the image is pending),
#                     unload, rmmod, load again (ENOEXEC)
# Results: "KT: sample STEP <result>".
. /tests/lib.sh
ko=/mnt/modules/rust_kexec_loader.ko
img=/tmp/flat.img
cp /mnt/images/flat/image $img
printf '%s' "$(arg kt.next_nonce)" |
	dd of=$img bs=1 seek="$(cat /mnt/images/flat/nonce_offset)" conv=notrunc 2>/dev/null

# load STEP ARGS...: a load of the flat image, reported.
load() {
	local step=$1
	shift
	echo "KT: sample $step $(kt_load load $img -n "$@" | sed -n 's/^KT: load //p')"
}

load before_insmod
insmod $ko
echo "KT: sample insmod rc=$?"
case "$(arg kt.sample)" in
stage2)
	dmesg -c >/dev/null
	if kt_load load $img -n -d; then
		dmesg -c | grep -E 'kexec|flat' | sed 's/^\[[ 0-9.]*\] /KT: dmesg /'
		kt_load exec
	fi
	echo "KT: fail"
	;;
unload)
	load pending
	rmmod rust_kexec_loader 2>/dev/null
	echo "KT: sample rmmod_pending rc=$?"
	kt_load unload >/dev/null
	echo "KT: sample unload rc=$?"
	rmmod rust_kexec_loader
	echo "KT: sample rmmod rc=$?"
	load after_rmmod
	grep -q rust_kexec_loader /proc/modules && echo "KT: sample still listed"
	echo "KT: sample end"
	;;
esac
