// SPDX-License-Identifier: GPL-2.0

//! Unified Kernel Images: the PE/COFF sections systemd-stub reads.
//!
//! A UKI is the EFI stub of systemd (`linuxx64.efi.stub`) with sections
//! added: `.linux` (a bzImage), `.initrd`, `.cmdline` and optional `.osrel`,
//! `.uname`, `.splash`, `.dtb`. This module only finds them: it parses the
//! DOS and PE headers and the section table, bounds-checked, with checked
//! arithmetic on every value from the file, and checks that the sections a
//! loader uses lie inside the file without overlapping. It only uses
//! `core`, so that the same code is tested and fuzzed on the host.
//!
//! A section's bytes are read the way systemd-stub reads them from a file:
//! `min(VirtualSize, SizeOfRawData)` bytes at `PointerToRawData`. Both
//! layouts in use are covered: `objcopy --add-section` gives `VirtualSize`
//! = the data's length, `SizeOfRawData` that rounded up to `FileAlignment`;
//! systemd's `ukify` does the same, but gives `.linux` the kernel's
//! `SizeOfImage` as `VirtualSize`, larger than its raw data (in memory the
//! bytes past the raw data are zeros, which a bzImage load does not need:
//! the kernel's `init_size` says how much memory it takes), and writes
//! `.cmdline` without a NUL. In memory every section is zero-filled from
//! its raw data up to `VirtualSize`, so what a loader takes from the file is
//! all there is: a text section (`.cmdline`) is its bytes up to the first
//! NUL, if any; an `.initrd`'s zeros past its raw data would be skipped by
//! the kernel's initramfs unpacker anyway.

use super::errno::Errno;
use super::pe::{layout, MZ_MAGIC, PE_MAGIC, PE_OPT_MAGIC_PE32, PE_OPT_MAGIC_PE32PLUS};
use core::ops::Range;

/// `pe_hdr.opt_hdr_size` (u16): bytes of optional header after `pe_hdr`.
const PE_OPT_HDR_SIZE: usize = 20;
/// `section_header.virtual_size` (u32).
const SEC_VIRTUAL_SIZE: usize = 8;
/// `section_header.raw_data_size` (u32).
const SEC_RAW_DATA_SIZE: usize = 16;
/// `section_header.data_addr` (u32): file offset of the section's data.
const SEC_DATA_ADDR: usize = 20;

/// The sections of a UKI, in the order of [`Uki::sections`].
pub const SECTIONS: [&[u8]; 7] = [
    b".linux",
    b".initrd",
    b".cmdline",
    b".osrel",
    b".uname",
    b".splash",
    b".dtb",
];

/// Index of `.linux` in [`SECTIONS`].
pub const LINUX: usize = 0;
/// Index of `.initrd` in [`SECTIONS`].
pub const INITRD: usize = 1;
/// Index of `.cmdline` in [`SECTIONS`].
pub const CMDLINE: usize = 2;

/// Why a UKI is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UkiError {
    /// Not a PE file with UKI sections: not ours, the next loader tries.
    NotUki,
    /// The section table does not fit in the headers (`SizeOfHeaders`).
    SectionTablePastHeaders,
    /// A UKI section appears twice.
    DuplicateSection(usize),
    /// A UKI section's data runs past the end of the file.
    SectionPastEnd(usize),
    /// Two UKI sections share bytes of the file.
    Overlap(usize, usize),
    /// UKI sections but no `.linux`.
    NoLinux,
}

impl UkiError {
    /// The errno the load fails with.
    pub fn errno(self) -> Errno {
        match self {
            Self::NotUki | Self::NoLinux => Errno::ENOEXEC,
            _ => Errno::ELIBBAD,
        }
    }
}

impl core::fmt::Display for UkiError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let name = |i: usize| core::str::from_utf8(SECTIONS[i]).unwrap_or("?");
        match *self {
            Self::NotUki => f.write_str("not a UKI"),
            Self::SectionTablePastHeaders => f.write_str("UKI section table runs past the headers"),
            Self::DuplicateSection(i) => write!(f, "UKI has two {} sections", name(i)),
            Self::SectionPastEnd(i) => {
                write!(f, "UKI section {} runs past the end of the file", name(i))
            }
            Self::Overlap(a, b) => write!(f, "UKI sections {} and {} overlap", name(a), name(b)),
            Self::NoLinux => f.write_str("UKI has no .linux section"),
        }
    }
}

/// Where the UKI sections are in the file: the byte ranges a loader reads
/// (`min(VirtualSize, SizeOfRawData)` bytes at `PointerToRawData`), `None`
/// for a section the image does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uki {
    /// One range per entry of [`SECTIONS`].
    pub sections: [Option<Range<usize>>; 7],
}

impl Uki {
    /// The `.linux` section (always there once [`parse`] succeeded).
    pub fn linux(&self) -> Range<usize> {
        self.sections[LINUX].clone().unwrap_or(0..0)
    }

    /// The `.initrd` section, if any.
    pub fn initrd(&self) -> Option<Range<usize>> {
        self.sections[INITRD].clone()
    }

