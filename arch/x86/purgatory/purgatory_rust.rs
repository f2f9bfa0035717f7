// SPDX-License-Identifier: GPL-2.0

//! The purgatory's check, in Rust (`CONFIG_KEXEC_PURGATORY_RUST`).
//!
//! `relocate_kernel` jumps to `purgatory_start` (`setup-x86_64.S`), which
//! calls [`purgatory`] on the purgatory's own stack, then goes on to
//! `entry64.S` and the next kernel. [`purgatory`] checks the SHA-256 digest
//! of the regions the loader listed in [`purgatory_sha_regions`] against
//! [`purgatory_sha256_digest`], as `purgatory.c` does, and never returns if
//! they differ: the new kernel is not started from memory that changed
//! after it was loaded.
//!
//! The digest runs on the SHA extensions (SHA-NI) where CPUID reports them,
//! with SSE enabled in `CR0`/`CR4` for the time of the check and both
//! registers then put back as `relocate_kernel` left them; elsewhere on the
//! portable engine. When the loader named a serial port in
//! [`purgatory_serial_port`], a mismatch is reported there before the
//! purgatory stops.
//!
//! Nothing here may panic or call into `core`'s compiled code:
//! `purgatory.chk` is linked from the purgatory's objects alone.

#![allow(non_upper_case_globals)]

pub mod sha256_rust;

use core::arch::asm;
use core::ptr::addr_of;
use sha256_rust::{Engine, Sha256, ShaNiCpu, SseEnabled, DIGEST_SIZE};

/// Regions in the digest: the segments of the image (`KEXEC_SEGMENT_MAX`).
const KEXEC_SEGMENT_MAX: usize = 16;

/// One region of the digest, `struct kexec_sha_region`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct KexecShaRegion {
    /// Physical address.
    pub start: u64,
    /// Length in bytes; unused regions have 0 and are skipped.
    pub len: u64,
}

// The kexec core writes these three through the purgatory's symbol table
// (`kexec_purgatory_get_set_symbol()`), which refuses symbols in NOBITS
// sections: they live in `.kexec-purgatory`, a data section, like C's.

/// The digest the loader computed over the regions.
#[no_mangle]
#[link_section = ".kexec-purgatory"]
pub static mut purgatory_sha256_digest: [u8; DIGEST_SIZE] = [0; DIGEST_SIZE];

/// The regions of the digest, in the order they were hashed.
#[no_mangle]
#[link_section = ".kexec-purgatory"]
pub static mut purgatory_sha_regions: [KexecShaRegion; KEXEC_SEGMENT_MAX] =
    [KexecShaRegion { start: 0, len: 0 }; KEXEC_SEGMENT_MAX];

/// The I/O port of an 8250 UART the next kernel's console is on, set by the
/// Rust loader from its command line; 0, or anything but one of the four
/// standard 8250 ports ([`UART_PORTS`]): say nothing.
#[no_mangle]
#[link_section = ".kexec-purgatory"]
pub static mut purgatory_serial_port: u16 = 0;

/// The ports the purgatory writes a report to: those of `ttyS0` to `ttyS3`.
/// The command line that names the port is not signed; any other I/O port
/// (0xcf9 resets the machine) is left alone.
const UART_PORTS: [u16; 4] = [0x3f8, 0x2f8, 0x3e8, 0x2e8];

const X86_CR0_EM: u64 = 1 << 2;
const X86_CR0_TS: u64 = 1 << 3;
const X86_CR4_OSFXSR: u64 = 1 << 9;

