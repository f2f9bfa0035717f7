// SPDX-License-Identifier: GPL-2.0

//! The `core`-only parsers of `rust/kernel/kexec/` and the Rust purgatory's
//! digest, built for the host so that `cargo test`, the fuzz targets and
//! `make bench` run the same code the kernel runs.

#![no_std]

#[path = "../../../../../../rust/kernel/kexec/bzimage.rs"]
pub mod bzimage;
#[path = "../../../../../../rust/kernel/kexec/pe.rs"]
pub mod pe;
#[path = "../../../../../../rust/kernel/kexec/purgatory.rs"]
pub mod purgatory;
#[path = "../../../../../../rust/kernel/kexec/entries.rs"]
pub mod entries;
#[path = "../../../../../../rust/kernel/kexec/uki.rs"]
pub mod uki;
#[path = "../../../../../../rust/kernel/kexec/errno.rs"]
pub mod errno;
/// The Rust purgatory's digest (`arch/x86/purgatory/sha256_rust.rs`).
#[path = "../../../../../../arch/x86/purgatory/sha256_rust.rs"]
pub mod sha256;

/// Linux's value of an errno, to compare with what C returns.
pub fn errno_value(e: errno::Errno) -> u32 {
    use errno::Errno::*;
    match e {
        ENOEXEC => 8,
        ENOMEM => 12,
        EINVAL => 22,
        ENODATA => 61,
        ELIBBAD => 80,
        EMSGSIZE => 90,
        EKEYREJECTED => 129,
        ENOTSUPP => 524,
    }
}
