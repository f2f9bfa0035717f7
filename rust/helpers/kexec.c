// SPDX-License-Identifier: GPL-2.0

#include <linux/efi.h>
#include <linux/kexec.h>
#include <linux/pgtable.h>

#ifdef CONFIG_X86_64
bool rust_helper_pgtable_l5_enabled(void)
{
	return pgtable_l5_enabled();
}

bool rust_helper_efi_enabled(int feature)
{
	return efi_enabled(feature);
}
#endif

#ifdef CONFIG_KEXEC_FILE
/* The purgatory object built into the kernel (kernel/kexec_internal.h). */
extern char kexec_purgatory[];
extern size_t kexec_purgatory_size;

const void *rust_helper_kexec_purgatory_blob(size_t *size)
{
	*size = kexec_purgatory_size;
	return kexec_purgatory;
}
#endif
