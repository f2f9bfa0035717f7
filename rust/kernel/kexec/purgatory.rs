// SPDX-License-Identifier: GPL-2.0

//! Layout and relocation of the kexec purgatory, a relocatable x86_64 ELF
//! object (`ET_REL`) that the kernel embeds as `kexec_purgatory`.
//!
//! This file uses `core` only, so that host tests and fuzz targets build the
//! very same code (`#[path]` include). It reproduces, byte for byte, what the
//! C code does to the object:
//!
//! - `kexec_purgatory_setup_kbuf()`: which sections are loaded, the buffer
//!   size, the memory size and the alignment ([`Purgatory::layout`]);
//! - `kexec_purgatory_setup_sechdrs()`: the place of every section, the copy
//!   into a zeroed buffer and the entry point ([`Purgatory::build`]);
//! - `kexec_apply_relocations()` and `arch_kexec_apply_relocations_add()`:
//!   the RELA relocations ([`Purgatory::build`]);
//! - `kexec_purgatory_find_symbol()`, `kexec_purgatory_get_symbol_addr()`
//!   and `kexec_purgatory_get_set_symbol()` ([`Purgatory::symbol`],
//!   [`Purgatory::symbol_addr`], [`Purgatory::get_symbol`],
//!   [`Purgatory::set_symbol`]).
//!
//! The C code trusts the object, which is built with the kernel; this code
//! does not: every offset and size read from the object is checked against
//! it and combined with checked arithmetic, so a bad object is an error value,
//! never a panic or an access outside a slice. Where C would read or write
//! outside the object or the buffer, this code refuses instead (each such
//! place is named in the documentation of the [`PurgatoryError`] variant).
//! Relocation and symbol *values* are addresses and use modulo 2^64
//! arithmetic, as C does.
//!
//! The purgatory of Linux 6.12 (`arch/x86/purgatory/purgatory.ro`, built by
//! clang) uses three relocation types: `R_X86_64_PC32` and `R_X86_64_PLT32`
//! in `.rela.text`, `R_X86_64_64` in `.rela.rodata`.
//!
//! C sources: [`kernel/kexec_file.c`](srctree/kernel/kexec_file.c),
//! [`arch/x86/kernel/machine_kexec_64.c`](srctree/arch/x86/kernel/machine_kexec_64.c)

use super::bzimage::{read_u16 as rd_u16, read_u32 as rd_u32, read_u64 as rd_u64};
use super::errno::Errno;
use core::fmt;
use core::ops::Range;

/// Size of `Elf64_Ehdr`.
pub const EHDR_SIZE: usize = 64;
/// Size of `Elf64_Shdr`; `e_shentsize` must be this.
pub const SHDR_SIZE: usize = 64;
/// Offset of `sh_addr` in a section header.
const SH_ADDR: usize = 16;
/// Offset of `sh_offset` in a section header.
const SH_OFFSET: usize = 24;
/// Size of `Elf64_Sym` (C steps through symbol tables by this size).
pub const SYM_SIZE: usize = 24;
/// Size of `Elf64_Rela` (C steps through RELA tables by this size).
pub const RELA_SIZE: usize = 24;

/// `e_ident[EI_CLASS]` of a 64-bit object.
pub const ELFCLASS64: u8 = 2;
/// `e_ident[EI_DATA]` of a little-endian object.
pub const ELFDATA2LSB: u8 = 1;
/// `e_type` of a relocatable object.
pub const ET_REL: u16 = 1;
/// `e_machine` of x86_64.
pub const EM_X86_64: u16 = 62;

/// `sh_type`: program data.
pub const SHT_PROGBITS: u32 = 1;
/// `sh_type`: symbol table.
pub const SHT_SYMTAB: u32 = 2;
/// `sh_type`: string table.
pub const SHT_STRTAB: u32 = 3;
/// `sh_type`: relocations with addends.
pub const SHT_RELA: u32 = 4;
/// `sh_type`: zero-filled memory without file contents (`.bss`).
pub const SHT_NOBITS: u32 = 8;
/// `sh_type`: relocations without addends (refused, as by C on x86).
pub const SHT_REL: u32 = 9;

/// `sh_flags`: writable.
pub const SHF_WRITE: u64 = 0x1;
/// `sh_flags`: occupies memory at run time; only these sections are loaded.
pub const SHF_ALLOC: u64 = 0x2;
/// `sh_flags`: executable; only these sections can hold the entry point.
pub const SHF_EXECINSTR: u64 = 0x4;

/// `st_shndx`: undefined symbol.
pub const SHN_UNDEF: u16 = 0;
/// `st_shndx`: absolute symbol (not relocated).
pub const SHN_ABS: u16 = 0xfff1;
/// `st_shndx`: common symbol (not allocated; refused).
pub const SHN_COMMON: u16 = 0xfff2;

/// Symbol binding (`st_info >> 4`): local.
pub const STB_LOCAL: u8 = 0;
/// Symbol binding: global, the only one [`Purgatory::symbol`] finds.
pub const STB_GLOBAL: u8 = 1;
/// Symbol binding: weak.
pub const STB_WEAK: u8 = 2;

/// Relocation type: nothing to do.
pub const R_X86_64_NONE: u32 = 0;
/// Relocation type: `S + A`, 64 bits.
pub const R_X86_64_64: u32 = 1;
/// Relocation type: `S + A - P`, low 32 bits, no overflow check (as C).
pub const R_X86_64_PC32: u32 = 2;
/// Relocation type: as [`R_X86_64_PC32`] (no PLT in a static object).
pub const R_X86_64_PLT32: u32 = 4;
/// Relocation type: `S + A`, must fit in 32 bits zero-extended.
pub const R_X86_64_32: u32 = 10;
/// Relocation type: `S + A`, must fit in 32 bits sign-extended.
pub const R_X86_64_32S: u32 = 11;

