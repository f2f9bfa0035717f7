// SPDX-License-Identifier: GPL-2.0

//! PE/COFF signature directory of an EFI-stub bzImage.
//!
//! This file uses `core` only, so that host tests and fuzz targets can build
//! the very same code (`#[path]` include). It does what
//! `pefile_parse_binary()` then `pefile_strip_sig_wrapper()` do before
//! `verify_pefile_signature()` hands the PKCS#7 message to the crypto code:
//! the same checks, in the same order, with the same errno and the same
//! warning for every input whose parse C completes without reading outside
//! the image. Where C would read past the end of the image (it trusts an
//! earlier check that does not cover the read), [`parse`] refuses the image
//! with the errno of C's nearest check instead; those variants of [`PeError`]
//! say so.
//!
//! Every read is bounds-checked against the image before it happens and
//! every value taken from the image is combined with checked arithmetic; a
//! bad image is an error value, never a panic.
//!
//! C source: [`crypto/asymmetric_keys/verify_pefile.c`](srctree/crypto/asymmetric_keys/verify_pefile.c)
//!
//! C header: [`include/linux/pe.h`](srctree/include/linux/pe.h)

use super::errno::Errno;
use core::fmt;

/// `MZ_MAGIC`: "MZ" at offset 0.
pub const MZ_MAGIC: u16 = 0x5a4d;
/// `PE_MAGIC`: "PE\0\0" at `mz_hdr.peaddr`.
pub const PE_MAGIC: u32 = 0x0000_4550;
/// `PE_OPT_MAGIC_PE32`: 32-bit optional header.
pub const PE_OPT_MAGIC_PE32: u16 = 0x010b;
/// `PE_OPT_MAGIC_PE32PLUS`: 64-bit optional header.
pub const PE_OPT_MAGIC_PE32PLUS: u16 = 0x020b;
/// `WIN_CERT_REVISION_2_0`: the only `win_certificate.revision` accepted.
pub const WIN_CERT_REVISION_2_0: u16 = 0x0200;
/// `WIN_CERT_TYPE_PKCS_SIGNED_DATA`: the only `win_certificate.cert_type`
/// accepted.
pub const WIN_CERT_TYPE_PKCS_SIGNED_DATA: u16 = 0x0002;
/// `ASN1_CONS_BIT | ASN1_SEQ`: the tag a PKCS#7 message starts with.
pub const ASN1_CONS_SEQ: u8 = 0x30;
/// `ASN1_INDEFINITE_LENGTH`: length byte of an indefinite-length encoding.
pub const ASN1_INDEFINITE_LENGTH: u8 = 0x80;

/// Byte offsets and sizes of the structures of `include/linux/pe.h`.
pub mod layout {
    /// `sizeof(struct mz_hdr)` (the flexible `message[]` adds nothing).
    pub const MZ_HDR_SIZE: usize = 64;
    /// `mz_hdr.magic` (u16).
    pub const MZ_HDR_MAGIC: usize = 0x00;
    /// `mz_hdr.peaddr` (u32): file offset of `struct pe_hdr`.
    pub const MZ_PEADDR: usize = 0x3c;
    /// `sizeof(struct pe_hdr)`.
    pub const PE_HDR_SIZE: usize = 24;
    /// `pe_hdr.magic` (u32).
    pub const PE_HDR_MAGIC: usize = 0;
    /// `section_header.raw_data_size` (u32).
    pub const SEC_RAW_DATA_SIZE: usize = 16;
    /// `section_header.data_addr` (u32): file offset of the section's data.
    pub const SEC_DATA_ADDR: usize = 20;
    /// `pe_hdr.sections` (u16).
    pub const PE_SECTIONS: usize = 6;
    /// `pe32_opt_hdr.magic` and `pe32plus_opt_hdr.magic` (u16).
    pub const OPT_MAGIC: usize = 0;
    /// `header_size` (u32), same offset in both optional headers.
    pub const OPT_HEADER_SIZE: usize = 60;
    /// `csum` (u32), same offset in both optional headers.
    pub const OPT_CSUM: usize = 64;
    /// `sizeof(struct pe32_opt_hdr)`.
    pub const PE32_OPT_HDR_SIZE: usize = 96;
    /// `pe32_opt_hdr.data_dirs` (u32).
    pub const PE32_DATA_DIRS: usize = 92;
    /// `sizeof(struct pe32plus_opt_hdr)`.
    pub const PE32PLUS_OPT_HDR_SIZE: usize = 112;
    /// `pe32plus_opt_hdr.data_dirs` (u32).
    pub const PE32PLUS_DATA_DIRS: usize = 108;
    /// `sizeof(struct data_dirent)`.
    pub const DATA_DIRENT_SIZE: usize = 8;
    /// `data_directory.certs`: the fifth entry.
    pub const DATA_DIR_CERTS: usize = 4 * DATA_DIRENT_SIZE;
    /// `sizeof(struct section_header)`.
    pub const SECTION_HEADER_SIZE: usize = 40;
    /// `sizeof(struct win_certificate)`.
    pub const WIN_CERT_SIZE: usize = 8;
    /// `win_certificate.length` (u32).
    pub const WIN_CERT_LENGTH: usize = 0;
    /// `win_certificate.revision` (u16).
    pub const WIN_CERT_REVISION: usize = 4;
    /// `win_certificate.cert_type` (u16).
    pub const WIN_CERT_TYPE: usize = 6;
}

