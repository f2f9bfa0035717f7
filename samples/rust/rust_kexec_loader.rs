// SPDX-License-Identifier: GPL-2.0

//! Rust kexec image loader sample.
//!
//! A loader for a made-up format, registered from a module: a flat 64-bit
//! program behind a 32-byte header.
//!
//! | offset | size | field                                              |
//! | ------ | ---- | -------------------------------------------------- |
//! | 0      | 8    | magic `KXFLAT64`                                   |
//! | 8      | 4    | `header_size`: where the program starts (>= 32)    |
//! | 12     | 4    | `flags`: 0                                         |
//! | 16     | 8    | `entry`: offset of the entry point in the program  |
//! | 24     | 8    | `mem_size`: memory the program needs, 0 for its size |
//!
//! The program is placed at a page-aligned address and entered in 64-bit
//! mode, identity-mapped, by the kernel's purgatory (which first checks the
//! digests of the segments). Everything here uses the safe kexec
//! abstractions of the `kernel` crate: copy it to write a loader for a new
//! format.

use kernel::{
    c_str,
    kexec::{self, x86, Load, Placement},
    module_kexec_loader,
    prelude::*,
};

module_kexec_loader! {
    type: FlatLoader,
    name: "rust_kexec_loader",
    author: "Rust for Linux Contributors",
    description: "Rust kexec image loader sample",
    license: "GPL",
}

const MAGIC: &[u8; 8] = b"KXFLAT64";
const HEADER_SIZE: usize = 32;
const PAGE_SIZE: usize = kernel::page::PAGE_SIZE;
/// Lowest addresses of the program and of the purgatory.
const MIN_LOAD_ADDR: usize = 0x100000;
const MIN_PURGATORY_ADDR: usize = 0x3000;

/// The fields of the header.
struct Header {
    header_size: usize,
    entry: usize,
    mem_size: usize,
}

fn u32_at(image: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        image.get(off..off + 4)?.try_into().ok()?,
    ))
}

fn u64_at(image: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        image.get(off..off + 8)?.try_into().ok()?,
    ))
}

/// Reads and checks the header: every value from the file is checked
/// before it is used, and a bad one is `EINVAL` with a message.
fn parse(image: &[u8]) -> Result<Header> {
    if image.len() < HEADER_SIZE || &image[..8] != MAGIC {
        return Err(ENOEXEC);
    }
    let bad = |what: &str| {
        pr_err!("flat image: {}\n", what);
        EINVAL
    };
    let header_size = u32_at(image, 8).ok_or(EINVAL)? as usize;
    let flags = u32_at(image, 12).ok_or(EINVAL)?;
    let entry = u64_at(image, 16).ok_or(EINVAL)?;
    let mem_size = u64_at(image, 24).ok_or(EINVAL)?;
    if header_size < HEADER_SIZE || header_size >= image.len() {
        return Err(bad("header_size outside the file"));
    }
    if flags != 0 {
        return Err(bad("unknown flags"));
    }
    let size = image.len() - header_size;
    let entry = usize::try_from(entry).map_err(|_| bad("entry point outside the program"))?;
    if entry >= size {
        return Err(bad("entry point outside the program"));
    }
    let mem_size = usize::try_from(mem_size)
        .ok()
        .map(|m| m.max(size))
        .and_then(|m| m.checked_next_multiple_of(PAGE_SIZE))
        .ok_or_else(|| bad("mem_size too large"))?;
    Ok(Header {
        header_size,
        entry,
        mem_size,
    })
}

struct FlatLoader;

#[vtable]
impl kexec::Loader for FlatLoader {
    type Data = ();

    fn probe(image: &[u8]) -> Result {
        // Not ours: ENOEXEC, and the next loader gets its chance.
        if image.get(..8) == Some(&MAGIC[..]) {
            Ok(())
        } else {
            Err(ENOEXEC)
        }
    }

    fn load(ld: &mut Load<'_>) -> Result<()> {
        let h = parse(ld.kernel())?;
        let program = h.header_size..ld.kernel().len();
        let addr = ld.add_kernel_segment(
            program,
            h.mem_size,
            Placement::high(MIN_LOAD_ADDR, PAGE_SIZE),
        )?;
        // The purgatory checks the segments' digests, then jumps to `rip`.
        ld.load_purgatory(Placement::high(MIN_PURGATORY_ADDR, 0))?;
        let mut regs: x86::EntryRegs = ld.purgatory_get(c_str!("entry64_regs"))?;
        regs.rip = (addr + h.entry) as u64;
        regs.rsp = ld.purgatory_symbol_addr(c_str!("stack_end"))?;
        ld.purgatory_set(c_str!("entry64_regs"), &regs)?;
        pr_info!(
            "flat image: 0x{:x} bytes at 0x{:x}, entry 0x{:x}\n",
            h.mem_size,
            addr,
            regs.rip
        );
        Ok(())
    }

    /// The format carries no signature, so this is no signature check: it
    /// answers `Ok` for every well-formed header, to show what the kernel
    /// does with a registered loader's answer. While signatures are
    /// enforced (`KEXEC_SIG_FORCE`, `sig_enforce`, lockdown), the kernel
    /// also runs its own check on an image a module loads (a PE signature
    /// against its keyrings, or IMA appraisal) and refuses the image if
    /// that fails, whatever this says: a flat image is then refused. A
    /// loader for a signed format checks the signature here.
    fn verify_sig(image: &[u8]) -> Result {
        parse(image).map(|_| ())
    }
}
