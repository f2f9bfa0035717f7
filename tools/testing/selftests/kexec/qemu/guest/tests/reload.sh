# SPDX-License-Identifier: GPL-2.0
# kexec_reload: load A, unload, exec (refused), load A', load B over it,
# exec: stage 2 must be B (kt.nonce_b, B's own initrd), never A or A'.
. /tests/lib.sh
loaded() { echo "KT: kexec_loaded $1 $(cat /sys/kernel/kexec_loaded)"; }
if [ "$stage" = 1 ]; then
	use_loader rust
	img=/mnt/images/bzImage
	a_sha=$(cat /mnt/images/payload.sha256)
	b_sha=$(initrd_with_payload 2 /tmp/b.cpio) || echo "KT: fail building the initrd"
	echo "KT: reload payload_a=$a_sha payload_b=$b_sha"
	dmesg -c >/dev/null
	kt_load load $img -i /mnt/images/stage2.cpio -d \
		-c "$(stage_cmdline "$(arg kt.nonce_a)" "$a_sha" kt.test=reload)"
	show_loader_log A
	loaded A
	kt_load unload
	loaded unload
	kt_load exec
	kt_load load $img -i /mnt/images/stage2.cpio -d \
		-c "$(stage_cmdline "$(arg kt.nonce_a2)" "$a_sha" kt.test=reload)"
	show_loader_log A2
	loaded A2
	kt_load load $img -i /tmp/b.cpio -d \
		-c "$(stage_cmdline "$(arg kt.nonce_b)" "$b_sha" kt.test=reload)"
	show_loader_log B
	loaded B
	kt_load exec
	echo "KT: fail"
else
	echo "KT: cmdline $(cat /proc/cmdline)"
	echo "KT: payload bytes=$(stat -c %s /payload)"
fi
