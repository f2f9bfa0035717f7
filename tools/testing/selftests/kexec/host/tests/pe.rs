// SPDX-License-Identifier: GPL-2.0

//! Host tests of `rust/kernel/kexec/pe.rs`.
//!
//! Besides one test per check, a reference model transliterates
//! `pefile_parse_binary()` and `pefile_strip_sig_wrapper()` of
//! `crypto/asymmetric_keys/verify_pefile.c` line by line, with C's integer
//! types, and records where C would read past the end of the image. The
//! parser must agree with the model on every input on which C stays inside
//! the image, and refuse with the documented variant where it does not.

use kexec_parsers::pe::{self, layout, parse, PeError, PeSignature};

// ---------------------------------------------------------------------------
// A synthetic PE/COFF image builder.
// ---------------------------------------------------------------------------

/// Writes `v` at `off`, clipped to the buffer (a builder field may point
/// anywhere).
fn put(img: &mut [u8], off: usize, v: &[u8]) {
    for (i, b) in v.iter().enumerate() {
        if let Some(d) = off.checked_add(i).and_then(|o| img.get_mut(o)) {
            *d = *b;
        }
    }
}

fn put16(img: &mut [u8], off: usize, v: u16) {
    put(img, off, &v.to_le_bytes());
}

fn put32(img: &mut [u8], off: usize, v: u32) {
    put(img, off, &v.to_le_bytes());
}

fn rd32(img: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(img[off..off + 4].try_into().unwrap())
}

/// How the ASN.1 length of the outer SEQUENCE is encoded.
#[derive(Clone, Copy, Debug)]
enum Form {
    Short,
    L81,
    L82,
    Indefinite,
}

/// A SEQUENCE with `body` bytes of content, its length encoded as `form`.
fn der(form: Form, body: usize) -> Vec<u8> {
    let mut v = vec![0x30];
    match form {
        Form::Short => {
            assert!(body < 0x80);
            v.push(body as u8);
        }
        Form::L81 => {
            assert!(body < 0x100);
            v.extend_from_slice(&[0x81, body as u8]);
        }
        Form::L82 => {
            assert!(body < 0x10000);
            v.extend_from_slice(&[0x82, (body >> 8) as u8, body as u8]);
        }
        Form::Indefinite => v.push(0x80),
    }
    v.extend((0..body).map(|i| (i * 7 + 1) as u8));
    if let Form::Indefinite = form {
        v.extend_from_slice(&[0, 0]);
    }
    v
}

fn round8(v: u32) -> u32 {
    (v + 7) & !7
}

/// The fields of a PE image that the parser looks at; `build()` lays them
/// out, clipping whatever falls outside `len`.
#[derive(Clone, Debug)]
struct Pe {
    mz_magic: u16,
    peaddr: u32,
    pe_magic: u32,
    sections: u16,
    opt_magic: u16,
    header_size: u32,
    data_dirs: u32,
    cert_va: u32,
    cert_size: u32,
    wrap_len: u32,
    revision: u16,
    cert_type: u16,
    pkcs7: Vec<u8>,
    len: usize,
}

const CSUM: u32 = 0xc0ffee11;

impl Pe {
    /// A valid signed PE32+ image, laid out like an EFI-stub bzImage:
    /// headers up to 0x200 with exactly three section headers, section data,
    /// then the certificate table at 0x400 rounded up to 8 bytes (sbsign).
    fn signed() -> Self {
        let mut pe = Pe {
            mz_magic: pe::MZ_MAGIC,
            peaddr: 0x80,
            pe_magic: pe::PE_MAGIC,
            sections: 3,
            opt_magic: pe::PE_OPT_MAGIC_PE32PLUS,
            header_size: 0x200,
            data_dirs: 16,
            cert_va: 0x400,
            cert_size: 0,
            wrap_len: 0,
            revision: pe::WIN_CERT_REVISION_2_0,
            cert_type: pe::WIN_CERT_TYPE_PKCS_SIGNED_DATA,
            pkcs7: Vec::new(),
            len: 0,
        };
        pe.set_pkcs7(der(Form::L82, 0x123));
        pe
    }

    /// The same as a PE32 image.
    fn signed_pe32() -> Self {
        let mut pe = Self::signed();
        pe.opt_magic = pe::PE_OPT_MAGIC_PE32;
        pe
    }

    /// Puts `pkcs7` in the wrapper and sizes the table and image the way
    /// sbsign does (table size rounded up to 8, wrapper length exact).
    fn set_pkcs7(&mut self, pkcs7: Vec<u8>) {
        self.wrap_len = 8 + pkcs7.len() as u32;
        self.cert_size = round8(self.wrap_len);
        self.pkcs7 = pkcs7;
        self.len = (self.cert_va + self.cert_size) as usize;
    }

    fn with(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }

    fn opt(&self) -> usize {
        self.peaddr as usize + layout::PE_HDR_SIZE
    }

    fn opt_size(&self) -> usize {
        if self.opt_magic == pe::PE_OPT_MAGIC_PE32 {
            layout::PE32_OPT_HDR_SIZE
        } else {
            layout::PE32PLUS_OPT_HDR_SIZE
        }
    }

    fn ddir(&self) -> usize {
        self.opt() + self.opt_size()
    }

    fn cert_dirent(&self) -> usize {
        self.ddir() + layout::DATA_DIR_CERTS
    }

    fn secs(&self) -> usize {
        self.ddir() + 8 * self.data_dirs.min(16) as usize
    }

    fn build(&self) -> Vec<u8> {
        let mut img = vec![0u8; self.len];
        put16(&mut img, 0, self.mz_magic);
        put(&mut img, 2, b"\x90\x00 MS-DOS stub");
        put32(&mut img, layout::MZ_PEADDR, self.peaddr);
        let pe = self.peaddr as usize;
        put32(&mut img, pe, self.pe_magic);
        put16(&mut img, pe + 4, 0x8664);
        put16(&mut img, pe + layout::PE_SECTIONS, self.sections);
        put16(&mut img, pe + 20, self.opt_size() as u16);
        put16(&mut img, pe + 22, 0x0206);
        let opt = self.opt();
        put16(&mut img, opt, self.opt_magic);
        put32(&mut img, opt + 4, 0x1234); // text_size
        put32(&mut img, opt + layout::OPT_HEADER_SIZE, self.header_size);
        put32(&mut img, opt + layout::OPT_CSUM, CSUM);
        let dd = if self.opt_magic == pe::PE_OPT_MAGIC_PE32 {
            layout::PE32_DATA_DIRS
        } else {
            layout::PE32PLUS_DATA_DIRS
        };
        put32(&mut img, opt + dd, self.data_dirs);
        // Section headers first: with fewer than five directory entries
        // they overlap the certs entry, which C reads anyway.
        for i in 0..usize::from(self.sections.min(8)) {
            let s = self.secs() + 40 * i;
            if s + 40 > self.header_size as usize {
                break;
            }
            put(
                &mut img,
                s,
                [".setup\0\0", ".text\0\0\0", ".data\0\0\0"][i % 3].as_bytes(),
            );
            put32(&mut img, s + 16, 0x80); // raw_data_size
            put32(&mut img, s + 20, 0x200 + 0x80 * i as u32); // data_addr
        }
        // Other directory entries, non-zero so a wrong index shows.
        for i in 0..16 {
            put32(&mut img, self.ddir() + 8 * i, 0x1000 * (i as u32 + 1));
            put32(&mut img, self.ddir() + 8 * i + 4, 0x10 + i as u32);
        }
        put32(&mut img, self.cert_dirent(), self.cert_va);
        put32(&mut img, self.cert_dirent() + 4, self.cert_size);
        for i in 0x200..0x400 {
            put(&mut img, i, &[(i as u8) ^ 0x5a]);
        }
        // The table, unless it would overwrite the headers.
        let va = self.cert_va as usize;
        if va >= self.header_size as usize {
            put32(&mut img, va, self.wrap_len);
            put16(&mut img, va + 4, self.revision);
            put16(&mut img, va + 6, self.cert_type);
            put(&mut img, va + 8, &self.pkcs7);
        }
        img
    }
}

