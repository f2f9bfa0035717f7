# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest test scripts (sourced by /init through a test).

# use_loader c|rust: choose which bzImage64 loader kexec_file_load tries first.
use_loader() {
	knob=/sys/module/kernel/parameters/kexec_rust_loader
	case "$1" in
	c)
		if [ -w "$knob" ]; then echo 0 >"$knob"; fi ;;
	rust)
		if [ -w "$knob" ]; then echo 1 >"$knob"; else echo "KT: fail no rust loader"; finish; fi ;;
	esac
}

# next_cmdline: the command line for the next stage of a chain.
next_cmdline() {
	echo "console=ttyS0 panic=-1 kt.stage=$((stage + 1)) kt.nonce=$(arg kt.next_nonce) kt.payload=$(cat /images/payload.sha256) $*"
}

# show_loader_log: the loader's debug lines from this load (KEXEC_FILE_DEBUG).
show_loader_log() {
	dmesg | grep -E 'kexec|bzImage' | sed 's/^/KT: dmesg /'
	dmesg -c >/dev/null
}
