// SPDX-License-Identifier: GPL-2.0

//! What an x86_64 image loader reads from the running kernel.
//!
//! The running kernel's `boot_params`, `screen_info` and kexec e820 table,
//! its paging mode and EFI state, and the purgatory's entry registers.
//!
//! C headers: [`arch/x86/include/asm/setup.h`](srctree/arch/x86/include/asm/setup.h),
//! [`arch/x86/include/asm/e820/api.h`](srctree/arch/x86/include/asm/e820/api.h),
//! [`arch/x86/include/asm/kexec.h`](srctree/arch/x86/include/asm/kexec.h)

use super::bzimage::{self, bp};

#[cfg(CONFIG_KEXEC_BZIMAGE64_RUST)]
pub mod handoff;
use crate::{
    bindings,
    types::{AsBytes, FromBytes},
};
use core::mem::{offset_of, size_of};

/// Offset of a `boot_params.hdr` field.
macro_rules! hdr_off {
    ($f:ident) => {
        offset_of!(bindings::boot_params, hdr) + offset_of!(bindings::setup_header, $f)
    };
}

/// Offset of a `boot_params.efi_info` field.
macro_rules! efi_off {
    ($f:ident) => {
        offset_of!(bindings::boot_params, efi_info) + offset_of!(bindings::efi_info, $f)
    };
}