/// The name of the symbol C looks up to find the entry point.
pub const ENTRY_SYMBOL: &[u8] = b"purgatory_start";

/// Why the purgatory object or a request about it was refused.
///
/// C answers `-ENOEXEC` for a bad object during relocation, `-EINVAL` for a
/// symbol it cannot get or set; [`PurgatoryError::errno`] gives the class.
/// Variants marked "(Rust only)" are conditions C does not check, where it
/// would read or write outside the object or its buffer, or build a layout
/// with overlapping sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgatoryError {
    /// A loaded section's `sh_addralign` is not a power of two (Rust only):
    /// C's `ALIGN()` misaligns, or for 0 returns 0 and makes sections
    /// overlap. Alignment 0 is taken where C's result is sound: a section
    /// with contents at buffer offset 0.
    BadAlignment,
    /// `e_ident[EI_CLASS]` is not `ELFCLASS64` (Rust only).
    BadClass,
    /// `e_ident[EI_DATA]` is not little-endian (Rust only).
    BadEndian,
    /// The load address is not a multiple of the layout's alignment, or the
    /// segment would wrap past the top of the address space (Rust only; the
    /// kernel's placement never produces such an address). `-EINVAL`.
    BadLoadAddress,
    /// `e_machine` is not `EM_X86_64` (Rust only).
    BadMachine,
    /// The object does not start with `\x7fELF` (Rust only).
    BadMagic,
    /// `e_shentsize` is not the size of `Elf64_Shdr` (Rust only).
    BadShentsize,
    /// `e_type` is not `ET_REL` (Rust only).
    BadType,
    /// The buffer handed in is not exactly `bufsz` bytes (Rust only).
    /// `-EINVAL`.
    BufferSize,
    /// A relocation refers to a symbol in `SHN_COMMON`.
    CommonSymbol,
    /// The object is empty; C checks `kexec_purgatory_size <= 0`. `-EINVAL`.
    Empty,
    /// No loaded section has file contents, so the buffer would be empty;
    /// C fails in `vzalloc(0)`. `-ENOMEM`.
    EmptyBuffer,
    /// A relocation refers to a symbol whose `st_shndx` is not a section of
    /// the object.
    InvalidSymbolSection,
    /// A size or offset of the layout overflows (Rust only; C's `ALIGN()`
    /// and sums would wrap).
    Overflow,
    /// A relocation section's `sh_info` (the section it applies to) is not a
    /// section of the object.
    RelocInfoOutOfRange,
    /// A relocation other than `R_X86_64_NONE` applies to an `SHT_NOBITS`
    /// section, which has no bytes in the buffer (Rust only; C would write at
    /// the section's file offset inside the buffer).
    RelocIntoNobits,
    /// A relocation section's `sh_link` (its symbol table) is not a section
    /// of the object.
    RelocLinkOutOfRange,
    /// A relocation's storage unit does not lie inside the section it applies
    /// to (Rust only; C writes there anyway).
    RelocOutOfSection,
    /// An `R_X86_64_32` or `R_X86_64_32S` value does not fit.
    RelocOverflow {
        /// The relocation type.
        r_type: u32,
        /// The value that does not fit.
        value: u64,
    },
    /// A relocation entry lies outside the object (Rust only).
    RelocTableOutOfBounds,
    /// A loaded section's contents lie outside the object (Rust only).
    SectionOutOfBounds,
    /// The section header table lies outside the object (Rust only).
    SectionTableOutOfBounds,
    /// An `SHT_REL` section applies to a loaded section; x86 has only the
    /// generic `arch_kexec_apply_relocations()`, which refuses.
    ShtRelUnsupported,
    /// A string table lies outside the object (Rust only).
    StrtabOutOfBounds,
    /// A symbol name runs to the end of its string table without a NUL
    /// (Rust only; C's `strcmp()` would read on).
    StrtabUnterminated,
    /// The global symbol of that name is undefined or its `st_shndx` is not a
    /// section of the object (C's lookup fails). `-EINVAL`.
    SymbolBadSection,
    /// The symbol is in an `SHT_NOBITS` section: it has no bytes to get or
    /// set. `-EINVAL`.
    SymbolInBss,
    /// A relocation's symbol index is past the end of its symbol table
    /// (Rust only).
    SymbolIndexOutOfRange,
    /// A symbol's `st_name` is past the end of its string table (Rust only).
    SymbolNameOutOfBounds,
    /// No global symbol of that name. `-EINVAL`.
    SymbolNotFound,
    /// The symbol is in a section that is not loaded, so it has no bytes in
    /// the buffer (Rust only; C would use the section's file offset as a
    /// buffer offset). `-EINVAL`.
    SymbolNotLoaded,
    /// The symbol's bytes do not lie inside its section (Rust only).
    /// `-EINVAL`.
    SymbolOutOfSection,
    /// The symbol's `st_size` is not the size asked for. `-EINVAL`.
    SymbolSizeMismatch {
        /// The symbol's `st_size`.
        expected: u64,
        /// The size asked for.
        actual: u64,
    },
    /// A symbol table entry lies outside the object (Rust only).
    SymtabOutOfBounds,
    /// The object is shorter than an ELF header (Rust only).
    TruncatedHeader,
    /// A relocation refers to an undefined symbol (`SHN_UNDEF`).
    UndefinedSymbol,
    /// A relocation type other than NONE, 64, 32, 32S, PC32 and PLT32.
    UnknownRelocType(u32),
}