fn signed_image() -> Vec<u8> {
    Pe::signed().build()
}

// ---------------------------------------------------------------------------
// Reference model: the two C functions, transliterated.
// ---------------------------------------------------------------------------

const ELIBBAD: i32 = 80;
const ENODATA: i32 = 61;
const ENOTSUPP: i32 = 524;
const EKEYREJECTED: i32 = 129;
const EMSGSIZE: i32 = 90;

/// Where C first reads outside the image, if it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Oob {
    /// In `pefile_parse_binary()` before the data directory (never, if the
    /// parser's reasoning holds).
    Headers,
    /// `ddir->certs`.
    CertDirent,
    /// `pkcs7[0..3]` in `pefile_strip_sig_wrapper()`.
    Pkcs7Bytes,
    /// Not a read of these functions: the message C hands on runs past the
    /// end.
    Blob,
}

/// `struct pefile_context` as the two functions leave it.
#[derive(Debug, Default, Clone, Copy)]
struct Ctx {
    header_size: u32,
    image_checksum_offset: u32,
    cert_dirent_offset: u32,
    n_data_dirents: u32,
    n_sections: u32,
    certs_size: u32,
    sig_offset: u32,
    sig_len: u32,
    secs: u64,
}

struct C<'a> {
    buf: &'a [u8],
    datalen: u64,
    stage: Oob,
    oob: Option<Oob>,
    warn: Option<String>,
}

impl C<'_> {
    fn u8(&mut self, off: u64) -> u64 {
        if off >= self.datalen {
            self.oob.get_or_insert(self.stage);
            0
        } else {
            u64::from(self.buf[off as usize])
        }
    }
    fn u16(&mut self, off: u64) -> u64 {
        self.u8(off) | self.u8(off + 1) << 8
    }
    fn u32(&mut self, off: u64) -> u64 {
        self.u16(off) | self.u16(off + 2) << 16
    }

    /// `pefile_parse_binary()`; `size_t` is u64, `unsigned` is u32.
    fn parse_binary(&mut self, ctx: &mut Ctx) -> i32 {
        let datalen: u64 = self.datalen;
        macro_rules! chkaddr {
            ($base:expr, $x:expr, $s:expr) => {
                if ($x as u64) < ($base as u64)
                    || ($s as u64) >= datalen
                    || ($x as u64) > datalen - ($s as u64)
                {
                    return -ELIBBAD;
                }
            };
        }
        self.stage = Oob::Headers;
        chkaddr!(0, 0, 64);
        if self.u16(0) != 0x5a4d {
            return -ELIBBAD;
        }
        let mut cursor: u64 = 64;
        let peaddr = self.u32(0x3c);
        chkaddr!(cursor, peaddr, 24);
        let pe = peaddr;
        if self.u32(pe) != 0x4550 {
            return -ELIBBAD;
        }
        cursor = peaddr + 24;
        chkaddr!(0, cursor, 2);
        let opt = cursor;
        match self.u16(opt) {
            0x10b => {
                chkaddr!(0, cursor, 96);
                ctx.image_checksum_offset = (opt + 64) as u32;
                ctx.header_size = self.u32(opt + 60) as u32;
                cursor += 96;
                ctx.n_data_dirents = self.u32(opt + 92) as u32;
            }
            0x20b => {
                chkaddr!(0, cursor, 112);
                ctx.image_checksum_offset = (opt + 64) as u32;
                ctx.header_size = self.u32(opt + 60) as u32;
                cursor += 112;
                ctx.n_data_dirents = self.u32(opt + 108) as u32;
            }
            m => {
                self.warn = Some(format!("Unknown PEOPT magic = {:04x}", m as u16));
                return -ELIBBAD;
            }
        }
        if cursor >= u64::from(ctx.header_size) || u64::from(ctx.header_size) >= datalen {
            return -ELIBBAD;
        }
        if u64::from(ctx.n_data_dirents) > (u64::from(ctx.header_size) - cursor) / 8 {
            return -ELIBBAD;
        }
        let ddir = cursor;
        cursor += 8 * u64::from(ctx.n_data_dirents);
        ctx.cert_dirent_offset = (ddir + 32) as u32;
        self.stage = Oob::CertDirent;
        ctx.certs_size = self.u32(ddir + 36) as u32;
        let va = self.u32(ddir + 32) as u32;
        let size = self.u32(ddir + 36) as u32;
        if self.oob.is_some() {
            return 0; // undefined from here on
        }
        self.stage = Oob::Headers;
        if va == 0 || size == 0 {
            self.warn = Some("Unsigned PE binary".into());
            return -ENODATA;
        }
        chkaddr!(ctx.header_size, va, size);
        ctx.sig_offset = va;
        ctx.sig_len = size;
        ctx.n_sections = self.u16(pe + 6) as u32;
        if u64::from(ctx.n_sections) > (u64::from(ctx.header_size) - cursor) / 40 {
            return -ELIBBAD;
        }
        ctx.secs = cursor;
        0
    }

    /// `pefile_strip_sig_wrapper()`.
    fn strip_sig_wrapper(&mut self, ctx: &mut Ctx) -> i32 {
        self.stage = Oob::Headers;
        if ctx.sig_len < 8 {
            self.warn = Some("Signature wrapper too short".into());
            return -ELIBBAD;
        }
        let off = u64::from(ctx.sig_offset);
        let length = self.u32(off) as u32;
        let revision = self.u16(off + 4);
        let cert_type = self.u16(off + 6);
        if length > ctx.sig_len {
            self.warn = Some(format!(
                "Signature wrapper bigger than sig len ({:x} > {:x})",
                ctx.sig_len, length
            ));
            return -ELIBBAD;
        }
        if revision != 0x0200 {
            self.warn = Some("Signature is not revision 2.0".into());
            return -ENOTSUPP;
        }
        if cert_type != 0x0002 {
            self.warn = Some("Signature certificate type is not PKCS".into());
            return -ENOTSUPP;
        }
        ctx.sig_len = length;
        ctx.sig_offset = ctx.sig_offset.wrapping_add(8);
        ctx.sig_len = ctx.sig_len.wrapping_sub(8);
        if ctx.sig_len < 4 {
            self.warn = Some("Signature data missing".into());
            return -EKEYREJECTED;
        }
        self.stage = Oob::Pkcs7Bytes;
        let p = u64::from(ctx.sig_offset);
        let not_pkcs7 = |s: &mut Self| {
            s.warn = Some("Signature data not PKCS#7".into());
            -ELIBBAD
        };
        if self.u8(p) != 0x30 {
            return not_pkcs7(self);
        }
        let len: u32 = match self.u8(p + 1) {
            l @ 0..=0x7f => l as u32 + 2,
            0x80 => return 0,
            0x81 => self.u8(p + 2) as u32 + 3,
            0x82 => ((self.u8(p + 2) << 8) | self.u8(p + 3)) as u32 + 4,
            _ => return -EMSGSIZE,
        };
        if len <= ctx.sig_len {
            ctx.sig_len = len;
            return 0;
        }
        not_pkcs7(self)
    }
}

