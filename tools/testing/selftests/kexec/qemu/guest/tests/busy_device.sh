# SPDX-License-Identifier: GPL-2.0
# kexec_busy_device: stage 1 kexecs while another process keeps reading the
# virtio disk (O_DIRECT, so every read reaches the device); stage 2 reads
# the disk again and checks the range kt.blk=OFFSET_MB:SHA256 (4 MiB).
. /tests/lib.sh
blk=$(arg kt.blk)
blk_check() {
	local got
	got=$(dd if=/dev/vda bs=1M skip="${blk%%:*}" count=4 iflag=direct 2>/dev/null |
		sha256sum | cut -d' ' -f1)
	if [ "$got" = "${blk#*:}" ]; then echo "KT: blk $1 ok"; else echo "KT: blk $1 bad '$got'"; fi
}
reads() { awk '{ print $1 }' /sys/block/vda/stat; }
# The reader's dd (it restarts every 64 MiB: look a few times).
readers() {
	for i in 1 2 3 4 5; do pidof dd && return; done
}
if [ "$stage" = 1 ]; then
	blk_check stage1
	# 64 MiB at a time, from offsets that keep moving over the 256 MiB
	# disk; /bin/dd so that it runs as its own process named dd.
	(
		off=0
		while :; do
			/bin/dd if=/dev/vda of=/dev/null bs=1M skip=$off count=64 iflag=direct 2>/dev/null
			off=$(((off + 37) % 192))
		done
	) &
	reader=$!
	r0=$(reads)
	sleep 1
	echo "KT: busy reader=$reader reads=$r0..$(reads) dd=$(readers)"
	use_loader rust
	dmesg -c >/dev/null
	if kt_load load /mnt/images/bzImage -i /mnt/images/stage2.cpio -d \
		-c "$(stage_cmdline "$(arg kt.next_nonce)" "$(cat /mnt/images/payload.sha256)" kt.test=busy_device kt.blk=$blk)"; then
		show_loader_log
		r0=$(reads)
		sleep 1
		kill -0 $reader && echo "KT: busy at exec reads=$r0..$(reads) dd=$(readers)" \
			"inflight=$(cat /sys/block/vda/inflight | tr -s ' ' , | sed 's/^,//')"
		kt_load exec
	fi
	show_loader_log
	echo "KT: fail"
else
	echo "KT: blk dev=$([ -b /dev/vda ] && echo present) sectors=$(cat /sys/block/vda/size)" \
		"mounted=$(grep -c '^/dev/vda /mnt ' /proc/mounts)"
	blk_check stage2
	dd if=/dev/vda of=/dev/null bs=1M iflag=direct 2>/dev/null
	echo "KT: blk full read rc=$?"
	errs=$(dmesg | grep -iE 'I/O error|blk_update_request|buffer_io_error|EXT2-fs error|virtio.*(error|fail|broken|bad|timeout)')
	echo "KT: blk errors=$(echo -n "$errs" | grep -c .)"
	echo -n "$errs" | sed 's/^/KT: blkerr /'
fi