impl PurgatoryError {
    /// The message C prints for the same condition (without the symbol name
    /// or numbers C adds), or a description where C prints nothing.
    pub fn message(self) -> &'static str {
        match self {
            Self::BadAlignment => "Section alignment is not a power of two",
            Self::BadClass => "Purgatory is not a 64-bit ELF object",
            Self::BadEndian => "Purgatory is not little-endian",
            Self::BadLoadAddress => "Purgatory load address is misaligned or wraps",
            Self::BadMachine => "Purgatory is not an x86_64 object",
            Self::BadMagic => "Purgatory is not an ELF object",
            Self::BadShentsize => "Bad section header size",
            Self::BadType => "Purgatory is not a relocatable object",
            Self::BufferSize => "Purgatory buffer has the wrong size",
            Self::CommonSymbol => "symbol in common section",
            Self::Empty => "Purgatory is empty",
            Self::EmptyBuffer => "Purgatory has no loadable contents",
            Self::InvalidSymbolSection => "Invalid section for symbol",
            Self::Overflow => "Purgatory layout overflows",
            Self::RelocInfoOutOfRange => "Relocation section applies to a bad section index",
            Self::RelocIntoNobits => "Relocation applies to a bss section",
            Self::RelocLinkOutOfRange => "Relocation section has a bad symbol table index",
            Self::RelocOutOfSection => "Relocation outside its section",
            Self::RelocOverflow { .. } => "Overflow in relocation type",
            Self::RelocTableOutOfBounds => "Relocation table outside the object",
            Self::SectionOutOfBounds => "Section contents outside the object",
            Self::SectionTableOutOfBounds => "Section header table outside the object",
            Self::ShtRelUnsupported => "REL relocation unsupported.",
            Self::StrtabOutOfBounds => "String table outside the object",
            Self::StrtabUnterminated => "Symbol name not terminated",
            Self::SymbolBadSection => "Symbol has bad section index",
            Self::SymbolInBss => "symbol is in a bss section",
            Self::SymbolIndexOutOfRange => "Relocation symbol index out of range",
            Self::SymbolNameOutOfBounds => "Symbol name outside the string table",
            Self::SymbolNotFound => "Symbol not found",
            Self::SymbolNotLoaded => "Symbol is in a section that is not loaded",
            Self::SymbolOutOfSection => "Symbol outside its section",
            Self::SymbolSizeMismatch { .. } => "symbol size mismatch",
            Self::SymtabOutOfBounds => "Symbol table outside the object",
            Self::TruncatedHeader => "Purgatory shorter than an ELF header",
            Self::UndefinedSymbol => "Undefined symbol",
            Self::UnknownRelocType(_) => "Unknown rela relocation",
        }
    }

    /// The errno C returns (negated), or, for a condition C does not check,
    /// the one it returns for the same kind of fault: `EINVAL` for bad
    /// symbol requests and bad arguments, `ENOMEM` for
    /// [`Self::EmptyBuffer`], `ENOEXEC` for everything else.
    pub fn errno(self) -> Errno {
        match self {
            Self::BadLoadAddress
            | Self::BufferSize
            | Self::Empty
            | Self::SymbolBadSection
            | Self::SymbolInBss
            | Self::SymbolNotFound
            | Self::SymbolNotLoaded
            | Self::SymbolOutOfSection
            | Self::SymbolSizeMismatch { .. } => Errno::EINVAL,
            Self::EmptyBuffer => Errno::ENOMEM,
            _ => Errno::ENOEXEC,
        }
    }
}

impl fmt::Display for PurgatoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())?;
        match *self {
            Self::RelocOverflow { r_type, value } => write!(f, " {} value 0x{:x}", r_type, value),
            Self::SymbolSizeMismatch { expected, actual } => {
                write!(f, ": expected {} actual {}", expected, actual)
            }
            Self::UnknownRelocType(t) => write!(f, ": {}", t),
            _ => Ok(()),
        }
    }
}

type Result<T> = core::result::Result<T, PurgatoryError>;

/// Sizes of the purgatory segment, as `kexec_purgatory_setup_kbuf()` sets
/// them in `struct kexec_buf` before `kexec_add_buffer()`.
///
/// `kexec_add_buffer()` then rounds `memsz` up to a page and raises the
/// alignment to at least a page; the segment's `bufsz` stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Layout {
    /// Bytes of the buffer: the loaded sections with contents, in section
    /// order, each at its alignment, rounded up to the largest `SHT_NOBITS`
    /// alignment.
    pub bufsz: usize,
    /// Bytes of memory: `bufsz` plus the `SHT_NOBITS` sections.
    pub memsz: usize,
    /// Alignment of the buffer: the largest alignment of a loaded section
    /// (at least 1).
    pub align: usize,
}

/// Where a loaded section goes, as an offset from the start of the segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// A section with contents, copied into the buffer at this offset.
    Buffer(usize),
    /// An `SHT_NOBITS` section: memory at this offset, at or past `bufsz`,
    /// that the buffer does not cover.
    Bss(usize),
}

impl Placement {
    /// The offset from the start of the segment.
    pub fn offset(self) -> usize {
        match self {
            Self::Buffer(o) | Self::Bss(o) => o,
        }
    }
}

/// The result of [`Purgatory::build`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Built {
    /// The entry point, `image->start` in C.
    pub entry: u64,
    /// The section the entry point was found in; `None` when C's search
    /// failed and `entry` is `e_entry` unchanged.
    pub entry_section: Option<usize>,
}

/// A global symbol found by [`Purgatory::symbol`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbol {
    /// `st_shndx`: the index of its section (a section of the object).
    pub section: usize,
    /// `st_value`: its offset inside the section.
    pub value: u64,
    /// `st_size`.
    pub size: u64,
}

#[derive(Debug, Clone, Copy)]
struct Shdr {
    sh_type: u32,
    flags: u64,
    addr: u64,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
    addralign: u64,
}

#[derive(Debug, Clone, Copy)]
struct Sym {
    name: u32,
    info: u8,
    shndx: u16,
    value: u64,
    size: u64,
}

