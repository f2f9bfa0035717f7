// SPDX-License-Identifier: GPL-2.0

//! x86 bzImage setup header and `boot_params` layout.
//!
//! This file uses `core` only, so that host tests and fuzz targets can build
//! the very same code (`#[path]` include). It knows the byte layout of the
//! boot protocol (`Documentation/arch/x86/boot.rst`) and nothing about the
//! running kernel: what the kernel knows (paging mode, EFI) is passed in.
//!
//! Every read is bounds-checked against the image and every size taken from
//! the image is combined with checked arithmetic; a bad image is an error
//! value, never a panic.
//!
//! C header: [`arch/x86/include/uapi/asm/bootparam.h`](srctree/arch/x86/include/uapi/asm/bootparam.h)

use super::errno::Errno;
use core::fmt;

/// Size of a boot sector; the setup code is counted in these.
pub const SECTOR_SIZE: usize = 512;
/// Size of `struct boot_params` (the "zero page").
pub const BOOT_PARAMS_SIZE: usize = 4096;
/// Offset of `struct setup_header` in the image and in `boot_params`.
pub const SETUP_HDR_OFFSET: usize = 0x1f1;
/// Room kept after the command line for `elfcorehdr=0x<64-bit value> `.
pub const MAX_ELFCOREHDR_STR_LEN: usize = 30;
/// Size of the RNG seed passed in `SETUP_RNG_SEED` setup_data.
pub const RNG_SEED_LENGTH: usize = 32;
/// Size of `struct setup_data` without its payload.
pub const SETUP_DATA_HDR_SIZE: usize = 16;
/// Size of `struct efi_setup_data`.
pub const EFI_SETUP_DATA_SIZE: usize = 96;
/// Size of `struct ima_setup_data`.
pub const IMA_SETUP_DATA_SIZE: usize = 16;
/// Entries of the e820 table inside `boot_params`.
pub const E820_MAX_ENTRIES_ZEROPAGE: usize = 128;
/// Size of `struct boot_e820_entry` (packed: addr, size, type).
pub const E820_ENTRY_SIZE: usize = 20;
/// `boot_params.hdr.type_of_loader` for kexec (`0x0D << 4`).
pub const LOADER_TYPE_KEXEC: u8 = 0x0d << 4;
/// `setup_data.type` values.
pub const SETUP_EFI: u32 = 4;
/// `setup_data.type` of an IMA log buffer.
pub const SETUP_IMA: u32 = 8;
/// `setup_data.type` of an RNG seed.
pub const SETUP_RNG_SEED: u32 = 9;
/// e820 type of usable RAM.
pub const E820_TYPE_RAM: u32 = 1;

/// `loadflags`: the protected-mode code is loaded at 0x100000.
pub const LOADED_HIGH: u8 = 1 << 0;
/// `xloadflags`: the kernel has the legacy 64-bit entry point at 0x200.
pub const XLF_KERNEL_64: u16 = 1 << 0;
/// `xloadflags`: kernel, boot_params, command line and ramdisk may be above 4G.
pub const XLF_CAN_BE_LOADED_ABOVE_4G: u16 = 1 << 1;
/// `xloadflags`: the kernel supports 5-level paging at entry.
pub const XLF_5LEVEL: u16 = 1 << 5;

