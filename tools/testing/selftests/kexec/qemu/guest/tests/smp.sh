# SPDX-License-Identifier: GPL-2.0
# kexec_smp: the CPUs each stage sees (online mask, /proc/cpuinfo, and the
# CPU a task pinned to each online CPU really ran on); stage 1 kexecs.
. /tests/lib.sh
ran=
for c in $(seq 0 $(($(nproc) - 1))); do
	ran="$ran $(taskset -c "$c" cat /proc/self/stat | cut -d' ' -f39)"
done
echo "KT: cpus stage=$stage online=$(cat /sys/devices/system/cpu/online)" \
	"processors=$(grep -c '^processor' /proc/cpuinfo) ran_on=$(echo $ran | tr ' ' ,)"
if [ "$stage" = 1 ]; then
	use_loader rust
	kexec_next /mnt/images/bzImage /mnt/images/stage2.cpio \
		"$(stage_cmdline "$(arg kt.next_nonce)" "$(cat /mnt/images/payload.sha256)" kt.test=smp)"
fi
