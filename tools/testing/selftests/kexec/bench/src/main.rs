// SPDX-License-Identifier: GPL-2.0

//! The purgatory's digest on the host, side by side in one run: the C
//! purgatory's `sha256()` (lib/crypto/sha256.c as Kbuild compiled it for the
//! purgatory, linked in) against the Rust purgatory's portable and SHA-NI
//! engines (arch/x86/purgatory/sha256_rust.rs, built at the kernel's
//! optimization level). For each buffer size (MiB, arguments; the buffer
//! on huge pages, as the purgatory's identity map is), the best of
//! a few runs of each: one line "digest MIB NAME MB_PER_S" per engine, after
//! checking that all engines agree, and the speed at which the buffer is
//! only read ("read"), the memory's ceiling for any digest.

use kexec_parsers::sha256::{digest, Engine, ShaNiCpu, SseEnabled, DIGEST_SIZE};
use std::time::Instant;

extern "C" {
    /// `void sha256(const u8 *data, unsigned int len, u8 *out)`.
    fn sha256(data: *const u8, len: u32, out: *mut u8);
}

fn c_digest(data: &[u8]) -> [u8; DIGEST_SIZE] {
    let mut out = [0u8; DIGEST_SIZE];
    let len = u32::try_from(data.len()).expect("C's sha256() takes an unsigned int length");
    // SAFETY: `data` is `len` readable bytes and `out` 32 writable ones, as
    // sha256() needs; it keeps neither.
    unsafe { sha256(data.as_ptr(), len, out.as_mut_ptr()) };
    out
}

fn best_mbps(
    data: &[u8],
    runs: usize,
    f: &dyn Fn(&[u8]) -> [u8; DIGEST_SIZE],
) -> (f64, [u8; DIGEST_SIZE]) {
    let mut best = f64::MAX;
    let mut d = [0u8; DIGEST_SIZE];
    for _ in 0..runs {
        let t = Instant::now();
        d = f(std::hint::black_box(data));
        best = best.min(t.elapsed().as_secs_f64());
    }
    (data.len() as f64 / best / 1e6, d)
}

extern "C" {
    /// libc's `madvise(2)`.
    fn madvise(addr: *mut core::ffi::c_void, len: usize, advice: i32) -> i32;
}

/// `MADV_HUGEPAGE`.
const MADV_HUGEPAGE: i32 = 14;
const HUGE: usize = 2 << 20;

/// A buffer of `len` bytes on transparent huge pages where the kernel gives
/// them: the purgatory reads the segments through an identity map of 2 MiB
/// and 1 GiB pages, so 4 KiB TLB misses would measure the host, not the
/// digest.
struct Buffer {
    ptr: *mut u8,
    layout: std::alloc::Layout,
}

impl Buffer {
    fn new(len: usize) -> Self {
        let layout = std::alloc::Layout::from_size_align(len.max(HUGE), HUGE).expect("layout");
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
        assert!(!ptr.is_null(), "out of memory");
        // SAFETY: `ptr` is `layout.size()` bytes this process owns; the
        // advice only changes how they are backed. Failure is harmless.
        unsafe { madvise(ptr.cast(), layout.size(), MADV_HUGEPAGE) };
        Buffer { ptr, layout }
    }

    fn as_mut(&mut self, len: usize) -> &mut [u8] {
        assert!(len <= self.layout.size());
        // SAFETY: `len` <= the allocation's size, zeroed at allocation;
        // the slice borrows `self` mutably.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, len) }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { std::alloc::dealloc(self.ptr, self.layout) };
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("MiB"))
        .collect();
    // SAFETY: user space on Linux runs with SSE enabled (CR4.OSFXSR set,
    // CR0.EM clear, CR0.TS handled by the kernel).
    let sse = unsafe { SseEnabled::new() };
    let sha_ni = ShaNiCpu::detect().map(|cpu| Engine::sha_ni(cpu, sse));
    println!(
        "# host CPU SHA-NI: {}",
        if sha_ni.is_some() { "yes" } else { "no" }
    );
    for mib in sizes {
        let mut x = 0x9e3779b97f4a7c15u64;
        let mut buf = Buffer::new(mib << 20);
        let data = buf.as_mut(mib << 20);
        for b in data.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        let data = &*data;
        let runs = if mib >= 64 { 3 } else { 5 };
        let (c, dc) = best_mbps(data, runs, &c_digest);
        let (p, dp) = best_mbps(data, runs, &|d| digest(Engine::portable(), d));
        assert_eq!(dc, dp, "C and Rust portable digests differ at {mib} MiB");
        // The memory's own ceiling: the same bytes only read, eight at a
        // time, as fast as this machine streams them.
        let (r, _) = best_mbps(data, runs, &|d| {
            let mut x = 0u64;
            for w in d.chunks_exact(8) {
                x ^= u64::from_ne_bytes(w.try_into().unwrap());
            }
            let mut out = [0u8; DIGEST_SIZE];
            out[..8].copy_from_slice(&x.to_ne_bytes());
            out
        });
        println!("digest {mib} read {r:.1}");
        println!("digest {mib} c {c:.1}");
        println!("digest {mib} rust_portable {p:.1}");
        if let Some(e) = sha_ni {
            let (s, ds) = best_mbps(data, runs, &|d| digest(e, d));
            assert_eq!(dc, ds, "C and Rust SHA-NI digests differ at {mib} MiB");
            println!("digest {mib} rust_sha_ni {s:.1}");
        }
    }
}