/// Byte offsets inside `struct boot_params`, checked against the C layout
/// when the kernel crate is built (see `kernel::kexec::x86`).
pub mod bp {
    /// `screen_info` (64 bytes).
    pub const SCREEN_INFO: usize = 0x000;
    /// `screen_info.ext_mem_k` (u16).
    pub const EXT_MEM_K: usize = 0x002;
    /// `apm_bios_info` (20 bytes).
    pub const APM_BIOS_INFO: usize = 0x040;
    /// `acpi_rsdp_addr` (u64).
    pub const ACPI_RSDP_ADDR: usize = 0x070;
    /// `hd0_info` (16 bytes).
    pub const HD0_INFO: usize = 0x080;
    /// `hd1_info` (16 bytes).
    pub const HD1_INFO: usize = 0x090;
    /// `ext_ramdisk_image` (u32).
    pub const EXT_RAMDISK_IMAGE: usize = 0x0c0;
    /// `ext_ramdisk_size` (u32).
    pub const EXT_RAMDISK_SIZE: usize = 0x0c4;
    /// `ext_cmd_line_ptr` (u32).
    pub const EXT_CMD_LINE_PTR: usize = 0x0c8;
    /// `efi_info` (32 bytes).
    pub const EFI_INFO: usize = 0x1c0;
    /// `efi_info.efi_loader_signature` (u32).
    pub const EFI_LOADER_SIGNATURE: usize = EFI_INFO;
    /// `efi_info.efi_systab` (u32, low half).
    pub const EFI_SYSTAB: usize = EFI_INFO + 4;
    /// `efi_info.efi_memdesc_size` (u32).
    pub const EFI_MEMDESC_SIZE: usize = EFI_INFO + 8;
    /// `efi_info.efi_memdesc_version` (u32).
    pub const EFI_MEMDESC_VERSION: usize = EFI_INFO + 12;
    /// `efi_info.efi_memmap` (u32, low half).
    pub const EFI_MEMMAP: usize = EFI_INFO + 16;
    /// `efi_info.efi_memmap_size` (u32).
    pub const EFI_MEMMAP_SIZE: usize = EFI_INFO + 20;
    /// `efi_info.efi_systab_hi` (u32).
    pub const EFI_SYSTAB_HI: usize = EFI_INFO + 24;
    /// `efi_info.efi_memmap_hi` (u32).
    pub const EFI_MEMMAP_HI: usize = EFI_INFO + 28;
    /// `alt_mem_k` (u32).
    pub const ALT_MEM_K: usize = 0x1e0;
    /// `e820_entries` (u8).
    pub const E820_ENTRIES: usize = 0x1e8;
    /// `eddbuf_entries` (u8).
    pub const EDDBUF_ENTRIES: usize = 0x1e9;
    /// `secure_boot` (u8).
    pub const SECURE_BOOT: usize = 0x1ec;
    /// `hdr.setup_sects` (u8).
    pub const SETUP_SECTS: usize = 0x1f1;
    /// `hdr.syssize` (u32): the protected-mode payload, in 16-byte units.
    pub const SYSSIZE: usize = 0x1f4;
    /// `hdr.boot_flag` (u16).
    pub const BOOT_FLAG: usize = 0x1fe;
    /// `hdr.jump` (u16); its high byte is the setup header's end - 0x202.
    pub const JUMP: usize = 0x200;
    /// `hdr.header` (u32, "HdrS").
    pub const HEADER: usize = 0x202;
    /// `hdr.version` (u16).
    pub const VERSION: usize = 0x206;
    /// `hdr.type_of_loader` (u8).
    pub const TYPE_OF_LOADER: usize = 0x210;
    /// `hdr.loadflags` (u8).
    pub const LOADFLAGS: usize = 0x211;
    /// `hdr.ramdisk_image` (u32).
    pub const RAMDISK_IMAGE: usize = 0x218;
    /// `hdr.ramdisk_size` (u32).
    pub const RAMDISK_SIZE: usize = 0x21c;
    /// `hdr.cmd_line_ptr` (u32).
    pub const CMD_LINE_PTR: usize = 0x228;
    /// `hdr.kernel_alignment` (u32).
    pub const KERNEL_ALIGNMENT: usize = 0x230;
    /// `hdr.xloadflags` (u16).
    pub const XLOADFLAGS: usize = 0x236;
    /// `hdr.cmdline_size` (u32).
    pub const CMDLINE_SIZE: usize = 0x238;
    /// `hdr.hardware_subarch` (u32).
    pub const HARDWARE_SUBARCH: usize = 0x23c;
    /// `hdr.setup_data` (u64).
    pub const SETUP_DATA: usize = 0x250;
    /// `hdr.pref_address` (u64).
    pub const PREF_ADDRESS: usize = 0x258;
    /// `hdr.init_size` (u32).
    pub const INIT_SIZE: usize = 0x260;
    /// `edd_mbr_sig_buffer` (16 x u32).
    pub const EDD_MBR_SIG_BUFFER: usize = 0x290;
    /// `e820_table` (128 x 20 bytes).
    pub const E820_TABLE: usize = 0x2d0;
    /// `eddbuf` (6 x 82 bytes).
    pub const EDDBUF: usize = 0xd00;
    /// Size of `eddbuf`.
    pub const EDDBUF_SIZE: usize = 6 * 82;
    /// Size of `edd_mbr_sig_buffer`.
    pub const EDD_MBR_SIG_BUFFER_SIZE: usize = 16 * 4;
    /// Size of `screen_info`.
    pub const SCREEN_INFO_SIZE: usize = 64;
    /// Size of `apm_bios_info`.
    pub const APM_BIOS_INFO_SIZE: usize = 20;
    /// Size of `hd0_info` and `hd1_info`.
    pub const HD_INFO_SIZE: usize = 16;
}

/// Why `probe` refused an image. All of them are `-ENOEXEC`: the image is not
/// one this loader takes, and the next loader gets a chance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeError {
    /// `XLF_CAN_BE_LOADED_ABOVE_4G` is clear.
    Below4GOnly,
    /// The running kernel uses 5-level paging and the image cannot start so.
    No5Level,
    /// `boot_flag` is not 0xAA55.
    NoBootSector,
    /// `XLF_KERNEL_64` is clear: no 64-bit entry point.
    NoKernel64,
    /// No "HdrS" magic: not a bzImage at all.
    NotBzImage,
    /// `LOADED_HIGH` is clear: a zImage.
    NotLoadedHigh,
    /// Boot protocol older than 2.12.
    OldProtocol,
    /// Shorter than two sectors.
    TooShort,
}

impl ProbeError {
    /// The message the C loader prints for the same condition.
    pub fn message(self) -> &'static str {
        match self {
            Self::Below4GOnly => "XLF_CAN_BE_LOADED_ABOVE_4G is not set.",
            Self::No5Level => "bzImage cannot handle 5-level paging mode.",
            Self::NoBootSector => "No x86 boot sector present",
            Self::NoKernel64 => "Not a bzImage64. XLF_KERNEL_64 is not set.",
            Self::NotBzImage => "Not a bzImage",
            Self::NotLoadedHigh => "zImage not a bzImage",
            Self::OldProtocol => "Must be at least protocol version 2.12",
            Self::TooShort => "File is too short to be a bzImage",
        }
    }
}

