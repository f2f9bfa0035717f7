/* SPDX-License-Identifier: GPL-2.0 */
# The program in the sample loader's flat image (samples/rust/
# rust_kexec_loader.rs): entered in 64-bit mode by the purgatory, it writes
# "KT: flat image running, nonce <16 chars>" to the first serial port, then
# resets the machine through the PCI reset control register (QEMU runs
# with -no-reboot: it exits).  Position-independent; the test writes its
# nonce over the X's.
	.code64
	.text
	.globl	_start
_start:
	lea	msg(%rip), %rsi
1:	movzbl	(%rsi), %ebx
	test	%bl, %bl
	jz	3f
	mov	$0x3fd, %dx		# line status: wait for an empty THR
2:	in	%dx, %al
	test	$0x20, %al
	jz	2b
	mov	$0x3f8, %dx
	mov	%bl, %al
	out	%al, %dx
	inc	%rsi
	jmp	1b
3:	mov	$0xcf9, %dx
	mov	$0x06, %al
	out	%al, %dx
4:	hlt
	jmp	4b
msg:
	.ascii	"\r\nKT: flat image running, nonce "
nonce:
	.ascii	"XXXXXXXXXXXXXXXX"
	.asciz	"\r\n"
