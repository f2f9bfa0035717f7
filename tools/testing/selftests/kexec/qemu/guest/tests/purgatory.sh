# SPDX-License-Identifier: GPL-2.0
# A byte of a loaded segment is changed after its digest was taken (the
# flip_byte switch), then the machine kexecs: the purgatory chosen by
# kt.purgatory (rust or c) must refuse to start stage 2.
. /tests/lib.sh
if [ "$stage" = 1 ]; then
	use_loader rust
	use_purgatory "$(arg kt.purgatory || echo rust)"
	[ -w "$SW/flip_byte" ] || { echo "KT: fail no $SW/flip_byte"; finish; }
	echo Y >"$SW/flip_byte"
	if grep -qw sha_ni /proc/cpuinfo; then echo "KT: cpu sha_ni"; else echo "KT: cpu no_sha_ni"; fi
	kexec_next /images/bzImage /images/stage2.cpio "$(next_cmdline)"
fi
