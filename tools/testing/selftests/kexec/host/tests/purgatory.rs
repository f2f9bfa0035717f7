// SPDX-License-Identifier: GPL-2.0

//! Host tests of `rust/kernel/kexec/purgatory.rs`.
//!
//! The objects are made by a small ELF writer below; nothing generated is
//! committed. `KEXEC_PURGATORY_RO=<path to purgatory.ro>` adds a test over
//! the real object.

use kexec_parsers::purgatory::*;

// ---------------------------------------------------------------------------
// A writer of relocatable x86_64 ELF objects.
// ---------------------------------------------------------------------------

const SHT_NULL: u32 = 0;
const SHT_NOTE: u32 = 7;
const STT_NOTYPE: u8 = 0;
const STT_OBJECT: u8 = 1;
const STT_FUNC: u8 = 2;
const STT_SECTION: u8 = 3;

/// One section; its index is its position in [`Elf::secs`] plus one.
#[derive(Clone, Debug)]
struct Sec {
    name: &'static str,
    sh_type: u32,
    flags: u64,
    addr: u64,
    data: Vec<u8>,
    /// `sh_size` when it is not `data.len()` (NOBITS, or a lie).
    size: Option<u64>,
    /// `sh_offset` when it is not where the data was written (a lie).
    offset: Option<u64>,
    link: u32,
    info: u32,
    align: u64,
    entsize: u64,
}

impl Sec {
    fn new(name: &'static str, sh_type: u32, flags: u64, align: u64, data: Vec<u8>) -> Self {
        Sec {
            name,
            sh_type,
            flags,
            addr: 0,
            data,
            size: None,
            offset: None,
            link: 0,
            info: 0,
            align,
            entsize: 0,
        }
    }
    fn progbits(name: &'static str, flags: u64, align: u64, data: Vec<u8>) -> Self {
        Self::new(name, SHT_PROGBITS, flags, align, data)
    }
    fn text(size: usize) -> Self {
        Self::progbits(".text", SHF_ALLOC | SHF_EXECINSTR, 16, vec![0x90; size])
    }
    fn nobits(name: &'static str, align: u64, size: u64) -> Self {
        let mut s = Self::new(name, SHT_NOBITS, SHF_ALLOC | SHF_WRITE, align, Vec::new());
        s.size = Some(size);
        s
    }
    fn rela(name: &'static str, symtab: u32, target: u32, relocs: &[Rel]) -> Self {
        let mut s = Self::new(name, SHT_RELA, 0x40, 8, rela_bytes(relocs));
        s.link = symtab;
        s.info = target;
        s.entsize = RELA_SIZE as u64;
        s
    }
    fn symtab(strtab: u32, syms: &[SymDef]) -> (Self, Self) {
        let (tab, strs) = symtab_bytes(syms);
        let mut s = Self::new(".symtab", SHT_SYMTAB, 0, 8, tab);
        s.link = strtab;
        s.info = 1 + syms.iter().take_while(|s| s.bind == STB_LOCAL).count() as u32;
        s.entsize = SYM_SIZE as u64;
        (s, Self::new(".strtab", SHT_STRTAB, 0, 1, strs))
    }
    fn with_addr(mut self, addr: u64) -> Self {
        self.addr = addr;
        self
    }
}

#[derive(Clone, Copy, Debug)]
struct SymDef {
    name: &'static str,
    bind: u8,
    typ: u8,
    shndx: u16,
    value: u64,
    size: u64,
}

fn sym(name: &'static str, bind: u8, shndx: u16, value: u64, size: u64) -> SymDef {
    let typ = if name.is_empty() {
        STT_SECTION
    } else {
        STT_OBJECT
    };
    SymDef {
        name,
        bind,
        typ,
        shndx,
        value,
        size,
    }
}
fn global(name: &'static str, shndx: u16, value: u64, size: u64) -> SymDef {
    sym(name, STB_GLOBAL, shndx, value, size)
}
fn section_sym(shndx: u16) -> SymDef {
    sym("", STB_LOCAL, shndx, 0, 0)
}

/// A symbol table (the null symbol first, then `syms`) and its strings.
fn symtab_bytes(syms: &[SymDef]) -> (Vec<u8>, Vec<u8>) {
    let mut strs = vec![0u8];
    let mut tab = vec![0u8; SYM_SIZE];
    for s in syms {
        let name = if s.name.is_empty() {
            0
        } else {
            let n = strs.len() as u32;
            strs.extend_from_slice(s.name.as_bytes());
            strs.push(0);
            n
        };
        tab.extend_from_slice(&name.to_le_bytes());
        tab.push(s.bind << 4 | s.typ);
        tab.push(0);
        tab.extend_from_slice(&s.shndx.to_le_bytes());
        tab.extend_from_slice(&s.value.to_le_bytes());
        tab.extend_from_slice(&s.size.to_le_bytes());
    }
    (tab, strs)
}

/// A relocation: `r_offset`, symbol index, type, addend.
#[derive(Clone, Copy, Debug)]
struct Rel(u64, u32, u32, i64);

fn rela_bytes(relocs: &[Rel]) -> Vec<u8> {
    let mut v = Vec::new();
    for r in relocs {
        v.extend_from_slice(&r.0.to_le_bytes());
        v.extend_from_slice(&(u64::from(r.1) << 32 | u64::from(r.2)).to_le_bytes());
        v.extend_from_slice(&r.3.to_le_bytes());
    }
    v
}

#[derive(Clone, Debug)]
struct Elf {
    entry: u64,
    secs: Vec<Sec>,
    /// Put the section header table right after the ELF header (else at
    /// the end).
    table_first: bool,
}

/// A written object and where its parts went.
struct Obj {
    bytes: Vec<u8>,
    shoff: usize,
    shnum: usize,
}

impl Obj {
    /// File offset of section header `i`.
    fn sh(&self, i: usize) -> usize {
        self.shoff + i * SHDR_SIZE
    }
    fn put16(&mut self, off: usize, v: u16) {
        self.bytes[off..off + 2].copy_from_slice(&v.to_le_bytes());
    }
    fn put32(&mut self, off: usize, v: u32) {
        self.bytes[off..off + 4].copy_from_slice(&v.to_le_bytes());
    }
    fn put64(&mut self, off: usize, v: u64) {
        self.bytes[off..off + 8].copy_from_slice(&v.to_le_bytes());
    }
}

fn align8(v: &mut Vec<u8>) {
    while v.len() & 7 != 0 {
        v.push(0);
    }
}

impl Elf {
    fn new(secs: Vec<Sec>) -> Self {
        Elf {
            entry: 0,
            secs,
            table_first: false,
        }
    }

    /// Writes the object: header, data (8-aligned), `.shstrtab` as the last
    /// section, the section header table at the end or after the header.
    fn write(&self) -> Obj {
        let mut secs = self.secs.clone();
        let mut shstr = vec![0u8];
        let mut names = Vec::new();
        for s in &secs {
            names.push(shstr.len() as u32);
            shstr.extend_from_slice(s.name.as_bytes());
            shstr.push(0);
        }
        names.push(shstr.len() as u32);
        shstr.extend_from_slice(b".shstrtab\0");
        secs.push(Sec::new(".shstrtab", SHT_STRTAB, 0, 1, shstr));
        let shnum = secs.len() + 1;

        let mut out = vec![0u8; EHDR_SIZE];
        let shoff = if self.table_first {
            let o = out.len();
            out.resize(o + shnum * SHDR_SIZE, 0);
            o
        } else {
            0
        };
        let mut offsets = Vec::new();
        for s in &secs {
            align8(&mut out);
            offsets.push(out.len());
            out.extend_from_slice(&s.data);
        }
        align8(&mut out);
        let shoff = if self.table_first {
            shoff
        } else {
            let o = out.len();
            out.resize(o + shnum * SHDR_SIZE, 0);
            o
        };
        for (i, s) in secs.iter().enumerate() {
            let h = shoff + (i + 1) * SHDR_SIZE;
            let f = |o: usize| h + o;
            out[f(0)..f(4)].copy_from_slice(&names[i].to_le_bytes());
            out[f(4)..f(8)].copy_from_slice(&s.sh_type.to_le_bytes());
            out[f(8)..f(16)].copy_from_slice(&s.flags.to_le_bytes());
            out[f(16)..f(24)].copy_from_slice(&s.addr.to_le_bytes());
            let off = s.offset.unwrap_or(offsets[i] as u64);
            out[f(24)..f(32)].copy_from_slice(&off.to_le_bytes());
            let size = s.size.unwrap_or(s.data.len() as u64);
            out[f(32)..f(40)].copy_from_slice(&size.to_le_bytes());
            out[f(40)..f(44)].copy_from_slice(&s.link.to_le_bytes());
            out[f(44)..f(48)].copy_from_slice(&s.info.to_le_bytes());
            out[f(48)..f(56)].copy_from_slice(&s.align.to_le_bytes());
            out[f(56)..f(64)].copy_from_slice(&s.entsize.to_le_bytes());
        }
        out[..16].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let mut obj = Obj {
            bytes: out,
            shoff,
            shnum,
        };
        obj.put16(16, ET_REL);
        obj.put16(18, EM_X86_64);
        obj.put32(20, 1);
        obj.put64(24, self.entry);
        obj.put64(40, shoff as u64);
        obj.put16(52, EHDR_SIZE as u16);
        obj.put16(58, SHDR_SIZE as u16);
        obj.put16(60, shnum as u16);
        obj.put16(62, (shnum - 1) as u16);
        obj
    }

    fn bytes(&self) -> Vec<u8> {
        self.write().bytes
    }
}

/// Parses and builds at `load`.
fn load(bytes: &[u8], load: u64) -> Result<(Purgatory<'_>, Vec<u8>, Built), PurgatoryError> {
    let p = Purgatory::parse(bytes)?;
    let mut buf = vec![0xa5u8; p.layout().bufsz];
    let built = p.build(load, &mut buf)?;
    Ok((p, buf, built))
}

// ---------------------------------------------------------------------------
// The standard object.
// ---------------------------------------------------------------------------

const TEXT: u16 = 1;
const RELA_TEXT: u16 = 2;
const DATA: u16 = 3;
const BSS: u16 = 4;
const RODATA: u16 = 5;
const COMMENT: u16 = 6;
const SYMTAB: u16 = 7;
const STRTAB: u16 = 8;
const BSS2: u16 = 9;
const RELA_RODATA: u16 = 10;
const SHSTRTAB: u16 = 11;

const TEXT_SIZE: usize = 0x1c;
const COMMENT_ADDR: u64 = 0x5000;
/// Load address of the standard object: 64-aligned, below 2 GiB so that the
/// 32-bit relocations fit.
const LOAD: u64 = 0x7000_0000;

