// SPDX-License-Identifier: GPL-2.0

/*
 * Inline functions and macros the kexec abstractions (rust/kernel/kexec/)
 * use, each under the name of what it wraps.
 */

#include <linux/cc_platform.h>
#include <linux/efi.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/security.h>

phys_addr_t rust_helper_page_to_phys(struct page *page)
{
	return page_to_phys(page);
}

void *rust_helper_page_address(const struct page *page)
{
	return page_address(page);
}

#ifndef CONFIG_MEMORY_HOTPLUG
void rust_helper_get_online_mems(void)
{
	get_online_mems();
}

void rust_helper_put_online_mems(void)
{
	put_online_mems();
}
#endif

#ifndef CONFIG_SECURITY
int rust_helper_security_locked_down(enum lockdown_reason what)
{
	return security_locked_down(what);
}
#endif

#ifndef CONFIG_KEXEC_SIG
bool rust_helper_kexec_sig_enforced(void)
{
	return kexec_sig_enforced();
}
#endif

#ifndef CONFIG_ARCH_HAS_CC_PLATFORM
bool rust_helper_cc_platform_has(enum cc_attr attr)
{
	return cc_platform_has(attr);
}
#endif

#ifdef CONFIG_X86_64
#include <asm/mem_encrypt.h>

bool rust_helper_pgtable_l5_enabled(void)
{
	return pgtable_l5_enabled();
}

bool rust_helper_efi_enabled(int feature)
{
	return efi_enabled(feature);
}

void *rust_helper_phys_to_virt(phys_addr_t address)
{
	return phys_to_virt(address);
}

phys_addr_t rust_helper_virt_to_phys(volatile void *address)
{
	return virt_to_phys(address);
}

pmdval_t rust_helper_pmd_pfn_mask(pmd_t pmd)
{
	return pmd_pfn_mask(pmd);
}

pte_t rust_helper_pfn_pte(unsigned long page_nr, pgprot_t pgprot)
{
	return pfn_pte(page_nr, pgprot);
}

u64 rust_helper_sme_get_me_mask(void)
{
	return sme_get_me_mask();
}

#ifdef CONFIG_EFI
/* Declared in <asm/efi.h>, which bindgen cannot take on its own. */
extern unsigned long efi_fw_vendor, efi_config_table;
#ifdef CONFIG_EFI_RUNTIME_MAP
int efi_get_runtime_map_size(void);
int efi_get_runtime_map_desc_size(void);
int efi_runtime_map_copy(void *buf, size_t bufsz);
#endif

unsigned long rust_helper_efi_config_table(void)
{
	return efi_config_table;
}

unsigned long rust_helper_efi_fw_vendor(void)
{
	return efi_fw_vendor;
}

/* Without CONFIG_EFI_RUNTIME_MAP, as the header's stubs: no map. */
int rust_helper_efi_get_runtime_map_size(void)
{
#ifdef CONFIG_EFI_RUNTIME_MAP
	return efi_get_runtime_map_size();
#else
	return 0;
#endif
}

int rust_helper_efi_get_runtime_map_desc_size(void)
{
#ifdef CONFIG_EFI_RUNTIME_MAP
	return efi_get_runtime_map_desc_size();
#else
	return 0;
#endif
}

int rust_helper_efi_runtime_map_copy(void *buf, size_t bufsz)
{
#ifdef CONFIG_EFI_RUNTIME_MAP
	return efi_runtime_map_copy(buf, bufsz);
#else
	return 0;
#endif
}
#endif
#endif