/// What C does with `image`: the return value and warning, the context,
/// and where it first reads past the end, if it does.
struct Outcome {
    ret: i32,
    warn: Option<String>,
    ctx: Ctx,
    oob: Option<Oob>,
}

fn c_model(image: &[u8]) -> Outcome {
    let mut c = C {
        buf: image,
        datalen: u64::from(image.len() as u32),
        stage: Oob::Headers,
        oob: None,
        warn: None,
    };
    let mut ctx = Ctx::default();
    let mut ret = c.parse_binary(&mut ctx);
    if ret == 0 && c.oob.is_none() {
        ret = c.strip_sig_wrapper(&mut ctx);
    }
    if ret == 0 && c.oob.is_none() && u64::from(ctx.sig_offset) + u64::from(ctx.sig_len) > c.datalen
    {
        c.oob = Some(Oob::Blob);
    }
    Outcome {
        ret,
        warn: c.warn,
        ctx,
        oob: c.oob,
    }
}

/// Checks `parse(image)` against the model; returns the parse result.
fn check_against_c(image: &[u8]) -> Result<PeSignature, PeError> {
    let got = parse(image);
    let c = c_model(image);
    match c.oob {
        Some(Oob::Headers) => panic!("C reads past the end before the data directory"),
        Some(Oob::CertDirent) => assert_eq!(got, Err(PeError::CertDirentPastEnd)),
        Some(Oob::Pkcs7Bytes) => assert_eq!(got, Err(PeError::UnderflowDataPastEnd)),
        Some(Oob::Blob) => assert_eq!(got, Err(PeError::UnderflowBlobPastEnd)),
        None if c.ret == 0 => {
            let sig = got.unwrap_or_else(|e| panic!("C accepts, parse says {e:?}"));
            let x = c.ctx;
            assert_eq!(sig.header_size, x.header_size);
            assert_eq!(sig.checksum_offset, x.image_checksum_offset as usize);
            assert_eq!(sig.cert_dirent_offset, x.cert_dirent_offset as usize);
            assert_eq!(sig.n_data_dirents, x.n_data_dirents);
            assert_eq!(u32::from(sig.n_sections), x.n_sections);
            assert_eq!(sig.sections_offset as u64, x.secs);
            assert_eq!(sig.certs_size, x.certs_size);
            assert_eq!(sig.pkcs7_offset, x.sig_offset as usize);
            assert_eq!(sig.pkcs7_len, x.sig_len as usize);
            assert!(sig.pkcs7(image).is_some());
        }
        None => {
            let e = got.expect_err("C refuses, parse accepts");
            assert_eq!(-(kexec_parsers::errno_value(e.errno()) as i32), c.ret, "{e:?}");
            assert_eq!(e.message().is_some(), c.warn.is_some(), "{e:?}");
            if let Some(w) = c.warn {
                assert_eq!(e.to_string(), w);
            }
        }
    }
    got
}

// ---------------------------------------------------------------------------
// Valid images.
// ---------------------------------------------------------------------------

#[test]
fn valid_pe32plus() {
    let pe = Pe::signed();
    let img = pe.build();
    let sig = check_against_c(&img).unwrap();
    assert_eq!(
        sig,
        PeSignature {
            header_size: 0x200,
            checksum_offset: 0x98 + 64,
            cert_dirent_offset: 0x108 + 32,
            n_data_dirents: 16,
            sections_offset: 0x188,
            n_sections: 3,
            certs_offset: 0x400,
            certs_size: 0x130,
            pkcs7_offset: 0x408,
            pkcs7_len: 0x127,
        }
    );
    assert_eq!(rd32(&img, sig.checksum_offset), CSUM);
    assert_eq!(rd32(&img, sig.cert_dirent_offset), 0x400);
    assert_eq!(sig.pkcs7(&img).unwrap(), &pe.pkcs7[..]);
    assert_eq!(
        &img[sig.sections_offset..sig.sections_offset + 6],
        b".setup"
    );
}

#[test]
fn valid_pe32() {
    let pe = Pe::signed_pe32();
    let img = pe.build();
    let sig = check_against_c(&img).unwrap();
    assert_eq!(sig.checksum_offset, 0x98 + 64);
    assert_eq!(rd32(&img, sig.checksum_offset), CSUM);
    assert_eq!(sig.cert_dirent_offset, 0x98 + 96 + 32);
    assert_eq!(sig.sections_offset, 0x98 + 96 + 128);
    assert_eq!(sig.n_sections, 3);
    assert_eq!(sig.pkcs7(&img).unwrap(), &pe.pkcs7[..]);
}

#[test]
fn trailing_bytes_do_not_matter() {
    let img = signed_image();
    let sig = parse(&img).unwrap();
    let mut longer = img.clone();
    longer.extend_from_slice(&[0xff; 100]);
    assert_eq!(check_against_c(&longer), Ok(sig));
}

// ---------------------------------------------------------------------------
// pefile_parse_binary(): each check.
// ---------------------------------------------------------------------------

#[test]
fn mz_header() {
    let img = signed_image();
    for n in 0..=64 {
        assert_eq!(
            check_against_c(&img[..n]),
            Err(PeError::TooShort),
            "len {n}"
        );
    }
    // 65 bytes hold the MZ header; peaddr 0x80 is then out of range.
    assert_eq!(
        check_against_c(&img[..65]),
        Err(PeError::PeHeaderOutOfBounds)
    );
    let bad = Pe::signed().with(|p| p.mz_magic = 0x4d5a).build();
    assert_eq!(check_against_c(&bad), Err(PeError::BadMzMagic));
    // The length check comes first.
    assert_eq!(check_against_c(&bad[..64]), Err(PeError::TooShort));
}