// Layout of the standard object, computed by hand:
// .text    0x00..0x1c  align 16
// .data    0x20..0x38  align 8   (ALIGN(0x1c, 8) = 0x20)
// .rodata  0x40..0x45  align 32  (ALIGN(0x38, 32) = 0x40)
// bufsz = ALIGN(0x45, 64) = 0x80 (64: the largest NOBITS alignment)
// .bss     0x80..0x180 align 64
// .bss2   0x180..0x188 align 16  (0x80 + ALIGN(0x100, 16))
// memsz = 0x80 + 0x108 = 0x188, align = max(16, 8, 32, 64, 16) = 64
const OFF_TEXT: u64 = 0;
const OFF_DATA: u64 = 0x20;
const OFF_RODATA: u64 = 0x40;
const OFF_BSS: u64 = 0x80;
const OFF_BSS2: u64 = 0x180;

// Symbol indices (the null symbol is 0).
const S_TEXT: u32 = 1;
const S_RODATA: u32 = 2;
const S_ENTRY: u32 = 4;
const S_REGS: u32 = 5;
const S_STACK_END: u32 = 6;
const S_COUNTER: u32 = 8;
const S_ABS: u32 = 11;
const S_BSS2: u32 = 15;

fn std_syms() -> Vec<SymDef> {
    vec![
        section_sym(TEXT),                         // 1
        section_sym(RODATA),                       // 2
        sym("lstack", STB_LOCAL, BSS, 0x10, 0x20), // 3
        SymDef {
            typ: STT_FUNC,
            ..global("purgatory_start", TEXT, 4, 8)
        }, // 4
        global("entry64_regs", DATA, 8, 16),       // 5
        global("stack_end", BSS, 0x100, 0),        // 6
        global("in_bss", BSS, 0, 8),               // 7
        global("counter", DATA, 0, 8),             // 8
        sym("weak_sym", STB_WEAK, DATA, 0, 8),     // 9
        sym("local_sym", STB_LOCAL, DATA, 0, 8),   // 10
        global("abs_sym", SHN_ABS, 0x1234, 0),     // 11
        global("ro_word", RODATA, 1, 4),           // 12
        SymDef {
            typ: STT_NOTYPE,
            ..global("undef_sym", SHN_UNDEF, 0, 0)
        }, // 13
        global("comment_sym", COMMENT, 2, 4),      // 14
        global("bss2_sym", BSS2, 0, 8),            // 15
        global("bad_extent", RODATA, 3, 4),        // 16
    ]
}

fn std_text_relocs() -> Vec<Rel> {
    vec![
        Rel(0, S_RODATA, R_X86_64_64, 3),
        Rel(8, S_REGS, R_X86_64_PC32, -4),
        Rel(12, S_ENTRY, R_X86_64_PLT32, -4),
        Rel(16, S_STACK_END, R_X86_64_32, 0),
        Rel(20, S_ABS, R_X86_64_32S, -0x2000),
        Rel(24, S_TEXT, R_X86_64_NONE, 0),
        Rel(24, S_BSS2, R_X86_64_PC32, 0),
    ]
}

fn std_elf_with(syms: &[SymDef], text_relocs: &[Rel]) -> Elf {
    let (symtab, strtab) = Sec::symtab(STRTAB as u32, syms);
    let mut e = Elf::new(vec![
        Sec::text(TEXT_SIZE),
        Sec::rela(".rela.text", SYMTAB as u32, TEXT as u32, text_relocs),
        Sec::progbits(".data", SHF_ALLOC | SHF_WRITE, 8, (0..0x18).collect()),
        Sec::nobits(".bss", 64, 0x100),
        Sec::progbits(".rodata", SHF_ALLOC, 32, b"RODAT".to_vec()),
        Sec::progbits(".comment", 0, 1, b"clang\0".to_vec()).with_addr(COMMENT_ADDR),
        symtab,
        strtab,
        Sec::nobits(".bss2", 16, 8),
        Sec::rela(
            ".rela.rodata",
            SYMTAB as u32,
            RODATA as u32,
            &[Rel(1, S_COUNTER, R_X86_64_32, 0)],
        ),
    ]);
    e.entry = 0x10;
    e
}

fn std_elf() -> Elf {
    std_elf_with(&std_syms(), &std_text_relocs())
}

fn rd32(b: &[u8], off: u64) -> u32 {
    let o = off as usize;
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
}
fn rd64(b: &[u8], off: u64) -> u64 {
    let o = off as usize;
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
}

// ---------------------------------------------------------------------------
// Layout.
// ---------------------------------------------------------------------------

#[test]
fn layout_matches_hand_computed_values() {
    let bytes = std_elf().bytes();
    let p = Purgatory::parse(&bytes).unwrap();
    assert_eq!(
        p.layout(),
        Layout {
            bufsz: 0x80,
            memsz: 0x188,
            align: 64
        }
    );
    assert_eq!(p.section_count(), 12);
    assert_eq!(p.e_entry(), 0x10);
    assert_eq!(p.placement(0), None);
    assert_eq!(
        p.placement(TEXT as usize),
        Some(Placement::Buffer(OFF_TEXT as usize))
    );
    assert_eq!(p.placement(RELA_TEXT as usize), None);
    assert_eq!(
        p.placement(DATA as usize),
        Some(Placement::Buffer(OFF_DATA as usize))
    );
    assert_eq!(
        p.placement(BSS as usize),
        Some(Placement::Bss(OFF_BSS as usize))
    );
    assert_eq!(
        p.placement(RODATA as usize),
        Some(Placement::Buffer(OFF_RODATA as usize))
    );
    assert_eq!(p.placement(COMMENT as usize), None);
    assert_eq!(p.placement(SYMTAB as usize), None);
    assert_eq!(p.placement(STRTAB as usize), None);
    assert_eq!(
        p.placement(BSS2 as usize),
        Some(Placement::Bss(OFF_BSS2 as usize))
    );
    assert_eq!(p.placement(SHSTRTAB as usize), None);
    assert_eq!(p.placement(RELA_RODATA as usize), None);
    assert_eq!(p.placement(12), None);
    assert_eq!(p.placement(usize::MAX), None);
    assert_eq!(Placement::Bss(7).offset(), 7);

    assert_eq!(p.section_addr(TEXT as usize, LOAD), Some(LOAD));
    assert_eq!(p.section_addr(DATA as usize, LOAD), Some(LOAD + OFF_DATA));
    assert_eq!(p.section_addr(BSS as usize, LOAD), Some(LOAD + OFF_BSS));
    assert_eq!(p.section_addr(BSS2 as usize, LOAD), Some(LOAD + OFF_BSS2));
    // Sections that are not loaded keep the object's `sh_addr`.
    assert_eq!(p.section_addr(COMMENT as usize, LOAD), Some(COMMENT_ADDR));
    assert_eq!(p.section_addr(0, LOAD), Some(0));
    assert_eq!(p.section_addr(12, LOAD), None);
    assert_eq!(p.section_addr(TEXT as usize, LOAD + 32), None, "misaligned");
}

#[test]
fn layout_small_cases() {
    // The buffer alignment comes from a section with contents when it is the
    // largest; bufsz is rounded to the NOBITS alignment only.
    let e = Elf::new(vec![
        Sec::progbits("a", SHF_ALLOC, 4096, vec![1; 3]),
        Sec::nobits("b", 8, 5),
        Sec::progbits("c", SHF_ALLOC, 2, vec![2; 3]),
    ]);
    let bytes = e.bytes();
    let p = Purgatory::parse(&bytes).unwrap();
    // a: 0..3, c: 4..7, bufsz = ALIGN(7, 8) = 8, memsz = 8 + 5.
    assert_eq!(
        p.layout(),
        Layout {
            bufsz: 8,
            memsz: 13,
            align: 4096
        }
    );
    assert_eq!(p.placement(3), Some(Placement::Buffer(4)));
    assert_eq!(p.placement(2), Some(Placement::Bss(8)));
    let mut buf = vec![0xff; 8];
    p.build(0x20_0000, &mut buf).unwrap();
    assert_eq!(buf, [1, 1, 1, 0, 2, 2, 2, 0]);

    // No NOBITS: bufsz is the end of the last section, unrounded.
    let bytes = Elf::new(vec![Sec::progbits("a", SHF_ALLOC, 16, vec![1; 17])]).bytes();
    assert_eq!(
        Purgatory::parse(&bytes).unwrap().layout(),
        Layout {
            bufsz: 17,
            memsz: 17,
            align: 16
        }
    );

    // Any section type other than NOBITS with SHF_ALLOC is loaded; an empty
    // one with a bogus offset is fine (nothing is read); alignment 1.
    let mut empty = Sec::progbits("e", SHF_ALLOC, 1, vec![]);
    empty.offset = Some(u64::MAX);
    let e = Elf::new(vec![
        Sec::new("n", SHT_NOTE, SHF_ALLOC, 1, vec![7; 3]),
        empty,
        Sec::new("z", SHT_NULL, SHF_ALLOC, 1, vec![9]),
    ]);
    let bytes = e.bytes();
    let (p, buf, _) = load(&bytes, 0x1000).unwrap();
    assert_eq!(
        p.layout(),
        Layout {
            bufsz: 4,
            memsz: 4,
            align: 1
        }
    );
    assert_eq!(buf, [7, 7, 7, 9]);

    // Non-alloc sections, even with alignment 0, play no part.
    let mut junk = Sec::progbits("junk", 0, 0, vec![1]);
    junk.offset = Some(u64::MAX);
    let bytes = Elf::new(vec![junk, Sec::text(3)]).bytes();
    assert_eq!(
        Purgatory::parse(&bytes).unwrap().layout(),
        Layout {
            bufsz: 3,
            memsz: 3,
            align: 16
        }
    );
}

