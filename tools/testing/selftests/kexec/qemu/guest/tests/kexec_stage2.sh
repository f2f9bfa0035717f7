# SPDX-License-Identifier: GPL-2.0
# Stage 1 loads the same kernel with a fresh nonce and the payload initrd,
# then kexecs into it; stage 2 (plain /init) proves it got both.
. /tests/lib.sh
if [ "$stage" = 1 ]; then
	use_loader "$(arg kt.loader || echo rust)"
	use_handoff "$(arg kt.handoff || echo rust)"
	use_purgatory "$(arg kt.purgatory || echo rust)"
	if grep -qw sha_ni /proc/cpuinfo; then echo "KT: cpu sha_ni"; else echo "KT: cpu no_sha_ni"; fi
	dmesg -c >/dev/null
	if kt_load load /images/bzImage -i /images/stage2.cpio -d -c "$(next_cmdline)"; then
		show_loader_log
		kt_load exec
	fi
	show_loader_log
	echo "KT: fail"
fi
