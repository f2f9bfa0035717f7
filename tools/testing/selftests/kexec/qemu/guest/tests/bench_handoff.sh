# SPDX-License-Identifier: GPL-2.0
# make bench, one boot per initrd size and purgatory.  With an initrd of
# kt.mib MiB (0: the plain stage-2 initrd): kt.rounds loads through the C
# and the Rust loader in turn, each with its latency and the MemAvailable it
# took ("KT: bench load TAG LOADER us=N held_kb=N"); with kt.debian=1 the
# same for /bench/vmlinuz-debian (no initrd).  Then one kexec through the
# Rust loader and the purgatory kt.purgatory, which the host times from the
# console.
. /tests/lib.sh
memavail() { sed -n 's/^MemAvailable: *\([0-9]*\) kB$/\1/p' /proc/meminfo; }

# bench_loads TAG KERNEL [INITRD]
bench_loads() {
	local tag=$1 kernel=$2 rd=$3 l before after r
	for l in c rust; do
		use_loader $l
		before=$(memavail)
		if [ -n "$rd" ]; then
			r=$(kt_load load "$kernel" -i "$rd" -c "console=ttyS0")
		else
			r=$(kt_load load "$kernel" -c "console=ttyS0")
		fi
		after=$(memavail)
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
	i=0
	while [ $i -lt "$(arg kt.rounds || echo 0)" ]; do
		bench_loads "initrd$mib" /mnt/images/bzImage "$rd"
		if [ "$(arg kt.debian)" = 1 ]; then
			bench_loads debian /bench/vmlinuz-debian
		fi
		i=$((i + 1))
	done
	use_loader rust
	use_purgatory "$(arg kt.purgatory || echo rust)"
	kexec_next /mnt/images/bzImage "$rd" "$(stage_cmdline "$(arg kt.next_nonce)" "$sha")"
fi