#[test]
fn layout_refusals() {
    // Alignment 0 (C's ALIGN() would return 0) and non-powers of two.
    for align in [0u64, 3, 6, 0x8000_0000_0000_0001] {
        let bytes = Elf::new(vec![
            Sec::text(4),
            Sec::progbits("d", SHF_ALLOC, align, vec![1]),
        ])
        .bytes();
        assert_eq!(
            Purgatory::parse(&bytes).err(),
            Some(PurgatoryError::BadAlignment),
            "align {align}"
        );
        let bytes = Elf::new(vec![Sec::text(4), Sec::nobits("b", align, 1)]).bytes();
        assert_eq!(
            Purgatory::parse(&bytes).err(),
            Some(PurgatoryError::BadAlignment),
            "align {align}"
        );
    }
    // Alignment 0 where C's ALIGN(x, 0) = 0 is harmless: a section with
    // contents at offset 0 (first, or after empty ones). It does not raise
    // the buffer alignment (C: `buf_align < 0` is false).
    let e = Elf::new(vec![
        Sec::progbits("e", SHF_ALLOC, 0, vec![]),
        Sec::progbits("a", SHF_ALLOC, 0, vec![1; 3]),
        Sec::text(4),
    ]);
    let bytes = e.bytes();
    let (p, buf, built) = load(&bytes, 0x1000).unwrap();
    assert_eq!(
        p.layout(),
        Layout {
            bufsz: 20,
            memsz: 20,
            align: 16
        }
    );
    assert_eq!(&buf[..4], &[1, 1, 1, 0]);
    assert_eq!(built.entry_section, Some(3));
    let bytes = Elf::new(vec![Sec::text(4), Sec::progbits("a", SHF_ALLOC, 0, vec![])]).bytes();
    assert_eq!(
        Purgatory::parse(&bytes).err(),
        Some(PurgatoryError::BadAlignment),
        "C would put it at 0 and make bufsz 0"
    );
    let bytes = Elf::new(vec![Sec::nobits("b", 0, 8), Sec::text(4)]).bytes();
    assert_eq!(
        Purgatory::parse(&bytes).err(),
        Some(PurgatoryError::BadAlignment),
        "C would give it sh_addr 0"
    );

    // Nothing with contents: C's vzalloc(0) fails.
    let bytes = Elf::new(vec![Sec::nobits(".bss", 8, 64)]).bytes();
    let err = Purgatory::parse(&bytes).unwrap_err();
    assert_eq!(err, PurgatoryError::EmptyBuffer);
    assert_eq!(kexec_parsers::errno_value(err.errno()), 12);
    let bytes = Elf::new(vec![Sec::progbits(".comment", 0, 1, vec![1])]).bytes();
    assert_eq!(
        Purgatory::parse(&bytes).err(),
        Some(PurgatoryError::EmptyBuffer)
    );
    let bytes = Elf::new(vec![Sec::progbits("e", SHF_ALLOC, 1, vec![])]).bytes();
    assert_eq!(
        Purgatory::parse(&bytes).err(),
        Some(PurgatoryError::EmptyBuffer)
    );
    // No sections at all.
    let mut obj = Elf::new(vec![]).write();
    obj.put16(60, 0);
    obj.put64(40, u64::MAX);
    assert_eq!(
        Purgatory::parse(&obj.bytes).err(),
        Some(PurgatoryError::EmptyBuffer)
    );

    // memsz overflows.
    let bytes = Elf::new(vec![Sec::text(4), Sec::nobits(".bss", 16, u64::MAX - 8)]).bytes();
    assert_eq!(
        Purgatory::parse(&bytes).err(),
        Some(PurgatoryError::Overflow)
    );
    let bytes = Elf::new(vec![
        Sec::text(4),
        Sec::nobits("a", 1, 1 << 63 | 1),
        Sec::nobits("b", 1 << 63, 1),
    ])
    .bytes();
    assert_eq!(
        Purgatory::parse(&bytes).err(),
        Some(PurgatoryError::Overflow)
    );
    let bytes = Elf::new(vec![
        Sec::text(4),
        Sec::nobits("a", 1, u64::MAX),
        Sec::nobits("b", 1, 1),
    ])
    .bytes();
    assert_eq!(
        Purgatory::parse(&bytes).err(),
        Some(PurgatoryError::Overflow)
    );
    // A huge alignment alone is fine (the caller's allocation fails).
    let bytes = Elf::new(vec![Sec::text(4), Sec::nobits("a", 1 << 40, 1)]).bytes();
    assert_eq!(
        Purgatory::parse(&bytes).unwrap().layout(),
        Layout {
            bufsz: 1 << 40,
            memsz: (1 << 40) + 1,
            align: 1 << 40
        }
    );
}

#[test]
fn section_contents_outside_the_object() {
    let e = std_elf();
    let len = e.bytes().len() as u64;
    for (off, size) in [
        (len, 1),
        (len - 1, 2),
        (u64::MAX, 1),
        (u64::MAX - 1, 4),
        (1, u64::MAX),
        (0, len + 1),
    ] {
        let mut e = e.clone();
        e.secs[DATA as usize - 1].offset = Some(off);
        e.secs[DATA as usize - 1].size = Some(size);
        assert_eq!(
            Purgatory::parse(&e.bytes()).err(),
            Some(PurgatoryError::SectionOutOfBounds),
            "{off:#x}+{size:#x}"
        );
    }
    // Exactly up to the end is inside.
    let mut e = e.clone();
    e.secs[DATA as usize - 1].offset = Some(len - 0x18);
    assert!(Purgatory::parse(&e.bytes()).is_ok());
}

// ---------------------------------------------------------------------------
// Build: copy, relocations, entry.
// ---------------------------------------------------------------------------

#[test]
fn build_copies_relocates_and_finds_the_entry() {
    let bytes = std_elf().bytes();
    let (p, buf, built) = load(&bytes, LOAD).unwrap();
    assert_eq!(
        built,
        Built {
            entry: LOAD + OFF_TEXT + 4,
            entry_section: Some(TEXT as usize)
        }
    );

    // Padding is zero (C's vzalloc), contents copied.
    assert_eq!(buf.len(), 0x80);
    assert_eq!(&buf[0x1c..0x20], &[0; 4]);
    assert_eq!(&buf[0x38..0x40], &[0; 8]);
    assert_eq!(&buf[0x45..], &[0; 0x80 - 0x45]);
    assert_eq!(&buf[0x20..0x38], &(0..0x18).collect::<Vec<u8>>()[..]);
    assert_eq!(buf[0x40], b'R');

    // .rela.text
    assert_eq!(rd64(&buf, 0), LOAD + OFF_RODATA + 3, "R_X86_64_64");
    let p_addr = LOAD + 8;
    assert_eq!(
        rd32(&buf, 8),
        (LOAD + OFF_DATA + 8 - 4).wrapping_sub(p_addr) as u32,
        "PC32"
    );
    assert_eq!(rd32(&buf, 8), 0x20 + 8 - 4 - 8);
    assert_eq!(rd32(&buf, 12), (-12i32) as u32, "PLT32 back to the entry");
    assert_eq!(
        rd32(&buf, 16),
        (LOAD + OFF_BSS + 0x100) as u32,
        "R_X86_64_32 to stack_end"
    );
    assert_eq!(
        rd32(&buf, 20),
        (0x1234i32 - 0x2000) as u32,
        "R_X86_64_32S of an absolute symbol"
    );
    assert_eq!(
        rd32(&buf, 24),
        (OFF_BSS2 - 24) as u32,
        "PC32 to .bss2 (NONE before it left the bytes)"
    );
    // .rela.rodata: R_X86_64_32 at .rodata+1 to counter (.data+0).
    assert_eq!(rd32(&buf, OFF_RODATA + 1), (LOAD + OFF_DATA) as u32);
    assert_eq!(buf[OFF_RODATA as usize], b'R');

    // Symbols.
    assert_eq!(p.symbol_addr(b"purgatory_start", LOAD), Ok(built.entry));
    assert_eq!(
        p.symbol_addr(b"stack_end", LOAD),
        Ok(LOAD + OFF_BSS + 0x100)
    );
    assert_eq!(p.symbol_addr(b"bss2_sym", LOAD), Ok(LOAD + OFF_BSS2));
    assert_eq!(p.symbol_addr(b"comment_sym", LOAD), Ok(COMMENT_ADDR + 2));
    assert_eq!(
        p.symbol_addr(b"entry64_regs", LOAD),
        Ok(LOAD + OFF_DATA + 8)
    );

    // Building again, at another address, into a dirty buffer, gives the
    // same as building fresh.
    let mut buf2 = buf.clone();
    let b2 = p.build(LOAD + 0x40, &mut buf2).unwrap();
    assert_eq!(b2.entry, LOAD + 0x44);
    assert_eq!(rd64(&buf2, 0), LOAD + 0x40 + OFF_RODATA + 3);
    assert_eq!(
        rd32(&buf2, 8),
        rd32(&buf, 8),
        "PC-relative is position independent"
    );
}

#[test]
fn section_headers_as_the_core_keeps_them() {
    let obj = std_elf().write();
    let p = Purgatory::parse(&obj.bytes).unwrap();
    assert_eq!(p.sechdrs_size(), obj.shnum * SHDR_SIZE);
    let mut sh = vec![0xa5u8; p.sechdrs_size()];
    p.write_sechdrs(LOAD, &mut sh).unwrap();
    let orig = |i: usize, off: usize| rd64(&obj.bytes, (obj.sh(i) + off) as u64);
    let new = |i: usize, off: usize| rd64(&sh, (i * SHDR_SIZE + off) as u64);
    // Loaded sections: their address; those with contents: their buffer
    // offset. Everything else as in the object.
    for (i, addr, off) in [
        (TEXT, LOAD + OFF_TEXT, Some(OFF_TEXT)),
        (DATA, LOAD + OFF_DATA, Some(OFF_DATA)),
        (RODATA, LOAD + OFF_RODATA, Some(OFF_RODATA)),
        (BSS, LOAD + OFF_BSS, None),
        (BSS2, LOAD + OFF_BSS2, None),
    ] {
        let i = i as usize;
        assert_eq!(new(i, 16), addr, "sh_addr of section {i}");
        assert_eq!(new(i, 24), off.unwrap_or(orig(i, 24)), "sh_offset of section {i}");
        assert_eq!(&sh[i * SHDR_SIZE..i * SHDR_SIZE + 16], &obj.bytes[obj.sh(i)..obj.sh(i) + 16]);
        assert_eq!(&sh[i * SHDR_SIZE + 32..(i + 1) * SHDR_SIZE], &obj.bytes[obj.sh(i) + 32..obj.sh(i + 1)]);
    }
    for i in [RELA_TEXT, COMMENT, SYMTAB, STRTAB, RELA_RODATA, SHSTRTAB] {
        let i = i as usize;
        assert_eq!(&sh[i * SHDR_SIZE..(i + 1) * SHDR_SIZE], &obj.bytes[obj.sh(i)..obj.sh(i + 1)], "section {i}");
    }
    // The wrong size of table, or a misaligned load address: refused.
    let mut short = vec![0u8; p.sechdrs_size() - 1];
    assert_eq!(p.write_sechdrs(LOAD, &mut short), Err(PurgatoryError::BufferSize));
    assert_eq!(p.write_sechdrs(LOAD + 1, &mut sh), Err(PurgatoryError::BadLoadAddress));
}

#[test]
fn build_argument_checks() {
    let bytes = std_elf().bytes();
    let p = Purgatory::parse(&bytes).unwrap();
    for len in [0, 0x7f, 0x81, 0x188] {
        let mut buf = vec![0; len];
        assert_eq!(
            p.build(LOAD, &mut buf),
            Err(PurgatoryError::BufferSize),
            "len {len}"
        );
    }
    let mut buf = vec![0; 0x80];
    for load in [1, 32, LOAD + 8, !63] {
        assert_eq!(
            p.build(load, &mut buf),
            Err(PurgatoryError::BadLoadAddress),
            "{load:#x}"
        );
        assert_eq!(
            p.symbol_addr(b"counter", load),
            Err(PurgatoryError::BadLoadAddress)
        );
    }
    // The highest address that fits: 64-aligned, load + memsz <= u64::MAX
    // (its 32-bit relocations overflow, so only check the address logic on
    // an object without them).
    let bytes = Elf::new(vec![Sec::text(4)]).bytes();
    let p = Purgatory::parse(&bytes).unwrap();
    let mut buf = vec![0; 4];
    let top = u64::MAX - 15;
    assert_eq!(
        p.build(top, &mut buf),
        Ok(Built {
            entry: top,
            entry_section: Some(1)
        })
    );
    assert_eq!(
        p.build(top + 1, &mut buf),
        Err(PurgatoryError::BadLoadAddress)
    );
    assert_eq!(
        p.build(0, &mut buf).unwrap().entry,
        0,
        "e_entry 0 in .text at 0"
    );
}