/// Why `load` refused an image that `probe` accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadError {
    /// The command line plus room for `elfcorehdr=` exceeds `cmdline_size`
    /// (`-EINVAL`).
    CmdlineNoRoomForElfcorehdr,
    /// The command line is longer than `cmdline_size` (`-EINVAL`).
    CmdlineTooLong,
    /// The file is shorter than its own real-mode setup code (`-ENOEXEC`).
    Truncated,
    /// Not in C, which loads such an image: the file ends before the
    /// protected-mode payload `syssize` declares, so the decompressor would
    /// read past it (`-ENOEXEC`).
    PayloadTruncated {
        /// Bytes after the setup code.
        have: u64,
        /// Bytes `syssize` declares.
        need: u64,
    },
    /// Not in C, which loads such an image: `kernel_alignment` is not a
    /// power of two; the decompressor uses it as a mask to place the
    /// kernel, which then lands misaligned or at 0 (`-EINVAL`).
    BadKernelAlignment {
        /// `kernel_alignment`.
        alignment: u32,
    },
    /// Not in C, which loads such an image as long as the file fits in
    /// the rounded-up memory: `init_size` is smaller than the payload it
    /// must hold (`-EINVAL`).
    InitSizeTooSmall {
        /// `init_size`.
        init_size: u32,
        /// Bytes `syssize` declares.
        payload: u64,
    },
}

impl LoadError {
    /// The message the C loader prints for the same condition.
    pub fn message(self) -> &'static str {
        match self {
            Self::CmdlineNoRoomForElfcorehdr => {
                "Appending elfcorehdr=<addr> to command line exceeds maximum allowed length"
            }
            Self::CmdlineTooLong => "Kernel command line too long",
            Self::Truncated => "bzImage truncated",
            Self::PayloadTruncated { .. } => "bzImage payload truncated",
            Self::BadKernelAlignment { .. } => "kernel_alignment is not a power of two",
            Self::InitSizeTooSmall { .. } => "init_size is smaller than the payload",
        }
    }

    /// The errno the C loader answers with (negated).
    pub fn errno(self) -> Errno {
        match self {
            Self::Truncated | Self::PayloadTruncated { .. } => Errno::ENOEXEC,
            Self::CmdlineNoRoomForElfcorehdr
            | Self::CmdlineTooLong
            | Self::BadKernelAlignment { .. }
            | Self::InitSizeTooSmall { .. } => Errno::EINVAL,
        }
    }
}

impl fmt::Display for LoadError {
    /// The message, with the values of the fields it names.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())?;
        match *self {
            Self::PayloadTruncated { have, need } => write!(
                f,
                ": syssize declares {need} bytes after the setup code, the file holds {have}"
            ),
            Self::BadKernelAlignment { alignment } => write!(f, ": 0x{alignment:x}"),
            Self::InitSizeTooSmall { init_size, payload } => write!(
                f,
                ": init_size 0x{init_size:x}, payload (syssize) 0x{payload:x} bytes"
            ),
            _ => Ok(()),
        }
    }
}