/// A place of the walk over the loaded sections: the buffer offset of a
/// section with contents, or the offset of an `SHT_NOBITS` section from the
/// end of the buffer.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Buf(u64),
    Bss(u64),
}

#[derive(Debug, Clone, Copy)]
struct Totals {
    off: u64,
    bss: u64,
    buf_align: u64,
    bss_align: u64,
}

/// C's `ALIGN(v, align)` for a power-of-two `align`, `Overflow` instead of
/// wrapping.
fn align_up(v: u64, align: u64) -> Result<u64> {
    let mask = align.checked_sub(1).ok_or(PurgatoryError::BadAlignment)?;
    Ok(v.checked_add(mask).ok_or(PurgatoryError::Overflow)? & !mask)
}

fn to_usize(v: u64) -> Result<usize> {
    usize::try_from(v).map_err(|_| PurgatoryError::Overflow)
}

/// `name` up to its first NUL, as `strcmp()` sees it.
fn c_name(name: &[u8]) -> &[u8] {
    match name.iter().position(|&b| b == 0) {
        Some(n) => &name[..n],
        None => name,
    }
}

/// A parsed purgatory object: the ELF bytes, checked enough to compute the
/// layout.
#[derive(Debug, Clone, Copy)]
pub struct Purgatory<'a> {
    blob: &'a [u8],
    shoff: usize,
    shnum: usize,
    e_entry: u64,
    layout: Layout,
}

impl<'a> Purgatory<'a> {
    /// Checks the ELF header and the section header table of `blob`, and
    /// computes the layout (checking every loaded section's alignment and
    /// contents).
    ///
    /// Symbol tables, string tables and relocations are checked when
    /// [`Purgatory::build`] or a symbol lookup reads them, in C's order.
    ///
    /// ```
    /// use kernel::kexec::purgatory::{Purgatory, PurgatoryError, SHF_ALLOC, SHF_EXECINSTR};
    ///
    /// assert_eq!(Purgatory::parse(&[]).err(), Some(PurgatoryError::Empty));
    /// assert_eq!(Purgatory::parse(&[0u8; 64]).err(), Some(PurgatoryError::BadMagic));
    ///
    /// // An ELF header, 16 bytes of code, then two section headers: the
    /// // null one and `.text`.
    /// let mut elf = [0u8; 64 + 16 + 2 * 64];
    /// elf[..8].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
    /// elf[16..20].copy_from_slice(&[1, 0, 62, 0]); // ET_REL, EM_X86_64
    /// elf[24] = 4; // e_entry
    /// elf[40] = 80; // e_shoff
    /// elf[58..62].copy_from_slice(&[64, 0, 2, 0]); // e_shentsize, e_shnum
    /// elf[64..80].fill(0x90);
    /// let text = &mut elf[144..208];
    /// text[4] = 1; // SHT_PROGBITS
    /// text[8] = (SHF_ALLOC | SHF_EXECINSTR) as u8;
    /// text[24] = 64; // sh_offset
    /// text[32] = 16; // sh_size
    /// text[48] = 16; // sh_addralign
    ///
    /// let p = Purgatory::parse(&elf).unwrap();
    /// let l = p.layout();
    /// assert_eq!((l.bufsz, l.memsz, l.align), (16, 16, 16));
    /// let mut buf = [0u8; 16];
    /// assert_eq!(p.build(0x10_0008, &mut buf).err(), Some(PurgatoryError::BadLoadAddress));
    /// let built = p.build(0x10_0000, &mut buf).unwrap();
    /// assert_eq!(built.entry, 0x10_0004);
    /// assert_eq!(buf, [0x90; 16]);
    /// assert_eq!(p.symbol(b"purgatory_start").err(), Some(PurgatoryError::SymbolNotFound));
    /// ```
    pub fn parse(blob: &'a [u8]) -> Result<Self> {
        if blob.is_empty() {
            return Err(PurgatoryError::Empty);
        }
        if blob.len() < EHDR_SIZE {
            return Err(PurgatoryError::TruncatedHeader);
        }
        let h16 = |off| rd_u16(blob, off).ok_or(PurgatoryError::TruncatedHeader);
        let h64 = |off| rd_u64(blob, off).ok_or(PurgatoryError::TruncatedHeader);

        if blob[..4] != [0x7f, b'E', b'L', b'F'] {
            return Err(PurgatoryError::BadMagic);
        }
        if blob[4] != ELFCLASS64 {
            return Err(PurgatoryError::BadClass);
        }
        if blob[5] != ELFDATA2LSB {
            return Err(PurgatoryError::BadEndian);
        }
        if h16(16)? != ET_REL {
            return Err(PurgatoryError::BadType);
        }
        if h16(18)? != EM_X86_64 {
            return Err(PurgatoryError::BadMachine);
        }
        if usize::from(h16(58)?) != SHDR_SIZE {
            return Err(PurgatoryError::BadShentsize);
        }
        let e_entry = h64(24)?;
        let shnum = usize::from(h16(60)?);
        let shoff = if shnum == 0 {
            0
        } else {
            let shoff =
                usize::try_from(h64(40)?).map_err(|_| PurgatoryError::SectionTableOutOfBounds)?;
            let end = shnum
                .checked_mul(SHDR_SIZE)
                .and_then(|n| n.checked_add(shoff))
                .ok_or(PurgatoryError::SectionTableOutOfBounds)?;
            if end > blob.len() {
                return Err(PurgatoryError::SectionTableOutOfBounds);
            }
            shoff
        };

        let mut p = Self {
            blob,
            shoff,
            shnum,
            e_entry,
            layout: Layout::default(),
        };
        let t = p.walk(shnum, |_, sh, slot| {
            if let Slot::Buf(_) = slot {
                p.range(sh.offset, sh.size)
                    .ok_or(PurgatoryError::SectionOutOfBounds)?;
            }
            Ok(())
        })?;
        let bufsz = align_up(t.off, t.bss_align)?;
        let memsz = bufsz.checked_add(t.bss).ok_or(PurgatoryError::Overflow)?;
        p.layout = Layout {
            bufsz: to_usize(bufsz)?,
            memsz: to_usize(memsz)?,
            align: to_usize(t.buf_align.max(t.bss_align))?,
        };
        if p.layout.bufsz == 0 {
            return Err(PurgatoryError::EmptyBuffer);
        }
        Ok(p)
    }

