# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest test scripts (sourced by /init through a test).

# The test-only switches of CONFIG_KEXEC_BZIMAGE64_RUST_SELFTEST.
SW=/sys/kernel/debug/kexec_rust

# use_loader c|rust|rust-cpurg: choose which bzImage64 loader takes the next
# image (rust-cpurg: the Rust loader with kexec_load_purgatory(), checked
# against the Rust purgatory build).
use_loader() {
	[ -w "$SW/c_loader" ] || { echo "KT: fail no $SW/c_loader"; finish; }
	case "$1" in
	c|C)
		echo Y >"$SW/c_loader"; echo N >"$SW/c_purgatory" ;;
	rust|r)
		echo N >"$SW/c_loader"; echo N >"$SW/c_purgatory" ;;
	rust-cpurg)
		echo N >"$SW/c_loader"; echo Y >"$SW/c_purgatory" ;;
	*)
		echo "KT: fail unknown loader '$1'"; finish ;;
	esac
}

# use_handoff c|rust: choose which code prepares the hand-off of the next
# image (machine_kexec_prepare() and machine_kexec()).
use_handoff() {
	[ -w "$SW/c_handoff" ] || { echo "KT: fail no $SW/c_handoff"; finish; }
	case "$1" in
	c|C) echo Y >"$SW/c_handoff" ;;
	rust|r) echo N >"$SW/c_handoff" ;;
	*) echo "KT: fail unknown hand-off '$1'"; finish ;;
	esac
}

# use_purgatory rust|c: which purgatory the Rust loader loads next: the
# built-in Rust one, or the C one built next to it (the c_digest switch).
use_purgatory() {
	case "$1" in
	rust|r) [ ! -e "$SW/c_digest" ] || echo N >"$SW/c_digest" ;;
	c|C)
		[ -w "$SW/c_digest" ] || { echo "KT: fail no $SW/c_digest"; finish; }
		echo Y >"$SW/c_digest" ;;
	*) echo "KT: fail unknown purgatory '$1'"; finish ;;
	esac
}

# tool NAME ARGS...: run Debian's NAME (kexec, vmcore-dmesg, makedumpfile)
# from the test disk, with its own shared libraries.
tool() {
	local t=/mnt/tools n=$1
	shift
	"$t/lib/ld-linux-x86-64.so.2" --library-path "$t/lib" "$t/bin/$n" "$@"
}

# memtotal: MemTotal in kB.
memtotal() { sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo; }
memavail() { sed -n 's/^MemAvailable: *\([0-9]*\) kB$/\1/p' /proc/meminfo; }

# wait_memory_added KB: after a hot-add by the host, wait (60 s at most) for
# MemTotal to grow past KB, then until it stays put for a second (the
# blocks are onlined one by one); prints the new MemTotal.
wait_memory_added() {
	local i=0 mt prev=
	while [ "$(memtotal)" -le "$1" ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	mt=$(memtotal)
	while [ "$mt" != "$prev" ] && [ $i -lt 700 ]; do
		prev=$mt
		sleep 1
		mt=$(memtotal)
		i=$((i + 10))
	done
	echo "$mt"
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

# stage_cmdline NONCE PAYLOAD_SHA256 ARGS...: the next stage's command line
# when its nonce or initrd are not next_cmdline's.
stage_cmdline() {
	local n=$1 p=$2
	shift 2
	echo "console=ttyS0 panic=-1 kt.stage=$((stage + 1)) kt.nonce=$n kt.payload=$p $*"
}

# kexec_next KERNEL INITRD CMDLINE: load with KEXEC_FILE_DEBUG through the
# chosen loader, show its log, kexec.  Returns only on failure.
kexec_next() {
	dmesg -c >/dev/null
	if kt_load load "$1" -i "$2" -d -c "$3"; then
		show_loader_log
		kt_load exec
	fi
	show_loader_log
	echo "KT: fail"
}

# initrd_with_payload MIB OUT: OUT is /mnt/images/stage2.cpio followed by a
# second newc archive holding MIB MiB of random /payload, which replaces the
# first one's when the kernel unpacks them; prints its sha256.
initrd_with_payload() {
	rm -rf /tmp/pl && mkdir /tmp/pl || return 1
	dd if=/dev/urandom of=/tmp/pl/payload bs=1M count="$1" iflag=fullblock 2>/dev/null &&
		sha256sum /tmp/pl/payload | cut -d' ' -f1 &&
		cp /mnt/images/stage2.cpio "$2" &&
		(cd /tmp/pl && echo payload | cpio -o -H newc 2>/dev/null) >>"$2"
	local rc=$?
	rm -rf /tmp/pl
	return $rc
}