#[test]
fn pe_header_bounds() {
    // peaddr must not point inside the MZ header.
    for peaddr in [0, 1, 0x3c, 0x3f] {
        let img = Pe::signed().build();
        let mut img2 = img.clone();
        put32(&mut img2, layout::MZ_PEADDR, peaddr);
        assert_eq!(
            check_against_c(&img2),
            Err(PeError::PeHeaderOutOfBounds),
            "{peaddr:#x}"
        );
    }
    // peaddr 0x40 is allowed (the lowest).
    let img = Pe::signed().with(|p| p.peaddr = 0x40).build();
    assert!(check_against_c(&img).is_ok());
    // PE header exactly at the end: passes chkaddr, then the optional
    // header's magic is missing.
    let len = Pe::signed().len;
    for (peaddr, want) in [
        (len - 24, PeError::OptMagicTruncated),
        (len - 23, PeError::PeHeaderOutOfBounds),
        (len, PeError::PeHeaderOutOfBounds),
        (u32::MAX as usize, PeError::PeHeaderOutOfBounds),
        (u32::MAX as usize - 23, PeError::PeHeaderOutOfBounds),
    ] {
        let mut img = Pe::signed().build();
        put32(&mut img, layout::MZ_PEADDR, peaddr as u32);
        put32(&mut img, peaddr, pe::PE_MAGIC);
        assert_eq!(check_against_c(&img), Err(want), "peaddr {peaddr:#x}");
    }
    let img = Pe::signed().with(|p| p.pe_magic = 0x0000_4551).build();
    assert_eq!(check_against_c(&img), Err(PeError::BadPeMagic));
    let img = Pe::signed().with(|p| p.pe_magic = 0x0100_4550).build();
    assert_eq!(check_against_c(&img), Err(PeError::BadPeMagic));
}

#[test]
fn optional_header_magic() {
    for (magic, shown) in [
        (0x0107u16, "0107"),
        (0, "0000"),
        (0xffff, "ffff"),
        (0x10b0, "10b0"),
    ] {
        let img = Pe::signed().with(|p| p.opt_magic = magic).build();
        let e = check_against_c(&img).unwrap_err();
        assert_eq!(e, PeError::UnknownOptMagic(magic));
        assert_eq!(e.errno_name(), "ELIBBAD");
        assert_eq!(e.to_string(), format!("Unknown PEOPT magic = {shown}"));
        assert_eq!(e.message(), Some("Unknown PEOPT magic = %04hx"));
    }
    // The magic needs two bytes after the PE header.
    let pe = Pe::signed();
    let img = pe.build();
    let opt = pe.opt();
    assert_eq!(
        check_against_c(&img[..opt + 1]),
        Err(PeError::OptMagicTruncated)
    );
    assert_eq!(
        check_against_c(&img[..opt]),
        Err(PeError::OptMagicTruncated)
    );
    // chkaddr lets a field end exactly at the end of the image.
    assert_eq!(
        check_against_c(&img[..opt + 2]),
        Err(PeError::OptHeaderTruncated)
    );
}

#[test]
fn optional_header_truncated() {
    for pe in [Pe::signed(), Pe::signed_pe32()] {
        let img = pe.build();
        let end = pe.opt() + pe.opt_size();
        assert_eq!(
            check_against_c(&img[..end - 1]),
            Err(PeError::OptHeaderTruncated)
        );
        // Ending exactly at the end passes chkaddr; header_size does not.
        assert_eq!(check_against_c(&img[..end]), Err(PeError::BadHeaderSize));
    }
    // An optional header that fits as PE32 but not as PE32+.
    let pe = Pe::signed_pe32();
    let mut img = pe.build();
    img.truncate(pe.opt() + 100);
    assert_eq!(check_against_c(&img), Err(PeError::BadHeaderSize));
    put16(&mut img, pe.opt(), pe::PE_OPT_MAGIC_PE32PLUS);
    assert_eq!(check_against_c(&img), Err(PeError::OptHeaderTruncated));
}

#[test]
fn header_size() {
    let pe = Pe::signed();
    let cursor = (pe.ddir()) as u32;
    for (hs, ok) in [
        (0, false),
        (cursor - 1, false),
        (cursor, false),
        (pe.len as u32 - 1, true),
        (pe.len as u32, false),
        (pe.len as u32 + 1, false),
        (u32::MAX, false),
    ] {
        let img = pe.clone().with(|p| {
            p.header_size = hs;
            p.data_dirs = 0;
            p.sections = 0;
        });
        let r = check_against_c(&img.build());
        if ok {
            // Past the header check; the table now starts below header_size.
            assert_eq!(r, Err(PeError::CertTableOutOfBounds), "hs {hs:#x}");
        } else {
            assert_eq!(r, Err(PeError::BadHeaderSize), "hs {hs:#x}");
        }
    }
}

#[test]
fn data_directory_count() {
    let pe = Pe::signed().with(|p| p.sections = 0);
    let room = (pe.header_size as usize - pe.ddir()) / 8;
    let fit = pe.clone().with(|p| p.data_dirs = room as u32).build();
    let sig = check_against_c(&fit).unwrap();
    assert_eq!(sig.sections_offset, pe.header_size as usize);
    for n in [room as u32 + 1, 0x2000_0000, u32::MAX] {
        let img = pe.clone().with(|p| p.data_dirs = n).build();
        assert_eq!(check_against_c(&img), Err(PeError::TooManyDataDirs), "{n}");
    }
}

#[test]
fn fewer_than_five_data_dirs() {
    // C reads the certs entry where it would be, even past the directory.
    for n in 0..5 {
        let pe = Pe::signed().with(|p| p.data_dirs = n);
        let sig = check_against_c(&pe.build()).unwrap();
        assert_eq!(sig.cert_dirent_offset, pe.cert_dirent());
        assert_eq!(sig.n_data_dirents, n);
        assert_eq!(sig.sections_offset, pe.ddir() + 8 * n as usize);
    }
    // With a header that ends right after the optional header, the certs
    // entry C reads is past the end of a short image.
    let pe = Pe::signed().with(|p| {
        p.data_dirs = 0;
        p.sections = 0;
    });
    let ddir = pe.ddir();
    for extra in 1..=41 {
        let len = ddir + extra + 1;
        let img = pe
            .clone()
            .with(|p| {
                p.header_size = (ddir + extra) as u32;
                p.len = len;
            })
            .build();
        let r = check_against_c(&img);
        if extra < 39 {
            assert_eq!(
                r,
                Err(PeError::CertDirentPastEnd),
                "header_size = ddir + {extra}"
            );
        } else {
            // The whole entry is inside the image (and points past it).
            assert_eq!(
                r,
                Err(PeError::CertTableOutOfBounds),
                "header_size = ddir + {extra}"
            );
        }
    }
    let e = PeError::CertDirentPastEnd;
    assert_eq!(
        (e.errno_name(), kexec_parsers::errno_value(e.errno()), e.message()),
        ("ELIBBAD", 80, None)
    );
}

#[test]
fn unsigned_images() {
    for (va, size) in [(0, 0), (0, 0x130), (0x400, 0)] {
        let img = Pe::signed()
            .with(|p| {
                p.cert_va = va;
                p.cert_size = size;
            })
            .build();
        let e = check_against_c(&img).unwrap_err();
        assert_eq!(e, PeError::Unsigned);
        assert_eq!((e.errno_name(), kexec_parsers::errno_value(e.errno())), ("ENODATA", 61));
        assert_eq!(e.message(), Some("Unsigned PE binary"));
        assert_eq!(e.to_string(), "Unsigned PE binary");
    }
}