/// Reads a little-endian `u16` at `off`, if it is inside `buf`.
pub fn read_u16(buf: &[u8], off: usize) -> Option<u16> {
    let b = buf.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

/// Reads a little-endian `u32` at `off`, if it is inside `buf`.
pub fn read_u32(buf: &[u8], off: usize) -> Option<u32> {
    let b = buf.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads a little-endian `u64` at `off`, if it is inside `buf`.
pub fn read_u64(buf: &[u8], off: usize) -> Option<u64> {
    let b = buf.get(off..off.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(u64::from_le_bytes(a))
}

/// The parts of the running kernel that decide whether an image fits.
#[derive(Debug, Clone, Copy, Default)]
pub struct Host {
    /// The running kernel uses 5-level paging.
    pub la57: bool,
}

/// The setup header fields a loader needs, read from a probed image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetupHeader {
    /// Sectors of real-mode setup code (0 means 4).
    pub setup_sects: u8,
    /// Boot protocol version, e.g. 0x020f.
    pub version: u16,
    /// `loadflags`.
    pub loadflags: u8,
    /// `xloadflags`.
    pub xloadflags: u16,
    /// Longest command line the kernel takes, without the NUL.
    pub cmdline_size: u32,
    /// Physical alignment the kernel needs.
    pub kernel_alignment: u32,
    /// Preferred load address.
    pub pref_address: u64,
    /// Memory the kernel needs from its load address to boot.
    pub init_size: u32,
    /// Size of the protected-mode payload after the setup code, in 16-byte
    /// paragraphs.
    pub syssize: u32,
    /// Length of the setup header as the image declares it (`0x202 +
    /// jump[1] - 0x1f1`): the bytes copied into `boot_params.hdr`.
    pub declared_len: usize,
}

impl SetupHeader {
    /// Checks `image` the way `bzImage64_probe()` does, in the same order,
    /// and returns its setup header.
    ///
    /// ```
    /// use kernel::kexec::bzimage::{Host, ProbeError, SetupHeader};
    ///
    /// let mut img = [0u8; 1024];
    /// assert_eq!(SetupHeader::probe(&img[..1023], Host::default()), Err(ProbeError::TooShort));
    /// assert_eq!(SetupHeader::probe(&img, Host::default()), Err(ProbeError::NotBzImage));
    /// img[0x202..0x206].copy_from_slice(b"HdrS");
    /// assert_eq!(SetupHeader::probe(&img, Host::default()), Err(ProbeError::NoBootSector));
    /// img[0x1fe] = 0x55;
    /// img[0x1ff] = 0xaa;
    /// img[0x206] = 0x0b;
    /// img[0x207] = 0x02;
    /// assert_eq!(SetupHeader::probe(&img, Host::default()), Err(ProbeError::OldProtocol));
    /// img[0x206] = 0x0f;
    /// img[0x211] = 1;
    /// img[0x236] = 3;
    /// let hdr = SetupHeader::probe(&img, Host::default()).unwrap();
    /// assert_eq!(hdr.kern16_size(), 5 * 512);
    /// assert_eq!(SetupHeader::probe(&img, Host { la57: true }), Err(ProbeError::No5Level));
    /// ```
    pub fn probe(image: &[u8], host: Host) -> Result<Self, ProbeError> {
        if image.len() < 2 * SECTOR_SIZE {
            return Err(ProbeError::TooShort);
        }
        // From here on every offset below 0x400 is inside the image; the
        // reads still go through the checked accessors.
        let rd16 = |off| read_u16(image, off).ok_or(ProbeError::TooShort);
        let rd32 = |off| read_u32(image, off).ok_or(ProbeError::TooShort);

        if image.get(bp::HEADER..bp::HEADER + 4) != Some(b"HdrS".as_slice()) {
            return Err(ProbeError::NotBzImage);
        }
        if rd16(bp::BOOT_FLAG)? != 0xaa55 {
            return Err(ProbeError::NoBootSector);
        }
        let version = rd16(bp::VERSION)?;
        if version < 0x020c {
            return Err(ProbeError::OldProtocol);
        }
        let loadflags = image[bp::LOADFLAGS];
        if loadflags & LOADED_HIGH == 0 {
            return Err(ProbeError::NotLoadedHigh);
        }
        let xloadflags = rd16(bp::XLOADFLAGS)?;
        if xloadflags & XLF_KERNEL_64 == 0 {
            return Err(ProbeError::NoKernel64);
        }
        if xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G == 0 {
            return Err(ProbeError::Below4GOnly);
        }
        if xloadflags & XLF_5LEVEL == 0 && host.la57 {
            return Err(ProbeError::No5Level);
        }
        Ok(Self {
            setup_sects: image[bp::SETUP_SECTS],
            version,
            loadflags,
            xloadflags,
            cmdline_size: rd32(bp::CMDLINE_SIZE)?,
            kernel_alignment: rd32(bp::KERNEL_ALIGNMENT)?,
            pref_address: read_u64(image, bp::PREF_ADDRESS).ok_or(ProbeError::TooShort)?,
            init_size: rd32(bp::INIT_SIZE)?,
            syssize: rd32(bp::SYSSIZE)?,
            declared_len: bp::HEADER + usize::from(image[bp::JUMP + 1]) - SETUP_HDR_OFFSET,
        })
    }

    /// Memory the kernel segment takes: `init_size` rounded up to a page
    /// the way C's `PAGE_ALIGN(header->init_size)` does it, in 32 bits. An
    /// `init_size` within a page of 4 GiB wraps to 0, and the segment is
    /// then refused because its file part is larger than its memory (what C
    /// answers, `-EINVAL`), not looked for in memory.
    pub fn kernel_memsz(&self, page_size: u32) -> usize {
        let mask = page_size.wrapping_sub(1);
        (self.init_size.wrapping_add(mask) & !mask) as usize
    }

    /// Bytes of real-mode code (boot sector plus setup sectors) in front of
    /// the protected-mode kernel.
    pub fn kern16_size(&self) -> usize {
        let sects = if self.setup_sects == 0 {
            4
        } else {
            self.setup_sects
        };
        (usize::from(sects) + 1) * SECTOR_SIZE
    }
}

/// Where things go in the one buffer that holds `boot_params`, the command
/// line, the EFI runtime map and the setup_data entries (the "params
/// segment"), in the order the C loader uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamsLayout {
    /// Offset of the command line (right after `boot_params`).
    pub cmdline_offset: usize,
    /// Offset of the EFI runtime memory map.
    pub efi_map_offset: usize,
    /// Offset of the first setup_data entry.
    pub setup_data_offset: usize,
    /// Size of the whole buffer.
    pub size: usize,
}

/// The payload of the `SETUP_EFI` entry (`struct efi_setup_data`): the
/// firmware vendor string, the configuration tables and the SMBIOS entry
/// point, which a kexec'd kernel cannot find on its own.
///
/// ```
/// use kernel::kexec::bzimage::{efi_setup_data, read_u64};
///
/// let d = efi_setup_data(0x7f00_0000, 0x7f10_0000, u64::MAX);
/// assert_eq!(d.len(), 96);
/// assert_eq!(read_u64(&d, 0), Some(0x7f00_0000));
/// assert_eq!(read_u64(&d, 16), Some(0x7f10_0000));
/// assert_eq!(read_u64(&d, 24), Some(u64::MAX));
/// assert!(d[32..].iter().all(|&b| b == 0));
/// ```
pub fn efi_setup_data(fw_vendor: u64, tables: u64, smbios: u64) -> [u8; EFI_SETUP_DATA_SIZE] {
    let mut d = [0u8; EFI_SETUP_DATA_SIZE];
    d[0..8].copy_from_slice(&fw_vendor.to_le_bytes());
    d[16..24].copy_from_slice(&tables.to_le_bytes());
    d[24..32].copy_from_slice(&smbios.to_le_bytes());
    d
}

/// The payload of the `SETUP_IMA` entry (`struct ima_setup_data`): where
/// the IMA measurement list for the next kernel is, and its size.
pub fn ima_setup_data(addr: u64, size: u64) -> [u8; IMA_SETUP_DATA_SIZE] {
    let mut d = [0u8; IMA_SETUP_DATA_SIZE];
    d[0..8].copy_from_slice(&addr.to_le_bytes());
    d[8..16].copy_from_slice(&size.to_le_bytes());
    d
}

/// Rounds `v` up to a multiple of 16, `None` on overflow.
fn align16(v: usize) -> Option<usize> {
    Some(v.checked_add(15)? & !15)
}

impl ParamsLayout {
    /// Lays out the params segment for a command line of `cmdline_len`
    /// bytes (NUL included) and an EFI runtime map of `efi_map_size` bytes;
    /// `ima` adds room for IMA setup_data. `None` when a size overflows.
    ///
    /// ```
    /// use kernel::kexec::bzimage::ParamsLayout;
    ///
    /// let l = ParamsLayout::new(14, 0, false).unwrap();
    /// assert_eq!((l.cmdline_offset, l.efi_map_offset), (4096, 4144));
    /// assert_eq!(l.size, 4144 + 16 + 96 + 16 + 32);
    /// assert!(ParamsLayout::new(usize::MAX, 0, false).is_none());
    /// assert!(ParamsLayout::new(0, usize::MAX - 8, true).is_none());
    /// ```
    pub fn new(cmdline_len: usize, efi_map_size: usize, ima: bool) -> Option<Self> {
        let params_cmdline = align16(
            BOOT_PARAMS_SIZE
                .checked_add(cmdline_len)?
                .checked_add(MAX_ELFCOREHDR_STR_LEN)?,
        )?;
        let efi_map_offset = params_cmdline;
        let setup_data_offset = efi_map_offset.checked_add(align16(efi_map_size)?)?;
        let mut size = setup_data_offset
            .checked_add(SETUP_DATA_HDR_SIZE + EFI_SETUP_DATA_SIZE)?
            .checked_add(SETUP_DATA_HDR_SIZE + RNG_SEED_LENGTH)?;
        if ima {
            size = size.checked_add(SETUP_DATA_HDR_SIZE + IMA_SETUP_DATA_SIZE)?;
        }
        Some(Self {
            cmdline_offset: BOOT_PARAMS_SIZE,
            efi_map_offset,
            setup_data_offset,
            size,
        })
    }
}

/// Checks the command line length against the image's limit, as
/// `bzImage64_load()` does before it places anything.
///
/// `cmdline_len` counts the NUL; 30 bytes stay free for `elfcorehdr=`.
///
/// ```
/// use kernel::kexec::bzimage::{check_cmdline, Host, LoadError, SetupHeader};
///
/// let mut img = [0u8; 1024];
/// img[0x1fe..0x200].copy_from_slice(&[0x55, 0xaa]);
/// img[0x202..0x206].copy_from_slice(b"HdrS");
/// img[0x206..0x208].copy_from_slice(&0x020fu16.to_le_bytes());
/// img[0x211] = 1;
/// img[0x236] = 3;
/// img[0x238..0x23c].copy_from_slice(&2047u32.to_le_bytes());
/// let hdr = SetupHeader::probe(&img, Host::default()).unwrap();
/// assert_eq!(check_cmdline(&hdr, 2017), Ok(()));
/// assert_eq!(check_cmdline(&hdr, 2018), Err(LoadError::CmdlineNoRoomForElfcorehdr));
/// assert_eq!(check_cmdline(&hdr, 2048), Err(LoadError::CmdlineTooLong));
/// assert_eq!(check_cmdline(&hdr, usize::MAX), Err(LoadError::CmdlineTooLong));
/// ```
pub fn check_cmdline(hdr: &SetupHeader, cmdline_len: usize) -> Result<(), LoadError> {
    let max = hdr.cmdline_size as usize;
    if cmdline_len > max {
        return Err(LoadError::CmdlineTooLong);
    }
    match cmdline_len.checked_add(MAX_ELFCOREHDR_STR_LEN) {
        Some(n) if n <= max => Ok(()),
        _ => Err(LoadError::CmdlineNoRoomForElfcorehdr),
    }
}

/// Checks that the image holds its own setup code; returns the range of the
/// protected-mode kernel inside the image.
pub fn kernel_range(
    hdr: &SetupHeader,
    image_len: usize,
) -> Result<core::ops::Range<usize>, LoadError> {
    let start = hdr.kern16_size();
    if image_len < start {
        return Err(LoadError::Truncated);
    }
    Ok(start..image_len)
}

/// Refuses, in this order, what C loads but cannot boot: a file that ends
/// before the payload `syssize` declares, a `kernel_alignment` that is not
/// a power of two, an `init_size` smaller than the payload. `image_len` is
/// the length of the whole file.
///
/// ```
/// use kernel::kexec::bzimage::{check_bootable, Host, LoadError, SetupHeader};
///
/// let mut img = [0u8; 1024 + 4096];
/// img[0x1f1] = 1; // setup_sects: the setup code is 1024 bytes
/// img[0x202..0x206].copy_from_slice(b"HdrS");
/// img[0x1fe..0x200].copy_from_slice(&[0x55, 0xaa]);
/// img[0x206] = 0x0f;
/// img[0x207] = 0x02;
/// img[0x211] = 1;
/// img[0x236] = 3;
/// img[0x1f4..0x1f8].copy_from_slice(&256u32.to_le_bytes()); // 4096 bytes
/// img[0x230..0x234].copy_from_slice(&0x200000u32.to_le_bytes());
/// img[0x260..0x264].copy_from_slice(&0x10000u32.to_le_bytes());
/// let hdr = |img: &[u8]| SetupHeader::probe(img, Host::default()).unwrap();
/// assert_eq!(check_bootable(&hdr(&img), img.len()), Ok(()));
/// assert_eq!(
///     check_bootable(&hdr(&img), img.len() - 1),
///     Err(LoadError::PayloadTruncated { have: 4095, need: 4096 })
/// );
/// img[0x230..0x234].copy_from_slice(&0x300000u32.to_le_bytes());
/// assert_eq!(
///     check_bootable(&hdr(&img), img.len()),
///     Err(LoadError::BadKernelAlignment { alignment: 0x300000 })
/// );
/// img[0x230..0x234].copy_from_slice(&0x1000u32.to_le_bytes());
/// img[0x260..0x264].copy_from_slice(&0xfffu32.to_le_bytes());
/// let r = check_bootable(&hdr(&img), img.len());
/// assert!(matches!(r, Err(LoadError::InitSizeTooSmall { .. })));
/// ```
pub fn check_bootable(hdr: &SetupHeader, image_len: usize) -> Result<(), LoadError> {
    let have = (image_len as u64).saturating_sub(hdr.kern16_size() as u64);
    let need = u64::from(hdr.syssize) * 16;
    if have < need {
        return Err(LoadError::PayloadTruncated { have, need });
    }
    if !hdr.kernel_alignment.is_power_of_two() {
        return Err(LoadError::BadKernelAlignment {
            alignment: hdr.kernel_alignment,
        });
    }
    if u64::from(hdr.init_size) < need {
        return Err(LoadError::InitSizeTooSmall {
            init_size: hdr.init_size,
            payload: need,
        });
    }
    Ok(())
}

/// A `boot_params` buffer under construction: typed little-endian stores at
/// the offsets of [`bp`]. The buffer is at least [`BOOT_PARAMS_SIZE`] long,
/// so no store below that size can fail.
pub struct BootParams<'a>(&'a mut [u8]);