/// Why [`parse`] refused an image: one variant per check of
/// `pefile_parse_binary()` and `pefile_strip_sig_wrapper()`, plus the checks
/// C lacks where it would read past the end of the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeError {
    /// The ASN.1 length of the PKCS#7 message takes three or more bytes
    /// (length byte 0x83 to 0xff).
    Asn1LengthTooLong,
    /// `win_certificate.cert_type` is not `WIN_CERT_TYPE_PKCS_SIGNED_DATA`.
    BadCertType,
    /// The optional header's `header_size` does not lie after the optional
    /// header and before the end of the image.
    BadHeaderSize,
    /// No "MZ" magic at offset 0.
    BadMzMagic,
    /// No "PE\0\0" magic at `mz_hdr.peaddr`.
    BadPeMagic,
    /// `win_certificate.revision` is not `WIN_CERT_REVISION_2_0`.
    BadRevision,
    /// Not in C: the certificate directory entry (read whatever
    /// `data_dirs` says) lies past the end of the image, which C would read
    /// anyway. Refused with the errno of C's preceding check of the data
    /// directory (`-ELIBBAD`, no message).
    CertDirentPastEnd,
    /// The certificate table starts before `header_size` or does not fit in
    /// the image (`chkaddr`), or is as long as the whole image.
    CertTableOutOfBounds,
    /// Not in C's parser: the image has no sections. C's digest stage
    /// (`pefile_digest_pe_contents()`) then writes through the pointer
    /// `kcalloc(0, ...)` returns (`ZERO_SIZE_PTR`). Refused up front by
    /// [`check_sections`], with the errno of C's other malformed-PE checks.
    NoSections,
    /// The data after the wrapper does not start with an ASN.1 SEQUENCE, or
    /// its ASN.1 length exceeds the wrapper's length.
    NotPkcs7,
    /// The optional header does not fit in the image.
    OptHeaderTruncated,
    /// The optional header's magic does not fit in the image.
    OptMagicTruncated,
    /// `mz_hdr.peaddr` points inside the MZ header, or the PE header does
    /// not fit in the image.
    PeHeaderOutOfBounds,
    /// Not in C's parser: a section's raw data (`data_addr`,
    /// `raw_data_size`) runs past the end of the image, which C's digest
    /// stage hashes without a bounds check. Refused up front by
    /// [`check_sections`] (`-ELIBBAD`).
    SectionPastEnd,
    /// The wrapper's length leaves fewer than 4 bytes of signature data.
    SigDataMissing,
    /// More data directory entries than fit between the optional header
    /// and `header_size`.
    TooManyDataDirs,
    /// More section headers than fit between the data directory and
    /// `header_size`.
    TooManySections,
    /// The image is not longer than `struct mz_hdr` (64 bytes).
    TooShort,
    /// Not in C: `win_certificate.length` is below 8, C's `unsigned`
    /// signature length wraps to about 4G, so C's checks pass, and the
    /// PKCS#7 message C would hand to the crypto code (indefinite length
    /// included) runs past the end of the image. Refused with the errno and
    /// warning of C's length check (`-ELIBBAD`, "Signature data not
    /// PKCS#7").
    UnderflowBlobPastEnd,
    /// Not in C: `win_certificate.length` is below 8, C's `unsigned`
    /// signature length wraps to about 4G, so C's `sig_len < 4` check passes
    /// and C reads the ASN.1 tag and length bytes past the end of the image.
    /// Refused with the errno and warning of that check (`-EKEYREJECTED`,
    /// "Signature data missing").
    UnderflowDataPastEnd,
    /// The optional header's magic is neither PE32 nor PE32+ (the value).
    UnknownOptMagic(u16),
    /// The certificate directory entry has a zero address or size.
    Unsigned,
    /// `win_certificate.length` exceeds the certificate table's size.
    WrapperTooLong {
        /// The certificate table's size (from the data directory).
        sig_len: u32,
        /// `win_certificate.length`.
        length: u32,
    },
    /// The certificate table is shorter than `struct win_certificate`.
    WrapperTooShort,
}