// The byte layout of `bzimage` is the C layout.
const _: () = {
    assert!(size_of::<bindings::boot_params>() == bzimage::BOOT_PARAMS_SIZE);
    assert!(offset_of!(bindings::boot_params, hdr) == bzimage::SETUP_HDR_OFFSET);
    assert!(offset_of!(bindings::boot_params, screen_info) == bp::SCREEN_INFO);
    assert!(size_of::<bindings::screen_info>() == bp::SCREEN_INFO_SIZE);
    assert!(offset_of!(bindings::screen_info, ext_mem_k) == bp::EXT_MEM_K);
    assert!(offset_of!(bindings::boot_params, apm_bios_info) == bp::APM_BIOS_INFO);
    assert!(size_of::<bindings::apm_bios_info>() == bp::APM_BIOS_INFO_SIZE);
    assert!(offset_of!(bindings::boot_params, acpi_rsdp_addr) == bp::ACPI_RSDP_ADDR);
    assert!(offset_of!(bindings::boot_params, hd0_info) == bp::HD0_INFO);
    assert!(offset_of!(bindings::boot_params, hd1_info) == bp::HD1_INFO);
    assert!(offset_of!(bindings::boot_params, ext_ramdisk_image) == bp::EXT_RAMDISK_IMAGE);
    assert!(offset_of!(bindings::boot_params, ext_ramdisk_size) == bp::EXT_RAMDISK_SIZE);
    assert!(offset_of!(bindings::boot_params, ext_cmd_line_ptr) == bp::EXT_CMD_LINE_PTR);
    assert!(offset_of!(bindings::boot_params, efi_info) == bp::EFI_INFO);
    assert!(offset_of!(bindings::boot_params, alt_mem_k) == bp::ALT_MEM_K);
    assert!(offset_of!(bindings::boot_params, e820_entries) == bp::E820_ENTRIES);
    assert!(offset_of!(bindings::boot_params, eddbuf_entries) == bp::EDDBUF_ENTRIES);
    assert!(offset_of!(bindings::boot_params, secure_boot) == bp::SECURE_BOOT);
    assert!(offset_of!(bindings::boot_params, edd_mbr_sig_buffer) == bp::EDD_MBR_SIG_BUFFER);
    assert!(offset_of!(bindings::boot_params, e820_table) == bp::E820_TABLE);
    assert!(size_of::<bindings::boot_e820_entry>() == bzimage::E820_ENTRY_SIZE);
    assert!(offset_of!(bindings::boot_params, eddbuf) == bp::EDDBUF);
    assert!(size_of::<[bindings::edd_info; 6]>() == bp::EDDBUF_SIZE);
    assert!(hdr_off!(setup_sects) == bp::SETUP_SECTS);
    assert!(hdr_off!(boot_flag) == bp::BOOT_FLAG);
    assert!(hdr_off!(jump) == bp::JUMP);
    assert!(hdr_off!(header) == bp::HEADER);
    assert!(hdr_off!(version) == bp::VERSION);
    assert!(hdr_off!(type_of_loader) == bp::TYPE_OF_LOADER);
    assert!(hdr_off!(loadflags) == bp::LOADFLAGS);
    assert!(hdr_off!(ramdisk_image) == bp::RAMDISK_IMAGE);
    assert!(hdr_off!(ramdisk_size) == bp::RAMDISK_SIZE);
    assert!(hdr_off!(cmd_line_ptr) == bp::CMD_LINE_PTR);
    assert!(hdr_off!(kernel_alignment) == bp::KERNEL_ALIGNMENT);
    assert!(hdr_off!(xloadflags) == bp::XLOADFLAGS);
    assert!(hdr_off!(cmdline_size) == bp::CMDLINE_SIZE);
    assert!(hdr_off!(hardware_subarch) == bp::HARDWARE_SUBARCH);
    assert!(hdr_off!(setup_data) == bp::SETUP_DATA);
    assert!(hdr_off!(pref_address) == bp::PREF_ADDRESS);
    assert!(hdr_off!(init_size) == bp::INIT_SIZE);
    assert!(size_of::<bindings::setup_data>() == bzimage::SETUP_DATA_HDR_SIZE);
    assert!(size_of::<bindings::efi_setup_data>() == bzimage::EFI_SETUP_DATA_SIZE);
    assert!(offset_of!(bindings::efi_setup_data, fw_vendor) == 0);
    assert!(offset_of!(bindings::efi_setup_data, tables) == 16);
    assert!(offset_of!(bindings::efi_setup_data, smbios) == 24);
    assert!(size_of::<bindings::ima_setup_data>() == bzimage::IMA_SETUP_DATA_SIZE);
    assert!(offset_of!(bindings::ima_setup_data, size) == 8);
    assert!(bindings::SETUP_EFI == bzimage::SETUP_EFI);
    assert!(bindings::SETUP_IMA == bzimage::SETUP_IMA);
    assert!(efi_off!(efi_loader_signature) == bp::EFI_LOADER_SIGNATURE);
    assert!(efi_off!(efi_systab) == bp::EFI_SYSTAB);
    assert!(efi_off!(efi_memdesc_size) == bp::EFI_MEMDESC_SIZE);
    assert!(efi_off!(efi_memdesc_version) == bp::EFI_MEMDESC_VERSION);
    assert!(efi_off!(efi_memmap) == bp::EFI_MEMMAP);
    assert!(efi_off!(efi_memmap_size) == bp::EFI_MEMMAP_SIZE);
    assert!(efi_off!(efi_systab_hi) == bp::EFI_SYSTAB_HI);
    assert!(efi_off!(efi_memmap_hi) == bp::EFI_MEMMAP_HI);
    assert!(bindings::SETUP_RNG_SEED == bzimage::SETUP_RNG_SEED);
    assert!(bindings::E820_MAX_ENTRIES_ZEROPAGE as usize == bzimage::E820_MAX_ENTRIES_ZEROPAGE);
    assert!(bindings::LOADED_HIGH as u8 == bzimage::LOADED_HIGH);
    assert!(bindings::XLF_KERNEL_64 as u16 == bzimage::XLF_KERNEL_64);
    assert!(bindings::XLF_CAN_BE_LOADED_ABOVE_4G as u16 == bzimage::XLF_CAN_BE_LOADED_ABOVE_4G);
    assert!(bindings::XLF_5LEVEL as u16 == bzimage::XLF_5LEVEL);
};

/// The running kernel's `boot_params`, as bytes.
///
/// ```
/// use kernel::kexec::{bzimage::bp, x86};
///
/// // The running kernel was booted through the boot protocol too.
/// assert_eq!(&x86::boot_params()[bp::HEADER..bp::HEADER + 4], b"HdrS");
/// ```
pub fn boot_params() -> &'static [u8; bzimage::BOOT_PARAMS_SIZE] {
    // SAFETY: `boot_params` is a static of exactly this size (checked above);
    // it is filled in during early boot and not written once the initcalls
    // have run, before any caller (loader callbacks in a syscall, KUnit) can
    // run; every byte of it is initialized.
    unsafe { &*core::ptr::addr_of!(bindings::boot_params).cast() }
}

/// The running kernel's `screen_info`, as bytes.
pub fn screen_info() -> &'static [u8; bp::SCREEN_INFO_SIZE] {
    // SAFETY: `screen_info` is a static of exactly this size (checked above),
    // set up during early boot and only read afterwards by loaders; every
    // byte is initialized.
    unsafe { &*core::ptr::addr_of!(bindings::screen_info).cast() }
}

/// One entry of the e820 table kexec hands to the next kernel.
pub type E820Entry = (u64, u64, u32);

