# SPDX-License-Identifier: GPL-2.0
# The hand-off checks.  kexec_load(2) of one segment whose entry point lies
# past its end (the core does not check that), then inside it, each with the
# Rust hand-off (kexec_rust_handoff=Y) and the C one (N); then a real image
# kexecs, showing the refusals left the kernel usable.
. /tests/lib.sh
HO=/sys/module/kernel/parameters/kexec_rust_handoff
if [ "$stage" = 1 ]; then
	[ -w "$HO" ] || { echo "KT: fail no kexec_rust_handoff"; finish; }
	echo "KT: handoff param $(cat $HO)"
	dmesg -c >/dev/null
	for c in "outside 0x1000000 2 0x1002000" "inside 0x1000000 2 0x1001000"; do
		set -- $c
		for h in Y N; do
			echo $h >$HO
			r=$(kt_load raw "$2" "$3" "$4" | sed 's/^KT: //; s/ us=.*//')
			echo "KT: raw $1 $h $r loaded=$(cat /sys/kernel/kexec_loaded)"
			dmesg -c | grep kexec | sed "s/^\[[ 0-9.]*\] /KT: rawmsg $1 $h /"
			kt_load unload >/dev/null
		done
	done
	echo Y >$HO
	use_loader rust
	if kt_load load /images/bzImage -i /images/stage2.cpio -c "$(next_cmdline)"; then
		kt_load exec
	fi
	echo "KT: fail"
fi