/// An object with one `.text` of 16 bytes (at `sh_addr` 0), a `.data` of 8,
/// a `.bss`, a non-alloc `.note` at 0x5000, and one relocation against
/// `target` of `.text`, whose symbol is `s` (index 1).
fn one_reloc(r: Rel, s: SymDef) -> Elf {
    let (symtab, strtab) = Sec::symtab(5, &[s]);
    Elf::new(vec![
        Sec::text(16),                                                // 1
        Sec::rela(".rela.text", 4, 1, &[r]),                          // 2
        Sec::progbits(".data", SHF_ALLOC | SHF_WRITE, 8, vec![0; 8]), // 3
        symtab,                                                       // 4
        strtab,                                                       // 5
        Sec::nobits(".bss", 8, 8),                                    // 6
        Sec::progbits(".note", 0, 4, vec![0; 4]).with_addr(0x5000),   // 7
    ])
}

const ONE_DATA: u64 = 16;
const ONE_BSS: u64 = 24;

fn abs(value: u64) -> SymDef {
    global("x", SHN_ABS, value, 0)
}

fn reloc_result(r: Rel, s: SymDef, load_addr: u64) -> Result<Vec<u8>, PurgatoryError> {
    let bytes = one_reloc(r, s).bytes();
    load(&bytes, load_addr).map(|(_, buf, _)| buf[..16].to_vec())
}

fn reloc_u32(r: Rel, s: SymDef, load_addr: u64) -> Result<u32, PurgatoryError> {
    reloc_result(r, s, load_addr).map(|b| rd32(&b, r.0))
}

#[test]
fn relocation_none() {
    // No write, no location check, but the symbol checks still run.
    assert_eq!(
        reloc_result(Rel(0, 1, R_X86_64_NONE, 0), abs(1), 0x1000),
        Ok(vec![0x90; 16])
    );
    assert_eq!(
        reloc_result(Rel(u64::MAX, 1, R_X86_64_NONE, 0), abs(1), 0x1000),
        Ok(vec![0x90; 16])
    );
    assert_eq!(
        reloc_result(
            Rel(0, 1, R_X86_64_NONE, 0),
            global("u", SHN_UNDEF, 0, 0),
            0x1000
        ),
        Err(PurgatoryError::UndefinedSymbol)
    );
    assert_eq!(
        reloc_result(Rel(0, 0, R_X86_64_NONE, 0), abs(1), 0x1000),
        Err(PurgatoryError::UndefinedSymbol),
        "the null symbol"
    );
}

#[test]
fn relocation_64() {
    let b = reloc_result(Rel(8, 1, R_X86_64_64, -1), global("d", 3, 4, 0), 0x1000).unwrap();
    assert_eq!(rd64(&b, 8), 0x1000 + ONE_DATA + 4 - 1);
    assert_eq!(&b[..8], &[0x90; 8]);
    // Modulo 2^64.
    let b = reloc_result(Rel(0, 1, R_X86_64_64, -0x10), abs(8), 0x1000).unwrap();
    assert_eq!(rd64(&b, 0), 8u64.wrapping_sub(0x10));
    let b = reloc_result(Rel(0, 1, R_X86_64_64, i64::MAX), abs(u64::MAX), 0x1000).unwrap();
    assert_eq!(rd64(&b, 0), u64::MAX.wrapping_add(i64::MAX as u64));
}

#[test]
fn relocation_32() {
    assert_eq!(
        reloc_u32(Rel(4, 1, R_X86_64_32, 2), global("d", 3, 4, 0), 0x1000),
        Ok(0x1000 + 16 + 4 + 2)
    );
    assert_eq!(
        reloc_u32(Rel(0, 1, R_X86_64_32, 0), abs(0xffff_ffff), 0x1000),
        Ok(0xffff_ffff)
    );
    assert_eq!(
        reloc_u32(Rel(0, 1, R_X86_64_32, -1), abs(0x1_0000_0000), 0x1000),
        Ok(0xffff_ffff)
    );
    for (value, addend) in [
        (0x1_0000_0000u64, 0i64),
        (0, -1),
        (0xffff_ffff, 1),
        (u64::MAX, 0),
    ] {
        let want = value.wrapping_add(addend as u64);
        assert_eq!(
            reloc_u32(Rel(0, 1, R_X86_64_32, addend), abs(value), 0x1000),
            Err(PurgatoryError::RelocOverflow {
                r_type: R_X86_64_32,
                value: want
            })
        );
    }
    // A section-relative value above 4 GiB.
    assert_eq!(
        reloc_u32(
            Rel(0, 1, R_X86_64_32, 0),
            global("d", 3, 0, 0),
            0x1_0000_0000
        ),
        Err(PurgatoryError::RelocOverflow {
            r_type: R_X86_64_32,
            value: 0x1_0000_0000 + ONE_DATA
        })
    );
}

#[test]
fn relocation_32s() {
    for v in [0u64, 0x7fff_ffff, 0xffff_ffff_8000_0000, u64::MAX] {
        assert_eq!(
            reloc_u32(Rel(12, 1, R_X86_64_32S, 0), abs(v), 0x1000),
            Ok(v as u32),
            "{v:#x}"
        );
    }
    assert_eq!(
        reloc_u32(Rel(0, 1, R_X86_64_32S, -4), abs(0), 0x1000),
        Ok(-4i32 as u32)
    );
    for v in [
        0x8000_0000u64,
        0xffff_ffff,
        0x1_0000_0000,
        0xffff_ffff_7fff_ffff,
        1 << 63,
    ] {
        assert_eq!(
            reloc_u32(Rel(0, 1, R_X86_64_32S, 0), abs(v), 0x1000),
            Err(PurgatoryError::RelocOverflow {
                r_type: R_X86_64_32S,
                value: v
            }),
            "{v:#x}"
        );
    }
}

#[test]
fn relocation_pc32_and_plt32() {
    for t in [R_X86_64_PC32, R_X86_64_PLT32] {
        // S + A - P, forwards and backwards.
        assert_eq!(
            reloc_u32(Rel(4, 1, t, -4), global("d", 3, 2, 0), 0x1000),
            Ok((ONE_DATA + 2 - 4 - 4) as u32)
        );
        assert_eq!(
            reloc_u32(Rel(12, 1, t, -4), global("t", 1, 0, 0), 0x1000),
            Ok(-16i32 as u32)
        );
        // To the .bss (placed after the buffer).
        assert_eq!(
            reloc_u32(Rel(0, 1, t, 0), global("b", 6, 0, 0), 0x1000),
            Ok(ONE_BSS as u32)
        );
        // No overflow check in C: the low 32 bits of a far target.
        let far = 0x1234_0000_0000u64;
        assert_eq!(
            reloc_u32(Rel(0, 1, t, 0), abs(far), 0x1000),
            Ok(far.wrapping_sub(0x1000) as u32)
        );
        assert_eq!(
            reloc_u32(Rel(0, 1, t, 0), abs(0), 0x1000),
            Ok(-0x1000i32 as u32)
        );
    }
}

#[test]
fn relocation_unknown_types_are_refused_by_number() {
    for t in [3u32, 5, 8, 9, 12, 24, 42, 0xffff, u32::MAX] {
        let err = reloc_result(Rel(0, 1, t, 0), abs(1), 0x1000).unwrap_err();
        assert_eq!(err, PurgatoryError::UnknownRelocType(t));
        assert_eq!(err.to_string(), format!("Unknown rela relocation: {t}"));
        assert_eq!(kexec_parsers::errno_value(err.errno()), 8);
    }
    // The symbol is checked before the type (C's order).
    assert_eq!(
        reloc_result(Rel(0, 1, 42, 0), global("u", SHN_UNDEF, 0, 0), 0x1000),
        Err(PurgatoryError::UndefinedSymbol)
    );
}

#[test]
fn relocation_symbol_kinds() {
    let r = Rel(0, 1, R_X86_64_64, 0);
    assert_eq!(
        reloc_result(r, global("u", SHN_UNDEF, 0, 0), 0x1000),
        Err(PurgatoryError::UndefinedSymbol)
    );
    assert_eq!(
        reloc_result(r, sym("u", STB_LOCAL, SHN_UNDEF, 0, 0), 0x1000),
        Err(PurgatoryError::UndefinedSymbol)
    );
    assert_eq!(
        reloc_result(r, global("c", SHN_COMMON, 0, 8), 0x1000),
        Err(PurgatoryError::CommonSymbol)
    );
    for shndx in [9u16, 10, 0xff00, 0xfff0, 0xfff3, 0xffff] {
        assert_eq!(
            reloc_result(r, global("i", shndx, 0, 0), 0x1000),
            Err(PurgatoryError::InvalidSymbolSection),
            "{shndx:#x}"
        );
    }
    // ABS: not relocated.
    assert_eq!(
        rd64(&reloc_result(r, abs(0x1234), 0x1000).unwrap(), 0),
        0x1234
    );
    // A non-alloc section: its own sh_addr (0x5000).
    assert_eq!(
        rd64(&reloc_result(r, global("n", 7, 3, 0), 0x1000).unwrap(), 0),
        0x5003
    );
    // Index 7 is the last section but one (.shstrtab is 8), index 8 is the
    // .shstrtab itself: not loaded, sh_addr 0.
    assert_eq!(
        rd64(&reloc_result(r, global("s", 8, 3, 0), 0x1000).unwrap(), 0),
        3
    );
    // Index 0 is SHN_UNDEF, not the null section.
    assert_eq!(
        reloc_result(r, section_sym(0), 0x1000),
        Err(PurgatoryError::UndefinedSymbol)
    );
    // .bss: its placed address.
    assert_eq!(
        rd64(&reloc_result(r, global("b", 6, 1, 0), 0x1000).unwrap(), 0),
        0x1000 + ONE_BSS + 1
    );
    // A weak or local symbol works the same as a global one here.
    assert_eq!(
        rd64(
            &reloc_result(r, sym("w", STB_WEAK, 3, 1, 0), 0x1000).unwrap(),
            0
        ),
        0x1000 + ONE_DATA + 1
    );
}