/// The e820 table for the next kernel (`e820_table_kexec`).
///
/// ```
/// use kernel::kexec::{bzimage::E820_TYPE_RAM, x86};
///
/// // Some RAM covers 1 MiB, where the kernel was loaded.
/// let covers_1m =
///     |(a, s, t): (u64, u64, u32)| t == E820_TYPE_RAM && a <= 0x100000 && a + s > 0x100000;
/// assert!(x86::e820_kexec().any(covers_1m));
/// ```
pub fn e820_kexec() -> impl Iterator<Item = E820Entry> {
    // SAFETY: `e820_table_kexec` is written only while the kernel boots (in
    // `setup_arch()` and initcalls such as the SEV-SNP RMP setup, which
    // reallocate or update the table), never after; its callers (loader
    // callbacks in a syscall, KUnit after the initcalls) run later. The table
    // it points to is never freed after boot.
    let table = unsafe { bindings::e820_table_kexec };
    // SAFETY: `table` is valid as above; the field may be unaligned (packed).
    let n = unsafe { core::ptr::addr_of!((*table).nr_entries).read_unaligned() } as usize;
    let n = n.min(bindings::E820_MAX_ENTRIES as usize);
    (0..n).map(move |i| {
        // SAFETY: `i < nr_entries`, and the table is allocated with room for
        // `nr_entries` entries (`e820__reallocate_tables()`), so the entry is
        // inside it; the entries are packed, hence unaligned reads.
        unsafe {
            let e = core::ptr::addr_of!((*table).entries[i]);
            (
                core::ptr::addr_of!((*e).addr).read_unaligned(),
                core::ptr::addr_of!((*e).size).read_unaligned(),
                core::ptr::addr_of!((*e).type_).read_unaligned(),
            )
        }
    })
}

/// Whether the running kernel uses 5-level paging.
pub fn la57() -> bool {
    // SAFETY: No preconditions.
    unsafe { bindings::pgtable_l5_enabled() }
}

/// Whether the running kernel was booted through EFI.
pub fn efi_booted() -> bool {
    // SAFETY: No preconditions.
    unsafe { bindings::efi_enabled(bindings::EFI_BOOT as _) }
}

/// What the next kernel needs of the EFI firmware the running kernel uses,
/// read as `setup_efi_state()` reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EfiFirmware {
    /// Whether EFI runtime services are in use (`EFI_RUNTIME_SERVICES`).
    pub runtime_services: bool,
    /// Physical address of the firmware vendor string (`efi_fw_vendor`).
    pub fw_vendor: u64,
    /// Physical address of the configuration tables (`efi_config_table`).
    pub config_table: u64,
    /// The SMBIOS entry point (`efi.smbios`, all ones when there is none).
    pub smbios: u64,
    /// The ACPI RSDP among the configuration tables, ACPI 2.0 first.
    pub acpi_rsdp: Option<u64>,
    /// Size of one descriptor of the runtime memory map.
    pub memdesc_size: u32,
    /// Size in bytes of the runtime memory map (`efi_get_runtime_map_size()`:
    /// 0 without `CONFIG_EFI_RUNTIME_MAP`).
    pub runtime_map_size: usize,
}

/// The EFI firmware of the running kernel; `None` when the kernel was not
/// booted through EFI or has no EFI support.
///
/// ```
/// use kernel::kexec::x86;
///
/// match x86::efi_firmware() {
///     Some(fw) => assert!(fw.runtime_map_size % fw.memdesc_size.max(1) as usize == 0),
///     None => assert!(!x86::efi_booted()),
/// }
/// ```
#[cfg(CONFIG_EFI)]
pub fn efi_firmware() -> Option<EfiFirmware> {
    const INVALID: u64 = u64::MAX; // EFI_INVALID_TABLE_ADDR
    if !efi_booted() {
        return None;
    }
    // SAFETY: `efi` is filled in while the kernel boots (the tables by
    // `efi_config_parse_tables()`); these fields are not written after.
    let (acpi20, acpi, smbios) = unsafe {
        let e = core::ptr::addr_of!(bindings::efi);
        ((*e).acpi20 as u64, (*e).acpi as u64, (*e).smbios as u64)
    };
    // SAFETY: No preconditions.
    let runtime_services = unsafe { bindings::efi_enabled(bindings::EFI_RUNTIME_SERVICES as _) };
    // SAFETY: No preconditions: they read variables set while booting.
    let (fw_vendor, config_table) = unsafe {
        (
            bindings::efi_fw_vendor() as u64,
            bindings::efi_config_table() as u64,
        )
    };
    // SAFETY: No preconditions; the runtime map is fixed once booted.
    let (size, desc) = unsafe {
        (
            bindings::efi_get_runtime_map_size(),
            bindings::efi_get_runtime_map_desc_size(),
        )
    };
    Some(EfiFirmware {
        runtime_services,
        fw_vendor,
        config_table,
        smbios,
        acpi_rsdp: [acpi20, acpi].into_iter().find(|&a| a != INVALID),
        memdesc_size: u32::try_from(desc).unwrap_or(0),
        runtime_map_size: usize::try_from(size).unwrap_or(0),
    })
}