fn read_cr0() -> u64 {
    let v;
    // SAFETY: reading CR0 has no side effect; the purgatory runs at CPL 0.
    unsafe { asm!("mov {}, cr0", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

fn read_cr4() -> u64 {
    let v;
    // SAFETY: as for `read_cr0`.
    unsafe { asm!("mov {}, cr4", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

/// Writes CR0.
///
/// # Safety
///
/// Only the EM and TS bits may differ from the current value.
unsafe fn write_cr0(v: u64) {
    // SAFETY: the caller changes no bit but EM and TS, which only decide
    // whether FPU/SSE instructions trap; nothing here uses them meanwhile.
    unsafe { asm!("mov cr0, {}", in(reg) v, options(nostack, preserves_flags)) };
}

/// Writes CR4.
///
/// # Safety
///
/// Only the OSFXSR bit may differ from the current value.
unsafe fn write_cr4(v: u64) {
    // SAFETY: the caller changes no bit but OSFXSR, which only decides
    // whether SSE instructions are allowed.
    unsafe { asm!("mov cr4, {}", in(reg) v, options(nostack, preserves_flags)) };
}

/// SSE enabled for as long as it lives, then CR0 and CR4 as they were.
struct SseOn {
    cr0: u64,
    cr4: u64,
}

impl SseOn {
    fn new() -> Self {
        let (cr0, cr4) = (read_cr0(), read_cr4());
        // SAFETY: only EM, TS and OSFXSR change: SSE instructions are then
        // allowed, and this CPU has them (every x86_64 CPU does).
        unsafe {
            write_cr0(cr0 & !(X86_CR0_EM | X86_CR0_TS));
            write_cr4(cr4 | X86_CR4_OSFXSR);
        }
        SseOn { cr0, cr4 }
    }

    /// The consent to SSE this guard gives, for as long as it lives.
    fn enabled(&self) -> SseEnabled<'_> {
        // SAFETY: `new` cleared EM and TS and set OSFXSR, and `drop` restores
        // them only when the guard is gone, which the borrow outlives not.
        unsafe { SseEnabled::new() }
    }
}

impl Drop for SseOn {
    fn drop(&mut self) {
        // SAFETY: the values read in `new`, which differ from the current
        // ones in EM, TS and OSFXSR only.
        unsafe {
            write_cr4(self.cr4);
            write_cr0(self.cr0);
        }
    }
}

fn inb(port: u16) -> u8 {
    let v;
    // SAFETY: reading a UART register of the port the loader named.
    unsafe {
        asm!("in al, dx", out("al") v, in("dx") port, options(nomem, nostack, preserves_flags))
    };
    v
}

fn outb(port: u16, v: u8) {
    // SAFETY: writing the transmit register of the port the loader named.
    unsafe {
        asm!("out dx, al", in("dx") port, in("al") v, options(nomem, nostack, preserves_flags))
    };
}

/// A polled 8250 UART, already set up by the kernel that loaded the image.
struct Serial(u16);

impl Serial {
    fn putc(&self, c: u8) {
        // Wait for the transmit holding register (LSR bit 5), but not
        // forever: a port with no UART reads 0xff, a stuck one never frees.
        for _ in 0..100_000 {
            if inb(self.0.wrapping_add(5)) & 0x20 != 0 {
                break;
            }
        }
        outb(self.0, c);
    }

    fn puts(&self, s: &[u8]) {
        for &c in s {
            if c == b'\n' {
                self.putc(b'\r');
            }
            self.putc(c);
        }
    }

    /// `v` in base `B` (10 or 16), without a prefix. A constant base: no
    /// division here may need a zero check, which would call into core.
    fn num<const B: u64>(&self, v: u64) {
        let mut digits = [0u8; 20];
        let (mut n, mut v) = (0, v);
        loop {
            if let Some(d) = digits.get_mut(n) {
                *d = b"0123456789abcdef"[(v % B & 0xf) as usize];
            }
            n += 1;
            v /= B;
            if v == 0 || n == digits.len() {
                break;
            }
        }
        for &d in digits.iter().take(n).rev() {
            self.putc(d);
        }
    }
}

/// The digest of the listed regions, how many there are and how many bytes
/// they hold; `None` for a region that cannot be read.
fn digest_regions(engine: Engine<'_>) -> Option<([u8; DIGEST_SIZE], u64, u64)> {
    let mut s = Sha256::new(engine);
    let (mut count, mut bytes) = (0, 0u64);
    // SAFETY: the loader wrote the regions before the jump; nothing else
    // runs now. Read by value: the static is never referenced.
    let regions = unsafe { addr_of!(purgatory_sha_regions).read_volatile() };
    for r in regions.iter().filter(|r| r.len != 0) {
        if r.start == 0 {
            // No loader places a segment at physical 0 (x86 keeps page 0
            // from the allocator), and no slice may start there: refused
            // like a mismatch.
            return None;
        }
        // SAFETY: `start` is not null (above) and each region is a segment
        // of the image, which relocate_kernel copied into place and the
        // identity map it runs on covers, `len` bytes long (a segment size,
        // far below `isize::MAX`). No CPU writes to it while the purgatory
        // runs (the others are stopped), but a device the old kernel did not
        // quiesce may still write to it by DMA: that is what the digest is
        // there to catch. Such a write races with these reads as it does
        // with C's; the bytes are only read, once each, and any value is a
        // valid `u8`, so the worst it does is change the digest.
        let data = unsafe { core::slice::from_raw_parts(r.start as *const u8, r.len as usize) };
        s.update(data);
        count += 1;
        bytes = bytes.wrapping_add(r.len);
    }
    Some((s.finish(), count, bytes))
}

/// What `memcpy()` of `arch/x86/boot/compressed/string.c` (linked into the
/// purgatory) calls on overlapping buffers; as in `purgatory.c`, there is
/// nowhere to report it.
#[no_mangle]
pub extern "C" fn warn(_msg: *const core::ffi::c_char) {}

/// Called by `purgatory_start` before the jump to the next kernel: returns
/// if the digest matches, loops forever otherwise.
#[no_mangle]
pub extern "C" fn purgatory() {
    // SHA-NI where CPUID offers it, with SSE enabled only around it.
    let (name, result) = match ShaNiCpu::detect() {
        Some(cpu) => {
            let sse = SseOn::new();
            let engine = Engine::sha_ni(cpu, sse.enabled());
            (engine.name(), digest_regions(engine))
        }
        None => {
            let engine = Engine::portable();
            (engine.name(), digest_regions(engine))
        }
    };
    // SAFETY: written by the loader before the jump; read by value.
    let want = unsafe { addr_of!(purgatory_sha256_digest).read_volatile() };
    let (count, bytes) = match result {
        Some((digest, _, _)) if digest == want => return,
        Some((_, count, bytes)) => (count, bytes),
        None => (0, 0),
    };
    // SAFETY: as for `want`.
    let port = unsafe { addr_of!(purgatory_serial_port).read_volatile() };
    if UART_PORTS.iter().any(|&p| p == port) {
        let s = Serial(port);
        s.puts(b"\npurgatory: sha256 digest mismatch (");
        s.puts(name.as_bytes());
        s.puts(b", ");
        s.num::<10>(count);
        s.puts(b" regions, ");
        s.puts(b"0x");
        s.num::<16>(bytes);
        s.puts(b" bytes): a segment changed after the load, not starting the new kernel\n");
    }
    loop {
        core::hint::spin_loop();
    }
}