#[test]
fn relocation_symbol_index_and_tables_out_of_range() {
    let e = one_reloc(Rel(0, 2, R_X86_64_64, 0), abs(1));
    assert_eq!(
        load(&e.bytes(), 0x1000).err(),
        Some(PurgatoryError::SymbolIndexOutOfRange)
    );
    let e = one_reloc(Rel(0, u32::MAX, R_X86_64_64, 0), abs(1));
    assert_eq!(
        load(&e.bytes(), 0x1000).err(),
        Some(PurgatoryError::SymbolIndexOutOfRange)
    );
    // A symbol table whose size is not a multiple of 24: C counts whole
    // entries.
    let mut e = one_reloc(Rel(0, 1, R_X86_64_64, 0), abs(1));
    e.secs[3].size = Some(47);
    assert_eq!(
        load(&e.bytes(), 0x1000).err(),
        Some(PurgatoryError::SymbolIndexOutOfRange)
    );
    e.secs[3].size = Some(48);
    assert!(load(&e.bytes(), 0x1000).is_ok());

    // The symbol table outside the object.
    let mut e = one_reloc(Rel(0, 1, R_X86_64_64, 0), abs(1));
    let len = e.bytes().len() as u64;
    for off in [len, len - 30, u64::MAX - 30] {
        e.secs[3].offset = Some(off);
        assert_eq!(
            load(&e.bytes(), 0x1000).err(),
            Some(PurgatoryError::SymtabOutOfBounds),
            "{off:#x}"
        );
    }

    // The relocation table outside the object.
    let mut e = one_reloc(Rel(0, 1, R_X86_64_64, 0), abs(1));
    for off in [len, len - 23, u64::MAX - 8] {
        e.secs[1].offset = Some(off);
        assert_eq!(
            load(&e.bytes(), 0x1000).err(),
            Some(PurgatoryError::RelocTableOutOfBounds),
            "{off:#x}"
        );
    }
    // ... but fewer than 24 bytes are no entry at all.
    e.secs[1].size = Some(23);
    assert!(load(&e.bytes(), 0x1000).is_ok());
}

#[test]
fn relocation_location_checks() {
    // The last bytes of the section are fine, one further is not.
    assert!(reloc_result(Rel(8, 1, R_X86_64_64, 0), abs(1), 0x1000).is_ok());
    assert!(reloc_result(Rel(12, 1, R_X86_64_PC32, 0), abs(1), 0x1000).is_ok());
    for (off, t) in [
        (9, R_X86_64_64),
        (13, R_X86_64_32),
        (13, R_X86_64_32S),
        (16, R_X86_64_PC32),
        (u64::MAX, R_X86_64_PLT32),
        (u64::MAX - 3, R_X86_64_64),
    ] {
        assert_eq!(
            reloc_result(Rel(off, 1, t, 0), abs(1), 0x1000),
            Err(PurgatoryError::RelocOutOfSection),
            "{off:#x} {t}"
        );
    }
    // The location is checked before the overflow.
    assert_eq!(
        reloc_result(Rel(13, 1, R_X86_64_32, 0), abs(1 << 40), 0x1000),
        Err(PurgatoryError::RelocOutOfSection)
    );

    // Relocating a NOBITS section: only NONE goes through.
    let (symtab, strtab) = Sec::symtab(4, &[abs(1)]);
    let mk = |t| {
        Elf::new(vec![
            Sec::text(16),
            Sec::rela(".rela.bss", 3, 5, &[Rel(0, 1, t, 0)]),
            symtab.clone(),
            strtab.clone(),
            Sec::nobits(".bss", 8, 64),
        ])
        .bytes()
    };
    assert_eq!(
        load(&mk(R_X86_64_64), 0x1000).err(),
        Some(PurgatoryError::RelocIntoNobits)
    );
    assert_eq!(
        load(&mk(R_X86_64_PC32), 0x1000).err(),
        Some(PurgatoryError::RelocIntoNobits)
    );
    assert!(load(&mk(R_X86_64_NONE), 0x1000).is_ok());
    assert_eq!(
        load(&mk(77), 0x1000).err(),
        Some(PurgatoryError::UnknownRelocType(77))
    );
}

#[test]
fn relocations_apply_in_order() {
    // Section order, then entry order: the last write wins.
    let (symtab, strtab) = Sec::symtab(3, &[abs(0x11), abs(0x22), abs(0x33)]);
    let e = Elf::new(vec![
        Sec::rela(
            ".rela.a",
            2,
            4,
            &[Rel(0, 1, R_X86_64_64, 0), Rel(0, 2, R_X86_64_64, 0)],
        ),
        symtab,
        strtab,
        Sec::text(16),
        Sec::rela(".rela.b", 2, 4, &[Rel(4, 3, R_X86_64_32, 0)]),
    ]);
    let (_, buf, _) = load(&e.bytes(), 0x1000).unwrap();
    assert_eq!(rd64(&buf, 0), 0x33_0000_0022);
}

#[test]
fn relocation_section_selection() {
    let base = || one_reloc(Rel(0, 1, R_X86_64_64, 0), abs(0x42));
    let applied = |e: &Elf| load(&e.bytes(), 0x1000).map(|(_, b, _)| rd64(&b, 0) == 0x42);

    assert_eq!(applied(&base()), Ok(true));

    // sh_info and sh_link out of range: -ENOEXEC even when the target would
    // not be loaded (C checks before).
    for bad in [9u32, 10, u32::MAX] {
        let mut e = base();
        e.secs[1].info = bad;
        assert_eq!(
            applied(&e),
            Err(PurgatoryError::RelocInfoOutOfRange),
            "info {bad}"
        );
        let mut e = base();
        e.secs[1].link = bad;
        assert_eq!(
            applied(&e),
            Err(PurgatoryError::RelocLinkOutOfRange),
            "link {bad}"
        );
        let mut e = base();
        e.secs[1].link = bad;
        e.secs[1].info = bad;
        assert_eq!(
            applied(&e),
            Err(PurgatoryError::RelocInfoOutOfRange),
            "both {bad}"
        );
    }
    let mut e = base();
    e.secs[1].info = 7; // the non-alloc .note
    e.secs[1].link = 99;
    assert_eq!(applied(&e), Err(PurgatoryError::RelocLinkOutOfRange));

    // A target without SHF_ALLOC: skipped, whatever the entries say.
    let mut e = one_reloc(Rel(u64::MAX, 99, 42, 0), abs(0));
    e.secs[1].info = 7;
    assert_eq!(applied(&e), Ok(false));
    e.secs[1].offset = Some(u64::MAX);
    assert_eq!(applied(&e), Ok(false));

    // The symbol table's own sh_link out of range: C skips the section.
    let mut e = base();
    e.secs[3].link = 8; // .shstrtab: in range, and it is not a STRTAB check
    assert_eq!(applied(&e), Ok(true));
    e.secs[3].link = 9;
    assert_eq!(applied(&e), Ok(false));
    let mut e = one_reloc(Rel(u64::MAX, 99, 42, 0), abs(0));
    e.secs[3].link = u32::MAX;
    assert_eq!(applied(&e), Ok(false));

    // The "symbol table" need not be SHT_SYMTAB (C does not check): here
    // the relocation section's link points at .data, whose 8 zero bytes are
    // no whole symbol, so symbol 1 is out of range.
    let mut e = base();
    e.secs[1].link = 3;
    assert_eq!(applied(&e), Err(PurgatoryError::SymbolIndexOutOfRange));

    // SHT_REL: refused when its target is loaded, skipped otherwise.
    let mut e = base();
    e.secs[1].sh_type = SHT_REL;
    assert_eq!(applied(&e), Err(PurgatoryError::ShtRelUnsupported));
    assert_eq!(
        PurgatoryError::ShtRelUnsupported.message(),
        "REL relocation unsupported."
    );
    e.secs[1].info = 7;
    assert_eq!(applied(&e), Ok(false));
    let mut e = base();
    e.secs[1].sh_type = SHT_REL;
    e.secs[3].link = 99;
    assert_eq!(
        applied(&e),
        Ok(false),
        "REL with a bad strtab link is skipped before the type test"
    );
}

#[test]
fn entry_point_rules() {
    let text2 = || Sec::progbits(".text.2", SHF_ALLOC | SHF_EXECINSTR, 16, vec![0xcc; 0x20]);
    // Sections: 1 .text (16), 2 .data (8, not exec), 3 .text.2 (0x20),
    // 4 .symtab, 5 .strtab. .text at 0, .data at 16, .text.2 at 32.
    let mk = |entry: u64, s: Option<SymDef>, text_addr: u64| {
        let syms: Vec<SymDef> = s.into_iter().collect();
        let (symtab, strtab) = Sec::symtab(5, &syms);
        let mut e = Elf::new(vec![
            Sec::text(16).with_addr(text_addr),
            Sec::progbits(".data", SHF_ALLOC | SHF_WRITE, 8, vec![0; 8]),
            text2(),
            symtab,
            strtab,
        ]);
        e.entry = entry;
        e.bytes()
    };
    let entry = |bytes: &[u8]| load(bytes, 0x10_0000).map(|(_, _, b)| (b.entry, b.entry_section));
    let ps = |shndx, value| global("purgatory_start", shndx, value, 0);

    // The symbol decides.
    assert_eq!(
        entry(&mk(0x1000, Some(ps(3, 0x1f)), 0)),
        Ok((0x10_0000 + 32 + 0x1f, Some(3)))
    );
    assert_eq!(
        entry(&mk(0x14, Some(ps(3, 0)), 0)),
        Ok((0x10_0000 + 32, Some(3)))
    );
    // ... unless the section holding e_entry comes first.
    assert_eq!(
        entry(&mk(4, Some(ps(3, 0x10)), 0x10)),
        Ok((0x10_0000 + 32 + 0x10, Some(3))),
        "e_entry not in .text"
    );
    assert_eq!(
        entry(&mk(0x14, Some(ps(3, 0x10)), 0x10)),
        Ok((0x10_0000 + 4, Some(1))),
        "e_entry in .text"
    );
    // The symbol must be in an executable section and inside it.
    assert_eq!(
        entry(&mk(0x14, Some(ps(2, 0)), 0)),
        Ok((0x10_0000 + 32 + 0x14, Some(3))),
        "not exec: e_entry"
    );
    assert_eq!(
        entry(&mk(0x24, Some(ps(3, 0x20)), 0)),
        Ok((0x24, None)),
        "value == size; e_entry nowhere"
    );
    assert_eq!(entry(&mk(0x24, Some(ps(3, u64::MAX)), 0)), Ok((0x24, None)));
    // A local, weak, undefined or absolute purgatory_start is no entry
    // symbol, and no error either.
    for s in [
        sym("purgatory_start", STB_LOCAL, 3, 0, 0),
        sym("purgatory_start", STB_WEAK, 3, 0, 0),
        ps(SHN_UNDEF, 0),
        ps(SHN_ABS, 0),
        ps(77, 0),
    ] {
        assert_eq!(
            entry(&mk(0x14, Some(s), 0)),
            Ok((0x10_0000 + 32 + 0x14, Some(3))),
            "{s:?}"
        );
    }
    // By e_entry: the first executable section that holds it, by its
    // sh_addr.
    assert_eq!(entry(&mk(0x8, None, 0)), Ok((0x10_0000 + 8, Some(1))));
    assert_eq!(
        entry(&mk(0x18, None, 0)),
        Ok((0x10_0000 + 32 + 0x18, Some(3)))
    );
    assert_eq!(
        entry(&mk(0x1008, None, 0x1000)),
        Ok((0x10_0000 + 8, Some(1)))
    );
    assert_eq!(
        entry(&mk(0x40, None, 0)),
        Ok((0x40, None)),
        "nowhere: e_entry unchanged"
    );
    // C's `sh_addr + sh_size` wraps: the section then holds nothing.
    assert_eq!(
        entry(&mk(u64::MAX - 1, None, u64::MAX - 3)),
        Ok((u64::MAX - 1, None))
    );
    assert_eq!(
        entry(&mk(u64::MAX - 1, None, u64::MAX - 16)),
        Ok((0x10_0000 + 15, Some(1)))
    );
}

