// SPDX-License-Identifier: GPL-2.0

//! Fuzz target over `rust/kernel/kexec/uki.rs`.
//!
//! The input is a Unified Kernel Image. Whatever the bytes, parsing must not
//! panic; a UKI it accepts has a `.linux` section, every section inside the
//! file, no two overlapping, and a command line without a NUL (the text up
//! to the first one); every error prints a reason and maps to an errno.

#![no_main]

use kexec_parsers::uki::{parse, UkiError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let res = parse(data);
    assert_eq!(res, parse(data), "parse is not deterministic");
    match res {
        Ok(u) => {
            let secs: Vec<_> = u.sections.iter().flatten().collect();
            for r in &secs {
                assert!(
                    r.start <= r.end && r.end <= data.len(),
                    "{r:?} outside {}",
                    data.len()
                );
            }
            for (i, a) in secs.iter().enumerate() {
                for b in &secs[i + 1..] {
                    let empty = a.is_empty() || b.is_empty();
                    assert!(
                        empty || a.end <= b.start || b.end <= a.start,
                        "{a:?} overlaps {b:?}"
                    );
                }
            }
            assert!(u.sections[0].is_some(), "accepted without .linux");
            if let Some(r) = u.sections[2].clone() {
                let c = u
                    .cmdline(data)
                    .expect("a .cmdline section without a command line");
                assert!(!c.contains(&0), "NUL inside the command line");
                assert_eq!(&data[r.start..r.start + c.len()], c);
            }
        }
        Err(e) => {
            assert!(!format!("{e}").is_empty());
            let v = kexec_parsers::errno_value(e.errno());
            assert!(matches!(v, 8 | 80), "errno {v}");
            if e != UkiError::NotUki {
                assert!(format!("{e}").starts_with("UKI "));
            }
        }
    }
});
