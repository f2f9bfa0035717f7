// SPDX-License-Identifier: GPL-2.0

//! The x86_64 kexec hand-off, in Rust.
//!
//! `machine_kexec_prepare()`, `machine_kexec_post_load()` and
//! `machine_kexec()` in `arch/x86/kernel/machine_kexec_64.c` call these when
//! `kexec_rust_handoff` is set (the default with
//! `CONFIG_KEXEC_BZIMAGE64_RUST`); the CPU state changes and the call of
//! `relocate_kernel` stay in C, the assembly is unchanged. What is checked
//! and why is in `rust/kernel/kexec/entries.rs` and
//! `Documentation/admin-guide/kexec-rust.rst`.

use kernel::{
    bindings,
    kexec::x86::handoff::{self, Kimage},
    kexec_dprintk,
    prelude::*,
};
use core::ffi::{c_int, c_ulong};

const __LOG_PREFIX: &[u8] = b"kexec\0";

/// Builds the identity-mapped page table of `image`.
///
/// # Safety
///
/// Called by `machine_kexec_prepare()`: `image` is a valid kimage with its
/// segments set, and the caller holds `kexec_lock`.
#[no_mangle]
pub unsafe extern "C" fn rust_machine_kexec_prepare(image: *mut bindings::kimage) -> c_int {
    // SAFETY: as the function's safety requirement says.
    let mut k = unsafe { Kimage::from_raw(image) };
    match handoff::prepare(&mut k) {
        Ok(()) => 0,
        Err(e) => {
            pr_err!("hand-off page table not built ({:?})\n", e);
            e.to_errno()
        }
    }
}

/// Checks a loaded `image` before the core installs it; a refusal fails the
/// load (`-EINVAL`) and leaves the running kernel as it was.
///
/// # Safety
///
/// Called by `machine_kexec_post_load()`: `image` is a valid, fully loaded
/// kimage (its list terminated), and the caller holds `kexec_lock`.
#[no_mangle]
pub unsafe extern "C" fn rust_machine_kexec_post_load(image: *mut bindings::kimage) -> c_int {
    // SAFETY: as the function's safety requirement says.
    let k = unsafe { Kimage::from_raw(image) };
    match handoff::check(&k) {
        Ok(c) => {
            kexec_dprintk!(
                "hand-off checked: {} segments, {} pages in {} runs, {} indirection pages, {} table pages, entry {:#x} in segment {}{}\n",
                c.segments,
                c.stats.pages,
                c.stats.destinations,
                c.stats.indirections,
                c.table_pages,
                // SAFETY: `image` is valid (function safety requirement).
                unsafe { (*image).start },
                c.entry_segment,
                if c.purgatory { " (purgatory)" } else { "" }
            );
            0
        }
        Err(e) => {
            pr_err!("hand-off refused: {}\n", e);
            EINVAL.to_errno()
        }
    }
}

/// Checks `image` again and fills its control page and `page_list` for
/// `relocate_kernel`; non-zero means: do not jump.
///
/// # Safety
///
/// Called by `machine_kexec()` before it turns interrupts off: `image` is
/// the loaded kimage (`kexec_lock` held by `kernel_kexec()`), `page_list`
/// points to `PAGES_NR` writable `unsigned long`s.
#[no_mangle]
pub unsafe extern "C" fn rust_machine_kexec_control(
    image: *mut bindings::kimage,
    page_list: *mut c_ulong,
) -> c_int {
    // SAFETY: as the function's safety requirement says.
    let k = unsafe { Kimage::from_raw(image) };
    // SAFETY: `page_list` is an array of `PAGES_NR` `unsigned long`s, which
    // are `u64` on x86_64, and nothing else uses it during the call.
    let list = unsafe { &mut *page_list.cast::<[u64; bindings::PAGES_NR as usize]>() };
    match handoff::control_page(&k, list) {
        Ok(c) => {
            pr_info!(
                "hand-off checked: {} segments, {} pages, {} indirection pages, {} table pages, entry {:#x} in segment {}\n",
                c.segments,
                c.stats.pages,
                c.stats.indirections,
                c.table_pages,
                // SAFETY: `image` is valid (function safety requirement).
                unsafe { (*image).start },
                c.entry_segment
            );
            0
        }
        Err(e) => {
            pr_emerg!("hand-off refused, not jumping: {}\n", e);
            EINVAL.to_errno()
        }
    }
}