// ---------------------------------------------------------------------------
// Symbols.
// ---------------------------------------------------------------------------

#[test]
fn symbol_lookup_semantics() {
    let bytes = std_elf().bytes();
    let p = Purgatory::parse(&bytes).unwrap();
    let want = Ok(Symbol {
        section: TEXT as usize,
        value: 4,
        size: 8,
    });
    assert_eq!(p.symbol(b"purgatory_start"), want);
    assert_eq!(p.symbol(b"purgatory_start\0"), want, "a C string");
    assert_eq!(
        p.symbol(b"purgatory_start\0junk"),
        want,
        "strcmp stops at the NUL"
    );
    assert_eq!(p.symbol(ENTRY_SYMBOL), want);
    assert_eq!(p.symbol(b"purgatory"), Err(PurgatoryError::SymbolNotFound));
    assert_eq!(
        p.symbol(b"purgatory_start_"),
        Err(PurgatoryError::SymbolNotFound)
    );
    assert_eq!(
        p.symbol(b""),
        Err(PurgatoryError::SymbolNotFound),
        "section symbols are local"
    );
    assert_eq!(p.symbol(b"weak_sym"), Err(PurgatoryError::SymbolNotFound));
    assert_eq!(p.symbol(b"local_sym"), Err(PurgatoryError::SymbolNotFound));
    assert_eq!(p.symbol(b"lstack"), Err(PurgatoryError::SymbolNotFound));
    assert_eq!(
        p.symbol(b"undef_sym"),
        Err(PurgatoryError::SymbolBadSection)
    );
    assert_eq!(
        p.symbol(b"abs_sym"),
        Err(PurgatoryError::SymbolBadSection),
        "SHN_ABS >= e_shnum"
    );
    assert_eq!(
        p.symbol(b"stack_end"),
        Ok(Symbol {
            section: BSS as usize,
            value: 0x100,
            size: 0
        })
    );
    assert_eq!(
        p.symbol_addr(b"abs_sym", LOAD),
        Err(PurgatoryError::SymbolBadSection)
    );
    assert_eq!(
        p.symbol_addr(b"nope", LOAD),
        Err(PurgatoryError::SymbolNotFound)
    );
    for e in [
        PurgatoryError::SymbolBadSection,
        PurgatoryError::SymbolNotFound,
    ] {
        assert_eq!(kexec_parsers::errno_value(e.errno()), 22);
    }
}

#[test]
fn symbol_lookup_over_several_tables() {
    // Table A (link to its strtab) has a global `dup` that is undefined and a
    // global `a`; table B has a good `dup` and `b`; table C has a bad link.
    let (ta, sa) = Sec::symtab(2, &[global("dup", SHN_UNDEF, 0, 0), global("a", 5, 1, 1)]);
    let (tb, sb) = Sec::symtab(4, &[global("dup", 5, 2, 2), global("b", 5, 3, 3)]);
    let (mut tc, sc) = Sec::symtab(99, &[global("c", 5, 4, 4)]);
    tc.link = 99;
    let e = Elf::new(vec![ta, sa, tb, sb, Sec::text(16), tc, sc]);
    let bytes = e.bytes();
    let p = Purgatory::parse(&bytes).unwrap();
    assert_eq!(
        p.symbol(b"a"),
        Ok(Symbol {
            section: 5,
            value: 1,
            size: 1
        })
    );
    assert_eq!(
        p.symbol(b"b"),
        Ok(Symbol {
            section: 5,
            value: 3,
            size: 3
        })
    );
    assert_eq!(
        p.symbol(b"dup"),
        Err(PurgatoryError::SymbolBadSection),
        "the first match decides"
    );
    assert_eq!(
        p.symbol(b"c"),
        Err(PurgatoryError::SymbolNotFound),
        "table with a bad sh_link skipped"
    );
}

#[test]
fn symbol_names_and_string_tables() {
    let mk = |strs: Vec<u8>, name_off: u32, bind: u8| {
        let (mut tab, _) = symtab_bytes(&[sym("", bind, 1, 0, 0)]);
        tab[SYM_SIZE..SYM_SIZE + 4].copy_from_slice(&name_off.to_le_bytes());
        let mut symtab = Sec::new(".symtab", SHT_SYMTAB, 0, 8, tab);
        symtab.link = 3;
        Elf::new(vec![
            Sec::text(16),
            symtab,
            Sec::new(".strtab", SHT_STRTAB, 0, 1, strs),
        ])
    };
    let find = |e: &Elf, name: &[u8]| {
        let bytes = e.bytes();
        let p = Purgatory::parse(&bytes).unwrap();
        p.symbol(name).map(|s| s.value)
    };
    assert_eq!(find(&mk(b"\0abc\0".to_vec(), 1, STB_GLOBAL), b"abc"), Ok(0));
    assert_eq!(
        find(&mk(b"\0abc\0".to_vec(), 2, STB_GLOBAL), b"bc"),
        Ok(0),
        "a suffix"
    );
    assert_eq!(
        find(&mk(b"\0abc\0".to_vec(), 4, STB_GLOBAL), b""),
        Ok(0),
        "the empty name"
    );
    let unterminated = mk(b"\0abc".to_vec(), 1, STB_GLOBAL);
    assert_eq!(
        find(&unterminated, b"abc"),
        Err(PurgatoryError::StrtabUnterminated)
    );
    assert_eq!(
        find(&unterminated, b"x"),
        Err(PurgatoryError::StrtabUnterminated),
        "every global name is read"
    );
    assert_eq!(
        find(&mk(b"\0abc\0".to_vec(), 5, STB_GLOBAL), b"x"),
        Err(PurgatoryError::SymbolNameOutOfBounds)
    );
    assert_eq!(
        find(&mk(b"\0abc\0".to_vec(), u32::MAX, STB_GLOBAL), b"x"),
        Err(PurgatoryError::SymbolNameOutOfBounds)
    );
    assert_eq!(
        find(&mk(vec![], 0, STB_GLOBAL), b"x"),
        Err(PurgatoryError::SymbolNameOutOfBounds)
    );
    // Names of other bindings are never read (C tests the binding first).
    assert_eq!(
        find(&mk(b"\0abc".to_vec(), 1, STB_LOCAL), b"abc"),
        Err(PurgatoryError::SymbolNotFound)
    );
    assert_eq!(
        find(&mk(b"\0abc".to_vec(), 99, STB_WEAK), b"abc"),
        Err(PurgatoryError::SymbolNotFound)
    );
    // The string table outside the object.
    let mut e = mk(b"\0abc\0".to_vec(), 1, STB_GLOBAL);
    e.secs[2].offset = Some(1 << 32);
    assert_eq!(find(&e, b"abc"), Err(PurgatoryError::StrtabOutOfBounds));
    // The symbol table outside the object.
    let mut e = mk(b"\0abc\0".to_vec(), 1, STB_GLOBAL);
    e.secs[1].offset = Some(u64::MAX - 4);
    assert_eq!(find(&e, b"abc"), Err(PurgatoryError::SymtabOutOfBounds));
    // A broken table makes build fail too: it looks up purgatory_start.
    assert_eq!(
        load(&unterminated.bytes(), 0).err(),
        Some(PurgatoryError::StrtabUnterminated)
    );
}

#[test]
fn symbol_get_and_set() {
    let bytes = std_elf().bytes();
    let (p, mut buf, _) = load(&bytes, LOAD).unwrap();
    let regs_off = (OFF_DATA + 8) as usize;
    assert_eq!(
        p.symbol_range(b"entry64_regs", 16),
        Ok(regs_off..regs_off + 16)
    );

    let mut out = [0u8; 16];
    p.get_symbol(&buf, b"entry64_regs", &mut out).unwrap();
    assert_eq!(out.to_vec(), (8..0x18).collect::<Vec<u8>>());
    let before = buf.clone();
    p.set_symbol(&mut buf, b"entry64_regs", &[0xee; 16])
        .unwrap();
    assert_eq!(&buf[regs_off..regs_off + 16], &[0xee; 16]);
    assert_eq!(&buf[..regs_off], &before[..regs_off]);
    assert_eq!(&buf[regs_off + 16..], &before[regs_off + 16..]);
    p.get_symbol(&buf, b"entry64_regs", &mut out).unwrap();
    assert_eq!(out, [0xee; 16]);
    let mut w = [0u8; 4];
    p.get_symbol(&buf, b"ro_word", &mut w).unwrap();
    assert_eq!(
        w,
        ((LOAD + OFF_DATA) as u32).to_le_bytes(),
        "relocated by .rela.rodata"
    );

    // Size first, then NOBITS (C's order).
    let mism = |expected, actual| Err(PurgatoryError::SymbolSizeMismatch { expected, actual });
    assert_eq!(
        p.get_symbol(&buf, b"entry64_regs", &mut [0; 15]),
        mism(16, 15)
    );
    assert_eq!(
        p.set_symbol(&mut buf, b"entry64_regs", &[0; 17]),
        mism(16, 17)
    );
    assert_eq!(p.set_symbol(&mut buf, b"entry64_regs", &[]), mism(16, 0));
    assert_eq!(p.get_symbol(&buf, b"in_bss", &mut [0; 4]), mism(8, 4));
    assert_eq!(
        PurgatoryError::SymbolSizeMismatch {
            expected: 16,
            actual: 15
        }
        .to_string(),
        "symbol size mismatch: expected 16 actual 15"
    );
    assert_eq!(
        p.get_symbol(&buf, b"in_bss", &mut [0; 8]),
        Err(PurgatoryError::SymbolInBss)
    );
    assert_eq!(
        p.set_symbol(&mut buf, b"stack_end", &[]),
        Err(PurgatoryError::SymbolInBss)
    );
    assert_eq!(
        p.set_symbol(&mut buf, b"bss2_sym", &[0; 8]),
        Err(PurgatoryError::SymbolInBss)
    );
    // Not loaded, not inside the section (Rust only).
    assert_eq!(
        p.get_symbol(&buf, b"comment_sym", &mut [0; 4]),
        Err(PurgatoryError::SymbolNotLoaded)
    );
    assert_eq!(
        p.set_symbol(&mut buf, b"bad_extent", &[0; 4]),
        Err(PurgatoryError::SymbolOutOfSection)
    );
    // Lookup failures.
    assert_eq!(
        p.get_symbol(&buf, b"nope", &mut [0; 4]),
        Err(PurgatoryError::SymbolNotFound)
    );
    assert_eq!(
        p.set_symbol(&mut buf, b"weak_sym", &[0; 8]),
        Err(PurgatoryError::SymbolNotFound)
    );
    assert_eq!(
        p.set_symbol(&mut buf, b"undef_sym", &[]),
        Err(PurgatoryError::SymbolBadSection)
    );
    // A buffer of the wrong size.
    assert_eq!(
        p.get_symbol(&buf[1..], b"counter", &mut [0; 8]),
        Err(PurgatoryError::BufferSize)
    );
    assert_eq!(
        p.set_symbol(&mut [0; 0x81], b"counter", &[0; 8]),
        Err(PurgatoryError::BufferSize)
    );
    // None of the refusals wrote anything.
    let mut check = [0u8; 16];
    p.get_symbol(&buf, b"entry64_regs", &mut check).unwrap();
    assert_eq!(check, [0xee; 16]);

    // A symbol whose value would overflow.
    let mut syms = std_syms();
    syms.push(global("huge", RODATA, u64::MAX - 1, 4));
    let bytes = std_elf_with(&syms, &std_text_relocs()).bytes();
    let p = Purgatory::parse(&bytes).unwrap();
    assert_eq!(
        p.symbol_range(b"huge", 4),
        Err(PurgatoryError::SymbolOutOfSection)
    );
    assert_eq!(
        p.symbol_addr(b"huge", LOAD),
        Ok((LOAD + OFF_RODATA).wrapping_add(u64::MAX - 1))
    );
}

