# SPDX-License-Identifier: GPL-2.0
# make bench: kexec_file_load latency of both loaders, interleaved in one
# boot: "KT: bench LOADER MICROSECONDS" for every load.
. /tests/lib.sh
n=$(arg kt.rounds || echo 20)
i=0
while [ $i -lt "$n" ]; do
	for l in c rust; do
		use_loader "$l"
		r=$(kt_load load /images/bzImage -i /images/stage2.cpio -c "console=ttyS0 kt.bench=1" |
			sed -n 's/^KT: load ok us=//p')
		[ -n "$r" ] && echo "KT: bench $l $r"
		kt_load unload >/dev/null
	done
	i=$((i + 1))
done
echo "KT: bench end"
