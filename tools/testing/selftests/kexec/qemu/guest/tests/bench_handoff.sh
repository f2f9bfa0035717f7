# SPDX-License-Identifier: GPL-2.0
# make bench, one boot per initrd size and purgatory.  With an initrd of
# kt.mib MiB (0: the plain stage-2 initrd): kt.rounds loads through the C
# and the Rust loader in turn, each with its latency and the MemAvailable it
# took, read once settled ("KT: bench load TAG LOADER us=N held_kb=N"); with kt.debian=1 the
# same for /bench/vmlinuz-debian (no initrd).  Then one kexec through the
# Rust loader and the purgatory kt.purgatory, which the host times from the
# console.
. /tests/lib.sh

# settled: MemAvailable with the page cache dropped (reading the image
# files fills it, and MemAvailable counts part of it), once the per-CPU
# counters have been folded back (the kernel does so every second).
settled() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 2
	memavail
}

# bench_loads TAG ORDER KERNEL [INITRD]: one load per loader, in ORDER.
bench_loads() {
	local tag=$1 order=$2 kernel=$3 rd=$4 l before after r
	for l in $order; do
		use_loader $l
		before=$(settled)
		# The files in the page cache again, as for any load but the
		# first: the latency is the load's, not the disk's.
		cat "$kernel" $rd >/dev/null
		if [ -n "$rd" ]; then
			r=$(kt_load load "$kernel" -i "$rd" -c "console=ttyS0")
		else
			r=$(kt_load load "$kernel" -c "console=ttyS0")
		fi
		after=$(settled)
		r=$(echo "$r" | sed -n 's/^KT: load ok us=//p')
		if [ -n "$r" ]; then
			echo "KT: bench load $tag $l us=$r held_kb=$((before - after))"
		else
			echo "KT: bench load $tag $l failed"
		fi
		kt_load unload >/dev/null
	done
}

if [ "$stage" = 1 ]; then
	# Per-CPU page lists kept small: by default the kernel lets them grow
	# to an eighth of a zone, and pages a load takes from them, or an
	# unload gives back to them, never show in MemAvailable.
	echo 1000000 >/proc/sys/vm/percpu_pagelist_high_fraction
	mib=$(arg kt.mib || echo 0)
	if [ "$mib" = 0 ]; then
		rd=/mnt/images/stage2.cpio
		sha=$(cat /mnt/images/payload.sha256)
	else
		sha=$(initrd_with_payload "$mib" /tmp/rd.cpio) ||
			{ echo "KT: fail building the initrd"; finish; }
		rd=/tmp/rd.cpio
	fi
	echo "KT: bench initrd mib=$mib bytes=$(stat -c %s "$rd")"
	# The loaders take turns going first, so that neither always finds
	# what the other left behind.
	i=0
	while [ $i -lt "$(arg kt.rounds || echo 0)" ]; do
		if [ $((i % 2)) = 0 ]; then order="c rust"; else order="rust c"; fi
		bench_loads "initrd$mib" "$order" /mnt/images/bzImage "$rd"
		if [ "$(arg kt.debian)" = 1 ]; then
			bench_loads debian "$order" /bench/vmlinuz-debian
		fi
		i=$((i + 1))
	done
	use_loader rust
	use_purgatory "$(arg kt.purgatory || echo rust)"
	kexec_next /mnt/images/bzImage "$rd" "$(stage_cmdline "$(arg kt.next_nonce)" "$sha")"
fi
