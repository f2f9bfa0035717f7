# SPDX-License-Identifier: GPL-2.0
# kexec_load_unload_leak: load and unload a valid image many times through
# the Rust loader, then ask kmemleak and compare MemAvailable.
. /tests/lib.sh
img=/mnt/images/corpus/base
cycles=$(arg kt.cycles || echo 1000)
kml=/sys/kernel/debug/kmemleak
memavail() { sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo; }

use_loader rust
cycle() {
	kt_load load $img -c "console=ttyS0 kt.x=1" >/dev/null &&
		kt_load unload >/dev/null
}
# Warm up caches and slabs, then start clean.
for i in 1 2 3 4 5 6 7 8 9 10; do cycle || break; done
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
[ -w $kml ] && echo clear >$kml
before=$(memavail)
i=0 fails=0
while [ $i -lt "$cycles" ]; do
	cycle || fails=$((fails + 1))
	i=$((i + 1))
done
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
after=$(memavail)
echo "KT: leak cycles=$i fails=$fails before_kb=$before after_kb=$after"
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
