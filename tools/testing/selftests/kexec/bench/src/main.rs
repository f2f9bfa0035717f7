// SPDX-License-Identifier: GPL-2.0

//! The purgatory's digest on the host, side by side in one run: the C
//! purgatory's `sha256()` (lib/crypto/sha256.c as Kbuild compiled it for the
//! purgatory, linked in) against the Rust purgatory's portable and SHA-NI
//! engines (arch/x86/purgatory/sha256_rust.rs, built at the kernel's
//! optimization level). For each buffer size (MiB, arguments), the best of
//! a few runs of each: one line "digest MIB NAME MB_PER_S" per engine, after
//! checking that all engines agree.

use kexec_parsers::sha256::{digest, Engine, DIGEST_SIZE};
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

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("MiB"))
        .collect();
    let sha_ni = Engine::sha_ni();
    println!(
        "# host CPU SHA-NI: {}",
        if sha_ni.is_some() { "yes" } else { "no" }
    );
    for mib in sizes {
        let mut x = 0x9e3779b97f4a7c15u64;
        let data: Vec<u8> = (0..mib << 20)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let runs = if mib >= 64 { 3 } else { 5 };
        let (c, dc) = best_mbps(&data, runs, &c_digest);
        let (p, dp) = best_mbps(&data, runs, &|d| digest(Engine::portable(), d));
        assert_eq!(dc, dp, "C and Rust portable digests differ at {mib} MiB");
        println!("digest {mib} c {c:.1}");
        println!("digest {mib} rust_portable {p:.1}");
        if let Some(e) = sha_ni {
            let (s, ds) = best_mbps(&data, runs, &|d| digest(e, d));
            assert_eq!(dc, ds, "C and Rust SHA-NI digests differ at {mib} MiB");
            println!("digest {mib} rust_sha_ni {s:.1}");
        }
    }
}
