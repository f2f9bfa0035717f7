// SPDX-License-Identifier: GPL-2.0

//! Host tests of the Rust purgatory's SHA-256 (`arch/x86/purgatory/sha256_rust.rs`):
//! both engines against the FIPS 180-4 examples, against `sha256sum` on
//! random buffers, and against each other on random lengths fed in random
//! pieces.

use kexec_parsers::sha256::{digest, Engine, Sha256, ShaNiCpu, SseEnabled};
use std::io::Write;
use std::process::{Command, Stdio};

/// Both engines; the test fails on a host without SHA-NI instead of
/// silently testing one engine (set `KT_NO_SHA_NI=1` to accept that).
fn engines() -> Vec<Engine<'static>> {
    let mut v = vec![Engine::portable()];
    match ShaNiCpu::detect() {
        Some(cpu) => v.push(Engine::sha_ni(cpu, user_sse())),
        None => assert!(
            std::env::var_os("KT_NO_SHA_NI").is_some(),
            "this CPU has no SHA-NI: the SHA-NI engine is not tested (KT_NO_SHA_NI=1 to accept)"
        ),
    }
    v
}

/// SSE in user space: Linux keeps it enabled for every process.
fn user_sse() -> SseEnabled<'static> {
    // SAFETY: user space on Linux runs with CR4.OSFXSR set and CR0.EM clear,
    // and the kernel handles CR0.TS for the process.
    unsafe { SseEnabled::new() }
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// A xorshift generator: the same buffers on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn fips_180_examples() {
    let million_a = vec![b'a'; 1_000_000];
    let cases: [(&[u8], &str); 5] = [
        (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
        (
            b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
        ),
        (&million_a, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ];
    for e in engines() {
        for (data, want) in cases {
            assert_eq!(
                hex(&digest(e, data)),
                want,
                "{} engine, {} bytes",
                e.name(),
                data.len()
            );
        }
    }
}

#[test]
fn random_buffers_match_sha256sum() {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    for len in [
        1,
        55,
        56,
        63,
        64,
        65,
        119,
        120,
        4095,
        4096,
        1 << 20,
        (1 << 20) + 17,
    ] {
        let data = rng.bytes(len);
        let mut child = Command::new("sha256sum")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("sha256sum (coreutils)");
        child.stdin.take().unwrap().write_all(&data).unwrap();
        let out = child.wait_with_output().unwrap();
        let want = String::from_utf8(out.stdout).unwrap();
        let want = want.split_whitespace().next().unwrap().to_string();
        for e in engines() {
            assert_eq!(
                hex(&digest(e, &data)),
                want,
                "{} engine, {len} bytes",
                e.name()
            );
        }
    }
}

#[test]
fn engines_agree_on_pieces() {
    let mut rng = Rng(0x2545f4914f6cdd1d);
    let engines = engines();
    for round in 0..400 {
        let len = (rng.next() % 3000) as usize;
        let data = rng.bytes(len);
        let whole = digest(Engine::portable(), &data);
        for &e in &engines {
            // Fed in random pieces, some empty, as the purgatory feeds
            // regions of any length.
            let mut s = Sha256::new(e);
            let mut at = 0;
            while at < len {
                let n = ((rng.next() % 200) as usize).min(len - at);
                s.update(&data[at..at + n]);
                at += n;
            }
            assert_eq!(
                s.finish(),
                whole,
                "{} engine, round {round}, {len} bytes",
                e.name()
            );
        }
    }
}

#[test]
fn sha_ni_cpu_matches_cpuinfo() {
    // What CPUID says, checked against the kernel's reading of the same
    // CPU (leaf 0's maximum first, then leaves 1 and 7).
    let flags = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let flags = flags
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap_or("")
        .to_string();
    let has = |f: &str| flags.split_whitespace().any(|w| w == f);
    let want = has("sha_ni") && has("ssse3") && has("sse4_1");
    assert_eq!(ShaNiCpu::detect().is_some(), want, "{flags}");
    let e = ShaNiCpu::detect().map(|cpu| Engine::sha_ni(cpu, user_sse()));
    assert_eq!(
        e.map(|e| (e.uses_sse(), e.name())),
        want.then_some((true, "SHA-NI"))
    );
    assert_eq!(Engine::portable().name(), "portable");
    assert!(!Engine::portable().uses_sse());
}
