# SPDX-License-Identifier: GPL-2.0
# kexec_malformed_errno and kexec_unbootable_refused: every image in
# /mnt/images/bad and /mnt/images/unbootable (see their MANIFESTs), and
# command lines around the limit, through each loader in turn.  For each
# it prints "KT: bad NAME LOADER <kt_load result>" and the loaders' messages
# as "KT: badmsg NAME LOADER <dmesg line>".
. /tests/lib.sh
bad=/mnt/images/bad

try() { # NAME LOADER kt_load-arguments...
	name=$1 l=$2
	shift 2
	use_loader "$l"
	dmesg -c >/dev/null
	r=$(kt_load load "$@" | sed -n 's/^KT: load //p')
	echo "KT: bad $name $l $r"
	dmesg -c | grep -E 'kexec-bzImage64|kexec_file|PEFILE' | sed "s/^\[[ 0-9.]*\] /KT: badmsg $name $l /"
	case "$r" in ok*) kt_load unload >/dev/null ;; esac
}

while read -r name _; do
	for l in c rust; do
		try "$name" "$l" "$bad/$name" -c "console=ttyS0"
	done
done <"$bad/MANIFEST"
while read -r ub _; do
	for l in c rust; do
		try "ub_$ub" "$l" "/mnt/images/unbootable/$ub" -c "console=ttyS0"
	done
done </mnt/images/unbootable/MANIFEST
for len in 2017 2018 2047 2048 4096; do
	for l in c rust; do
		try "cmdline_len_$len" "$l" /mnt/images/bzImage -c "console=ttyS0" -p $len
	done
done
echo "KT: malformed end"