    /// The sizes and alignment of the purgatory segment.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// `e_shnum`: the number of sections.
    pub fn section_count(&self) -> usize {
        self.shnum
    }

    /// `e_entry` as the object states it (before [`Purgatory::build`]
    /// relocates it).
    pub fn e_entry(&self) -> u64 {
        self.e_entry
    }

    /// Where section `index` goes; `None` if it is not loaded (no
    /// `SHF_ALLOC`) or not a section of the object.
    pub fn placement(&self, index: usize) -> Option<Placement> {
        self.place(index).ok().flatten()
    }

    /// The `sh_addr` that C gives section `index` for a segment at
    /// `load_addr`: the load address plus the section's offset for a loaded
    /// section, the object's own `sh_addr` for any other. `None` if `index`
    /// is not a section or `load_addr` is refused.
    pub fn section_addr(&self, index: usize, load_addr: u64) -> Option<u64> {
        self.check_load_addr(load_addr).ok()?;
        self.sec_base(index, load_addr).ok()
    }

    /// Lays the purgatory out for a segment at physical address `load_addr`:
    /// zeroes `buf` (exactly [`Layout::bufsz`] bytes), copies the loaded
    /// sections into it, applies the relocations and returns the entry
    /// point, as `kexec_purgatory_setup_sechdrs()` and
    /// `kexec_apply_relocations()` do.
    ///
    /// `load_addr` must be a multiple of [`Layout::align`] (the kernel's
    /// placement always gives one). On error the contents of `buf` are
    /// unspecified.
    pub fn build(&self, load_addr: u64, buf: &mut [u8]) -> Result<Built> {
        if buf.len() != self.layout.bufsz {
            return Err(PurgatoryError::BufferSize);
        }
        self.check_load_addr(load_addr)?;
        buf.fill(0);

        // C ignores a failed lookup here: it then goes by `e_entry`.
        let entry_sym = match self.find(ENTRY_SYMBOL) {
            Ok(s) => Some(s),
            Err(PurgatoryError::SymbolNotFound | PurgatoryError::SymbolBadSection) => None,
            Err(e) => return Err(e),
        };
        let e_entry = self.e_entry;
        let mut start = e_entry;
        let mut entry_section = None;
        let blob = self.blob;

        self.walk(self.shnum, |i, sh, slot| {
            let off = match slot {
                Slot::Buf(off) => off,
                Slot::Bss(_) => return Ok(()),
            };
            let exec = sh.flags & SHF_EXECINSTR != 0;
            let mem_off = load_addr.checked_add(off).ok_or(PurgatoryError::Overflow)?;
            if let (None, Some(s)) = (entry_section, entry_sym) {
                if i == usize::from(s.shndx) && exec && s.value < sh.size {
                    start = mem_off
                        .checked_add(s.value)
                        .ok_or(PurgatoryError::Overflow)?;
                    entry_section = Some(i);
                }
            }
            // C compares with `sh_addr + sh_size` computed modulo 2^64, and
            // with `start == e_entry`, which holds until the entry is fixed.
            if entry_section.is_none()
                && exec
                && e_entry >= sh.addr
                && e_entry < sh.addr.wrapping_add(sh.size)
                && start == e_entry
            {
                start = (start - sh.addr)
                    .checked_add(mem_off)
                    .ok_or(PurgatoryError::Overflow)?;
                entry_section = Some(i);
            }
            if sh.size != 0 {
                let src =
                    range_of(blob, sh.offset, sh.size).ok_or(PurgatoryError::SectionOutOfBounds)?;
                let dst = to_usize(off)?;
                let end = dst.checked_add(src.len()).ok_or(PurgatoryError::Overflow)?;
                buf.get_mut(dst..end)
                    .ok_or(PurgatoryError::Overflow)?
                    .copy_from_slice(src);
            }
            Ok(())
        })?;

        self.relocate(load_addr, buf)?;
        Ok(Built {
            entry: start,
            entry_section,
        })
    }

    /// Finds the first global (`STB_GLOBAL`, not weak) symbol called `name`
    /// (without NUL; anything from a NUL on is ignored, as by `strcmp()`) in
    /// the symbol tables, in section order, as
    /// `kexec_purgatory_find_symbol()` does: a symbol table whose `sh_link`
    /// is not a section is skipped, and the first symbol of that name decides
    /// (an undefined one or one in a bad section is
    /// [`PurgatoryError::SymbolBadSection`], even if another table has a
    /// good one).
    pub fn symbol(&self, name: &[u8]) -> Result<Symbol> {
        let s = self.find(name)?;
        Ok(Symbol {
            section: usize::from(s.shndx),
            value: s.value,
            size: s.size,
        })
    }

    /// The address symbol `name` has once the segment is at `load_addr`,
    /// as `kexec_purgatory_get_symbol_addr()` computes it: its section's
    /// [`Purgatory::section_addr`] plus `st_value` (modulo 2^64).
    pub fn symbol_addr(&self, name: &[u8], load_addr: u64) -> Result<u64> {
        self.check_load_addr(load_addr)?;
        let s = self.find(name)?;
        Ok(self
            .sec_base(usize::from(s.shndx), load_addr)?
            .wrapping_add(s.value))
    }