impl<'a> BootParams<'a> {
    /// Wraps `buf`; `None` when it is too small to hold `boot_params`.
    pub fn new(buf: &'a mut [u8]) -> Option<Self> {
        if buf.len() < BOOT_PARAMS_SIZE {
            return None;
        }
        Some(Self(buf))
    }

    /// The whole buffer.
    pub fn bytes(&mut self) -> &mut [u8] {
        self.0
    }

    /// Stores `v` at `off` (little-endian).
    pub fn put(&mut self, off: usize, v: &[u8]) {
        self.0[off..off + v.len()].copy_from_slice(v);
    }

    /// Stores a `u8`.
    pub fn put_u8(&mut self, off: usize, v: u8) {
        self.0[off] = v;
    }

    /// Stores a `u16`.
    pub fn put_u16(&mut self, off: usize, v: u16) {
        self.put(off, &v.to_le_bytes());
    }

    /// Stores a `u32`.
    pub fn put_u32(&mut self, off: usize, v: u32) {
        self.put(off, &v.to_le_bytes());
    }

    /// Stores a `u64`.
    pub fn put_u64(&mut self, off: usize, v: u64) {
        self.put(off, &v.to_le_bytes());
    }

    /// Reads a `u64` back (e.g. the `setup_data` list head).
    pub fn get_u64(&self, off: usize) -> u64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(&self.0[off..off + 8]);
        u64::from_le_bytes(a)
    }

    /// Zeroes `len` bytes at `off`.
    pub fn clear(&mut self, off: usize, len: usize) {
        self.0[off..off + len].fill(0);
    }

    /// Copies the image's setup header into `hdr`, `declared_len` bytes as
    /// the image declares them (what `bzImage64_load()` copies).
    pub fn copy_setup_header(&mut self, image: &[u8], hdr: &SetupHeader) -> Option<()> {
        let end = SETUP_HDR_OFFSET.checked_add(hdr.declared_len)?;
        let src = image.get(SETUP_HDR_OFFSET..end)?;
        self.0.get_mut(SETUP_HDR_OFFSET..end)?.copy_from_slice(src);
        Some(())
    }

    /// Sets the initrd address and size (low and high halves).
    pub fn set_initrd(&mut self, addr: u64, len: u64) {
        self.put_u32(bp::RAMDISK_IMAGE, addr as u32);
        self.put_u32(bp::RAMDISK_SIZE, len as u32);
        self.put_u32(bp::EXT_RAMDISK_IMAGE, (addr >> 32) as u32);
        self.put_u32(bp::EXT_RAMDISK_SIZE, (len >> 32) as u32);
    }

    /// Copies `cmdline` (NUL included, may be empty) to `offset`, prefixed by
    /// `prefix` (the `elfcorehdr=` of a crash kernel), NUL-terminates it and
    /// points `cmd_line_ptr` at it, given that the buffer will sit at
    /// physical address `load_addr`. `None` if it does not fit.
    pub fn set_cmdline(
        &mut self,
        load_addr: u64,
        offset: usize,
        prefix: &[u8],
        cmdline: &[u8],
    ) -> Option<()> {
        let plen = prefix.len();
        let total = plen.checked_add(cmdline.len())?;
        let end = offset.checked_add(total)?;
        let dst = self.0.get_mut(offset..end)?;
        dst[..plen].copy_from_slice(prefix);
        dst[plen..].copy_from_slice(cmdline);
        // The C loader writes the terminating NUL at `total - 1`; with an
        // empty command line that is the byte before the command line, which
        // is zero already.
        if let Some(last) = dst.last_mut() {
            *last = 0;
        }
        let phys = load_addr.checked_add(offset as u64)?;
        self.put_u32(bp::CMD_LINE_PTR, phys as u32);
        if phys >> 32 != 0 {
            self.put_u32(bp::EXT_CMD_LINE_PTR, (phys >> 32) as u32);
        }
        Some(())
    }

    /// Fills `e820_table` from `(addr, size, type)` entries, at most
    /// [`E820_MAX_ENTRIES_ZEROPAGE`] of them, and updates the memory size
    /// fields ([`BootParams::set_mem_sizes`]); returns the entry count.
    pub fn set_e820<I: Iterator<Item = (u64, u64, u32)>>(&mut self, entries: I) -> usize {
        let mut n = 0;
        for (addr, size, typ) in entries.take(E820_MAX_ENTRIES_ZEROPAGE) {
            let off = bp::E820_TABLE + n * E820_ENTRY_SIZE;
            self.put_u64(off, addr);
            self.put_u64(off + 8, size);
            self.put_u32(off + 16, typ);
            n += 1;
        }
        self.put_u8(bp::E820_ENTRIES, n as u8);
        self.set_mem_sizes()
    }

    /// The `i`-th entry of the e820 table in place, as `(addr, size, type)`.
    pub fn e820_entry(&self, i: usize) -> (u64, u64, u32) {
        let off = bp::E820_TABLE + i * E820_ENTRY_SIZE;
        (
            self.get_u64(off),
            self.get_u64(off + 8),
            read_u32(&self.0[..], off + 16).unwrap_or(0),
        )
    }

    /// Sets the memory size fields (`screen_info.ext_mem_k`, `alt_mem_k`)
    /// from the RAM entry of the e820 table in place that covers 1 MiB, as C
    /// does once the table is filled (by the loader, or for a crash kernel
    /// by `crash_setup_memmap_entries()`); returns the entry count.
    pub fn set_mem_sizes(&mut self) -> usize {
        self.put_u16(bp::EXT_MEM_K, 0);
        self.put_u32(bp::ALT_MEM_K, 0);
        let n = (self.0.get(bp::E820_ENTRIES).copied().unwrap_or(0) as usize)
            .min(E820_MAX_ENTRIES_ZEROPAGE);
        for i in 0..n {
            let (addr, size, typ) = self.e820_entry(i);
            if typ != E820_TYPE_RAM {
                continue;
            }
            // As C: `end` wraps the same way for a zero-sized entry.
            let start = addr;
            let end = addr.wrapping_add(size).wrapping_sub(1);
            if start <= 0x100000 && end > 0x100000 {
                let mem_k = (end >> 10) - (0x100000 >> 10);
                self.put_u16(
                    bp::EXT_MEM_K,
                    if mem_k > 0xfc00 { 0xfc00 } else { mem_k as u16 },
                );
                self.put_u32(
                    bp::ALT_MEM_K,
                    if mem_k > 0xffff_ffff {
                        0xffff_ffff
                    } else {
                        mem_k as u32
                    },
                );
            }
        }
        n
    }

    /// Hands the running kernel's EFI state on (`setup_efi_state()`): from
    /// `cur`, the running kernel's `boot_params`, `secure_boot` and the
    /// loader signature, system table and descriptor version of `efi_info`;
    /// `memdesc_size` is the runtime map's descriptor size; `map` the
    /// physical address and size of the runtime map, when one was copied.
    ///
    /// ```
    /// use kernel::kexec::bzimage::{bp, read_u32, BootParams, BOOT_PARAMS_SIZE};
    ///
    /// let mut cur = [0u8; BOOT_PARAMS_SIZE];
    /// cur[bp::SECURE_BOOT] = 3;
    /// cur[bp::EFI_LOADER_SIGNATURE..bp::EFI_LOADER_SIGNATURE + 4].copy_from_slice(b"EL64");
    /// cur[bp::EFI_SYSTAB_HI] = 1;
    /// let mut buf = [0xffu8; BOOT_PARAMS_SIZE];
    /// let mut p = BootParams::new(&mut buf).unwrap();
    /// p.set_efi_info(&cur, 48, Some((0x1_2345_6000, 480)));
    /// let b = p.bytes();
    /// assert_eq!(b[bp::SECURE_BOOT], 3);
    /// assert_eq!(&b[bp::EFI_LOADER_SIGNATURE..bp::EFI_LOADER_SIGNATURE + 4], b"EL64");
    /// assert_eq!(read_u32(b, bp::EFI_SYSTAB_HI), Some(1));
    /// assert_eq!(read_u32(b, bp::EFI_MEMDESC_SIZE), Some(48));
    /// assert_eq!(read_u32(b, bp::EFI_MEMMAP), Some(0x2345_6000));
    /// assert_eq!(read_u32(b, bp::EFI_MEMMAP_HI), Some(1));
    /// assert_eq!(read_u32(b, bp::EFI_MEMMAP_SIZE), Some(480));
    /// ```
    pub fn set_efi_info(
        &mut self,
        cur: &[u8; BOOT_PARAMS_SIZE],
        memdesc_size: u32,
        map: Option<(u64, u32)>,
    ) {
        let word = |off: usize| read_u32(cur, off).unwrap_or(0);
        self.put_u8(bp::SECURE_BOOT, cur[bp::SECURE_BOOT]);
        self.put_u32(bp::EFI_LOADER_SIGNATURE, word(bp::EFI_LOADER_SIGNATURE));
        self.put_u32(bp::EFI_SYSTAB, word(bp::EFI_SYSTAB));
        self.put_u32(bp::EFI_SYSTAB_HI, word(bp::EFI_SYSTAB_HI));
        self.put_u32(bp::EFI_MEMDESC_VERSION, word(bp::EFI_MEMDESC_VERSION));
        self.put_u32(bp::EFI_MEMDESC_SIZE, memdesc_size);
        if let Some((phys, size)) = map {
            self.put_u32(bp::EFI_MEMMAP, phys as u32);
            self.put_u32(bp::EFI_MEMMAP_HI, (phys >> 32) as u32);
            self.put_u32(bp::EFI_MEMMAP_SIZE, size);
        }
    }

    /// Writes a `setup_data` entry at `offset` (header then `payload`) and
    /// links it at the head of the `hdr.setup_data` list, the buffer sitting
    /// at physical address `load_addr`. `None` if it does not fit.
    pub fn push_setup_data(
        &mut self,
        load_addr: u64,
        offset: usize,
        typ: u32,
        payload: &[u8],
    ) -> Option<()> {
        let end = offset
            .checked_add(SETUP_DATA_HDR_SIZE)?
            .checked_add(payload.len())?;
        if end > self.0.len() {
            return None;
        }
        let next = self.get_u64(bp::SETUP_DATA);
        self.put_u64(offset, next);
        self.put_u32(offset + 8, typ);
        self.put_u32(offset + 12, payload.len() as u32);
        self.put(offset + SETUP_DATA_HDR_SIZE, payload);
        self.put_u64(bp::SETUP_DATA, load_addr.checked_add(offset as u64)?);
        Some(())
    }
}

