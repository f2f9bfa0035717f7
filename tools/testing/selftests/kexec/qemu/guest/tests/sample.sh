# SPDX-License-Identifier: GPL-2.0
# The sample loader (samples/rust/rust_kexec_loader.rs), a module on the
# disk, and its flat image (/mnt/images/flat, mkflat.py) with the test's
# nonce written in.
#   kt.sample=stage2  insmod, load the flat image, kexec: the program it
#                     holds prints the nonce on the serial port
#   kt.sample=unload  insmod, load, rmmod (refused: the image is pending),
#                     unload, rmmod, load again (ENOEXEC)
#   kt.sample=failed  insmod; the module's reference count (refcnt) after
#                     a load the sample refuses (bad header: EINVAL), a
#                     load, a replacing load and an unload, every
#                     allocation of a load failed in turn, and, with
#                     lockdown raised, a load whose signature check the
#                     sample fails (EPERM); then rmmod
#   kt.sample=lockdown  insmod, lockdown raised to integrity; a flat image
#                     (which the sample's verify_sig accepts) and a signed
#                     bzImage (the built-in loader) are loaded; rmmod
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

# refcnt STEP: the module's reference count, reported.
refcnt() {
	echo "KT: sample refcnt_$1 $(cat /sys/module/rust_kexec_loader/refcnt 2>/dev/null || echo none)"
}

# lockdown: raise lockdown to integrity (insmod of the unsigned sample
# would be refused after it).
lockdown() {
	mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
	echo integrity >/sys/kernel/security/lockdown
	echo "KT: sample lockdown $(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/security/lockdown)"
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
failed)
	# flags 1: probed (the magic), refused by the sample (EINVAL).
	bad=/tmp/flat-bad.img
	cp $img $bad
	printf '\001' | dd of=$bad bs=1 seek=12 conv=notrunc 2>/dev/null
	refcnt start
	echo "KT: sample bad $(kt_load load $bad -n | sed -n 's/^KT: load //p')"
	refcnt bad
	load good
	refcnt loaded
	load replace
	refcnt replaced
	kt_load unload >/dev/null
	refcnt unloaded
	# Every allocation of the load failed in turn (fail-nth), each load
	# that went through unloaded; slab and page allocations that may
	# sleep count too.
	for a in failslab fail_page_alloc; do
		echo N >/sys/kernel/debug/$a/ignore-gfp-wait
		echo 0 >/sys/kernel/debug/$a/verbose
	done
	kt_load faults sample $img -n | grep '^KT: faults'
	refcnt faults
	lockdown
	dmesg -c >/dev/null
	echo "KT: sample bad_locked $(kt_load load $bad -n | sed -n 's/^KT: load //p')"
	dmesg -c | grep -E 'kexec|flat|signature' | sed 's/^\[[ 0-9.]*\] /KT: dmesg /'
	refcnt bad_locked
	rmmod rust_kexec_loader
	echo "KT: sample rmmod rc=$?"
	grep -q rust_kexec_loader /proc/modules && echo "KT: sample still listed"
	echo "KT: sample end"
	;;
lockdown)
	lockdown
	dmesg -c >/dev/null
	load flat_locked
	dmesg -c | grep -E 'kexec|flat|signature' | sed 's/^\[[ 0-9.]*\] /KT: dmesg /'
	refcnt flat_locked
	kt_load unload >/dev/null
	# The kernel's own formats still load under lockdown when signed.
	echo "KT: sample signed_locked $(kt_load load /mnt/images/sig/signed -c console=ttyS0 | sed -n 's/^KT: load //p')"
	echo "KT: sample unsigned_locked $(kt_load load /mnt/images/sig/unsigned -c console=ttyS0 | sed -n 's/^KT: load //p')"
	kt_load unload >/dev/null
	refcnt end
	rmmod rust_kexec_loader
	echo "KT: sample rmmod rc=$?"
	echo "KT: sample end"
	;;
esac