impl PeError {
    /// The errno C returns (negated) for the same input.
    pub fn errno(self) -> Errno {
        match self {
            Self::Asn1LengthTooLong => Errno::EMSGSIZE,
            Self::BadCertType | Self::BadRevision => Errno::ENOTSUPP,
            Self::SigDataMissing | Self::UnderflowDataPastEnd => Errno::EKEYREJECTED,
            Self::Unsigned => Errno::ENODATA,
            Self::BadHeaderSize
            | Self::BadMzMagic
            | Self::BadPeMagic
            | Self::CertDirentPastEnd
            | Self::CertTableOutOfBounds
            | Self::NotPkcs7
            | Self::OptHeaderTruncated
            | Self::OptMagicTruncated
            | Self::NoSections
            | Self::PeHeaderOutOfBounds
            | Self::SectionPastEnd
            | Self::TooManyDataDirs
            | Self::TooManySections
            | Self::TooShort
            | Self::UnderflowBlobPastEnd
            | Self::UnknownOptMagic(_)
            | Self::WrapperTooLong { .. }
            | Self::WrapperTooShort => Errno::ELIBBAD,
        }
    }

    /// The name of the errno C returns (negated) for the same input.
    pub fn errno_name(self) -> &'static str {
        self.errno().name()
    }

    /// What C prints with `pr_warn()` for the same input, without the
    /// "PEFILE: " prefix and the newline; `None` where C prints nothing.
    ///
    /// Two warnings print values: for them this is C's format string, and
    /// the [`fmt::Display`] implementation prints the exact text.
    pub fn message(self) -> Option<&'static str> {
        match self {
            Self::NotPkcs7 | Self::UnderflowBlobPastEnd => Some("Signature data not PKCS#7"),
            Self::SigDataMissing | Self::UnderflowDataPastEnd => Some("Signature data missing"),
            Self::BadCertType => Some("Signature certificate type is not PKCS"),
            Self::BadRevision => Some("Signature is not revision 2.0"),
            Self::UnknownOptMagic(_) => Some("Unknown PEOPT magic = %04hx"),
            Self::Unsigned => Some("Unsigned PE binary"),
            Self::WrapperTooLong { .. } => Some("Signature wrapper bigger than sig len (%x > %x)"),
            Self::WrapperTooShort => Some("Signature wrapper too short"),
            Self::Asn1LengthTooLong
            | Self::BadHeaderSize
            | Self::BadMzMagic
            | Self::BadPeMagic
            | Self::CertDirentPastEnd
            | Self::CertTableOutOfBounds
            | Self::OptHeaderTruncated
            | Self::OptMagicTruncated
            | Self::NoSections
            | Self::PeHeaderOutOfBounds
            | Self::SectionPastEnd
            | Self::TooManyDataDirs
            | Self::TooManySections
            | Self::TooShort => None,
        }
    }

    /// A short description of the check, for the errors C does not print.
    fn description(self) -> &'static str {
        match self {
            Self::Asn1LengthTooLong => "ASN.1 length of the PKCS#7 message too long",
            Self::BadCertType => "bad certificate type",
            Self::BadHeaderSize => "bad header size",
            Self::BadMzMagic => "no MZ magic",
            Self::BadPeMagic => "no PE magic",
            Self::BadRevision => "bad certificate revision",
            Self::CertDirentPastEnd => "certificate directory entry past the end",
            Self::CertTableOutOfBounds => "certificate table out of bounds",
            Self::NotPkcs7 => "not PKCS#7",
            Self::OptHeaderTruncated => "optional header truncated",
            Self::OptMagicTruncated => "optional header magic truncated",
            Self::NoSections => "no sections",
            Self::PeHeaderOutOfBounds => "PE header out of bounds",
            Self::SectionPastEnd => "section data past the end of the image",
            Self::SigDataMissing => "signature data missing",
            Self::TooManyDataDirs => "too many data directory entries",
            Self::TooManySections => "too many sections",
            Self::TooShort => "too short for an MZ header",
            Self::UnderflowBlobPastEnd => "wrapped signature length, message past the end",
            Self::UnderflowDataPastEnd => "wrapped signature length, data past the end",
            Self::UnknownOptMagic(_) => "unknown optional header magic",
            Self::Unsigned => "unsigned",
            Self::WrapperTooLong { .. } => "signature wrapper too long",
            Self::WrapperTooShort => "signature wrapper too short",
        }
    }
}

