// SPDX-License-Identifier: GPL-2.0

//! Fuzz target over `rust/kernel/kexec/purgatory.rs`.
//!
//! The input is a relocatable x86_64 ELF object. It is parsed and laid
//! out; the placement of every section is checked against the section
//! headers (aligned, inside the buffer or the memory size, no overlap);
//! then it is built into a buffer of the layout's size at a load address
//! taken from ELF header bytes the loader does not read (`e_ident[6..16]`,
//! `e_version`, `e_phoff`, `e_flags` to `e_phnum`, `e_shstrndx`), and the
//! symbols the loader uses are looked up, read and written.
//!
//! Any panic is a finding.

#![no_main]

mod common;

use common::{assert_same, get_u32, get_u64, Ctl};
use kexec_parsers::purgatory::*;
use libfuzzer_sys::fuzz_target;

use std::fmt::Write;

/// Largest buffer the target allocates; larger layouts (huge alignments)
/// get the checks that need no buffer.
const MAX_BUF: usize = 4 << 20;
/// Sections whose placement is checked one by one (placement is linear in
/// the section index, so all of a big table would be quadratic).
const MAX_CHECKED_SECTIONS: usize = 128;
/// The symbols the x86_64 loader reads or writes.
const SYMBOLS: [&[u8]; 4] = [b"entry64_regs", b"stack_end", b"purgatory_sha_regions", ENTRY_SYMBOL];

fuzz_target!(|data: &[u8]| {
    let p = match Purgatory::parse(data) {
        Ok(p) => p,
        Err(e) => return check_err(e),
    };
    let l = p.layout();
    assert!(l.bufsz > 0, "parse accepted an empty buffer");
    assert!(l.memsz >= l.bufsz);
    assert!(l.align.is_power_of_two(), "align {:#x}", l.align);
    assert!(p.section_count() <= usize::from(u16::MAX));
    assert_eq!(p.e_entry(), get_u64(data, 24));

    let mut ctl_bytes = Vec::with_capacity(34);
    for r in [6..16, 20..24, 32..40, 48..58, 62..64] {
        ctl_bytes.extend_from_slice(&data[r]);
    }
    let mut ctl = Ctl::new(&ctl_bytes);
    let load_addr = pick_load_addr(&mut ctl, &l);
    let load_ok = load_addr & (l.align as u64 - 1) == 0 && load_addr.checked_add(l.memsz as u64).is_some();

    let secs = check_placements(data, &p, load_addr, load_ok);

    // Symbols: lookups need no buffer.
    for name in SYMBOLS {
        check_symbol(&p, name, load_addr, load_ok);
    }

    if l.bufsz > MAX_BUF {
        return;
    }
    // A wrong-size buffer is refused before anything else.
    let mut buf = vec![0xa5u8; l.bufsz + 1];
    assert_eq!(p.build(load_addr, &mut buf).err(), Some(PurgatoryError::BufferSize));
    assert_eq!(p.build(load_addr, &mut buf[..l.bufsz - 1]).err(), Some(PurgatoryError::BufferSize));
    buf.truncate(l.bufsz);

    let built = match p.build(load_addr, &mut buf) {
        Ok(b) => b,
        Err(e) => {
            check_err(e);
            if !load_ok {
                assert_eq!(e, PurgatoryError::BadLoadAddress);
            }
            return;
        }
    };
    assert!(load_ok, "build accepted load address {load_addr:#x} (align {:#x})", l.align);
    check_built(data, &p, &secs, load_addr, &built, &buf);

    // Get and set the symbols in the built buffer.
    for name in SYMBOLS {
        check_get_set(&p, &mut buf, name, &mut ctl);
    }
});

fn check_err(e: PurgatoryError) {
    let mut s = String::new();
    write!(s, "{e}").unwrap();
    assert!(s.starts_with(e.message()));
    let v = kexec_parsers::errno_value(e.errno());
    assert!(matches!(v, 8 | 12 | 22), "errno {v}");
}

fn pick_load_addr(ctl: &mut Ctl<'_>, l: &Layout) -> u64 {
    let mask = !(l.align as u64 - 1);
    match ctl.u8() & 3 {
        // Aligned, below 2^47.
        0 => ctl.u64() & 0x7fff_ffff_ffff & mask,
        // Aligned, below 4 GiB (R_X86_64_32 and 32S fit).
        1 => ctl.u64() & 0x7fff_ffff & mask,
        // Anything: mostly misaligned.
        2 => ctl.u64(),
        // The highest aligned address that fits, or one alignment above it.
        _ => {
            let top = (u64::MAX - l.memsz as u64) & mask;
            if ctl.bool() {
                top.wrapping_add(l.align as u64)
            } else {
                top
            }
        }
    }
}

