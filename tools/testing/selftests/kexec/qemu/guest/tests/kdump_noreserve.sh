# SPDX-License-Identifier: GPL-2.0
# kdump_no_reservation: booted without crashkernel=, a crash load through
# each loader (kt_load, then Debian's `kexec -s -p`) is refused; the host
# compares the answers and the kernel's messages.
. /tests/lib.sh
img=/mnt/images
if [ "$stage" = 1 ]; then
	echo "KT: kdnr reserved size=$(cat /sys/kernel/kexec_crash_size)"
	for l in c rust; do
		use_loader $l
		dmesg -c >/dev/null
		r=$(kt_load load $img/bzImage -i $img/stage2.cpio -K -c "console=ttyS0" |
			sed 's/^KT: //; s/ us=.*//')
		echo "KT: kdnr $l $r crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)"
		dmesg -c | grep -E 'kexec|bzImage|crash' | sed "s/^\[[ 0-9.]*\] /KT: kdnrmsg $l /"
		out=$(tool kexec -s -p $img/bzImage --initrd=$img/stage2.cpio --append="console=ttyS0" 2>&1)
		echo "KT: kdnrtools $l rc=$? crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)" \
			"$(echo "$out" | tr '\n' ' ')"
		dmesg -c | grep -E 'kexec|bzImage|crash' | sed "s/^\[[ 0-9.]*\] /KT: kdnrtoolsmsg $l /"
	done
fi