    /// The bytes of symbol `name` in the buffer, for a get or set of `size`
    /// bytes, with the checks of `kexec_purgatory_get_set_symbol()` in its
    /// order: the symbol exists, its `st_size` is `size`, its section is not
    /// `SHT_NOBITS`; then (Rust only) its section is loaded and holds it.
    pub fn symbol_range(&self, name: &[u8], size: usize) -> Result<Range<usize>> {
        let s = self.find(name)?;
        let actual = size as u64;
        if s.size != actual {
            return Err(PurgatoryError::SymbolSizeMismatch {
                expected: s.size,
                actual,
            });
        }
        let sh = self.shdr(usize::from(s.shndx))?;
        if sh.sh_type == SHT_NOBITS {
            return Err(PurgatoryError::SymbolInBss);
        }
        let off = match self.place(usize::from(s.shndx))? {
            Some(Placement::Buffer(off)) => off,
            _ => return Err(PurgatoryError::SymbolNotLoaded),
        };
        match s.value.checked_add(actual) {
            Some(end) if end <= sh.size => {}
            _ => return Err(PurgatoryError::SymbolOutOfSection),
        }
        let start = off
            .checked_add(to_usize(s.value)?)
            .ok_or(PurgatoryError::Overflow)?;
        let end = start.checked_add(size).ok_or(PurgatoryError::Overflow)?;
        Ok(start..end)
    }

    /// Copies symbol `name` out of a buffer filled by [`Purgatory::build`]
    /// into `out`, whose length must be the symbol's size.
    pub fn get_symbol(&self, buf: &[u8], name: &[u8], out: &mut [u8]) -> Result<()> {
        if buf.len() != self.layout.bufsz {
            return Err(PurgatoryError::BufferSize);
        }
        let r = self.symbol_range(name, out.len())?;
        out.copy_from_slice(buf.get(r).ok_or(PurgatoryError::SymbolOutOfSection)?);
        Ok(())
    }

    /// Copies `val`, whose length must be the symbol's size, into symbol
    /// `name` in a buffer filled by [`Purgatory::build`].
    pub fn set_symbol(&self, buf: &mut [u8], name: &[u8], val: &[u8]) -> Result<()> {
        if buf.len() != self.layout.bufsz {
            return Err(PurgatoryError::BufferSize);
        }
        let r = self.symbol_range(name, val.len())?;
        buf.get_mut(r)
            .ok_or(PurgatoryError::SymbolOutOfSection)?
            .copy_from_slice(val);
        Ok(())
    }

    /// Bytes of the section header table ([`Purgatory::section_count`]
    /// headers).
    pub fn sechdrs_size(&self) -> usize {
        // Cannot overflow: `parse` checked the table lies inside the object.
        self.shnum * SHDR_SIZE
    }

    /// Writes the section header table as `kexec_purgatory_setup_sechdrs()`
    /// leaves it in `purgatory_info.sechdrs` for a segment at `load_addr`:
    /// the object's headers, with the `sh_addr` of every loaded section set
    /// to its address and the `sh_offset` of every section with contents to
    /// its offset in the buffer. The core reads these when it looks up or
    /// writes a purgatory symbol after the load (the segment digests).
    /// `out` must be [`Purgatory::sechdrs_size`] bytes.
    pub fn write_sechdrs(&self, load_addr: u64, out: &mut [u8]) -> Result<()> {
        if out.len() != self.sechdrs_size() {
            return Err(PurgatoryError::BufferSize);
        }
        self.check_load_addr(load_addr)?;
        let table = self
            .range(self.shoff as u64, out.len() as u64)
            .ok_or(PurgatoryError::SectionTableOutOfBounds)?;
        out.copy_from_slice(table);
        for (i, sh) in out.chunks_exact_mut(SHDR_SIZE).enumerate() {
            let Some(pl) = self.place(i)? else { continue };
            let addr = self.sec_base(i, load_addr)?;
            sh[SH_ADDR..SH_ADDR + 8].copy_from_slice(&addr.to_le_bytes());
            if let Placement::Buffer(off) = pl {
                sh[SH_OFFSET..SH_OFFSET + 8].copy_from_slice(&(off as u64).to_le_bytes());
            }
        }
        Ok(())
    }

    // ---- internals ----

