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
