# SPDX-License-Identifier: GPL-2.0
# make bench: kexec_file_load latency, interleaved in one boot, of the C
# loader and the Rust loader (both with the Rust hand-off preparation and
# checks), and of the Rust loader with the C hand-off preparation
# (the c_handoff test switch): "KT: bench LABEL MICROSECONDS" for every load.
. /tests/lib.sh
n=$(arg kt.rounds || echo 20)
i=0
while [ $i -lt "$n" ]; do
	for run in c:rust rust:rust rust_choff:c; do
		label=${run%%:*}
		use_loader "${label%_choff}"
		use_handoff "${run#*:}"
		r=$(kt_load load /images/bzImage -i /images/stage2.cpio -c "console=ttyS0 kt.bench=1" |
			sed -n 's/^KT: load ok us=//p')
		[ -n "$r" ] && echo "KT: bench $label $r"
		kt_load unload >/dev/null
	done
	i=$((i + 1))
done
echo "KT: bench end"
