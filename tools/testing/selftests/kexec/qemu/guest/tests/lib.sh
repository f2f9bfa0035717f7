# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest test scripts (sourced by /init through a test).

KNOB=/sys/module/kernel/parameters/kexec_rust_loader

# use_loader c|rust|rust-cpurg: choose which bzImage64 loader takes the next
# image (rust-cpurg: the Rust loader with kexec_load_purgatory(), checked
# against the Rust purgatory build).
use_loader() {
	case "$1" in
	c|C)
		[ ! -w "$KNOB" ] || echo 0 >"$KNOB" ;;
	rust|r)
		if [ -w "$KNOB" ]; then echo 1 >"$KNOB"; else echo "KT: fail no rust loader"; finish; fi ;;
	rust-cpurg)
		if [ -w "$KNOB" ]; then echo 2 >"$KNOB"; else echo "KT: fail no rust loader"; finish; fi ;;
	*)
		echo "KT: fail unknown loader '$1'"; finish ;;
	esac
}

# next_cmdline ARGS...: the command line for the next stage of a chain.
next_cmdline() {
	echo "console=ttyS0 panic=-1 kt.stage=$((stage + 1)) kt.nonce=$(arg kt.next_nonce) kt.payload=$(cat /images/payload.sha256) $*"
}

# show_loader_log [TAG]: this load's kexec lines from dmesg (KEXEC_FILE_DEBUG
# and errors), as "KT: dmesg" (or "KT: TAG") lines; clears the log.
show_loader_log() {
	dmesg -c | grep -E 'kexec|bzImage' | sed "s/^\[[ 0-9.]*\] /KT: ${1:-dmesg} /"
}