    /// The command line of the `.cmdline` section, if any: its text, without
    /// a NUL (the section's bytes up to the first NUL, or all of them: ukify
    /// writes none, systemd-stub reads the section by its size).
    ///
    /// ```
    /// use kernel::kexec::uki::Uki;
    ///
    /// let image = b"console=ttyS0\0\0\0quiet";
    /// let mut u = Uki { sections: Default::default() };
    /// assert_eq!(u.cmdline(image), None);
    /// u.sections[2] = Some(0..16);
    /// assert_eq!(u.cmdline(image), Some(&b"console=ttyS0"[..]));
    /// u.sections[2] = Some(16..21);
    /// assert_eq!(u.cmdline(image), Some(&b"quiet"[..]));
    /// ```
    pub fn cmdline<'a>(&self, image: &'a [u8]) -> Option<&'a [u8]> {
        let s = image.get(self.sections[CMDLINE].clone()?)?;
        s.split(|&b| b == 0).next()
    }
}

fn le16(buf: &[u8], off: usize) -> Option<u16> {
    let b = buf.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn le32(buf: &[u8], off: usize) -> Option<u32> {
    let b = buf.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The section table: its file offset and entry count, and `SizeOfHeaders`;
/// `None` when the file is not a PE file whose table can be read.
fn section_table(image: &[u8]) -> Option<(usize, usize, usize)> {
    if le16(image, layout::MZ_HDR_MAGIC)? != MZ_MAGIC {
        return None;
    }
    let pe = usize::try_from(le32(image, layout::MZ_PEADDR)?).ok()?;
    if le32(image, pe.checked_add(layout::PE_HDR_MAGIC)?)? != PE_MAGIC {
        return None;
    }
    let n = usize::from(le16(image, pe.checked_add(layout::PE_SECTIONS)?)?);
    let opt_size = usize::from(le16(image, pe.checked_add(PE_OPT_HDR_SIZE)?)?);
    let opt = pe.checked_add(layout::PE_HDR_SIZE)?;
    match le16(image, opt)? {
        PE_OPT_MAGIC_PE32 | PE_OPT_MAGIC_PE32PLUS => {}
        _ => return None,
    }
    let headers = usize::try_from(le32(image, opt.checked_add(layout::OPT_HEADER_SIZE)?)?).ok()?;
    let table = opt.checked_add(opt_size)?;
    let end = table.checked_add(n.checked_mul(layout::SECTION_HEADER_SIZE)?)?;
    // The whole table must be readable to know what the file holds.
    image.get(table..end)?;
    Some((table, n, headers))
}

/// Finds the UKI sections of `image`.
///
/// Anything that is not a PE file with at least one UKI section is
/// [`UkiError::NotUki`] (a signed bzImage is a PE file without them). A
/// section's data is `min(VirtualSize, SizeOfRawData)` bytes at
/// `PointerToRawData` (what systemd-stub reads from a file), which must be
/// inside the file; a `VirtualSize` past the raw data is not refused
/// (ukify's `.linux` has one), nor a `.cmdline` without a NUL (ukify
/// writes none). Refused: a section table past `SizeOfHeaders`, a UKI
/// section twice (systemd-stub takes the first, a reader of the signed file
/// might take the other), data past the end of the file, two UKI sections
/// sharing bytes, no `.linux`.
///
/// ```
/// use kernel::kexec::uki::{parse, UkiError};
///
/// assert_eq!(parse(b"not a PE file"), Err(UkiError::NotUki));
/// ```
pub fn parse(image: &[u8]) -> Result<Uki, UkiError> {
    let (table, n, headers) = section_table(image).ok_or(UkiError::NotUki)?;
    let mut sections: [Option<Range<usize>>; 7] = Default::default();
    let mut any = false;
    for i in 0..n {
        // Inside the table, which section_table() checked is readable.
        let h = table + i * layout::SECTION_HEADER_SIZE;
        let name = &image[h..h + 8];
        let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(8)];
        let Some(k) = SECTIONS.iter().position(|s| *s == name) else {
            continue;
        };
        any = true;
        if sections[k].is_some() {
            return Err(UkiError::DuplicateSection(k));
        }
        let field = |off| le32(image, h + off).map(|v| v as usize).unwrap_or(0);
        let (vsize, raw, at) = (
            field(SEC_VIRTUAL_SIZE),
            field(SEC_RAW_DATA_SIZE),
            field(SEC_DATA_ADDR),
        );
        // What is in the file; in memory, zeros follow up to `vsize`.
        let size = vsize.min(raw);
        let end = at.checked_add(size).ok_or(UkiError::SectionPastEnd(k))?;
        if end > image.len() {
            return Err(UkiError::SectionPastEnd(k));
        }
        sections[k] = Some(at..end);
    }
    if !any {
        return Err(UkiError::NotUki);
    }
    // The table itself, not only what it points to, belongs to the headers.
    let table_end = table + n * layout::SECTION_HEADER_SIZE;
    if table_end > headers {
        return Err(UkiError::SectionTablePastHeaders);
    }
    for a in 0..SECTIONS.len() {
        for b in a + 1..SECTIONS.len() {
            if let (Some(x), Some(y)) = (&sections[a], &sections[b]) {
                if !x.is_empty() && !y.is_empty() && x.start < y.end && y.start < x.end {
                    return Err(UkiError::Overlap(a, b));
                }
            }
        }
    }
    if sections[LINUX].is_none() {
        return Err(UkiError::NoLinux);
    }
    Ok(Uki { sections })
}
