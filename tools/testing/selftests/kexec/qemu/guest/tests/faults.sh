# SPDX-License-Identifier: GPL-2.0
# kexec_fault_injection (debug kernel, booted with crashkernel=): every
# allocation of a kexec_file_load() made to fail in turn (kt_load faults),
# through the C and the Rust loader, for a plain load, a load with an
# initrd, a signed load and a crash load; then kmemleak, and a normal load
# and kexec.
. /tests/lib.sh
img=/mnt/images
dbg=/sys/kernel/debug
kml=$dbg/kmemleak
if [ "$stage" = 1 ]; then
	# Slab and page allocations that may sleep count too; no stack dumps.
	for a in failslab fail_page_alloc; do
		echo N >$dbg/$a/ignore-gfp-wait
		echo 0 >$dbg/$a/verbose
	done
	head -c 16384 /dev/urandom >/tmp/initrd
	# Warm up caches and slabs, then start clean.
	use_loader rust
	kt_load cycle 5 $img/corpus/base -c "console=ttyS0" >/dev/null
	sync
	[ -w $kml ] && echo clear >$kml
	for l in c rust; do
		use_loader $l
		kt_load faults "$l:plain" $img/corpus/base -c "console=ttyS0 kt.x=1"
		kt_load faults "$l:initrd" $img/corpus/base -i /tmp/initrd -c "console=ttyS0 kt.x=1"
		# The signed image is a whole kernel: its file is read into
		# vmalloc'ed pages, one fault point each; leave order-0 pages out.
		echo 1 >$dbg/fail_page_alloc/min-order
		kt_load faults "$l:signed" $img/sig/signed -c "console=ttyS0 kt.x=1"
		echo 0 >$dbg/fail_page_alloc/min-order
		kt_load faults "$l:crash" $img/corpus/base -K -c "console=ttyS0 kt.x=1"
	done
	if [ -w $kml ]; then
		sleep 6
		echo scan >$kml
		sleep 1
		echo scan >$kml
		echo "KT: kmemleak unreferenced=$(grep -c '^unreferenced object' $kml)"
		head -40 $kml | sed 's/^/KT: kmemleak /'
	else
		echo "KT: kmemleak unavailable"
	fi
	# The machine is still whole: a normal load and kexec.
	use_loader rust
	kexec_next $img/bzImage $img/stage2.cpio "$(next_cmdline)"
fi
