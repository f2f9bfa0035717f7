# SPDX-License-Identifier: GPL-2.0
# Secure Boot (OVMF with Debian's test key in PK, KEK and db): the kernel is
# locked down and knows the db key through its platform keyring only.
# Stage 1 loads each image of /mnt/images/sig named below, as
# "KT: sb NAME <kt_load result>" with the kernel's messages about it as
# "KT: sbmsg NAME <dmesg line>", tries kexec_load(2) (kt_load raw, then
# kexec-tools' kexec -c -l), and with kt.go=1 kexecs the db-signed image.
# The loader is chosen at boot (kexec_rust_selftest.c_loader=Y for C): under
# lockdown the debugfs switches cannot be written.
. /tests/lib.sh
sec=/sys/kernel/security
mount -t securityfs securityfs $sec 2>/dev/null
echo "KT: lockdown $(cat $sec/lockdown)"
dmesg | grep -q 'Secure boot enabled' && echo "KT: secure boot enabled"
# The platform keyring and how many keys it holds.
awk '$9 == ".platform:" { print "KT: keyring .platform " $10 " " $11 }' /proc/keys
dmesg | grep -E 'integrity: Loaded X.509 cert' | sed 's/^\[[ 0-9.]*\] /KT: cert /'
[ "$stage" = 1 ] || return 0

dir=/mnt/images/sig
for name in db_signed signed unsigned untrusted db_tampered; do
	# The db-signed load with KEXEC_FILE_DEBUG tells which loader took it.
	d=
	[ $name = db_signed ] && d=-d
	dmesg -c >/dev/null
	r=$(kt_load load $dir/$name $d -c "console=ttyS0" | sed -n 's/^KT: load //p')
	echo "KT: sb $name $r"
	# What the loader, the verification and lockdown say.
	dmesg -c | grep -E 'Lockdown|PEFILE|PKCS7|X.509|kexec-bzImage64' |
		grep -vE 'Loaded|E820|[0-9a-f]{16}-[0-9a-f]{16}|Final command line|purgatory' |
		sed "s/^\[[ 0-9.]*\] /KT: sbmsg $name /"
	case "$r" in ok*) kt_load unload >/dev/null ;; esac
done
# kexec_load(2) has no file to appraise: IMA refuses it under Secure Boot
# (EACCES) before lockdown would (EPERM).
dmesg -c >/dev/null
r=$(kt_load raw 0x1000000 2 0x1000000 | sed -n 's/^KT: load //p')
echo "KT: sb kexec_load $r"
tool kexec -c -l $dir/db_signed --append="console=ttyS0" >/dev/null 2>&1
echo "KT: sb kexec-tools rc=$?"
dmesg -c | grep -E 'Lockdown|ima: impossible' | sed "s/^\[[ 0-9.]*\] /KT: sbmsg kexec_load /"
if [ "$(arg kt.go)" = 1 ]; then
	kexec_next $dir/db_signed /mnt/images/stage2.cpio \
		"$(stage_cmdline "$(arg kt.next_nonce)" "$(cat /mnt/images/payload.sha256)" kt.test=secboot)"
fi