#[test]
fn certificate_table_bounds() {
    let pe = Pe::signed();
    let len = pe.len as u32;
    let sz = pe.cert_size;
    for (va, size, ok) in [
        (0x400, sz, true),
        // Before header_size.
        (0x1ff, sz, false),
        (1, sz, false),
        // At header_size exactly: allowed by chkaddr (the wrapper there is
        // garbage, so the next check fails).
        (0x200, sz, true),
        // Ends exactly at the end / one past.
        (len - sz, sz, true),
        (len - sz + 1, sz, false),
        (0x400, sz + 1, false),
        // As long as the image, or longer: refused whatever the address.
        (0x400, len, false),
        (0x400, len + 1, false),
        (0x400, u32::MAX, false),
        (u32::MAX, sz, false),
        (u32::MAX - sz + 1, sz, false),
    ] {
        let img = pe
            .clone()
            .with(|p| {
                p.cert_va = va;
                p.cert_size = size;
            })
            .build();
        let r = check_against_c(&img);
        if ok {
            assert_ne!(r, Err(PeError::CertTableOutOfBounds), "{va:#x}+{size:#x}");
        } else {
            assert_eq!(r, Err(PeError::CertTableOutOfBounds), "{va:#x}+{size:#x}");
        }
    }
}

#[test]
fn section_count() {
    // The builder leaves exactly room for three section headers.
    let pe = Pe::signed();
    assert!(check_against_c(&pe.clone().with(|p| p.sections = 3).build()).is_ok());
    assert!(check_against_c(&pe.clone().with(|p| p.sections = 0).build()).is_ok());
    for n in [4, 100, u16::MAX] {
        let img = pe.clone().with(|p| p.sections = n).build();
        assert_eq!(check_against_c(&img), Err(PeError::TooManySections), "{n}");
    }
    // The section count is checked after the certificate table.
    let img = pe
        .clone()
        .with(|p| {
            p.sections = 4;
            p.cert_size = 0;
        })
        .build();
    assert_eq!(check_against_c(&img), Err(PeError::Unsigned));
}

// ---------------------------------------------------------------------------
// pefile_strip_sig_wrapper(): each check.
// ---------------------------------------------------------------------------

#[test]
fn wrapper_too_short() {
    for size in 1..8 {
        let img = Pe::signed().with(|p| p.cert_size = size).build();
        let e = check_against_c(&img).unwrap_err();
        assert_eq!(e, PeError::WrapperTooShort);
        assert_eq!(e.message(), Some("Signature wrapper too short"));
        assert_eq!(kexec_parsers::errno_value(e.errno()), 80);
    }
}

#[test]
fn wrapper_longer_than_table() {
    let pe = Pe::signed();
    let img = pe.clone().with(|p| p.wrap_len = p.cert_size + 1).build();
    let e = check_against_c(&img).unwrap_err();
    assert_eq!(
        e,
        PeError::WrapperTooLong {
            sig_len: 0x130,
            length: 0x131
        }
    );
    // C prints the table size first.
    assert_eq!(
        e.to_string(),
        "Signature wrapper bigger than sig len (130 > 131)"
    );
    assert_eq!(
        e.message(),
        Some("Signature wrapper bigger than sig len (%x > %x)")
    );
    assert_eq!(e.errno_name(), "ELIBBAD");
    // Checked before the revision and the type.
    let img = pe
        .clone()
        .with(|p| {
            p.wrap_len = u32::MAX;
            p.revision = 0;
            p.cert_type = 0;
        })
        .build();
    assert_eq!(
        check_against_c(&img).unwrap_err().to_string(),
        "Signature wrapper bigger than sig len (130 > ffffffff)"
    );
    // Equal is fine.
    let img = pe.clone().with(|p| p.wrap_len = p.cert_size).build();
    assert!(check_against_c(&img).is_ok());
}

#[test]
fn revision_and_type() {
    let pe = Pe::signed();
    for rev in [0, 0x0100, 0x0201, 0x0002] {
        let img = pe.clone().with(|p| p.revision = rev).build();
        let e = check_against_c(&img).unwrap_err();
        assert_eq!(e, PeError::BadRevision);
        assert_eq!((e.errno_name(), kexec_parsers::errno_value(e.errno())), ("ENOTSUPP", 524));
        assert_eq!(e.message(), Some("Signature is not revision 2.0"));
    }
    for ty in [0, 1, 0x0ef0, 0x0ef1, 0x0200] {
        let img = pe.clone().with(|p| p.cert_type = ty).build();
        let e = check_against_c(&img).unwrap_err();
        assert_eq!(e, PeError::BadCertType);
        assert_eq!((e.errno_name(), kexec_parsers::errno_value(e.errno())), ("ENOTSUPP", 524));
        assert_eq!(e.message(), Some("Signature certificate type is not PKCS"));
    }
    // Revision before type.
    let img = pe
        .clone()
        .with(|p| {
            p.revision = 0x100;
            p.cert_type = 0xef1;
        })
        .build();
    assert_eq!(check_against_c(&img), Err(PeError::BadRevision));
    // Both before the data.
    let img = pe
        .clone()
        .with(|p| {
            p.cert_type = 0xef1;
            p.pkcs7[0] = 0x31;
        })
        .build();
    assert_eq!(check_against_c(&img), Err(PeError::BadCertType));
}

#[test]
fn signature_data_missing() {
    for wrap_len in 8..12 {
        let img = Pe::signed().with(|p| p.wrap_len = wrap_len).build();
        let e = check_against_c(&img).unwrap_err();
        assert_eq!(e, PeError::SigDataMissing);
        assert_eq!((e.errno_name(), kexec_parsers::errno_value(e.errno())), ("EKEYREJECTED", 129));
        assert_eq!(e.message(), Some("Signature data missing"));
    }
    // Four bytes are enough for a 2-byte SEQUENCE.
    let mut pe = Pe::signed();
    pe.set_pkcs7(vec![0x30, 0x02, 0xaa, 0xbb]);
    let sig = check_against_c(&pe.build()).unwrap();
    assert_eq!((sig.pkcs7_offset, sig.pkcs7_len), (0x408, 4));
}

// ---------------------------------------------------------------------------
// ASN.1 length forms.
// ---------------------------------------------------------------------------

/// Parses an image whose wrapper holds `pkcs7` (sbsign-sized table).
fn parse_pkcs7(pkcs7: &[u8]) -> Result<PeSignature, PeError> {
    let mut pe = Pe::signed();
    pe.set_pkcs7(pkcs7.to_vec());
    check_against_c(&pe.build())
}

#[test]
fn asn1_short_form() {
    for body in [2usize, 0x41, 0x7f] {
        let sig = parse_pkcs7(&der(Form::Short, body)).unwrap();
        assert_eq!(sig.pkcs7_len, body + 2);
    }
    // 0x00 needs 4 bytes of data all the same.
    let sig = parse_pkcs7(&[0x30, 0x00, 0, 0]).unwrap();
    assert_eq!(sig.pkcs7_len, 2);
}

