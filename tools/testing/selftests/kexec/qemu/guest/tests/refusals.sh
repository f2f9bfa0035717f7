# SPDX-License-Identifier: GPL-2.0
# kexec_handoff_refusals (debug kernel): with a good image loaded, loads
# whose hand-off check sees each corruption of the corrupt test switch in
# turn; each must fail with EINVAL and the reason, leaving the image loaded
# before in place; then a good load and kexec.
. /tests/lib.sh
img=/mnt/images
if [ "$stage" = 1 ]; then
	use_loader rust
	use_handoff rust
	kt_load load $img/corpus/base -c "console=ttyS0 kt.x=1" | sed 's/^KT: /KT: refuse before /'
	c=1
	while [ $c -le 13 ]; do
		echo $c >"$SW/corrupt"
		dmesg -c >/dev/null
		r=$(kt_load load $img/corpus/base -c "console=ttyS0 kt.x=2" | sed 's/^KT: //; s/ us=.*//')
		echo 0 >"$SW/corrupt"
		echo "KT: refuse $c $r loaded=$(cat /sys/kernel/kexec_loaded)"
		dmesg -c | grep -E 'hand-off|selftest' | sed "s/^\[[ 0-9.]*\] /KT: refusemsg $c /"
		c=$((c + 1))
	done
	kexec_next $img/bzImage $img/stage2.cpio "$(next_cmdline)"
fi
