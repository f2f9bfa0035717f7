# SPDX-License-Identifier: GPL-2.0
# kdump: crash kernels through the Rust and the C loader.
#
# Stage 1, booted with crashkernel=:
#   - for each loader, a crash load with KEXEC_FILE_DEBUG (the host compares
#     the segments and the final command lines), then load over it, unload
#     twice, a refused load, load again, unload ("KT: kdseq" lines with
#     /sys/kernel/kexec_crash_loaded after each step);
#   - the crash kernel of this boot, loaded by kt.final: "rust" or "c"
#     (kt_load), or "tools" (Debian's `kexec -s -p`, through the Rust loader
#     with the c_purgatory switch, whose purgatory line names that loader
#     without KEXEC_FILE_DEBUG);
#   - with kt.hotplug=1, memory hot-added by the host (after "KT: hotplug
#     ready") and CPU 1 taken offline: CRASH_HOTPLUG rewrites the ELF core
#     headers of the loaded image;
#   - the first kernel's RAM and reservation (/proc/iomem);
#   - a marker written to the log, and a panic (sysrq c).
# Stage 2 is the crash kernel: its boot_params and command line, the
# vmcore's ELF headers, the raw ELF core headers (/dev/mem), the first
# kernel's log read back by vmcore-dmesg, and a makedumpfile -d 31 dump.
. /tests/lib.sh
img=/mnt/images
crash_loaded() { cat /sys/kernel/kexec_crash_loaded; }
# step NAME COMMAND...: one step of the load/unload sequence.
step() {
	local name=$1 r
	shift
	r=$("$@" | sed 's/^KT: //; s/ us=.*//')
	echo "KT: kdseq $l $name $r crash_loaded=$(crash_loaded)"
}

if [ "$stage" = 1 ]; then
	echo "KT: kdump reserved size=$(cat /sys/kernel/kexec_crash_size)" \
		"cpus=$(cat /sys/devices/system/cpu/online)"
	cl="$(next_cmdline kt.test=kdump kt.marker=$(arg kt.marker) nr_cpus=1 irqpoll reset_devices)"
	for l in c rust; do
		use_loader $l
		dmesg -c >/dev/null
		step load kt_load load $img/bzImage -i $img/stage2.cpio -d -K -c "$cl"
		show_loader_log "kd $l"
		step reload kt_load load $img/bzImage -i $img/stage2.cpio -K -c "$cl"
		step unload kt_load unload -K
		step unload2 kt_load unload -K
		step load2 kt_load load $img/bzImage -i $img/stage2.cpio -K -c "$cl"
		# 2030 bytes leave no room for elfcorehdr=: refused, and the image
		# loaded before is gone (a crash load first unloads the old one).
		step refused kt_load load $img/bzImage -i $img/stage2.cpio -K -c "$cl" -p 2030
		dmesg -c | grep -E 'kexec|bzImage' | sed "s/^\[[ 0-9.]*\] /KT: kdmsg $l refused /"
		step load3 kt_load load $img/bzImage -i $img/stage2.cpio -K -c "$cl"
		step unload3 kt_load unload -K
	done

	final=$(arg kt.final || echo rust)
	dmesg -c >/dev/null
	case $final in
	rust|c)
		use_loader $final
		kt_load load $img/bzImage -i $img/stage2.cpio -d -K -c "$cl" | sed 's/^KT: /KT: kdfinal /'
		;;
	tools)
		use_loader rust-cpurg
		tool kexec -s -p $img/bzImage --initrd=$img/stage2.cpio --append="$cl" 2>&1 |
			sed 's/^/KT: kdtools /'
		;;
	esac
	show_loader_log "kdfinal $final"
	echo "KT: kdump loaded $final crash_loaded=$(crash_loaded)"
	if [ "$(arg kt.hotplug)" = 1 ]; then
		mt0=$(memtotal)
		echo "KT: hotplug ready memtotal=$mt0"
		echo "KT: kdump memtotal before=$mt0 after=$(wait_memory_added "$mt0")"
		echo 0 >/sys/devices/system/cpu/cpu1/online
		echo "KT: kdump offline cpus=$(cat /sys/devices/system/cpu/online)"
	fi
	grep -E "System RAM|Crash kernel" /proc/iomem | sed 's/^ */KT: kdump iomem /'
	[ "$(crash_loaded)" = 1 ] || { echo "KT: fail no crash kernel"; finish; }
	echo "kt-marker-$(arg kt.marker)" >/dev/kmsg
	echo "KT: kdump crash"
	sync
	echo c >/proc/sysrq-trigger
	echo "KT: fail still alive"
else
	echo "KT: kdump capture vmcore=$(stat -c %s /proc/vmcore 2>/dev/null || echo none)"
	xxd -p -c 32 /sys/kernel/boot_params/data | sed 's/^/KT: kdbp /'
	echo "KT: kdcl $(sha256sum </proc/cmdline | cut -d' ' -f1) $(wc -c </proc/cmdline)"
	echo "KT: kdcmdline $(cat /proc/cmdline)"
	kt_load vmcore /proc/vmcore
	kt_load elfcorehdr
	tool vmcore-dmesg /proc/vmcore >/tmp/log.txt 2>/tmp/log.err
	rc=$?
	echo "KT: vmcore-dmesg rc=$rc lines=$(wc -l </tmp/log.txt)" \
		"marker=$(grep -c "kt-marker-$(arg kt.marker)" /tmp/log.txt)"
	head -3 /tmp/log.err | sed 's/^/KT: vmcore-dmesg err /'
	tool makedumpfile -d 31 /proc/vmcore /tmp/dump >/tmp/mdf.out 2>&1
	rc=$?
	echo "KT: makedumpfile rc=$rc bytes=$(stat -c %s /tmp/dump 2>/dev/null || echo 0)"
	tail -4 /tmp/mdf.out | sed 's/^/KT: makedumpfile out /'
	rm -f /tmp/dump
fi