#[test]
fn asn1_81_and_82_forms() {
    for body in [1usize, 0x80, 0xff] {
        let sig = parse_pkcs7(&der(Form::L81, body)).unwrap();
        assert_eq!(sig.pkcs7_len, body + 3);
    }
    for body in [0usize, 1, 0x100, 0x1234] {
        let sig = parse_pkcs7(&der(Form::L82, body)).unwrap();
        assert_eq!(sig.pkcs7_len, body + 4);
    }
}

#[test]
fn asn1_long_forms_refused() {
    for b in 0x83..=0xffu8 {
        let e = parse_pkcs7(&[0x30, b, 0, 1, 0, 0, 0, 0]).unwrap_err();
        assert_eq!(e, PeError::Asn1LengthTooLong);
        assert_eq!(
            (e.errno_name(), kexec_parsers::errno_value(e.errno()), e.message()),
            ("EMSGSIZE", 90, None)
        );
    }
}

#[test]
fn asn1_indefinite_length() {
    // C returns everything the wrapper holds, padding included.
    let mut pkcs7 = der(Form::Indefinite, 0x50);
    pkcs7.extend_from_slice(&[0; 3]);
    let sig = parse_pkcs7(&pkcs7).unwrap();
    assert_eq!(sig.pkcs7_len, pkcs7.len());
    // Without even checking that more than the tag is there.
    let sig = parse_pkcs7(&[0x30, 0x80, 0xff, 0xff]).unwrap();
    assert_eq!(sig.pkcs7_len, 4);
}

#[test]
fn not_pkcs7() {
    for tag in [0x00, 0x10, 0x31, 0xa0, 0x30 | 0x80] {
        let e = parse_pkcs7(&[tag, 0x02, 0, 0]).unwrap_err();
        assert_eq!(e, PeError::NotPkcs7);
        assert_eq!(e.message(), Some("Signature data not PKCS#7"));
        assert_eq!(kexec_parsers::errno_value(e.errno()), 80);
    }
    // A length one past what the wrapper holds, in each form.
    for form in [Form::Short, Form::L81, Form::L82] {
        let mut pkcs7 = der(form, 0x10);
        pkcs7.pop();
        let mut pe = Pe::signed();
        pe.set_pkcs7(pkcs7);
        // Even with padding in the table: the wrapper's length is what counts.
        pe.cert_size += 8;
        pe.len += 8;
        assert_eq!(
            check_against_c(&pe.build()),
            Err(PeError::NotPkcs7),
            "{form:?}"
        );
    }
    // The data goes right to the wrapper's end: fine.
    for form in [Form::Short, Form::L81, Form::L82] {
        let sig = parse_pkcs7(&der(form, 0x10)).unwrap();
        assert_eq!(
            sig.pkcs7_len + 8,
            Pe::signed().with(|p| p.set_pkcs7(der(form, 0x10))).wrap_len as usize
        );
    }
}

#[test]
fn sbsign_rounding_and_padding() {
    // sbsign: table size rounded up to 8, wrapper length exact.
    let mut pe = Pe::signed();
    pe.set_pkcs7(der(Form::L82, 0x101));
    assert_eq!(pe.wrap_len, 8 + 0x105);
    assert_eq!(pe.cert_size, 0x110);
    let sig = check_against_c(&pe.build()).unwrap();
    assert_eq!((sig.certs_size, sig.pkcs7_len), (0x110, 0x105));
    // sbsign before the fix rounded the wrapper length too: the ASN.1
    // length trims the padding.
    let img = pe.clone().with(|p| p.wrap_len = p.cert_size).build();
    assert_eq!(check_against_c(&img).unwrap().pkcs7_len, 0x105);
    // pesign >= 0.110: table size exact.
    let img = pe.clone().with(|p| {
        p.cert_size = p.wrap_len;
        p.len = (p.cert_va + p.cert_size) as usize;
    });
    let sig = check_against_c(&img.build()).unwrap();
    assert_eq!((sig.certs_size, sig.pkcs7_len), (0x10d, 0x105));
    // Octaword-aligned signer with a message shorter than the wrapper.
    let img = pe.clone().with(|p| {
        p.cert_size = 0x120;
        p.wrap_len = 0x120;
        p.len = (p.cert_va + 0x120) as usize;
    });
    assert_eq!(check_against_c(&img.build()).unwrap().pkcs7_len, 0x105);
}

// ---------------------------------------------------------------------------
// win_certificate.length below 8: C's unsigned sig_len wraps.
// ---------------------------------------------------------------------------

#[test]
fn wrapper_length_underflow_in_bounds_as_c() {
    // C goes on with sig_len = length - 8 + 2^32 and takes the ASN.1 length
    // as is; as long as what it reads is inside the image, so do we.
    for wrap_len in 0..8 {
        let pe = Pe::signed().with(|p| p.wrap_len = wrap_len);
        let sig = check_against_c(&pe.build()).unwrap();
        assert_eq!((sig.pkcs7_offset, sig.pkcs7_len), (0x408, 0x127));
        // A short message that even runs past the table, not past the image.
        let mut pe2 = pe.clone();
        pe2.pkcs7 = der(Form::Short, 0x70);
        pe2.cert_size = 16;
        pe2.len = 0x400 + 0x100;
        let sig = check_against_c(&pe2.build()).unwrap();
        assert_eq!((sig.certs_size, sig.pkcs7_len), (16, 0x72));
        // C's other checks still apply.
        pe2.pkcs7[0] = 0x31;
        assert_eq!(check_against_c(&pe2.build()), Err(PeError::NotPkcs7));
        pe2.pkcs7[0] = 0x30;
        pe2.pkcs7[1] = 0x84;
        assert_eq!(
            check_against_c(&pe2.build()),
            Err(PeError::Asn1LengthTooLong)
        );
    }
}

#[test]
fn wrapper_length_underflow_data_past_end() {
    // The table is the last 8 bytes of the image: C reads pkcs7[0] past it.
    let pe = Pe::signed().with(|p| {
        p.wrap_len = 4;
        p.cert_size = 8;
        p.len = 0x408;
    });
    let e = check_against_c(&pe.build()).unwrap_err();
    assert_eq!(e, PeError::UnderflowDataPastEnd);
    assert_eq!((e.errno_name(), kexec_parsers::errno_value(e.errno())), ("EKEYREJECTED", 129));
    assert_eq!(e.message(), Some("Signature data missing"));
    // Or the length bytes.
    for (tail, want_ok) in [
        (&[0x30][..], false),
        (&[0x30, 0x81][..], false),
        (&[0x30, 0x82, 0x00][..], false),
        (&[0x30, 0x00][..], true),
        (&[0x30, 0x81, 0x00][..], true),
        (&[0x30, 0x82, 0x00, 0x00][..], true),
    ] {
        let mut img = pe.build();
        img.extend_from_slice(tail);
        let r = check_against_c(&img);
        if want_ok {
            assert_eq!(r.unwrap().pkcs7_len, tail.len(), "{tail:x?}");
        } else {
            assert_eq!(r, Err(PeError::UnderflowDataPastEnd), "{tail:x?}");
        }
    }
    // A bad tag or a long form is found before any read past the end.
    let mut img = pe.build();
    img.push(0x31);
    assert_eq!(check_against_c(&img), Err(PeError::NotPkcs7));
    img[0x408] = 0x30;
    img.push(0x83);
    assert_eq!(check_against_c(&img), Err(PeError::Asn1LengthTooLong));
}