/// Prints exactly what C prints with `pr_warn()` (values included, without
/// the "PEFILE: " prefix and the newline) when [`PeError::message`] is
/// `Some`; otherwise the errno name and a short description, which C does
/// not print.
impl fmt::Display for PeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            // C: pr_warn("Unknown PEOPT magic = %04hx\n", pe32->magic);
            Self::UnknownOptMagic(magic) => write!(f, "Unknown PEOPT magic = {magic:04x}"),
            // C prints the table size first, then the wrapper's length.
            Self::WrapperTooLong { sig_len, length } => write!(
                f,
                "Signature wrapper bigger than sig len ({sig_len:x} > {length:x})"
            ),
            e => match e.message() {
                Some(m) => f.write_str(m),
                None => write!(f, "{} ({})", e.errno_name(), e.description()),
            },
        }
    }
}

/// What [`parse`] found: the fields of C's `struct pefile_context` that the
/// two parse functions fill in, as offsets into the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeSignature {
    /// The optional header's `header_size`: bytes of headers hashed first.
    pub header_size: u32,
    /// Offset of the optional header's `csum` (left out of the hash).
    pub checksum_offset: usize,
    /// Offset of the certificate directory entry (left out of the hash).
    pub cert_dirent_offset: usize,
    /// `data_dirs` from the optional header.
    pub n_data_dirents: u32,
    /// Offset of the section table (right after the data directory).
    pub sections_offset: usize,
    /// `pe_hdr.sections`.
    pub n_sections: u16,
    /// Offset of the certificate table (its directory entry's address).
    pub certs_offset: usize,
    /// Size of the certificate table (its directory entry's size).
    pub certs_size: u32,
    /// Offset of the PKCS#7 message (after `struct win_certificate`).
    pub pkcs7_offset: usize,
    /// Length of the PKCS#7 message: its ASN.1 length, or everything the
    /// wrapper holds for an indefinite length.
    pub pkcs7_len: usize,
}

impl PeSignature {
    /// The PKCS#7 message inside `image`, the image [`parse`] took.
    pub fn pkcs7<'a>(&self, image: &'a [u8]) -> Option<&'a [u8]> {
        image.get(self.pkcs7_offset..self.pkcs7_offset.checked_add(self.pkcs7_len)?)
    }
}

/// Reads a little-endian `u16` at `off`, `err` if it is not inside `buf`.
fn le16(buf: &[u8], off: usize, err: PeError) -> Result<u16, PeError> {
    let b = off
        .checked_add(2)
        .and_then(|end| buf.get(off..end))
        .ok_or(err)?;
    Ok(u16::from_le_bytes([b[0], b[1]]))
}

