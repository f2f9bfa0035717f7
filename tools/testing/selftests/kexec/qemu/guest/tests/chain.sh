# SPDX-License-Identifier: GPL-2.0
# kexec_chain_10: each stage loads the next kernel from the disk through the
# Rust loader and kexecs into it.  kt.nonces=A,B,...: A is the next stage's
# nonce, the rest is handed on; the stage that gets none ends the chain.
. /tests/lib.sh
nonces=$(arg kt.nonces)
if [ -n "$nonces" ]; then
	next=${nonces%%,*}
	rest=${nonces#"$next"}
	rest=${rest#,}
	use_loader rust
	kexec_next /mnt/images/bzImage /mnt/images/stage2.cpio \
		"$(stage_cmdline "$next" "$(cat /mnt/images/payload.sha256)" kt.test=chain kt.nonces=$rest)"
fi
