// SPDX-License-Identifier: GPL-2.0

//! Fuzz target over `rust/kernel/kexec/pe.rs`.
//!
//! The input is a PE image (an EFI-stub bzImage with its signature). It is
//! parsed as `verify_pefile_signature()` parses it before the crypto; a
//! result is checked for being inside the image and consistent, and every
//! error must print (errno, C's warning). Any panic is a finding.

#![no_main]

mod common;

use common::get_u32;
use kexec_parsers::pe::{check_sections, layout, parse, PeError, PeSignature, ASN1_CONS_SEQ};
use libfuzzer_sys::fuzz_target;

use std::fmt::Write;

fuzz_target!(|data: &[u8]| {
    let res = parse(data);
    // The same bytes give the same answer.
    assert_eq!(res, parse(data), "parse is not deterministic");
    match res {
        Ok(sig) => {
            check_sig(data, &sig);
            // What the digest stage takes on trust: when accepted, every
            // section with raw data lies inside the image.
            match check_sections(data, &sig) {
                Ok(()) => check_sections_inside(data, &sig),
                Err(e) => {
                    assert!(
                        matches!(e, PeError::NoSections | PeError::SectionPastEnd),
                        "{e:?}"
                    );
                    check_err(e);
                }
            }
        }
        Err(e) => check_err(e),
    }
});

fn check_sections_inside(img: &[u8], s: &PeSignature) {
    assert!(s.n_sections > 0);
    for i in 0..usize::from(s.n_sections) {
        let h = s.sections_offset + i * layout::SECTION_HEADER_SIZE;
        let size = get_u32(img, h + layout::SEC_RAW_DATA_SIZE) as usize;
        let addr = get_u32(img, h + layout::SEC_DATA_ADDR) as usize;
        assert!(size == 0 || addr + size <= img.len(), "section {i}: {addr:#x}+{size:#x}");
    }
}

fn check_sig(img: &[u8], s: &PeSignature) {
    let len = img.len();
    let hsize = s.header_size as usize;
    let certs_size = s.certs_size as usize;

    // Headers: the checksum and the data directory lie before the end of
    // the headers, the section table ends inside them, the headers end
    // inside the image.
    assert!(hsize < len, "header_size {hsize:#x} >= image {len:#x}");
    assert!(s.checksum_offset >= layout::MZ_HDR_SIZE + layout::PE_HDR_SIZE);
    assert!(s.checksum_offset + 4 <= s.sections_offset);
    assert_eq!(
        s.sections_offset - (s.n_data_dirents as usize) * layout::DATA_DIRENT_SIZE + layout::DATA_DIR_CERTS,
        s.cert_dirent_offset,
        "certificate entry is not the fifth of the data directory"
    );
    assert!(s.cert_dirent_offset + layout::DATA_DIRENT_SIZE <= len);
    assert!(
        s.sections_offset + usize::from(s.n_sections) * layout::SECTION_HEADER_SIZE <= hsize,
        "section table past header_size"
    );

    // The certificate table: after the headers, inside the image, and what
    // the directory entry says.
    assert_eq!(get_u32(img, s.cert_dirent_offset) as usize, s.certs_offset);
    assert_eq!(get_u32(img, s.cert_dirent_offset + 4), s.certs_size);
    assert!(s.certs_offset >= hsize, "certificate table inside the headers");
    assert!(certs_size >= layout::WIN_CERT_SIZE);
    assert!(certs_size < len);
    assert!(s.certs_offset + certs_size <= len, "certificate table past the end");

    // The PKCS#7 message: right after win_certificate, inside the image,
    // a SEQUENCE, and inside the table unless win_certificate.length
    // wrapped (C's behaviour, see PeError::UnderflowBlobPastEnd).
    assert_eq!(s.pkcs7_offset, s.certs_offset + layout::WIN_CERT_SIZE);
    assert!(s.pkcs7_len >= 2);
    let msg = s.pkcs7(img).expect("PKCS#7 message past the end of the image");
    assert_eq!(msg.len(), s.pkcs7_len);
    assert_eq!(msg[0], ASN1_CONS_SEQ);
    let wlen = get_u32(img, s.certs_offset) as usize;
    assert!(wlen <= certs_size, "win_certificate.length > table size");
    if wlen >= layout::WIN_CERT_SIZE {
        assert!(
            s.pkcs7_offset + s.pkcs7_len <= s.certs_offset + wlen,
            "PKCS#7 message past win_certificate.length"
        );
    }
    // A definite ASN.1 length is what the message says.
    let def = match msg[1] {
        l @ 0..=0x7f => Some(usize::from(l) + 2),
        0x81 => Some(usize::from(msg[2]) + 3),
        0x82 => Some(((usize::from(msg[2]) << 8) | usize::from(msg[3])) + 4),
        0x80 => None,
        b => panic!("accepted ASN.1 length byte {b:#x}"),
    };
    if let Some(n) = def {
        assert_eq!(n, s.pkcs7_len, "PKCS#7 length is not the ASN.1 length");
    }
}

fn check_err(e: PeError) {
    let mut s = String::new();
    write!(s, "{e}").unwrap();
    assert!(!s.is_empty());
    let v = kexec_parsers::errno_value(e.errno());
    assert!(matches!(v, 61 | 80 | 90 | 129 | 524), "errno {v}");
    assert!(!e.errno_name().is_empty());
    if let Some(m) = e.message() {
        // The printed text is C's format with its values filled in.
        let head = m.split('%').next().unwrap();
        assert!(s.starts_with(head), "{s:?} does not start like {m:?}");
    }
}