// ---------------------------------------------------------------------------
// Malformed headers and truncation.
// ---------------------------------------------------------------------------

#[test]
fn header_checks_in_order() {
    let good = std_elf().write();
    assert!(Purgatory::parse(&good.bytes).is_ok());
    let with = |f: &dyn Fn(&mut Obj)| {
        let mut o = std_elf().write();
        f(&mut o);
        Purgatory::parse(&o.bytes).err()
    };
    for i in 0..4 {
        assert_eq!(
            with(&|o| o.bytes[i] ^= 0x20),
            Some(PurgatoryError::BadMagic),
            "byte {i}"
        );
    }
    assert_eq!(with(&|o| o.bytes[4] = 1), Some(PurgatoryError::BadClass));
    assert_eq!(with(&|o| o.bytes[4] = 0), Some(PurgatoryError::BadClass));
    assert_eq!(with(&|o| o.bytes[5] = 2), Some(PurgatoryError::BadEndian));
    assert_eq!(
        with(&|o| o.put16(16, 2)),
        Some(PurgatoryError::BadType),
        "ET_EXEC"
    );
    assert_eq!(
        with(&|o| o.put16(16, 3)),
        Some(PurgatoryError::BadType),
        "ET_DYN"
    );
    assert_eq!(
        with(&|o| o.put16(16, 0x100)),
        Some(PurgatoryError::BadType),
        "big-endian ET_REL"
    );
    assert_eq!(
        with(&|o| o.put16(18, 3)),
        Some(PurgatoryError::BadMachine),
        "EM_386"
    );
    assert_eq!(
        with(&|o| o.put16(58, 40)),
        Some(PurgatoryError::BadShentsize)
    );
    assert_eq!(
        with(&|o| o.put16(58, 0)),
        Some(PurgatoryError::BadShentsize)
    );
    // Earlier checks win.
    assert_eq!(
        with(&|o| {
            o.bytes[0] = 0;
            o.bytes[4] = 1
        }),
        Some(PurgatoryError::BadMagic)
    );
    assert_eq!(
        with(&|o| {
            o.bytes[4] = 1;
            o.bytes[5] = 2
        }),
        Some(PurgatoryError::BadClass)
    );
    assert_eq!(
        with(&|o| {
            o.bytes[5] = 2;
            o.put16(16, 2)
        }),
        Some(PurgatoryError::BadEndian)
    );
    assert_eq!(
        with(&|o| {
            o.put16(16, 2);
            o.put16(18, 3)
        }),
        Some(PurgatoryError::BadType)
    );
    assert_eq!(
        with(&|o| {
            o.put16(18, 3);
            o.put16(58, 40)
        }),
        Some(PurgatoryError::BadMachine)
    );
    assert_eq!(
        with(&|o| {
            o.put16(58, 40);
            o.put64(40, u64::MAX)
        }),
        Some(PurgatoryError::BadShentsize)
    );
    // Fields C does not use are not checked.
    assert_eq!(
        with(&|o| {
            o.bytes[6] = 9;
            o.bytes[7] = 3;
            o.put32(20, 7);
            o.put16(62, 0xffff);
            o.put64(32, u64::MAX)
        }),
        None
    );

    // The section header table.
    let len = good.bytes.len() as u64;
    let shnum = good.shnum as u64;
    let end = good.shoff as u64 + shnum * 64;
    assert_eq!(end, len);
    for (shoff, n) in [
        (len, shnum),
        (good.shoff as u64 + 1, shnum),
        (u64::MAX, shnum),
        (u64::MAX - 64, 1),
        (0, 0xffff),
        (1 << 63, 2),
    ] {
        assert_eq!(
            with(&|o| {
                o.put64(40, shoff);
                o.put16(60, n as u16)
            }),
            Some(PurgatoryError::SectionTableOutOfBounds),
            "shoff {shoff:#x} shnum {n}"
        );
    }
    // Fewer sections than the table holds: what is beyond is ignored; here
    // .rela.text now links to a symbol table that is no section.
    let mut o = std_elf().write();
    o.put16(60, RODATA + 1);
    let p = Purgatory::parse(&o.bytes).unwrap();
    assert_eq!(
        p.layout(),
        Layout {
            bufsz: 0x80,
            memsz: 0x180,
            align: 64
        }
    );
    let mut buf = vec![0; 0x80];
    assert_eq!(
        p.build(LOAD, &mut buf),
        Err(PurgatoryError::RelocLinkOutOfRange)
    );
    assert_eq!(
        p.symbol(b"purgatory_start"),
        Err(PurgatoryError::SymbolNotFound)
    );
}

#[test]
fn truncation_at_header_boundaries() {
    let obj = std_elf().write();
    let b = &obj.bytes;
    assert_eq!(Purgatory::parse(&b[..0]).err(), Some(PurgatoryError::Empty));
    assert_eq!(kexec_parsers::errno_value(PurgatoryError::Empty.errno()), 22);
    for n in 1..EHDR_SIZE {
        assert_eq!(
            Purgatory::parse(&b[..n]).err(),
            Some(PurgatoryError::TruncatedHeader),
            "{n}"
        );
    }
    // The table is at the end: any cut into it is refused.
    for n in EHDR_SIZE..b.len() {
        assert_eq!(
            Purgatory::parse(&b[..n]).err(),
            Some(PurgatoryError::SectionTableOutOfBounds),
            "{n}"
        );
    }
    for i in 0..=obj.shnum {
        let n = obj.sh(i);
        let want = if n == b.len() {
            None
        } else {
            Some(PurgatoryError::SectionTableOutOfBounds)
        };
        assert_eq!(Purgatory::parse(&b[..n]).err(), want, "section header {i}");
    }
}

/// Everything a caller does with an object; never panics. `Err` on the
/// first refusal, else everything observable.
#[allow(clippy::type_complexity)]
fn pipeline(
    bytes: &[u8],
    load_addr: u64,
) -> Result<
    (
        Layout,
        Vec<u8>,
        Built,
        Vec<Result<(Symbol, u64), PurgatoryError>>,
    ),
    PurgatoryError,
> {
    let p = Purgatory::parse(bytes)?;
    let l = p.layout();
    for i in 0..p.section_count() + 2 {
        let _ = p.placement(i);
        let _ = p.section_addr(i, load_addr);
    }
    if l.bufsz > 1 << 24 {
        return Err(PurgatoryError::Overflow);
    }
    let mut buf = vec![0x5a; l.bufsz];
    let built = p.build(load_addr, &mut buf)?;
    let mut syms = Vec::new();
    for name in [
        &b"purgatory_start"[..],
        b"entry64_regs",
        b"stack_end",
        b"counter",
        b"in_bss",
        b"comment_sym",
        b"nope",
    ] {
        syms.push(
            p.symbol(name)
                .and_then(|s| Ok((s, p.symbol_addr(name, load_addr)?))),
        );
        if let Ok(s) = p.symbol(name) {
            let n = (s.size as usize).min(64);
            let mut out = vec![0; n];
            let got = p.get_symbol(&buf, name, &mut out);
            if got.is_ok() {
                p.set_symbol(&mut buf, name, &out).unwrap();
            }
            let _ = p.symbol_range(name, n + 1);
        }
    }
    Ok((l, buf, built, syms))
}

#[test]
fn truncation_at_every_byte() {
    for table_first in [false, true] {
        let mut e = std_elf();
        e.table_first = table_first;
        let bytes = e.bytes();
        let full = pipeline(&bytes, LOAD).unwrap();
        let mut refused = 0;
        for n in 0..bytes.len() {
            match pipeline(&bytes[..n], LOAD) {
                Err(_) => refused += 1,
                // Only the unread tail (.shstrtab, the .comment) may go.
                Ok(r) => assert_eq!(r, full, "cut at {n} accepted with another result"),
            }
        }
        assert!(
            refused > bytes.len() / 2,
            "table_first {table_first}: {refused}"
        );
    }
}

#[test]
fn mutations_never_panic() {
    // Deterministic xorshift; mutate bytes and whole fields of a valid
    // object and run everything.
    let mut e = std_elf();
    e.table_first = true;
    let obj = e.write();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let interesting = [
        0u64,
        1,
        2,
        7,
        8,
        16,
        23,
        24,
        63,
        64,
        0x7fff_ffff,
        0xffff_ffff,
        1 << 32,
        1 << 63,
        u64::MAX,
        u64::MAX - 7,
    ];
    let mut ok = 0;
    for _ in 0..20000 {
        let mut b = obj.bytes.clone();
        for _ in 0..1 + next() % 3 {
            let r = next();
            if r % 2 == 0 {
                let i = (next() % b.len() as u64) as usize;
                b[i] = next() as u8;
            } else {
                // A field of a section header.
                let sec = (next() % obj.shnum as u64) as usize;
                let field = [4usize, 8, 16, 24, 32, 40, 44, 48][(next() % 8) as usize];
                let v = interesting[(next() % interesting.len() as u64) as usize];
                let at = obj.sh(sec) + field;
                let w = if field == 4 || field == 40 || field == 44 {
                    4
                } else {
                    8
                };
                b[at..at + w].copy_from_slice(&v.to_le_bytes()[..w]);
            }
        }
        if pipeline(&b, LOAD).is_ok() {
            ok += 1;
        }
    }
    assert!(ok > 0);
}