/// Reads a little-endian `u32` at `off`, `err` if it is not inside `buf`.
fn le32(buf: &[u8], off: usize, err: PeError) -> Result<u32, PeError> {
    let b = off
        .checked_add(4)
        .and_then(|end| buf.get(off..end))
        .ok_or(err)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads the byte at `off`, `err` if it is not inside `buf`.
fn byte(buf: &[u8], off: usize, err: PeError) -> Result<u8, PeError> {
    buf.get(off).copied().ok_or(err)
}

/// C's `chkaddr(base, x, s)`: `s` bytes at `x` lie at or after `base` and
/// inside the `datalen` bytes of the image. As in C, `s` must be strictly
/// below `datalen`, so nothing as long as the whole image passes.
fn chkaddr(datalen: usize, base: usize, x: usize, s: usize) -> bool {
    // C: if ((x) < base || (s) >= datalen || (x) > datalen - (s)) fail;
    match datalen.checked_sub(s) {
        Some(room) if s < datalen => x >= base && x <= room,
        _ => false,
    }
}

/// `u32` to `usize`; lossless on every target the kernel supports, and an
/// error rather than a truncation anywhere else.
fn to_usize(v: u32, err: PeError) -> Result<usize, PeError> {
    usize::try_from(v).map_err(|_| err)
}

/// Parses the PE headers and the signature wrapper of `image` as
/// `verify_pefile_signature()` does before the crypto: the checks of
/// `pefile_parse_binary()` then `pefile_strip_sig_wrapper()`, in order.
///
/// As in C, the length is taken as an `unsigned int`: an image of 4 GiB or
/// more is parsed as its first `len % 4 GiB` bytes (`kexec_file_load(2)`
/// reads up to exactly 4 GiB).
///
/// ```
/// use kernel::kexec::pe::{parse, PeError};
///
/// fn put(img: &mut [u8], off: usize, v: &[u8]) {
///     img[off..off + v.len()].copy_from_slice(v);
/// }
///
/// let mut img = [0u8; 0x300];
/// put(&mut img, 0, b"MZ");
/// assert_eq!(parse(&img), Err(PeError::PeHeaderOutOfBounds));
/// put(&mut img, 0x3c, &0x40u32.to_le_bytes()); // mz_hdr.peaddr
/// put(&mut img, 0x40, b"PE\0\0");
/// put(&mut img, 0x58, &0x020bu16.to_le_bytes()); // PE32+
/// put(&mut img, 0x58 + 60, &0x200u32.to_le_bytes()); // header_size
/// put(&mut img, 0x58 + 108, &16u32.to_le_bytes()); // data_dirs
/// assert_eq!(parse(&img), Err(PeError::Unsigned));
/// assert_eq!(PeError::Unsigned.errno_name(), "ENODATA");
///
/// // Certificate table at 0x200: win_certificate, then a 16-byte SEQUENCE.
/// put(&mut img, 0xc8 + 32, &0x200u32.to_le_bytes());
/// put(&mut img, 0xc8 + 36, &0x18u32.to_le_bytes());
/// put(&mut img, 0x200, &0x18u32.to_le_bytes());
/// put(&mut img, 0x204, &0x0200u16.to_le_bytes());
/// put(&mut img, 0x206, &0x0001u16.to_le_bytes());
/// assert_eq!(parse(&img), Err(PeError::BadCertType));
/// put(&mut img, 0x206, &0x0002u16.to_le_bytes());
/// put(&mut img, 0x208, &[0x30, 0x0e]);
/// let sig = parse(&img).unwrap();
/// assert_eq!((sig.checksum_offset, sig.cert_dirent_offset), (0x98, 0xe8));
/// assert_eq!((sig.pkcs7_offset, sig.pkcs7_len), (0x208, 16));
///
/// put(&mut img, 0x209, &[0x0f]);
/// let err = parse(&img).unwrap_err();
/// assert_eq!((err.errno_name(), err.message()), ("ELIBBAD", Some("Signature data not PKCS#7")));
/// ```
pub fn parse(image: &[u8]) -> Result<PeSignature, PeError> {
    // `pelen` is an `unsigned int` in C: keep its low 32 bits.
    let datalen = image.len() as u32 as usize;
    let buf = image.get(..datalen).unwrap_or(image);
    let sig = parse_binary(buf)?;
    strip_sig_wrapper(buf, sig)
}

/// Checks what C's digest stage (`pefile_digest_pe_contents()`) takes on
/// trust in an image [`parse`] accepted (`sig`): that there is at least one
/// section, and that the raw data of each section with any lies inside the
/// image. C reaches that stage only for a PKCS#7 message that a trusted key
/// signed, and then writes through `ZERO_SIZE_PTR` for an image without
/// sections and reads past the end of the image for a section that runs
/// past it; the loaders refuse both before the signature is checked.
///
/// ```
/// use kernel::kexec::pe::{check_sections, PeError, PeSignature};
///
/// let sig = PeSignature {
///     header_size: 0x200,
///     checksum_offset: 0x40,
///     cert_dirent_offset: 0x80,
///     n_data_dirents: 16,
///     sections_offset: 0x100,
///     n_sections: 0,
///     certs_offset: 0x400,
///     certs_size: 0x10,
///     pkcs7_offset: 0x408,
///     pkcs7_len: 0x8,
/// };
/// let img = [0u8; 0x410];
/// assert_eq!(check_sections(&img, &sig), Err(PeError::NoSections));
/// ```
pub fn check_sections(image: &[u8], sig: &PeSignature) -> Result<(), PeError> {
    use layout::{SECTION_HEADER_SIZE, SEC_DATA_ADDR, SEC_RAW_DATA_SIZE};
    // As in `parse`: C's `pelen` is the low 32 bits of the length.
    let datalen = image.len() as u32 as usize;
    if sig.n_sections == 0 {
        return Err(PeError::NoSections);
    }
    for i in 0..usize::from(sig.n_sections) {
        // `parse` checked the table lies below `header_size`, inside the
        // image; each read is bounds-checked all the same.
        let h = i
            .checked_mul(SECTION_HEADER_SIZE)
            .and_then(|o| o.checked_add(sig.sections_offset))
            .ok_or(PeError::TooManySections)?;
        let field = |off: usize| {
            let at = h.checked_add(off).ok_or(PeError::TooManySections)?;
            le32(image, at, PeError::TooManySections)
        };
        let (size, addr) = (field(SEC_RAW_DATA_SIZE)?, field(SEC_DATA_ADDR)?);
        // C skips a section without raw data.
        if size == 0 {
            continue;
        }
        let start = to_usize(addr, PeError::SectionPastEnd)?;
        let len = to_usize(size, PeError::SectionPastEnd)?;
        if !chkaddr(datalen, 0, start, len) {
            return Err(PeError::SectionPastEnd);
        }
    }
    Ok(())
}

/// `pefile_parse_binary()`. Fills everything but the PKCS#7 fields, which
/// hold the certificate table.
///
/// The offsets of fields are sums of a base that a check has placed inside
/// the image and a constant below 128; a slice is at most `isize::MAX`
/// bytes long, so none of them can overflow. Each read is bounds-checked
/// all the same.
fn parse_binary(buf: &[u8]) -> Result<PeSignature, PeError> {
    use layout::{
        DATA_DIRENT_SIZE, DATA_DIR_CERTS, MZ_HDR_MAGIC, MZ_HDR_SIZE, MZ_PEADDR, OPT_CSUM,
        OPT_HEADER_SIZE, OPT_MAGIC, PE32PLUS_DATA_DIRS, PE32PLUS_OPT_HDR_SIZE, PE32_DATA_DIRS,
        PE32_OPT_HDR_SIZE, PE_HDR_MAGIC, PE_HDR_SIZE, PE_SECTIONS, SECTION_HEADER_SIZE,
    };
    let datalen = buf.len();

    if !chkaddr(datalen, 0, 0, MZ_HDR_SIZE) {
        return Err(PeError::TooShort);
    }
    if le16(buf, MZ_HDR_MAGIC, PeError::TooShort)? != MZ_MAGIC {
        return Err(PeError::BadMzMagic);
    }
    let cursor = MZ_HDR_SIZE;

    let peaddr = to_usize(
        le32(buf, MZ_PEADDR, PeError::TooShort)?,
        PeError::PeHeaderOutOfBounds,
    )?;
    if !chkaddr(datalen, cursor, peaddr, PE_HDR_SIZE) {
        return Err(PeError::PeHeaderOutOfBounds);
    }
    let pe = peaddr;
    if le32(buf, pe + PE_HDR_MAGIC, PeError::PeHeaderOutOfBounds)? != PE_MAGIC {
        return Err(PeError::BadPeMagic);
    }
    // peaddr + 24 <= datalen: no overflow.
    let cursor = pe + PE_HDR_SIZE;

    if !chkaddr(datalen, 0, cursor, 2) {
        return Err(PeError::OptMagicTruncated);
    }
    let opt = cursor;
    let (opt_size, data_dirs) = match le16(buf, opt + OPT_MAGIC, PeError::OptMagicTruncated)? {
        PE_OPT_MAGIC_PE32 => (PE32_OPT_HDR_SIZE, PE32_DATA_DIRS),
        PE_OPT_MAGIC_PE32PLUS => (PE32PLUS_OPT_HDR_SIZE, PE32PLUS_DATA_DIRS),
        magic => return Err(PeError::UnknownOptMagic(magic)),
    };
    if !chkaddr(datalen, 0, cursor, opt_size) {
        return Err(PeError::OptHeaderTruncated);
    }
    // All of the optional header is inside the image from here on.
    let checksum_offset = opt + OPT_CSUM;
    let header_size = le32(buf, opt + OPT_HEADER_SIZE, PeError::OptHeaderTruncated)?;
    let n_data_dirents = le32(buf, opt + data_dirs, PeError::OptHeaderTruncated)?;
    let cursor = opt + opt_size;

    // C compares the `unsigned` header size with the `size_t` cursor and
    // length; a header size that does not fit a usize is past the end.
    let hsize = to_usize(header_size, PeError::BadHeaderSize)?;
    if cursor >= hsize || hsize >= datalen {
        return Err(PeError::BadHeaderSize);
    }
    // cursor < hsize: the subtraction cannot wrap.
    let room = hsize - cursor;
    let ndd = to_usize(n_data_dirents, PeError::TooManyDataDirs)?;
    if ndd > room / DATA_DIRENT_SIZE {
        return Err(PeError::TooManyDataDirs);
    }
    let ddir = cursor;
    // ndd * 8 <= room: no overflow, and the cursor stays <= hsize.
    let cursor = cursor + DATA_DIRENT_SIZE * ndd;

    // C reads `ddir->certs` even when `data_dirs` is below 5, and nothing
    // has checked that those 8 bytes are inside the image (only that
    // `ddir < header_size < datalen`). Where they are not, refuse with
    // the errno of the data directory check above.
    // ddir < datalen and a slice is at most `isize::MAX` bytes: no overflow.
    let cert_dirent_offset = ddir + DATA_DIR_CERTS;
    if !chkaddr(datalen, 0, cert_dirent_offset, DATA_DIRENT_SIZE) {
        return Err(PeError::CertDirentPastEnd);
    }
    let cert_va = le32(buf, cert_dirent_offset, PeError::CertDirentPastEnd)?;
    let certs_size = le32(buf, cert_dirent_offset + 4, PeError::CertDirentPastEnd)?;
    if cert_va == 0 || certs_size == 0 {
        return Err(PeError::Unsigned);
    }

    let certs_offset = to_usize(cert_va, PeError::CertTableOutOfBounds)?;
    let certs_len = to_usize(certs_size, PeError::CertTableOutOfBounds)?;
    if !chkaddr(datalen, hsize, certs_offset, certs_len) {
        return Err(PeError::CertTableOutOfBounds);
    }

    let n_sections = le16(buf, pe + PE_SECTIONS, PeError::PeHeaderOutOfBounds)?;
    // cursor <= hsize (see above): the subtraction cannot wrap.
    if usize::from(n_sections) > (hsize - cursor) / SECTION_HEADER_SIZE {
        return Err(PeError::TooManySections);
    }

    Ok(PeSignature {
        header_size,
        checksum_offset,
        cert_dirent_offset,
        n_data_dirents,
        sections_offset: cursor,
        n_sections,
        certs_offset,
        certs_size,
        pkcs7_offset: certs_offset,
        pkcs7_len: certs_len,
    })
}

/// `pefile_strip_sig_wrapper()`: checks the `win_certificate` at the start
/// of the certificate table and the ASN.1 header after it, and narrows the
/// PKCS#7 fields to the message.
fn strip_sig_wrapper(buf: &[u8], mut sig: PeSignature) -> Result<PeSignature, PeError> {
    use layout::{WIN_CERT_LENGTH, WIN_CERT_REVISION, WIN_CERT_SIZE, WIN_CERT_TYPE};
    let datalen = buf.len();
    // C keeps both as `unsigned`.
    let sig_offset = sig.certs_offset;
    let mut sig_len: u32 = sig.certs_size;

    if to_usize(sig_len, PeError::WrapperTooShort)? < WIN_CERT_SIZE {
        return Err(PeError::WrapperTooShort);
    }
    // The table is inside the image (chkaddr) and holds at least 8 bytes.
    let err = PeError::WrapperTooShort;
    let length = le32(buf, sig_offset + WIN_CERT_LENGTH, err)?;
    let revision = le16(buf, sig_offset + WIN_CERT_REVISION, err)?;
    let cert_type = le16(buf, sig_offset + WIN_CERT_TYPE, err)?;

    if length > sig_len {
        return Err(PeError::WrapperTooLong { sig_len, length });
    }
    if revision != WIN_CERT_REVISION_2_0 {
        return Err(PeError::BadRevision);
    }
    if cert_type != WIN_CERT_TYPE_PKCS_SIGNED_DATA {
        return Err(PeError::BadCertType);
    }

    sig_len = length;
    // sig_offset + 8 <= sig_offset + certs_size <= datalen: no overflow.
    let sig_offset = sig_offset + WIN_CERT_SIZE;
    // As C's `unsigned` arithmetic: a `length` below 8 wraps to about 4G
    // and passes the check below.
    sig_len = sig_len.wrapping_sub(WIN_CERT_SIZE as u32);
    if sig_len < 4 {
        return Err(PeError::SigDataMissing);
    }

    // C reads pkcs7[0] to pkcs7[3] unchecked. With `length >= 12` they are
    // inside the table, so inside the image. Only when `length` wrapped can
    // they lie past the end: then refuse as the `sig_len < 4` check above
    // was meant to.
    let err = PeError::UnderflowDataPastEnd;
    let at = |k: usize| byte(buf, sig_offset.checked_add(k).ok_or(err)?, err);
    if at(0)? != ASN1_CONS_SEQ {
        return Err(PeError::NotPkcs7);
    }
    let len: u32 = match at(1)? {
        l @ 0..=0x7f => u32::from(l) + 2,
        ASN1_INDEFINITE_LENGTH => sig_len,
        0x81 => u32::from(at(2)?) + 3,
        0x82 => ((u32::from(at(2)?) << 8) | u32::from(at(3)?)) + 4,
        _ => return Err(PeError::Asn1LengthTooLong),
    };
    // check_len: (always true for an indefinite length, which C returns
    // without checking).
    if len > sig_len {
        return Err(PeError::NotPkcs7);
    }
    // With `length >= 8`, len <= length - 8 keeps the message inside the
    // table. When `length` wrapped, C hands a message that may run past the
    // end to the PKCS#7 parser (always so for an indefinite length): refuse
    // as C's length check above was meant to.
    let pkcs7_len = to_usize(len, PeError::UnderflowBlobPastEnd)?;
    match sig_offset.checked_add(pkcs7_len) {
        Some(end) if end <= datalen => {}
        _ => return Err(PeError::UnderflowBlobPastEnd),
    }
    sig.pkcs7_offset = sig_offset;
    sig.pkcs7_len = pkcs7_len;
    Ok(sig)
}
