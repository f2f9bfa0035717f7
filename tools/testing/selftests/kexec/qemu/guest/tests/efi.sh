# SPDX-License-Identifier: GPL-2.0
# UEFI (the distro kernel started by OVMF as an EFI application): stage 1
# writes an EFI variable through efivarfs and has IMA (ima_policy=tcb)
# measure three files of the test disk, then loads the next kernel through
# the loader named by kt.loader and kexecs.  Stage 2 reads the variable back
# through the firmware's runtime services, dumps the boot_params,
# setup_data and EFI runtime map it was given, and lists the IMA
# measurements it was handed.
. /tests/lib.sh
efivars=/sys/firmware/efi/efivars
var=KexecRsTest-4b657865-632d-7273-7465-737476617231
sec=/sys/kernel/security
mount -t securityfs securityfs $sec 2>/dev/null
[ -d /sys/firmware/efi ] || { echo "KT: fail not booted through EFI"; finish; }
mount -t efivarfs efivarfs $efivars || { echo "KT: fail no efivarfs"; finish; }
echo "KT: efi booted lockdown=$(sed 's/.*\[\(.*\)\].*/\1/' $sec/lockdown)"

# ima_report STAGE: the measurement count, and which of stage 1's files
# are in the list.
ima_report() {
	local f
	echo "KT: ima $1 count $(cat $sec/ima/runtime_measurements_count)"
	for f in /mnt/images/sig/MANIFEST /mnt/images/bad/MANIFEST /mnt/images/payload.sha256; do
		grep -q " $f\$" $sec/ima/ascii_runtime_measurements && echo "KT: ima $1 has $f"
	done
}

if [ "$stage" = 1 ]; then
	# Attributes non-volatile, boot and runtime access (7), then the data.
	printf '\007\000\000\000%s' "$(arg kt.next_nonce)" >$efivars/$var &&
		echo "KT: efivar written"
	cat /mnt/images/sig/MANIFEST /mnt/images/bad/MANIFEST /mnt/images/payload.sha256 >/dev/null
	ima_report 1
	use_loader "$(arg kt.loader)"
	kexec_next /mnt/images/bzImage /mnt/images/stage2.cpio \
		"$(stage_cmdline "$(arg kt.next_nonce)" "$(cat /mnt/images/payload.sha256)" kt.test=efi ima_policy=tcb)"
	finish
fi

echo "KT: efivar read $(tail -c +5 $efivars/$var 2>/dev/null)"
ima_report 2
bp=/sys/kernel/boot_params
xxd -p -c 32 $bp/data | sed "s/^/KT: bphex 0 /"
for d in $bp/setup_data/*; do
	[ -d "$d" ] || continue
	t=$(cat "$d/type")
	# The RNG seed differs at every load: its type and size only.
	case $t in
	0x9|9) h=- ;;
	*) h=$(xxd -p "$d/data" | tr -d '\n') ;;
	esac
	echo "KT: sd 0 $t $(stat -c %s "$d/data") $h"
done
for d in /sys/firmware/efi/runtime-map/*; do
	[ -d "$d" ] && echo "KT: rtmap $(basename "$d") $(cat "$d/type" "$d/phys_addr" "$d/virt_addr" "$d/num_pages" "$d/attribute" | tr '\n' ' ')"
done
echo "KT: rtmap end"
