# SPDX-License-Identifier: GPL-2.0
# kexec_big_initrd: stage 1 builds a 64 MiB-payload initrd in tmpfs and
# kexecs with it; /init of stage 2 checks the payload (kt.payload).
. /tests/lib.sh
if [ "$stage" = 1 ]; then
	use_loader rust
	if sha=$(initrd_with_payload 64 /tmp/big.cpio); then
		echo "KT: big initrd bytes=$(stat -c %s /tmp/big.cpio) payload=$sha"
		kexec_next /mnt/images/bzImage /tmp/big.cpio \
			"$(stage_cmdline "$(arg kt.next_nonce)" "$sha" kt.test=big_initrd)"
	else
		echo "KT: fail building the initrd"
	fi
else
	echo "KT: big payload bytes=$(stat -c %s /payload)"
fi
