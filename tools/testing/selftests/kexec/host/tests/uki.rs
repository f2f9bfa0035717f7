// SPDX-License-Identifier: GPL-2.0

//! Host tests of `rust/kernel/kexec/uki.rs`.

use kexec_parsers::uki::*;

/// A PE32+ file laid out as objcopy lays out a UKI: headers up to 0x400,
/// then each section's data, 0x200-aligned. `secs`: (name, data).
fn uki(secs: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut img = vec![0u8; 0x400];
    img[0..2].copy_from_slice(b"MZ");
    img[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
    img[0x40..0x44].copy_from_slice(b"PE\0\0");
    img[0x44..0x46].copy_from_slice(&0x8664u16.to_le_bytes());
    img[0x46..0x48].copy_from_slice(&(secs.len() as u16).to_le_bytes());
    img[0x54..0x56].copy_from_slice(&240u16.to_le_bytes()); // opt_hdr_size
    img[0x58..0x5a].copy_from_slice(&0x020bu16.to_le_bytes());
    img[0x58 + 60..0x58 + 64].copy_from_slice(&0x400u32.to_le_bytes()); // SizeOfHeaders
    let table = 0x58 + 240;
    for (i, (name, data)) in secs.iter().enumerate() {
        let at = img.len();
        let raw = (data.len() + 0x1ff) & !0x1ff;
        img.extend_from_slice(data);
        img.resize(at + raw, 0);
        let h = table + i * 40;
        img[h..h + name.len()].copy_from_slice(name);
        img[h + 8..h + 12].copy_from_slice(&(data.len() as u32).to_le_bytes());
        img[h + 16..h + 20].copy_from_slice(&(raw as u32).to_le_bytes());
        img[h + 20..h + 24].copy_from_slice(&(at as u32).to_le_bytes());
    }
    img
}

const LINUX_DATA: &[u8] = b"a bzImage would be here";

fn good() -> Vec<u8> {
    uki(&[
        (b".osrel", b"ID=test\n"),
        (b".cmdline", b"console=ttyS0 kt.nonce=1\0"),
        (b".linux", LINUX_DATA),
        (b".initrd", b"070701..."),
    ])
}

/// A UKI laid out as systemd's ukify writes one (its `pe_add_sections`):
/// FileAlignment 0x200, SectionAlignment 0x1000, each section's data at the
/// file's end rounded up to 0x200, SizeOfRawData its length rounded up to
/// 0x200, VirtualSize its length (no NUL added to text) except for `.linux`,
/// whose VirtualSize is `linux_vsize` (the kernel's SizeOfImage), and
/// VirtualAddress the previous section's end rounded up to 0x1000. `.sbat`
/// stands for the stub's own section, which ukify overwrites in place.
fn ukify(secs: &[(&[u8], &[u8])], linux_vsize: u32) -> Vec<u8> {
    let mut img = uki(&[]);
    img[0x58 + 32..0x58 + 36].copy_from_slice(&0x1000u32.to_le_bytes()); // SectionAlignment
    img[0x58 + 36..0x58 + 40].copy_from_slice(&0x200u32.to_le_bytes()); // FileAlignment
    img[0x46..0x48].copy_from_slice(&(secs.len() as u16).to_le_bytes());
    let table = 0x58 + 240;
    let mut va = 0x1000usize;
    for (i, (name, data)) in secs.iter().enumerate() {
        let at = img.len().next_multiple_of(0x200);
        let raw = data.len().next_multiple_of(0x200);
        img.resize(at, 0);
        img.extend_from_slice(data);
        img.resize(at + raw, 0);
        let vsize = if *name == b".linux" {
            linux_vsize as usize
        } else {
            data.len()
        };
        let h = table + i * 40;
        img[h..h + name.len()].copy_from_slice(name);
        img[h + 8..h + 12].copy_from_slice(&(vsize as u32).to_le_bytes());
        img[h + 12..h + 16].copy_from_slice(&(va as u32).to_le_bytes());
        img[h + 16..h + 20].copy_from_slice(&(raw as u32).to_le_bytes());
        img[h + 20..h + 24].copy_from_slice(&(at as u32).to_le_bytes());
        va = (va + vsize).next_multiple_of(0x1000);
    }
    img
}

fn set_u32(img: &mut [u8], off: usize, v: u32) {
    img[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

/// Offset of field `off` of section header `i`.
fn sec(i: usize, off: usize) -> usize {
    0x58 + 240 + i * 40 + off
}

#[test]
fn finds_the_sections() {
    let img = good();
    let u = parse(&img).unwrap();
    assert_eq!(&img[u.linux()], LINUX_DATA);
    assert_eq!(&img[u.initrd().unwrap()], b"070701...");
    assert_eq!(u.cmdline(&img), Some(&b"console=ttyS0 kt.nonce=1"[..]));
    assert_eq!(&img[u.sections[3].clone().unwrap()], b"ID=test\n");
    assert!(u.sections[4].is_none());
}

#[test]
fn ukify_layout_is_accepted() {
    // ukify's order: .osrel, .cmdline, .uname, .initrd, then .sbat (the
    // stub's, before the new ones in the table) and .linux last, whose
    // VirtualSize (SizeOfImage) is past its raw data; no NUL in .cmdline.
    let linux = [0x4bu8; 0x300]; // raw 0x400
    let img = ukify(
        &[
            (b".sbat", b"sbat,1,SBAT Version,sbat,1,x\n\0"),
            (b".osrel", b"ID=test\n"),
            (b".cmdline", b"console=ttyS0 kt.nonce=1"),
            (b".uname", b"6.12.117"),
            (b".initrd", b"070701..."),
            (b".linux", &linux),
        ],
        0x2c000,
    );
    let u = parse(&img).unwrap();
    // .linux: min(VirtualSize, SizeOfRawData) bytes, the kernel and the
    // zeros up to FileAlignment.
    let l = u.linux();
    assert_eq!(l.len(), 0x400);
    assert_eq!(&img[l.start..l.start + 0x300], &linux[..]);
    assert!(img[l.start + 0x300..l.end].iter().all(|&b| b == 0));
    assert_eq!(l.end, img.len());
    assert_eq!(u.cmdline(&img), Some(&b"console=ttyS0 kt.nonce=1"[..]));
    assert_eq!(&img[u.initrd().unwrap()], b"070701...");
    assert_eq!(&img[u.sections[4].clone().unwrap()], b"6.12.117");
}

#[test]
fn section_bytes_are_the_smaller_of_virtual_and_raw_size() {
    let mut img = good();
    // objcopy's layout: VirtualSize is the data's length, less than raw.
    let u = parse(&img).unwrap();
    assert_eq!(u.linux().len(), LINUX_DATA.len());
    // VirtualSize past the raw data (0x200): the raw data.
    set_u32(&mut img, sec(2, 8), 0x1000);
    let u = parse(&img).unwrap();
    assert_eq!(u.linux().len(), 0x200);
    assert_eq!(&img[u.linux()][..LINUX_DATA.len()], LINUX_DATA);
    // SizeOfRawData past the end of the file, VirtualSize inside it: only
    // VirtualSize bytes are read, as systemd-stub does.
    let mut img = good();
    set_u32(&mut img, sec(3, 16), 0x7fff_0000);
    let u = parse(&img).unwrap();
    assert_eq!(&img[u.initrd().unwrap()], b"070701...");
    // Both past the end: refused.
    set_u32(&mut img, sec(3, 8), 0x7fff_0000);
    assert_eq!(parse(&img), Err(UkiError::SectionPastEnd(1)));
    // Offset + size overflowing: refused, no panic.
    let mut img = good();
    set_u32(&mut img, sec(3, 20), u32::MAX);
    assert_eq!(parse(&img), Err(UkiError::SectionPastEnd(1)));
}

#[test]
fn cmdline_is_read_by_size_up_to_a_nul() {
    // A NUL ends the text (objcopy-made UKIs carry one, some pad with more).
    let img = uki(&[(b".linux", b"k"), (b".cmdline", b"a b\0c\0\0")]);
    assert_eq!(parse(&img).unwrap().cmdline(&img), Some(&b"a b"[..]));
    // No NUL: all VirtualSize bytes, not the zeros up to FileAlignment.
    let img = uki(&[(b".linux", b"k"), (b".cmdline", b"a b")]);
    assert_eq!(parse(&img).unwrap().cmdline(&img), Some(&b"a b"[..]));
    // Empty: an empty command line, not none.
    let img = uki(&[(b".linux", b"k"), (b".cmdline", b"")]);
    assert_eq!(parse(&img).unwrap().cmdline(&img), Some(&b""[..]));
    let img = uki(&[(b".linux", b"k")]);
    assert_eq!(parse(&img).unwrap().cmdline(&img), None);
}

#[test]
fn not_a_uki_is_enoexec() {
    // Not PE, PE without UKI sections (a signed bzImage), truncated headers.
    let bz = uki(&[(b".setup", b"x"), (b".text", b"y")]);
    for img in [&b"MZ"[..], b"\x7fELF", &bz[..], &good()[..0x60]] {
        let e = parse(img).unwrap_err();
        assert_eq!(e, UkiError::NotUki);
        assert_eq!(kexec_parsers::errno_value(e.errno()), 8);
    }
}

#[test]
fn malformed_ukis_are_refused_with_a_reason() {
    let mut past_end = good();
    set_u32(&mut past_end, sec(3, 20), 0x7fff_f000);
    let mut overlap = good();
    let linux_at = u32::from_le_bytes(overlap[sec(2, 20)..sec(2, 20) + 4].try_into().unwrap());
    set_u32(&mut overlap, sec(3, 20), linux_at + 4);
    let mut table = good();
    set_u32(&mut table, 0x58 + 60, 0x130); // SizeOfHeaders inside the table
    let no_linux = uki(&[(b".cmdline", b"a\0"), (b".initrd", b"i")]);
    let twice = uki(&[(b".linux", b"k"), (b".linux", b"k")]);
    let cases: [(&[u8], UkiError, u32, &str); 5] = [
        (
            &past_end,
            UkiError::SectionPastEnd(1),
            80,
            "UKI section .initrd runs past the end of the file",
        ),
        (
            &overlap,
            UkiError::Overlap(0, 1),
            80,
            "UKI sections .linux and .initrd overlap",
        ),
        (
            &table,
            UkiError::SectionTablePastHeaders,
            80,
            "UKI section table runs past the headers",
        ),
        (&no_linux, UkiError::NoLinux, 8, "UKI has no .linux section"),
        (
            &twice,
            UkiError::DuplicateSection(0),
            80,
            "UKI has two .linux sections",
        ),
    ];
    for (img, want, errno, msg) in cases {
        let e = parse(img).unwrap_err();
        assert_eq!(e, want);
        assert_eq!(kexec_parsers::errno_value(e.errno()), errno);
        assert_eq!(format!("{e}"), msg);
    }
}

#[test]
fn truncation_and_flips_never_panic() {
    let img = good();
    for n in 0..img.len() {
        let _ = parse(&img[..n]);
    }
    let mut x = 0x1234_5678u32;
    for _ in 0..20000 {
        let mut m = img.clone();
        for _ in 0..4 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let at = (x as usize) % 0x400;
            m[at] = (x >> 8) as u8;
        }
        if let Ok(u) = parse(&m) {
            for r in u.sections.iter().flatten() {
                assert!(r.end <= m.len());
            }
        }
    }
}
