# SPDX-License-Identifier: GPL-2.0
# kexec_load_unload_leak: load and unload a valid image many times through
# the Rust loader, then ask kmemleak and compare MemAvailable.
. /tests/lib.sh
img=/mnt/images/corpus/base
cycles=$(arg kt.cycles || echo 1000)
kml=/sys/kernel/debug/kmemleak
memavail() { sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo; }

use_loader rust
# Warm up caches and slabs, then start clean.
kt_load cycle 10 $img -c "console=ttyS0 kt.x=1" >/dev/null
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
[ -w $kml ] && echo clear >$kml
before=$(memavail)
r=$(kt_load cycle "$cycles" $img -c "console=ttyS0 kt.x=1")
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
after=$(memavail)
echo "$r"
i=$(echo "$r" | sed -n 's/.*done=\([0-9]*\).*/\1/p')
fails=$(echo "$r" | sed -n 's/.*fails=\([0-9]*\).*/\1/p')
echo "KT: leak cycles=${i:-0} fails=${fails:-?} before_kb=$before after_kb=$after"
if [ -w $kml ]; then
	sleep 6
	echo scan >$kml
	sleep 1
	echo scan >$kml
	n=$(grep -c '^unreferenced object' $kml)
	echo "KT: kmemleak unreferenced=$n"
	head -40 $kml | sed 's/^/KT: kmemleak /'
else
	echo "KT: kmemleak unavailable"
fi