/// A section header, read independently of the loader.
#[derive(Clone, Copy, Debug)]
struct Sh {
    sh_type: u32,
    flags: u64,
    offset: u64,
    size: u64,
    addralign: u64,
}

fn shdr(data: &[u8], i: usize) -> Sh {
    let base = get_u64(data, 40) as usize + i * SHDR_SIZE;
    Sh {
        sh_type: get_u32(data, base + 4),
        flags: get_u64(data, base + 8),
        offset: get_u64(data, base + 24),
        size: get_u64(data, base + 32),
        addralign: get_u64(data, base + 48),
    }
}

/// A loaded section: index, header, placement.
type Placed = (usize, Sh, Placement);

fn check_placements(data: &[u8], p: &Purgatory<'_>, load_addr: u64, load_ok: bool) -> Vec<Placed> {
    let l = p.layout();
    let n = p.section_count();
    assert_eq!(n, usize::from(u16::from_le_bytes([data[60], data[61]])));
    assert_eq!(p.placement(n), None);
    assert_eq!(p.placement(usize::MAX), None);
    let mut placed = Vec::new();
    for i in 0..n.min(MAX_CHECKED_SECTIONS) {
        let sh = shdr(data, i);
        let pl = p.placement(i);
        if sh.flags & SHF_ALLOC == 0 {
            assert_eq!(pl, None, "section {i} is not SHF_ALLOC but placed");
            continue;
        }
        let pl = pl.unwrap_or_else(|| panic!("SHF_ALLOC section {i} not placed"));
        // sh_addralign 0 is taken (as 1) only where C's ALIGN(x, 0) == 0 is
        // harmless: a section with contents at offset 0.
        let off = pl.offset() as u64;
        let align = if sh.addralign == 0 {
            assert!(
                sh.sh_type != SHT_NOBITS && off == 0,
                "section {i} with sh_addralign 0 placed at {off:#x}"
            );
            1
        } else {
            sh.addralign
        };
        assert!(align.is_power_of_two(), "section {i} sh_addralign {align:#x}");
        assert!(align <= l.align as u64, "section {i} alignment above the layout's");
        assert_eq!(off % align, 0, "section {i} misaligned at {off:#x}");
        let end = off.checked_add(sh.size).expect("section end overflows");
        match pl {
            Placement::Buffer(_) => {
                assert_ne!(sh.sh_type, SHT_NOBITS);
                assert!(end <= l.bufsz as u64, "section {i} ends at {end:#x} past bufsz {:#x}", l.bufsz);
                // Its contents are inside the object.
                if sh.size != 0 {
                    assert!(sh.offset.checked_add(sh.size).is_some_and(|e| e <= data.len() as u64));
                }
            }
            Placement::Bss(_) => {
                assert_eq!(sh.sh_type, SHT_NOBITS);
                assert!(off >= l.bufsz as u64, "bss section {i} inside the buffer");
                assert!(end <= l.memsz as u64, "bss section {i} ends at {end:#x} past memsz {:#x}", l.memsz);
            }
        }
        let addr = p.section_addr(i, load_addr);
        if load_ok {
            assert_eq!(addr, Some(load_addr + off), "section_addr({i})");
        } else {
            assert_eq!(addr, None);
        }
        placed.push((i, sh, pl));
    }
    // No two sections with bytes overlap.
    let mut spans: Vec<(u64, u64, usize)> = placed
        .iter()
        .filter(|(_, sh, _)| sh.size != 0)
        .map(|&(i, sh, pl)| (pl.offset() as u64, pl.offset() as u64 + sh.size, i))
        .collect();
    spans.sort();
    for w in spans.windows(2) {
        assert!(w[0].1 <= w[1].0, "sections {} and {} overlap: {:x?} {:x?}", w[0].2, w[1].2, w[0], w[1]);
    }
    placed
}

