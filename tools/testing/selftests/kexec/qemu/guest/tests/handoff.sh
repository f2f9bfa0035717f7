# SPDX-License-Identifier: GPL-2.0
# The hand-off checks.  kexec_load(2) of one segment whose entry point lies
# past its end (the core does not check that), then inside it, each with the
# Rust hand-off (rust) and the C one (the c_handoff test switch: c); then a
# real image kexecs, showing the refusals left the kernel usable.
. /tests/lib.sh
if [ "$stage" = 1 ]; then
	echo "KT: handoff c_handoff $(cat "$SW/c_handoff" 2>/dev/null || echo missing)"
	dmesg -c >/dev/null
	for c in "outside 0x1000000 2 0x1002000" "inside 0x1000000 2 0x1001000"; do
		set -- $c
		for h in rust c; do
			use_handoff $h
			r=$(kt_load raw "$2" "$3" "$4" | sed 's/^KT: //; s/ us=.*//')
			echo "KT: raw $1 $h $r loaded=$(cat /sys/kernel/kexec_loaded)"
			dmesg -c | grep kexec | sed "s/^\[[ 0-9.]*\] /KT: rawmsg $1 $h /"
			kt_load unload >/dev/null
		done
	done
	use_handoff rust
	use_loader rust
	if kt_load load /images/bzImage -i /images/stage2.cpio -c "$(next_cmdline)"; then
		kt_load exec
	fi
	echo "KT: fail"
fi
