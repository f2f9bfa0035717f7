// SPDX-License-Identifier: GPL-2.0

//! The `core`-only parsers of `rust/kernel/kexec/`, built for the host so
//! that `cargo test` and fuzz targets run the same code the kernel runs.

#![no_std]

#[path = "../../../../../../rust/kernel/kexec/bzimage.rs"]
pub mod bzimage;
#[path = "../../../../../../rust/kernel/kexec/pe.rs"]
pub mod pe;
#[path = "../../../../../../rust/kernel/kexec/purgatory.rs"]
pub mod purgatory;
#[path = "../../../../../../rust/kernel/kexec/entries.rs"]
pub mod entries;
