# SPDX-License-Identifier: GPL-2.0
# kexec_concurrent_loads and kexec_load_during_pressure (debug kernel):
#   - a load while a process holds all but kt.spare_mib MiB of the memory
#     that was available (kt_load hog), bounded by a timeout; the hog is
#     killed afterwards;
#   - kt.race_seconds of three processes loading a good and a malformed
#     image and unloading in a loop, while a fourth flips the c_loader test
#     switch (kt_load race); the image loaded last, if any, is kexec'd,
#     else a new load is.
. /tests/lib.sh
img=/mnt/images
memavail() { sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
if [ "$stage" = 1 ]; then
	cl="$(next_cmdline)"
	good=$img/bzImage
	bad=$img/bad/bad_magic
	# Memory pressure.
	spare=$(arg kt.spare_mib || echo 48)
	hog=$(( $(memavail) / 1024 - spare ))
	kt_load hog $hog >/tmp/hog &
	hp=$!
	i=0
	while ! grep -q "ready\|err" /tmp/hog && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	echo "KT: pressure hog_mib=$hog memavail_kb=$(memavail) $(cat /tmp/hog)"
	r=$(timeout 120 kt_load load $good -i $img/stage2.cpio -c "$cl"; echo "rc=$?")
	echo "KT: pressure $(echo $r | sed 's/KT: //')" "loaded=$(cat /sys/kernel/kexec_loaded)" \
		"hog_alive=$([ -d /proc/$hp ] && echo 1 || echo 0)"
	kill $hp 2>/dev/null
	wait $hp 2>/dev/null
	kt_load unload >/dev/null
	echo "KT: pressure after memavail_kb=$(memavail)"

	use_loader rust
	want=$(kt_load load $bad -n | sed -n 's/^KT: load err=\([A-Z]*\).*/\1/p')
	echo "KT: race bad_errno=$want"
	kt_load race "$(arg kt.race_seconds || echo 20)" 3 $good $img/stage2.cpio "$cl" $bad "$want"
	echo "KT: race done loaded=$(cat /sys/kernel/kexec_loaded)"
	dmesg | grep -ciE 'possible (recursive|circular)|lockdep|inconsistent lock' |
		sed 's/^/KT: race lockdep_lines=/'

	# The image the race loaded last, if one is loaded; else a new load.
	dmesg -c >/dev/null
	if [ "$(cat /sys/kernel/kexec_loaded)" = 1 ]; then
		echo "KT: race exec loaded-by-race"
		kt_load exec
	elif kt_load load $good -i $img/stage2.cpio -d -c "$cl"; then
		show_loader_log
		kt_load exec
	fi
	show_loader_log
	echo "KT: fail"
fi