    fn range(&self, off: u64, len: u64) -> Option<&'a [u8]> {
        range_of(self.blob, off, len)
    }

    fn shdr(&self, i: usize) -> Result<Shdr> {
        let err = PurgatoryError::SectionTableOutOfBounds;
        if i >= self.shnum {
            return Err(err);
        }
        let base = i
            .checked_mul(SHDR_SIZE)
            .and_then(|o| o.checked_add(self.shoff))
            .ok_or(err)?;
        let b = self
            .blob
            .get(base..base.checked_add(SHDR_SIZE).ok_or(err)?)
            .ok_or(err)?;
        let r32 = |o| rd_u32(b, o).ok_or(err);
        let r64 = |o| rd_u64(b, o).ok_or(err);
        Ok(Shdr {
            sh_type: r32(4)?,
            flags: r64(8)?,
            addr: r64(SH_ADDR)?,
            offset: r64(SH_OFFSET)?,
            size: r64(32)?,
            link: r32(40)?,
            info: r32(44)?,
            addralign: r64(48)?,
        })
    }

    /// Entry `idx` of symbol table `tab`; C counts `sh_size / 24` entries.
    fn sym(&self, tab: &Shdr, idx: u64) -> Result<Sym> {
        if idx >= tab.size / SYM_SIZE as u64 {
            return Err(PurgatoryError::SymbolIndexOutOfRange);
        }
        let err = PurgatoryError::SymtabOutOfBounds;
        let off = idx
            .checked_mul(SYM_SIZE as u64)
            .and_then(|o| o.checked_add(tab.offset))
            .ok_or(err)?;
        let b = self.range(off, SYM_SIZE as u64).ok_or(err)?;
        Ok(Sym {
            name: rd_u32(b, 0).ok_or(err)?,
            info: b[4],
            shndx: rd_u16(b, 6).ok_or(err)?,
            value: rd_u64(b, 8).ok_or(err)?,
            size: rd_u64(b, 16).ok_or(err)?,
        })
    }

    /// The NUL-terminated name at `st_name` in string table `strtab`.
    fn name(&self, strtab: &Shdr, st_name: u32) -> Result<&'a [u8]> {
        let tab = self
            .range(strtab.offset, strtab.size)
            .ok_or(PurgatoryError::StrtabOutOfBounds)?;
        let s = tab
            .get(st_name as usize..)
            .filter(|s| !s.is_empty())
            .ok_or(PurgatoryError::SymbolNameOutOfBounds)?;
        match s.iter().position(|&b| b == 0) {
            Some(n) => Ok(&s[..n]),
            None => Err(PurgatoryError::StrtabUnterminated),
        }
    }

    /// `kexec_purgatory_find_symbol()`.
    fn find(&self, name: &[u8]) -> Result<Sym> {
        let name = c_name(name);
        for i in 0..self.shnum {
            let tab = self.shdr(i)?;
            if tab.sh_type != SHT_SYMTAB {
                continue;
            }
            let link = tab.link as usize;
            if link >= self.shnum {
                continue;
            }
            let strtab = self.shdr(link)?;
            for k in 0..tab.size / SYM_SIZE as u64 {
                let s = self.sym(&tab, k)?;
                if s.info >> 4 != STB_GLOBAL {
                    continue;
                }
                if self.name(&strtab, s.name)? != name {
                    continue;
                }
                if s.shndx == SHN_UNDEF || usize::from(s.shndx) >= self.shnum {
                    return Err(PurgatoryError::SymbolBadSection);
                }
                return Ok(s);
            }
        }
        Err(PurgatoryError::SymbolNotFound)
    }

    /// Walks the loaded sections below `end` in order, computing their places
    /// as `kexec_purgatory_setup_kbuf()` does, and calls `f` on each.
    fn walk(
        &self,
        end: usize,
        mut f: impl FnMut(usize, &Shdr, Slot) -> Result<()>,
    ) -> Result<Totals> {
        let mut t = Totals {
            off: 0,
            bss: 0,
            buf_align: 1,
            bss_align: 1,
        };
        for i in 0..end.min(self.shnum) {
            let sh = self.shdr(i)?;
            if sh.flags & SHF_ALLOC == 0 {
                continue;
            }
            let mut align = sh.addralign;
            // C's `ALIGN(x, 0)` is 0: harmless for a section with contents
            // at offset 0 (where it equals alignment 1), overlapping
            // sections anywhere else. For NOBITS, C aligns the absolute
            // address, which is never 0.
            if align == 0 && sh.sh_type != SHT_NOBITS && t.off == 0 {
                align = 1;
            }
            if !align.is_power_of_two() {
                return Err(PurgatoryError::BadAlignment);
            }
            if sh.sh_type == SHT_NOBITS {
                t.bss_align = t.bss_align.max(align);
                t.bss = align_up(t.bss, align)?;
                f(i, &sh, Slot::Bss(t.bss))?;
                t.bss = t.bss.checked_add(sh.size).ok_or(PurgatoryError::Overflow)?;
            } else {
                t.buf_align = t.buf_align.max(align);
                t.off = align_up(t.off, align)?;
                f(i, &sh, Slot::Buf(t.off))?;
                t.off = t.off.checked_add(sh.size).ok_or(PurgatoryError::Overflow)?;
            }
        }
        Ok(t)
    }

    fn place(&self, index: usize) -> Result<Option<Placement>> {
        if index >= self.shnum {
            return Ok(None);
        }
        let mut slot = None;
        self.walk(index + 1, |i, _, s| {
            if i == index {
                slot = Some(s);
            }
            Ok(())
        })?;
        Ok(match slot {
            None => None,
            Some(Slot::Buf(off)) => Some(Placement::Buffer(to_usize(off)?)),
            Some(Slot::Bss(off)) => {
                // `bufsz` is a multiple of every NOBITS alignment and the
                // load address of the layout's alignment, so this is C's
                // `ALIGN(bss_addr, align)` on absolute addresses.
                let off = (self.layout.bufsz as u64)
                    .checked_add(off)
                    .ok_or(PurgatoryError::Overflow)?;
                Some(Placement::Bss(to_usize(off)?))
            }
        })
    }

    /// `pi->sechdrs[index].sh_addr` after `kexec_purgatory_setup_sechdrs()`.
    fn sec_base(&self, index: usize, load_addr: u64) -> Result<u64> {
        match self.place(index)? {
            Some(p) => load_addr
                .checked_add(p.offset() as u64)
                .ok_or(PurgatoryError::Overflow),
            None => Ok(self.shdr(index)?.addr),
        }
    }

    fn check_load_addr(&self, load_addr: u64) -> Result<()> {
        let align = self.layout.align as u64;
        if load_addr & align.wrapping_sub(1) != 0
            || load_addr.checked_add(self.layout.memsz as u64).is_none()
        {
            return Err(PurgatoryError::BadLoadAddress);
        }
        Ok(())
    }

    /// `kexec_apply_relocations()`.
    fn relocate(&self, load_addr: u64, buf: &mut [u8]) -> Result<()> {
        for i in 0..self.shnum {
            let rel = self.shdr(i)?;
            if rel.sh_type != SHT_RELA && rel.sh_type != SHT_REL {
                continue;
            }
            // C tests both with one `||` and returns -ENOEXEC.
            let target_idx = rel.info as usize;
            if target_idx >= self.shnum {
                return Err(PurgatoryError::RelocInfoOutOfRange);
            }
            if rel.link as usize >= self.shnum {
                return Err(PurgatoryError::RelocLinkOutOfRange);
            }
            let target = self.shdr(target_idx)?;
            let symtab = self.shdr(rel.link as usize)?;
            if target.flags & SHF_ALLOC == 0 {
                continue;
            }
            // C skips (silently) a section whose symbol table has no valid
            // string table link.
            if symtab.link as usize >= self.shnum {
                continue;
            }
            if rel.sh_type == SHT_REL {
                return Err(PurgatoryError::ShtRelUnsupported);
            }
            self.apply_rela(load_addr, buf, &rel, target_idx, &target, &symtab)?;
        }
        Ok(())
    }

    /// `arch_kexec_apply_relocations_add()` for x86_64.
    fn apply_rela(
        &self,
        load_addr: u64,
        buf: &mut [u8],
        rel: &Shdr,
        target_idx: usize,
        target: &Shdr,
        symtab: &Shdr,
    ) -> Result<()> {
        let target_place = self.place(target_idx)?;
        // `section->sh_addr`: a loaded section's new address.
        let target_addr = match target_place {
            Some(p) => load_addr
                .checked_add(p.offset() as u64)
                .ok_or(PurgatoryError::Overflow)?,
            None => target.addr,
        };
        // Most relocations of a section refer to the same few sections.
        let mut base_cache: Option<(u16, u64)> = None;

        for k in 0..rel.size / RELA_SIZE as u64 {
            let err = PurgatoryError::RelocTableOutOfBounds;
            let off = k
                .checked_mul(RELA_SIZE as u64)
                .and_then(|o| o.checked_add(rel.offset))
                .ok_or(err)?;
            let e = self.range(off, RELA_SIZE as u64).ok_or(err)?;
            let r_offset = rd_u64(e, 0).ok_or(err)?;
            let r_info = rd_u64(e, 8).ok_or(err)?;
            let r_addend = rd_u64(e, 16).ok_or(err)?;

            let sym = self.sym(symtab, r_info >> 32)?;
            if sym.shndx == SHN_UNDEF {
                return Err(PurgatoryError::UndefinedSymbol);
            }
            if sym.shndx == SHN_COMMON {
                return Err(PurgatoryError::CommonSymbol);
            }
            let sec_base = if sym.shndx == SHN_ABS {
                0
            } else if usize::from(sym.shndx) >= self.shnum {
                return Err(PurgatoryError::InvalidSymbolSection);
            } else {
                match base_cache {
                    Some((n, b)) if n == sym.shndx => b,
                    _ => {
                        let b = self.sec_base(usize::from(sym.shndx), load_addr)?;
                        base_cache = Some((sym.shndx, b));
                        b
                    }
                }
            };
            // S + A, modulo 2^64 (the addend is signed; two's complement).
            let value = sym.value.wrapping_add(sec_base).wrapping_add(r_addend);
            // P: the final address of the storage unit.
            let address = target_addr.wrapping_add(r_offset);

            let r_type = r_info as u32;
            match r_type {
                R_X86_64_NONE => {}
                R_X86_64_64 => location(buf, target_place, target.size, r_offset, 8)?
                    .copy_from_slice(&value.to_le_bytes()),
                R_X86_64_32 => {
                    let l = location(buf, target_place, target.size, r_offset, 4)?;
                    if value > u64::from(u32::MAX) {
                        return Err(PurgatoryError::RelocOverflow { r_type, value });
                    }
                    l.copy_from_slice(&(value as u32).to_le_bytes());
                }
                R_X86_64_32S => {
                    let l = location(buf, target_place, target.size, r_offset, 4)?;
                    if value as i64 != i64::from(value as i32) {
                        return Err(PurgatoryError::RelocOverflow { r_type, value });
                    }
                    l.copy_from_slice(&(value as u32).to_le_bytes());
                }
                R_X86_64_PC32 | R_X86_64_PLT32 => {
                    // No overflow check, as in C: the low 32 bits are stored.
                    let v = value.wrapping_sub(address);
                    location(buf, target_place, target.size, r_offset, 4)?
                        .copy_from_slice(&(v as u32).to_le_bytes());
                }
                t => return Err(PurgatoryError::UnknownRelocType(t)),
            }
        }
        Ok(())
    }
}