/// Without EFI support there is no EFI firmware to hand on.
#[cfg(not(CONFIG_EFI))]
pub fn efi_firmware() -> Option<EfiFirmware> {
    None
}

/// Copies the EFI runtime memory map (`efi_runtime_map_copy()`) into `buf`,
/// which must hold all of it: `EINVAL` otherwise (C would copy a truncated
/// map, which the next kernel cannot use).
#[cfg(CONFIG_EFI)]
pub fn efi_runtime_map_copy(buf: &mut [u8]) -> crate::error::Result {
    use crate::error::{code::*, to_result};
    let need = efi_firmware().map_or(0, |fw| fw.runtime_map_size);
    if need > buf.len() {
        crate::pr_err!(
            "EFI runtime map of {} bytes does not fit the {} bytes reserved for it\n",
            need,
            buf.len()
        );
        return Err(EINVAL);
    }
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes, and the callee
    // writes at most that many.
    to_result(unsafe { bindings::efi_runtime_map_copy(buf.as_mut_ptr().cast(), buf.len()) })
}

/// The registers purgatory loads before it jumps to the new kernel
/// (`struct kexec_entry64_regs`, the purgatory symbol `entry64_regs`).
pub type EntryRegs = bindings::kexec_entry64_regs;

// SAFETY: `kexec_entry64_regs` is 17 `u64`s: no padding, any bit pattern valid.
unsafe impl FromBytes for EntryRegs {}
// SAFETY: As above: no padding, all bytes initialized.
unsafe impl AsBytes for EntryRegs {}
const _: () = assert!(size_of::<EntryRegs>() == 17 * 8);

/// What a crash (kdump) image needs from the architecture's crash code
/// (`arch/x86/kernel/crash.c`), as `bzImage64_load()` calls it.
#[cfg(CONFIG_CRASH_DUMP)]
impl super::Load<'_> {
    /// Places the ELF core headers the crash kernel reads through
    /// `/proc/vmcore` (`crash_load_segments()`), sized for memory and CPU
    /// hotplug with `CONFIG_CRASH_HOTPLUG` (`image->elfcorehdr_index`);
    /// returns their physical address, which the crash kernel gets as
    /// `elfcorehdr=`. Only for a crash image, once.
    pub fn crash_load_segments(&mut self) -> crate::error::Result<u64> {
        use crate::error::{code::*, to_result};
        if self.image.kind() != super::Kind::Crash {
            return Err(EINVAL);
        }
        if !self.image.raw().elf_headers.is_null() {
            return Err(EBUSY);
        }
        // SAFETY: the image is valid and `kexec_lock` is held (`Image`
        // invariant). The headers buffer becomes the image's
        // (`image->elf_headers`), freed by the core after the load.
        to_result(unsafe { bindings::crash_load_segments(self.image.as_raw()) })?;
        Ok(self.image.raw().elf_load_addr as u64)
    }

    /// Writes the crash kernel's memory map (`crash_setup_memmap_entries()`:
    /// the low 1 MiB, ACPI and reserved ranges, the crash reservation
    /// without the ELF core headers) into the e820 table of the
    /// `boot_params` at the start of `seg`, after the entries already there.
    pub fn crash_setup_memmap(&mut self, seg: super::OwnedSegment) -> crate::error::Result {
        use crate::error::{code::*, to_result};
        let image = self.image.as_raw();
        let buf = self.segment_buf(seg);
        if buf.len() < size_of::<bindings::boot_params>() {
            return Err(EINVAL);
        }
        // SAFETY: `image` is valid with `kexec_lock` held; `buf` holds a
        // whole `struct boot_params` (checked; the struct is packed, so any
        // address is aligned), which the call writes and nothing else uses
        // meanwhile.
        to_result(unsafe { bindings::crash_setup_memmap_entries(image, buf.as_mut_ptr().cast()) })
    }
}
