// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only switches of the Rust kexec code (CONFIG_KEXEC_BZIMAGE64_RUST_SELFTEST).
 *
 * The tests compare the Rust loader, purgatory setup and hand-off with the
 * C ones on one running kernel; these debugfs files choose which runs:
 *
 *   /sys/kernel/debug/kexec_rust/c_loader     Y: the Rust loader declines
 *                                             every image (ENOEXEC), so the
 *                                             C loader takes it
 *   /sys/kernel/debug/kexec_rust/c_purgatory  Y: the Rust loader lets
 *                                             kexec_load_purgatory() set up
 *                                             the purgatory and compares a
 *                                             Rust build of it with that one
 *   /sys/kernel/debug/kexec_rust/c_handoff    Y: machine_kexec_prepare() and
 *                                             machine_kexec() use the C
 *                                             preparation
 *   /sys/kernel/debug/kexec_rust/corrupt      N > 0: machine_kexec_post_load()
 *                                             checks the loaded image with
 *                                             corruption N applied (then
 *                                             undone), to show that each
 *                                             class of refusal fails the load
 *                                             (rust/kernel/kexec/selftest.rs)
 *
 * With CONFIG_KEXEC_PURGATORY_RUST, two more:
 *
 *   /sys/kernel/debug/kexec_rust/c_digest     Y: the Rust loader loads the C
 *                                             purgatory (kexec_purgatory_c)
 *                                             instead of the Rust one
 *   /sys/kernel/debug/kexec_rust/flip_byte    Y: machine_kexec_post_load()
 *                                             changes one byte of a loaded
 *                                             segment after its digest was
 *                                             taken: the purgatory must then
 *                                             refuse to start the new kernel
 *
 * Under lockdown (Secure Boot) debugfs files that can be written cannot be
 * opened, so the boot parameters kexec_rust_selftest.c_loader=Y (and
 * .c_purgatory, .c_handoff) set the first three switches at boot instead.
 *
 * A production kernel has none of this: its loader and hand-off are chosen
 * when it is built.
 */

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/moduleparam.h>
#include <linux/kexec.h>
#include <asm/kexec-bzimage64.h>

bool kexec_rust_selftest_c_loader;
bool kexec_rust_selftest_c_purgatory;
bool kexec_rust_selftest_c_handoff;
u32 kexec_rust_selftest_corrupt;
#ifdef CONFIG_KEXEC_PURGATORY_RUST
bool kexec_rust_selftest_c_digest;
bool kexec_rust_selftest_flip_byte;
#endif

/* Boot parameters kexec_rust_selftest.<switch>=Y, read only at boot. */
module_param_named(c_loader, kexec_rust_selftest_c_loader, bool, 0);
module_param_named(c_purgatory, kexec_rust_selftest_c_purgatory, bool, 0);
module_param_named(c_handoff, kexec_rust_selftest_c_handoff, bool, 0);

static int __init kexec_rust_selftest_init(void)
{
	struct dentry *dir = debugfs_create_dir("kexec_rust", NULL);

	debugfs_create_bool("c_loader", 0600, dir, &kexec_rust_selftest_c_loader);
	debugfs_create_bool("c_purgatory", 0600, dir,
			    &kexec_rust_selftest_c_purgatory);
	debugfs_create_bool("c_handoff", 0600, dir,
			    &kexec_rust_selftest_c_handoff);
	debugfs_create_u32("corrupt", 0600, dir, &kexec_rust_selftest_corrupt);
#ifdef CONFIG_KEXEC_PURGATORY_RUST
	debugfs_create_bool("c_digest", 0600, dir, &kexec_rust_selftest_c_digest);
	debugfs_create_bool("flip_byte", 0600, dir,
			    &kexec_rust_selftest_flip_byte);
#endif
	return 0;
}
late_initcall(kexec_rust_selftest_init);
