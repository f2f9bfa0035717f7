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

#if defined(CONFIG_X86_64) && defined(CONFIG_KEXEC_BZIMAGE64_RUST)
/* What the x86_64 kexec hand-off (rust/kernel/kexec/x86/handoff.rs) needs. */
#include <linux/cc_platform.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <asm/pgtable.h>

u64 rust_helper_kexec_page_large_exec(void)
{
	return __PAGE_KERNEL_LARGE_EXEC;
}

u64 rust_helper_kexec_kernpg_table_noenc(void)
{
	return _KERNPG_TABLE_NOENC;
}

u64 rust_helper_kexec_kernpg_table(void)
{
	return _KERNPG_TABLE;
}

u64 rust_helper_kexec_page_enc(void)
{
	return _PAGE_ENC;
}

u64 rust_helper_kexec_pte_pfn_mask(void)
{
	return PTE_PFN_MASK;
}

/* The last-level entry mapping @pa executable, as pfn_pte() makes it. */
u64 rust_helper_kexec_pte_exec(phys_addr_t pa, bool enc)
{
	return pte_val(pfn_pte(pa >> PAGE_SHIFT,
			       enc ? PAGE_KERNEL_EXEC : PAGE_KERNEL_EXEC_NOENC));
}

bool rust_helper_kexec_guest_mem_encrypt(void)
{
	return cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT);
}

phys_addr_t rust_helper_kexec_page_to_phys(struct page *page)
{
	return page_to_phys(page);
}

void *rust_helper_kexec_page_address(struct page *page)
{
	return page_address(page);
}

void *rust_helper_kexec_phys_to_virt(phys_addr_t pa)
{
	return phys_to_virt(pa);
}

phys_addr_t rust_helper_kexec_virt_to_phys(void *p)
{
	return virt_to_phys(p);
}

#ifdef CONFIG_EFI
/* As declared in <asm/efi.h>, which bindgen cannot take on its own. */
extern unsigned long efi_config_table;

u64 rust_helper_kexec_efi_config_table(void)
{
	return efi_config_table;
}
#endif
#endif