// ---------------------------------------------------------------------------
// The error type.
// ---------------------------------------------------------------------------

const ALL: &[PurgatoryError] = &[
    PurgatoryError::BadAlignment,
    PurgatoryError::BadClass,
    PurgatoryError::BadEndian,
    PurgatoryError::BadLoadAddress,
    PurgatoryError::BadMachine,
    PurgatoryError::BadMagic,
    PurgatoryError::BadShentsize,
    PurgatoryError::BadType,
    PurgatoryError::BufferSize,
    PurgatoryError::CommonSymbol,
    PurgatoryError::Empty,
    PurgatoryError::EmptyBuffer,
    PurgatoryError::InvalidSymbolSection,
    PurgatoryError::Overflow,
    PurgatoryError::RelocInfoOutOfRange,
    PurgatoryError::RelocIntoNobits,
    PurgatoryError::RelocLinkOutOfRange,
    PurgatoryError::RelocOutOfSection,
    PurgatoryError::RelocOverflow {
        r_type: 10,
        value: 1 << 32,
    },
    PurgatoryError::RelocTableOutOfBounds,
    PurgatoryError::SectionOutOfBounds,
    PurgatoryError::SectionTableOutOfBounds,
    PurgatoryError::ShtRelUnsupported,
    PurgatoryError::StrtabOutOfBounds,
    PurgatoryError::StrtabUnterminated,
    PurgatoryError::SymbolBadSection,
    PurgatoryError::SymbolInBss,
    PurgatoryError::SymbolIndexOutOfRange,
    PurgatoryError::SymbolNameOutOfBounds,
    PurgatoryError::SymbolNotFound,
    PurgatoryError::SymbolNotLoaded,
    PurgatoryError::SymbolOutOfSection,
    PurgatoryError::SymbolSizeMismatch {
        expected: 8,
        actual: 4,
    },
    PurgatoryError::SymtabOutOfBounds,
    PurgatoryError::TruncatedHeader,
    PurgatoryError::UndefinedSymbol,
    PurgatoryError::UnknownRelocType(3),
];

#[test]
fn error_variants_are_sorted_and_described() {
    // The declaration order, read from the source, is sorted and is `ALL`.
    let src = include_str!("../../../../../../rust/kernel/kexec/purgatory.rs");
    let body = src
        .split("pub enum PurgatoryError {")
        .nth(1)
        .unwrap()
        .split("\n}\n")
        .next()
        .unwrap();
    let names: Vec<&str> = body
        .lines()
        .filter(|l| {
            l.starts_with("    ") && !l.starts_with("     ") && !l.trim_start().starts_with("///")
        })
        .map(|l| {
            l.trim()
                .split(|c: char| !c.is_alphanumeric())
                .next()
                .unwrap()
        })
        .filter(|n| !n.is_empty())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted, "case-insensitive order");
    sorted.sort();
    assert_eq!(names, sorted, "case-sensitive order");
    let all: Vec<String> = ALL
        .iter()
        .map(|e| {
            format!("{e:?}")
                .split(|c: char| !c.is_alphanumeric())
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(names, all);

    let mut msgs: Vec<&str> = ALL.iter().map(|e| e.message()).collect();
    assert!(msgs.iter().all(|m| !m.is_empty()));
    msgs.sort();
    msgs.dedup();
    assert_eq!(msgs.len(), ALL.len(), "messages are distinct");
    for e in ALL {
        assert!([8, 12, 22].contains(&kexec_parsers::errno_value(e.errno())));
        assert!(e.to_string().starts_with(e.message()));
    }
    // C's texts.
    assert_eq!(
        PurgatoryError::UndefinedSymbol.message(),
        "Undefined symbol"
    );
    assert_eq!(
        PurgatoryError::CommonSymbol.message(),
        "symbol in common section"
    );
    assert_eq!(
        PurgatoryError::InvalidSymbolSection.message(),
        "Invalid section for symbol"
    );
    assert_eq!(
        PurgatoryError::RelocOverflow {
            r_type: 10,
            value: 0x1_0000_0000
        }
        .to_string(),
        "Overflow in relocation type 10 value 0x100000000"
    );
    assert_eq!(
        PurgatoryError::SymbolInBss.message(),
        "symbol is in a bss section"
    );
    // errno classes.
    let einval: Vec<_> = ALL.iter().filter(|e| kexec_parsers::errno_value(e.errno()) == 22).collect();
    assert_eq!(
        einval,
        [
            &PurgatoryError::BadLoadAddress,
            &PurgatoryError::BufferSize,
            &PurgatoryError::Empty,
            &PurgatoryError::SymbolBadSection,
            &PurgatoryError::SymbolInBss,
            &PurgatoryError::SymbolNotFound,
            &PurgatoryError::SymbolNotLoaded,
            &PurgatoryError::SymbolOutOfSection,
            &PurgatoryError::SymbolSizeMismatch {
                expected: 8,
                actual: 4
            },
        ]
    );
    assert_eq!(kexec_parsers::errno_value(PurgatoryError::EmptyBuffer.errno()), 12);
    assert_eq!(
        ALL.iter().filter(|e| kexec_parsers::errno_value(e.errno()) == 8).count(),
        ALL.len() - 10
    );
}

// ---------------------------------------------------------------------------
// The real object (optional).
// ---------------------------------------------------------------------------

/// The section index, value and size of the one symbol whose name ends
/// with `tail`, read from the object's `SHT_SYMTAB` (local symbols too,
/// which [`Purgatory::symbol`] does not look up, as C does not).
fn local_symbol_ending(elf: &[u8], tail: &[u8]) -> Option<(u16, u64, u64)> {
    let shoff = rd64(elf, 0x28);
    let shnum = u64::from(u16::from_le_bytes([elf[0x3c], elf[0x3d]]));
    let sh = |i: u64| shoff + 64 * i;
    let symtab = (0..shnum).find(|&i| rd32(elf, sh(i) + 4) == 2)?;
    let (off, size) = (rd64(elf, sh(symtab) + 24), rd64(elf, sh(symtab) + 32));
    let strtab = rd64(elf, sh(u64::from(rd32(elf, sh(symtab) + 40))) + 24);
    let mut found = None;
    for s in (off..off + size).step_by(24) {
        let name = (strtab + u64::from(rd32(elf, s))) as usize;
        let len = elf[name..].iter().position(|&b| b == 0)?;
        if elf[name..name + len].ends_with(tail) {
            assert!(found.is_none(), "two symbols end with {tail:?}");
            let shndx = u16::from_le_bytes([elf[s as usize + 6], elf[s as usize + 7]]);
            found = Some((shndx, rd64(elf, s + 8), rd64(elf, s + 16)));
        }
    }
    found
}

#[test]
fn real_purgatory_object() {
    let Some(path) = std::env::var_os("KEXEC_PURGATORY_RO") else {
        eprintln!("real_purgatory_object: KEXEC_PURGATORY_RO not set, skipped");
        return;
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.to_string_lossy()));
    let p = Purgatory::parse(&bytes).unwrap();
    let l = p.layout();
    eprintln!(
        "real_purgatory_object: {} sections, {:?}",
        p.section_count(),
        l
    );
    assert!(l.bufsz > 0 && l.bufsz <= l.memsz && l.align.is_power_of_two());
    let load_addr = 0x7fff_0000u64 & !(l.align as u64 - 1);
    let mut buf = vec![0; l.bufsz];
    let built = p.build(load_addr, &mut buf).unwrap();
    eprintln!(
        "real_purgatory_object: entry {:#x} in section {:?}",
        built.entry, built.entry_section
    );
    assert!(built.entry_section.is_some());
    assert!((load_addr..load_addr + l.bufsz as u64).contains(&built.entry));
    assert_eq!(
        p.symbol_addr(b"purgatory_start", load_addr),
        Ok(built.entry)
    );

    for name in [
        &b"purgatory_start"[..],
        b"entry64_regs",
        b"stack_end",
        b"purgatory_sha256_digest",
        b"purgatory_sha_regions",
    ] {
        let s = p.symbol(name).unwrap();
        let a = p.symbol_addr(name, load_addr).unwrap();
        eprintln!(
            "real_purgatory_object: {} {:?} at {a:#x}",
            String::from_utf8_lossy(name),
            s
        );
        assert!((load_addr..=load_addr + l.memsz as u64).contains(&a));
    }
    // What the loaders get and set.
    assert_eq!(p.symbol(b"purgatory_sha256_digest").unwrap().size, 32);
    let mut regs = vec![0; p.symbol(b"entry64_regs").unwrap().size as usize];
    p.get_symbol(&buf, b"entry64_regs", &mut regs).unwrap();
    p.set_symbol(&mut buf, b"entry64_regs", &regs).unwrap();
    let regions = p.symbol(b"purgatory_sha_regions").unwrap().size as usize;
    p.set_symbol(&mut buf, b"purgatory_sha_regions", &vec![0; regions])
        .unwrap();
    p.set_symbol(&mut buf, b"purgatory_sha256_digest", &[0; 32])
        .unwrap();
    // The Rust purgatory (CONFIG_KEXEC_PURGATORY_RUST) also has the port of
    // the serial console the Rust loader names.
    if let Ok(s) = p.symbol(b"purgatory_serial_port") {
        eprintln!("real_purgatory_object: the Rust purgatory ({s:?})");
        assert_eq!(s.size, 2);
        p.set_symbol(&mut buf, b"purgatory_serial_port", &0x3f8u16.to_le_bytes())
            .unwrap();
        // Its digest loop, `Engine::compress` (a local symbol, named with
        // the crate's hash), lies in one page where the loader places it
        // (sha256_rust.rs); the segment starts a page, so this holds at
        // every load address.
        let (shndx, value, size) = local_symbol_ending(&bytes, b"6Engine8compress")
            .expect("no Engine::compress symbol in the Rust purgatory");
        let a = p.section_addr(usize::from(shndx), load_addr).unwrap() + value;
        eprintln!("real_purgatory_object: Engine::compress at {a:#x}, {size:#x} bytes");
        assert!(size > 0 && load_addr % 4096 == 0);
        assert_eq!(a / 4096, (a + size - 1) / 4096, "the digest loop straddles a page");
    }
    assert_eq!(
        p.symbol_range(b"entry64_regs", 1).err().map(|e| kexec_parsers::errno_value(e.errno())),
        Some(22)
    );
}