#[test]
fn wrapper_length_underflow_blob_past_end() {
    let pe = Pe::signed().with(|p| {
        p.wrap_len = 7;
        p.cert_size = 8;
        p.len = 0x408;
    });
    // Indefinite length: C returns a length of about 4G.
    let mut img = pe.build();
    img.extend_from_slice(&[0x30, 0x80, 0, 0]);
    let e = check_against_c(&img).unwrap_err();
    assert_eq!(e, PeError::UnderflowBlobPastEnd);
    assert_eq!((e.errno_name(), kexec_parsers::errno_value(e.errno())), ("ELIBBAD", 80));
    assert_eq!(e.message(), Some("Signature data not PKCS#7"));
    // A definite length one past the end; exactly to the end is fine.
    for form in [Form::Short, Form::L81, Form::L82] {
        let mut img = pe.build();
        img.extend_from_slice(&der(form, 0x20));
        assert!(check_against_c(&img).is_ok());
        img.pop();
        assert_eq!(
            check_against_c(&img),
            Err(PeError::UnderflowBlobPastEnd),
            "{form:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Robustness.
// ---------------------------------------------------------------------------

#[test]
fn truncation_at_every_offset() {
    for pe in [Pe::signed(), Pe::signed_pe32()] {
        let img = pe.build();
        let full = parse(&img).unwrap();
        for n in 0..img.len() {
            let r = check_against_c(&img[..n]);
            assert!(r.is_err(), "truncated to {n}: {r:?}");
        }
        // With padding after the table, truncating the padding changes
        // nothing as long as the table fits... and chkaddr wants it to.
        let mut longer = img.clone();
        longer.extend_from_slice(&[0u8; 32]);
        for n in img.len()..=longer.len() {
            assert_eq!(check_against_c(&longer[..n]), Ok(full), "len {n}");
        }
    }
}

#[test]
fn every_prefix_of_every_variant_image() {
    // Images that end in each kind of error, each cut at every length.
    let mut images = vec![
        Pe::signed().build(),
        Pe::signed().with(|p| p.wrap_len = 3).build(),
        Pe::signed().with(|p| p.data_dirs = 2).build(),
        Pe::signed().with(|p| p.pkcs7[1] = 0x80).build(),
        Pe::signed().with(|p| p.pkcs7[1] = 0x81).build(),
        Pe::signed().with(|p| p.pkcs7[1] = 0x05).build(),
    ];
    images.push(Pe::signed().with(|p| p.revision = 1).build());
    for img in &images {
        for n in 0..=img.len() {
            let _ = check_against_c(&img[..n]);
        }
    }
}

/// xorshift64*: deterministic, no dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Random mutations of a few small images, checked against the model; every
/// variant must come up.
#[test]
fn differential_against_c_model() {
    let small = |pe: Pe| {
        pe.with(|p| {
            p.set_pkcs7(der(Form::Short, 0x18));
        })
    };
    let bases = [
        small(Pe::signed()),
        small(Pe::signed_pe32()),
        Pe::signed().with(|p| p.set_pkcs7(der(Form::L81, 0x90))),
        small(Pe::signed()).with(|p| p.peaddr = 0x40),
        // Table of 8 bytes at the very end.
        Pe::signed().with(|p| {
            p.wrap_len = 8;
            p.cert_size = 8;
            p.pkcs7.clear();
            p.len = 0x408;
        }),
        // Certs entry past the end.
        Pe::signed().with(|p| {
            p.data_dirs = 0;
            p.sections = 0;
            p.header_size = 0x108 + 20;
            p.len = 0x108 + 30;
        }),
    ];
    let mut seen = std::collections::BTreeSet::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut oks = 0;
    for iter in 0..100_000 {
        let base = &bases[iter % bases.len()];
        let mut img = base.build();
        let len = img.len() as u64;
        let hs = u64::from(base.header_size);
        let fields: [(usize, usize); 14] = [
            (0, 2),
            (layout::MZ_PEADDR, 4),
            (base.peaddr as usize, 4),
            (base.peaddr as usize + 6, 2),
            (base.opt(), 2),
            (base.opt() + 60, 4),
            (base.opt() + if base.opt_size() == 96 { 92 } else { 108 }, 4),
            (base.cert_dirent(), 4),
            (base.cert_dirent() + 4, 4),
            (base.cert_va as usize, 4),
            (base.cert_va as usize + 4, 2),
            (base.cert_va as usize + 6, 2),
            (base.cert_va as usize + 8, 2),
            (base.cert_va as usize + 10, 2),
        ];
        for _ in 0..1 + rng.below(3) {
            let (off, width) = fields[rng.below(fields.len())];
            let interesting = [
                0,
                1,
                2,
                3,
                4,
                5,
                7,
                8,
                9,
                11,
                12,
                0x30,
                0x40,
                0x80,
                0x81,
                0x82,
                0x83,
                0xff,
                0x100,
                0x200,
                0x10b,
                0x20b,
                0x8030,
                0x0230,
                0x8130,
                0x8230,
                0x8330,
                0xff30,
                base.ddir() as u64 + 1,
                base.ddir() as u64 + 20,
                base.ddir() as u64 + 39,
                base.ddir() as u64 + 40,
                hs - 1,
                hs,
                hs + 1,
                len - 24,
                len - 9,
                len - 8,
                len - 1,
                len,
                len + 1,
                0x7fff_ffff,
                0x8000_0000,
                0xffff_fff8,
                0xffff_ffff,
                rng.next(),
                u64::from(rd32(&img, off.min(img.len() - 4))) + 1,
                u64::from(rd32(&img, off.min(img.len() - 4))).wrapping_sub(1),
            ];
            let v = interesting[rng.below(interesting.len())];
            let bytes = v.to_le_bytes();
            put(&mut img, off, &bytes[..width]);
        }
        match rng.below(8) {
            0 => img.truncate(rng.below(img.len() + 1)),
            1 => img.truncate(img.len().saturating_sub(rng.below(16))),
            2 => img.extend((0..rng.below(40)).map(|_| rng.next() as u8)),
            3 => {
                let i = rng.below(0x200.min(img.len()));
                img[i] = rng.next() as u8;
            }
            _ => {}
        }
        match check_against_c(&img) {
            Ok(_) => oks += 1,
            Err(e) => {
                seen.insert(
                    format!("{e:?}")
                        .split([' ', '('])
                        .next()
                        .unwrap()
                        .to_string(),
                );
            }
        }
    }
    assert!(oks > 1000, "only {oks} accepted");
    let all = variant_names();
    // NoSections and SectionPastEnd come from check_sections, not from
    // C's parser (sections_checked_before_the_digest tests them).
    let missing: Vec<_> = all
        .iter()
        .filter(|v| !seen.contains(*v) && !["NoSections", "SectionPastEnd"].contains(&v.as_str()))
        .collect();
    assert!(missing.is_empty(), "never produced: {missing:?}");
}

// ---------------------------------------------------------------------------
// The error type.
// ---------------------------------------------------------------------------

/// The variant names, in the order the source declares them.
fn variant_names() -> Vec<String> {
    let src = include_str!("../../../../../../rust/kernel/kexec/pe.rs");
    let body = src.split("pub enum PeError {").nth(1).unwrap();
    let body = &body[..body.find("\n}\n").unwrap()];
    body.lines()
        .filter(|l| {
            l.starts_with("    ") && !l.starts_with("     ") && !l.trim().starts_with("///")
        })
        .map(|l| {
            l.trim()
                .split(|c: char| !c.is_alphanumeric())
                .next()
                .unwrap()
                .to_string()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn variants_are_sorted_and_complete() {
    let names = variant_names();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let table = error_table();
    let listed: Vec<String> = table
        .iter()
        .map(|(e, ..)| {
            format!("{e:?}")
                .split([' ', '('])
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(listed, names);
}

/// Every variant with its errno name, value and message.
fn error_table() -> Vec<(PeError, &'static str, u32, Option<&'static str>)> {
    use PeError::*;
    vec![
        (Asn1LengthTooLong, "EMSGSIZE", 90, None),
        (
            BadCertType,
            "ENOTSUPP",
            524,
            Some("Signature certificate type is not PKCS"),
        ),
        (BadHeaderSize, "ELIBBAD", 80, None),
        (BadMzMagic, "ELIBBAD", 80, None),
        (BadPeMagic, "ELIBBAD", 80, None),
        (
            BadRevision,
            "ENOTSUPP",
            524,
            Some("Signature is not revision 2.0"),
        ),
        (CertDirentPastEnd, "ELIBBAD", 80, None),
        (CertTableOutOfBounds, "ELIBBAD", 80, None),
        (NoSections, "ELIBBAD", 80, None),
        (NotPkcs7, "ELIBBAD", 80, Some("Signature data not PKCS#7")),
        (OptHeaderTruncated, "ELIBBAD", 80, None),
        (OptMagicTruncated, "ELIBBAD", 80, None),
        (PeHeaderOutOfBounds, "ELIBBAD", 80, None),
        (SectionPastEnd, "ELIBBAD", 80, None),
        (
            SigDataMissing,
            "EKEYREJECTED",
            129,
            Some("Signature data missing"),
        ),
        (TooManyDataDirs, "ELIBBAD", 80, None),
        (TooManySections, "ELIBBAD", 80, None),
        (TooShort, "ELIBBAD", 80, None),
        (
            UnderflowBlobPastEnd,
            "ELIBBAD",
            80,
            Some("Signature data not PKCS#7"),
        ),
        (
            UnderflowDataPastEnd,
            "EKEYREJECTED",
            129,
            Some("Signature data missing"),
        ),
        (
            UnknownOptMagic(0x107),
            "ELIBBAD",
            80,
            Some("Unknown PEOPT magic = %04hx"),
        ),
        (Unsigned, "ENODATA", 61, Some("Unsigned PE binary")),
        (
            WrapperTooLong {
                sig_len: 8,
                length: 9,
            },
            "ELIBBAD",
            80,
            Some("Signature wrapper bigger than sig len (%x > %x)"),
        ),
        (
            WrapperTooShort,
            "ELIBBAD",
            80,
            Some("Signature wrapper too short"),
        ),
    ]
}

#[test]
fn errno_and_messages() {
    for (e, name, value, msg) in error_table() {
        assert_eq!(e.errno_name(), name, "{e:?}");
        assert_eq!(kexec_parsers::errno_value(e.errno()), value, "{e:?}");
        assert_eq!(e.message(), msg, "{e:?}");
        let shown = e.to_string();
        match msg {
            Some(m) if !m.contains('%') => assert_eq!(shown, m),
            Some(_) => assert!(!shown.contains('%'), "{shown}"),
            None => assert!(shown.starts_with(name), "{shown}"),
        }
        assert!(!shown.ends_with('\n'));
    }
}

#[test]
fn length_is_an_unsigned_int() {
    use std::alloc::{alloc_zeroed, dealloc, Layout};
    let small = signed_image();
    let n = (1usize << 32) + small.len() + 16;
    let layout = Layout::from_size_align(n, 1).unwrap();
    // SAFETY: `layout` has a non-zero size.
    let p = unsafe { alloc_zeroed(layout) };
    if p.is_null() {
        eprintln!("skipped: cannot map 4 GiB");
        return;
    }
    {
        // SAFETY: `p` is a live allocation of `n` zeroed bytes, freed below
        // after the last use of this slice.
        let big = unsafe { std::slice::from_raw_parts_mut(p, n) };
        big[..small.len()].copy_from_slice(&small);
        let four_g = 1usize << 32;
        // C sees len % 4G bytes.
        assert_eq!(parse(&big[..four_g + small.len()]), parse(&small));
        assert_eq!(parse(&big[..four_g + small.len() + 16]), parse(&small));
        assert_eq!(parse(&big[..four_g]), Err(PeError::TooShort));
        assert_eq!(parse(&big[..four_g + 64]), Err(PeError::TooShort));
        assert_eq!(
            parse(&big[..four_g + 0x300]),
            Err(PeError::CertTableOutOfBounds)
        );
    }
    // SAFETY: allocated above with the same layout, no reference remains.
    unsafe { dealloc(p, layout) };
}

// ---------------------------------------------------------------------------
// What C's digest stage takes on trust (check_sections).
// ---------------------------------------------------------------------------

#[test]
fn sections_checked_before_the_digest() {
    use kexec_parsers::pe::check_sections;
    // The builder's three sections lie inside the image.
    let pe = Pe::signed();
    let img = pe.build();
    let sig = parse(&img).unwrap();
    assert_eq!(check_sections(&img, &sig), Ok(()));
    // No sections: C writes through ZERO_SIZE_PTR when it hashes.
    let img = pe.clone().with(|p| p.sections = 0).build();
    let sig = parse(&img).unwrap();
    assert_eq!(check_sections(&img, &sig), Err(PeError::NoSections));
    assert_eq!(PeError::NoSections.errno_name(), "ELIBBAD");
    // A section's raw data past the end (or wrapping): C reads past it.
    let img = pe.build();
    let sig = parse(&img).unwrap();
    let h = sig.sections_offset + 40; // the second section
    for (addr, size, ok) in [
        (0x200u32, 0x80u32, true),
        (img.len() as u32 - 0x80, 0x80, true),
        (img.len() as u32 - 0x7f, 0x80, false),
        (img.len() as u32, 1, false),
        (0x200, u32::MAX, false),
        (u32::MAX, 2, false),
        (u32::MAX, 0, true), // no raw data: not hashed
    ] {
        let mut b = img.clone();
        b[h + 16..h + 20].copy_from_slice(&size.to_le_bytes());
        b[h + 20..h + 24].copy_from_slice(&addr.to_le_bytes());
        let want = if ok { Ok(()) } else { Err(PeError::SectionPastEnd) };
        assert_eq!(check_sections(&b, &parse(&b).unwrap()), want, "{addr:#x}+{size:#x}");
    }
}
