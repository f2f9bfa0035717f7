# SPDX-License-Identifier: GPL-2.0
# kexec_crash_header_e820 (debug kernel, booted with crashkernel=): a crash
# kernel whose setup header declares itself as long as it can (jump byte
# 0x201 = 0xff, so that it reaches into e820_table at 0x2d0) loaded through
# C and through Rust with KEXEC_FILE_DEBUG; both print the E820 map of the
# crash kernel's boot_params, which must be the crash memory map.
. /tests/lib.sh
img=/mnt/images/corpus/big_header_len_max
if [ "$stage" = 1 ]; then
	for l in c rust; do
		use_loader "$l"
		dmesg -c >/dev/null
		r=$(kt_load load $img -K -d -c "console=ttyS0" | sed -n 's/^KT: load \([^ ]*\).*/\1/p')
		echo "KT: crashe820 $l load ${r:-none}"
		dmesg -c | sed -n '/E820 memmap:/,$p' |
			grep -oE '[0-9a-f]{16}-[0-9a-f]{16} \([0-9]+\)' | sed "s/^/KT: crashe820 $l /"
		kt_load unload -K >/dev/null
	done
	echo "KT: crashe820 end"
	finish
fi
