# SPDX-License-Identifier: GPL-2.0
# kexec_corpus_errno: every image of /mnt/images/corpus/LIST through both
# loaders ("KT: cx NAME <C result> <Rust result>", by kt_load corpus in one
# process), then absurd command line and initrd lengths.  Successful loads
# are unloaded again.
. /tests/lib.sh
dir=/mnt/images/corpus

one() { # LOADER kt_load-arguments...: prints the result word
	use_loader "$1"
	shift
	r=$(kt_load load "$@" | sed -n 's/^KT: load \([^ ]*\).*/\1/p')
	case "$r" in ok) kt_load unload >/dev/null ;; esac
	echo "${r:-none}"
}

kt_load corpus "$dir" "$dir/LIST"
n=$(grep -c . "$dir/LIST")

# Sizes the syscall takes by fd or length rather than in the image.
truncate -s 2147483649 /tmp/huge_initrd
echo "KT: cx initrd_2g_plus_1 $(one c $dir/base -i /tmp/huge_initrd -c x) $(one rust $dir/base -i /tmp/huge_initrd -c x)"
rm -f /tmp/huge_initrd
for len in 4096 1048576 16777216; do
	echo "KT: cx cmdline_pad_$len $(one c $dir/base -p $len) $(one rust $dir/base -p $len)"
done
for len in 0x100000000 0xffffffffffffffff; do
	echo "KT: cx cmdline_raw_$len $(one c $dir/base -c x -L $len) $(one rust $dir/base -c x -L $len)"
done
dmesg | grep -cE 'BUG:|KASAN|UBSAN|Oops|WARNING:' | sed 's/^/KT: corpus reports /'
echo "KT: corpus end $n"