fn check_symbol(p: &Purgatory<'_>, name: &[u8], load_addr: u64, load_ok: bool) {
    let sym = p.symbol(name);
    // Anything from a NUL on is ignored, as by strcmp().
    let mut nul = name.to_vec();
    nul.extend_from_slice(b"\0junk");
    assert_eq!(p.symbol(&nul), sym);

    let addr = p.symbol_addr(name, load_addr);
    match sym {
        Err(e) => {
            check_err(e);
            assert!(addr.is_err());
            assert_eq!(p.symbol_range(name, 8).err(), Some(e));
        }
        Ok(s) => {
            assert!(s.section > 0 && s.section < p.section_count(), "symbol section {}", s.section);
            if load_ok {
                let base = p.section_addr(s.section, load_addr).expect("section_addr of a symbol's section");
                assert_eq!(addr, Ok(base.wrapping_add(s.value)));
            } else {
                assert_eq!(addr, Err(PurgatoryError::BadLoadAddress));
            }
            // The wrong size is refused; the right one lies in the buffer.
            if s.size != 1 {
                assert!(matches!(
                    p.symbol_range(name, 1),
                    Err(PurgatoryError::SymbolSizeMismatch { expected, actual: 1 }) if expected == s.size
                ));
            }
            if let Ok(size) = usize::try_from(s.size) {
                match p.symbol_range(name, size) {
                    Ok(r) => {
                        assert_eq!(r.len(), size);
                        assert!(r.end <= p.layout().bufsz, "symbol range {r:x?} past bufsz");
                        match p.placement(s.section) {
                            Some(Placement::Buffer(off)) => assert_eq!(r.start as u64, off as u64 + s.value),
                            other => panic!("symbol range in a section placed {other:?}"),
                        }
                    }
                    Err(e) => check_err(e),
                }
            }
        }
    }
}

fn check_built(data: &[u8], p: &Purgatory<'_>, secs: &[Placed], load_addr: u64, built: &Built, buf: &[u8]) {
    match built.entry_section {
        None => assert_eq!(built.entry, p.e_entry()),
        Some(i) => {
            assert!(i < p.section_count());
            let sh = shdr(data, i);
            assert!(sh.flags & SHF_EXECINSTR != 0, "entry in a non-executable section");
            let off = match p.placement(i) {
                Some(Placement::Buffer(off)) => off as u64,
                other => panic!("entry section placed {other:?}"),
            };
            let base = load_addr + off;
            assert!(
                built.entry >= base && built.entry - base < sh.size,
                "entry {:#x} outside section {i} at {base:#x}+{:#x}",
                built.entry,
                sh.size
            );
        }
    }
    // Only the sections' bytes may be non-zero (the buffer was 0xa5 before
    // build zeroed it; relocations write inside their sections only). This
    // holds when every section was checked.
    if p.section_count() > MAX_CHECKED_SECTIONS {
        return;
    }
    let mut has_rela = false;
    for i in 0..p.section_count() {
        let t = shdr(data, i).sh_type;
        has_rela |= t == SHT_RELA || t == SHT_REL;
    }
    // Zeros with the sections' bytes copied in: equal to the buffer iff
    // every byte outside the sections is zero (one memcmp).
    let mut want = vec![0u8; buf.len()];
    for &(_, sh, pl) in secs {
        if let Placement::Buffer(off) = pl {
            let r = off..off + sh.size as usize;
            want[r.clone()].copy_from_slice(&buf[r]);
        }
    }
    assert_same("bytes outside every section after build", buf, &want);
    // Without relocations the sections are copies of the object.
    if !has_rela {
        for &(i, sh, pl) in secs {
            // An empty section's sh_offset is never read.
            if let (Placement::Buffer(off), true) = (pl, sh.size != 0) {
                let src = &data[sh.offset as usize..][..sh.size as usize];
                assert_eq!(&buf[off..off + src.len()], src, "section {i} not copied");
            }
        }
    }
}

fn check_get_set(p: &Purgatory<'_>, buf: &mut [u8], name: &[u8], ctl: &mut Ctl<'_>) {
    let Ok(s) = p.symbol(name) else { return };
    let Ok(size) = usize::try_from(s.size) else { return };
    if size > buf.len() {
        // Cannot fit: the range check refuses it.
        let mut out = vec![0u8; size.min(MAX_BUF)];
        if out.len() == size {
            assert!(p.get_symbol(buf, name, &mut out).is_err());
        }
        return;
    }
    let range = p.symbol_range(name, size);
    let mut out = vec![0u8; size];
    let got = p.get_symbol(buf, name, &mut out);
    assert_eq!(got.is_ok(), range.is_ok(), "get_symbol vs symbol_range");
    let Ok(r) = range else { return };
    assert_eq!(&out[..], &buf[r.clone()]);

    // A write changes exactly the symbol's bytes.
    let fill = ctl.u8() ^ 0x5a;
    let val: Vec<u8> = (0..size).map(|k| fill.wrapping_add(k as u8)).collect();
    let mut want = buf.to_vec();
    want[r.clone()].copy_from_slice(&val);
    p.set_symbol(buf, name, &val).expect("set_symbol after a good symbol_range");
    assert_same("set_symbol", buf, &want);
    // And reads back.
    p.get_symbol(buf, name, &mut out).unwrap();
    assert_eq!(out, val);
    // Wrong buffer sizes are refused.
    let n = buf.len();
    assert_eq!(p.get_symbol(&buf[..n - 1], name, &mut out).err(), Some(PurgatoryError::BufferSize));
}
