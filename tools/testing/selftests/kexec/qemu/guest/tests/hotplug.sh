# SPDX-License-Identifier: GPL-2.0
# kexec_after_memory_hotplug: stage 1 loads the next stage through the Rust
# loader, then says "KT: hotplug ready"; the host hot-adds a DIMM (QEMU
# pc-dimm, ACPI memory hotplug, onlined by the kernel); stage 1 waits until
# MemTotal grew, shows the new memory blocks and kexecs the image loaded
# before.  Stage 2 (the same script) shows the memory it sees.
. /tests/lib.sh
MEM=/sys/devices/system/memory
# The memory blocks that are online, one name a line.
online_blocks() {
	for d in $MEM/memory*; do
		[ "$(cat "$d/online" 2>/dev/null)" = 1 ] && echo "${d##*/}"
	done
}
show_ram() {
	grep 'System RAM' /proc/iomem | sed "s/^ */KT: hotplug iomem $1 /"
}
if [ "$stage" = 1 ]; then
	use_loader rust
	use_handoff rust
	dmesg -c >/dev/null
	if ! kt_load load /mnt/images/bzImage -i /mnt/images/stage2.cpio -d \
		-c "$(next_cmdline kt.test=hotplug)"; then
		show_loader_log
		echo "KT: fail"
		finish
	fi
	show_loader_log
	online_blocks >/tmp/blocks0
	mt0=$(memtotal) bl0=$(wc -l </tmp/blocks0)
	show_ram before
	echo "KT: hotplug ready memtotal=$mt0 blocks=$bl0 block_size=0x$(cat $MEM/block_size_bytes)" \
		"kexec_loaded=$(cat /sys/kernel/kexec_loaded)"
	# The host hot-adds now.
	mt1=$(wait_memory_added "$mt0")
	online_blocks >/tmp/blocks1
	bs=$(cat $MEM/block_size_bytes)
	echo "KT: hotplug memtotal before=$mt0 after=$mt1 blocks before=$bl0" \
		"after=$(wc -l </tmp/blocks1)"
	for b in $(grep -vxF -f /tmp/blocks0 /tmp/blocks1); do
		pi=$(cat $MEM/$b/phys_index)
		start=$((0x$pi * 0x$bs))
		printf 'KT: hotplug block %s %#x-%#x %s\n' "$b" "$start" $((start + 0x$bs - 1)) \
			"$(cat $MEM/$b/state)"
	done
	show_ram after
	dmesg -c | grep -iE 'hotplug|memory|acpi.*(PNP0C80|dimm)' | sed 's/^\[[ 0-9.]*\] /KT: hotplug dmesg /'
	echo "KT: hotplug kexec_loaded=$(cat /sys/kernel/kexec_loaded)"
	kt_load exec
	show_loader_log
	echo "KT: fail"
else
	echo "KT: hotplug stage$stage memtotal=$(memtotal) blocks=$(online_blocks | wc -l)"
fi
