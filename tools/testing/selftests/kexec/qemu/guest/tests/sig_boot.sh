# SPDX-License-Identifier: GPL-2.0
# Signed kexec: load the signed image through the loader named by kt.loader
# and kexec into it; stage 2 proves it ran (nonce, initrd).
. /tests/lib.sh
if [ "$stage" = 1 ]; then
	use_loader "$(arg kt.loader || echo rust)"
	dmesg -c >/dev/null
	if kt_load load /mnt/images/sig/signed -i /mnt/images/stage2.cpio -d -c "$(next_cmdline)"; then
		show_loader_log
		kt_load exec
	fi
	show_loader_log
	echo "KT: fail"
fi