/// The I/O ports of the first four 8250 UARTs, `ttyS0` to `ttyS3`.
const TTYS_PORTS: [u16; 4] = [0x3f8, 0x2f8, 0x3e8, 0x2e8];

/// `ttyS<n>[,options]`: the port of `ttyS0`..`ttyS3`.
fn ttys_port(v: &[u8]) -> Option<u16> {
    let name = v.split(|&b| b == b',').next()?;
    match name.strip_prefix(b"ttyS")? {
        [d @ b'0'..=b'3'] => TTYS_PORTS.get(usize::from(d - b'0')).copied(),
        _ => None,
    }
}

/// `uart[8250],io,0x<port>[,options]`: that port.
fn uart_io_port(v: &[u8]) -> Option<u16> {
    let rest = v
        .strip_prefix(b"uart8250,io,")
        .or_else(|| v.strip_prefix(b"uart,io,"))?;
    let num = rest.split(|&b| b == b',').next()?;
    let hex = num
        .strip_prefix(b"0x")
        .or_else(|| num.strip_prefix(b"0X"))?;
    if hex.is_empty() {
        return None;
    }
    let mut port: u16 = 0;
    for &c in hex {
        let d = (c as char).to_digit(16)?;
        port = port.checked_mul(16)?.checked_add(d as u16)?;
    }
    // Only a standard 8250 port: the command line is not signed, and the
    // purgatory writes to the port it is given (0xcf9 resets the machine).
    TTYS_PORTS.contains(&port).then_some(port)
}

