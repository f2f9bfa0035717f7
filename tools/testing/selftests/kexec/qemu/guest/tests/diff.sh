# SPDX-License-Identifier: GPL-2.0
# kexec_differential: a chain of kexecs, one per input, all through the
# loader named by kt.dl (c or r).  Each stage prints the boot_params it was
# given, then loads the next input and kexecs.  The host runs the chain once
# per loader and compares stage by stage.
#
#   step 0  no initrd (root on the test disk), ordinary command line
#   step 1  small initrd
#   step 2  command line one byte under the limit (2016 bytes with the NUL)
#   step 3  command line at the limit (2017 bytes with the NUL)
#   step 4  no command line at all (cmdline_len 0; args from /kt.args)
. /tests/lib.sh
img=/mnt/images
step=$(arg kt.step)
dl=$(arg kt.dl)

if [ -n "$step" ]; then
	bp=/sys/kernel/boot_params
	echo "KT: bpsum $step $(sha256sum $bp/data | cut -d' ' -f1)"
	xxd -p -c 32 $bp/data | sed "s/^/KT: bphex $step /"
	# The command line as this kernel got it, with the loader's name made
	# neutral (kt.dl differs between the chains, nothing else may).
	echo "KT: cl $step $(sed 's/kt.dl=r/kt.dl=c/' /proc/cmdline | sha256sum | cut -d' ' -f1) $(wc -c </proc/cmdline)"
	for d in $bp/setup_data/*; do
		[ -d "$d" ] && echo "KT: sd $step $(cat "$d/type") $(stat -c %s "$d/data")"
	done
fi
[ "$step" = 4 ] && return 0

next=$(( ${step:--1} + 1 ))
base="console=ttyS0 panic=-1 kt.test=diff kt.dl=$dl kt.step=$next"
use_loader "$dl"
dmesg -c >/dev/null
case $next in
0) kt_load load $img/bzImage -d -c "$base root=/dev/vda rootfstype=ext2 ro init=/init" ;;
1) kt_load load $img/bzImage -d -i $img/small.cpio -c "$base" ;;
2) kt_load load $img/bzImage -d -i $img/small.cpio -c "$base" -p 2016 ;;
3) kt_load load $img/bzImage -d -i $img/small.cpio -c "$base" -p 2017 ;;
4) kt_load load $img/bzImage -d -i $img/args.cpio -n ;;
esac
rc=$?
show_loader_log "ld $next"
if [ $rc = 0 ]; then
	kt_load exec
fi
echo "KT: fail step $next"