/// The `width` bytes a relocation at `r_offset` of a section placed at
/// `place`, `size` bytes long, writes (C: `purgatory_buf + sh_offset +
/// r_offset`).
fn location(
    buf: &mut [u8],
    place: Option<Placement>,
    size: u64,
    r_offset: u64,
    width: u64,
) -> Result<&mut [u8]> {
    let off = match place {
        Some(Placement::Buffer(off)) => off,
        _ => return Err(PurgatoryError::RelocIntoNobits),
    };
    match r_offset.checked_add(width) {
        Some(end) if end <= size => {}
        _ => return Err(PurgatoryError::RelocOutOfSection),
    }
    let start = off
        .checked_add(to_usize(r_offset)?)
        .ok_or(PurgatoryError::Overflow)?;
    let end = start
        .checked_add(to_usize(width)?)
        .ok_or(PurgatoryError::Overflow)?;
    buf.get_mut(start..end)
        .ok_or(PurgatoryError::RelocOutOfSection)
}

/// `len` bytes of `blob` at `off`; an empty range is always valid (C reads
/// nothing from it).
fn range_of(blob: &[u8], off: u64, len: u64) -> Option<&[u8]> {
    if len == 0 {
        return Some(&[]);
    }
    let start = usize::try_from(off).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    blob.get(start..end)
}
