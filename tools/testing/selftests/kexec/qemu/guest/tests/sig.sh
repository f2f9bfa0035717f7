# SPDX-License-Identifier: GPL-2.0
# Signed kexec: every image in /mnt/images/sig (see its MANIFEST) through
# each loader, as "KT: sig NAME LOADER <kt_load result>" plus the kernel's
# messages about it as "KT: sigmsg NAME LOADER <dmesg line>".
# kt.sig_names=A,B,...: only those images.
. /tests/lib.sh
dir=/mnt/images/sig
only=$(arg kt.sig_names)

while read -r name _; do
	case ",$only," in ,,|*",$name,"*) ;; *) continue ;; esac
	for l in c rust; do
		use_loader "$l"
		dmesg -c >/dev/null
		r=$(kt_load load "$dir/$name" -c "console=ttyS0" | sed -n 's/^KT: load //p')
		echo "KT: sig $name $l $r"
		dmesg -c | grep -E 'kexec|PEFILE|PKCS7|X.509|sig|bzImage' |
			sed "s/^\[[ 0-9.]*\] /KT: sigmsg $name $l /"
		case "$r" in ok*) kt_load unload >/dev/null ;; esac
	done
done <"$dir/MANIFEST"
echo "KT: sig end"