/// The I/O port of the 8250 UART a kernel command line puts its console on,
/// for the purgatory's report of a digest mismatch: the first of
/// `console=ttyS<n>`, `console=` or `earlycon=uart[8250],io,0x<port>`,
/// `earlyprintk=serial[,ttyS<n>]` or `earlyprintk=ttyS<n>`. `None` when the
/// console is elsewhere or on a port other than the four standard ones
/// (0x3f8, 0x2f8, 0x3e8, 0x2e8: `ttyS0` to `ttyS3`); parsing stops at a NUL.
///
/// ```
/// use kernel::kexec::bzimage::serial_console_port;
///
/// assert_eq!(serial_console_port(b"quiet console=ttyS0,115200"), Some(0x3f8));
/// assert_eq!(serial_console_port(b"console=tty0 console=ttyS1"), Some(0x2f8));
/// assert_eq!(serial_console_port(b"earlyprintk=serial,115200"), Some(0x3f8));
/// assert_eq!(serial_console_port(b"earlyprintk=serial,ttyS3,9600"), Some(0x2e8));
/// assert_eq!(serial_console_port(b"earlycon=uart8250,io,0x2f8,115200n8"), Some(0x2f8));
/// assert_eq!(serial_console_port(b"console=tty0 console=ttyS9"), None);
/// assert_eq!(serial_console_port(b"console=uart,io,0x10000"), None);
/// assert_eq!(serial_console_port(b"console=uart,io,0xcf9"), None);
/// assert_eq!(serial_console_port(b"quiet\0console=ttyS0"), None);
/// ```
pub fn serial_console_port(cmdline: &[u8]) -> Option<u16> {
    let end = cmdline
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(cmdline.len());
    let words = cmdline
        .get(..end)?
        .split(|&b| b == b' ' || b == b'\t' || b == b'\n');
    words
        .filter_map(|w| {
            if let Some(v) = w.strip_prefix(b"console=") {
                ttys_port(v).or_else(|| uart_io_port(v))
            } else if let Some(v) = w.strip_prefix(b"earlycon=") {
                uart_io_port(v)
            } else if let Some(v) = w.strip_prefix(b"earlyprintk=") {
                match v.strip_prefix(b"serial") {
                    Some(rest) => rest
                        .strip_prefix(b",")
                        .and_then(ttys_port)
                        .or(Some(TTYS_PORTS[0])),
                    None => ttys_port(v),
                }
            } else {
                None
            }
        })
        .next()
}
