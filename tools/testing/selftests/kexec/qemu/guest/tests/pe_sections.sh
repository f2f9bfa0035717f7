# SPDX-License-Identifier: GPL-2.0
# pe_sections_refused (debug kernel, signatures checked, not forced): signed
# images without sections or with a section past the end of the file (what
# C's digest stage hashes unchecked) through the Rust loader, then the one
# without sections through the C loader, last: upstream's digest stage
# writes through ZERO_SIZE_PTR there.
. /tests/lib.sh
dir=/mnt/images/sig
if [ "$stage" = 1 ]; then
	try() { # LOADER NAME
		use_loader "$1"
		dmesg -c >/dev/null
		r=$(kt_load load "$dir/$2" -c "console=ttyS0" | sed -n 's/^KT: load \([^ ]*\).*/\1/p')
		echo "KT: pesec $1 $2 ${r:-none}"
		dmesg -c | grep -E 'PE image refused|PEFILE|kexec-bzImage64' | head -5 |
			sed "s/^\[[ 0-9.]*\] /KT: pesecmsg $1 $2 /"
		case "$r" in ok) kt_load unload >/dev/null ;; esac
	}
	try rust no_sections
	try rust section_past_end
	try rust signed
	echo "KT: pesec c-start"
	try c no_sections
	echo "KT: pesec end"
	finish
fi
