// SPDX-License-Identifier: GPL-2.0

//! The errors the `core`-only kexec parsers answer with, by name.
//!
//! The parsers in this directory are also built on the host (tests, fuzz
//! targets), where the kernel's [`Error`](crate::error::Error) does not
//! exist. Each of their error types says which of these errnos the C code
//! returns for the same input; `rust/kernel/kexec.rs` turns that into the
//! kernel's error with `code::*`, and the host tests map the names to
//! Linux's values.

/// An errno a kexec parser answers with (the C code returns its negation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms)]
pub enum Errno {
    /// Not an image of this format, or a malformed one.
    ENOEXEC,
    /// Out of memory (C's allocation of a zero-sized buffer).
    ENOMEM,
    /// A value out of range.
    EINVAL,
    /// No signature.
    ENODATA,
    /// An ASN.1 length that does not fit.
    EMSGSIZE,
    /// A malformed PE file or signature wrapper.
    ELIBBAD,
    /// A signature whose data is missing.
    EKEYREJECTED,
    /// A signature of a type or revision that is not supported.
    ENOTSUPP,
}

impl Errno {
    /// The errno's name, as user space and the kernel's headers spell it.
    pub fn name(self) -> &'static str {
        match self {
            Self::ENOEXEC => "ENOEXEC",
            Self::ENOMEM => "ENOMEM",
            Self::EINVAL => "EINVAL",
            Self::ENODATA => "ENODATA",
            Self::EMSGSIZE => "EMSGSIZE",
            Self::ELIBBAD => "ELIBBAD",
            Self::EKEYREJECTED => "EKEYREJECTED",
            Self::ENOTSUPP => "ENOTSUPP",
        }
    }
}
