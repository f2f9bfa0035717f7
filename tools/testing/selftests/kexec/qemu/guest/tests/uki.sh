# SPDX-License-Identifier: GPL-2.0
# Unified Kernel Images (/mnt/images/uki, mkuki.py).  Stage 1 does what
# kt.uki names; stage 2 is booted with the UKI's own command line, which
# runs this script again (kt.test=uki) to report what it got.
#   boot     kexec the signed UKI, no initrd, no command line
#   extra    the same with an initrd of our own, /extra holding kt.extra
#   secboot  kexec the db-signed UKI (Secure Boot guests)
#   ukify    kexec the UKI laid out as systemd's ukify writes it
#   large    kexec the ukify-layout UKI with a 32 MiB .initrd, with an
#            initrd of our own: /extra (kt.extra) and 8 MiB of /caller_big
#   matrix   load each signed/tampered UKI, with and without a command line
#   debug    load each malformed UKI, one with a command line of ours, a
#            plain bzImage and a file that is not PE
# Loads print "KT: uki NAME <kt_load result>" and the loaders' and the
# verification's messages as "KT: ukimsg NAME <line>".
. /tests/lib.sh
dir=/mnt/images/uki

if [ "$stage" != 1 ]; then
	echo "KT: uki stage $stage cmdline $(sha256sum /proc/cmdline | cut -c1-16)"
	[ -f /extra ] && echo "KT: uki extra $(cat /extra)"
	layout=$(arg kt.layout) && echo "KT: uki layout $layout"
	if want=$(arg kt.big); then
		got=$(sha256sum /uki_big 2>/dev/null | cut -d' ' -f1)
		if [ "$got" = "$want" ]; then echo "KT: uki big ok"; else echo "KT: uki big bad '$got'"; fi
	fi
	[ -f /caller_big ] && echo "KT: uki caller_big $(wc -c </caller_big)"
	mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
	[ -f /sys/kernel/security/lockdown ] && echo "KT: lockdown $(cat /sys/kernel/security/lockdown)"
	return 0
fi

# try NAME FILE ARGS...: one load, reported, unloaded.
try() {
	local name=$1 file=$2 r
	shift 2
	dmesg -c >/dev/null
	r=$(kt_load load "$file" "$@" | sed -n 's/^KT: load //p')
	echo "KT: uki $name $r"
	dmesg -c | grep -E 'kexec-bzImage64|PEFILE|PKCS7|Lockdown|kexec_file: Enforced' |
		grep -vE 'E820|[0-9a-f]{16}-[0-9a-f]{16}|Loaded (purgatory|boot_param)|purgatory laid out' |
		sed "s/^\[[ 0-9.]*\] /KT: ukimsg $name /"
	case "$r" in ok*) kt_load unload >/dev/null ;; esac
}

case "$(arg kt.uki)" in
boot|secboot|ukify)
	f=$dir/signed
	[ "$(arg kt.uki)" = secboot ] && f=$dir/db_signed
	[ "$(arg kt.uki)" = ukify ] && f=$dir/ukify_signed
	dmesg -c >/dev/null
	kt_load load $f -d -n && { show_loader_log; kt_load exec; }
	show_loader_log
	echo "KT: fail"
	;;
extra)
	rm -rf /tmp/x && mkdir /tmp/x && arg kt.extra >/tmp/x/extra
	(cd /tmp/x && echo extra | cpio -o -H newc 2>/dev/null) >/tmp/extra.cpio
	dmesg -c >/dev/null
	kt_load load $dir/signed -d -n -i /tmp/extra.cpio && { show_loader_log; kt_load exec; }
	show_loader_log
	echo "KT: fail"
	;;
large)
	rm -rf /tmp/x && mkdir /tmp/x && arg kt.extra >/tmp/x/extra
	dd if=/dev/urandom of=/tmp/x/caller_big bs=1M count=8 iflag=fullblock 2>/dev/null
	(cd /tmp/x && printf 'extra\ncaller_big\n' | cpio -o -H newc 2>/dev/null) >/tmp/extra.cpio
	rm -rf /tmp/x
	echo "KT: uki caller_initrd $(wc -c </tmp/extra.cpio)"
	dmesg -c >/dev/null
	kt_load load $dir/large_signed -d -n -i /tmp/extra.cpio && { show_loader_log; kt_load exec; }
	show_loader_log
	echo "KT: fail"
	;;
matrix)
	try signed $dir/signed -n
	try signed_caller_cmdline $dir/signed -c "console=ttyS0 kt.caller=1"
	for t in linux initrd cmdline; do try tampered_$t $dir/tampered_$t -n; done
	try unsigned $dir/unsigned -n
	echo "KT: uki end"
	;;
debug)
	while read -r name _; do try "$name" "$dir/$name" -n; done <$dir/MANIFEST
	try caller_cmdline $dir/unsigned -d -c "kt.caller=1"
	try plain_bzimage /mnt/images/bzImage -d -n
	try not_pe /mnt/images/payload.sha256 -n
	echo "KT: uki end"
	;;
*)
	echo "KT: fail unknown kt.uki"
	;;
esac
