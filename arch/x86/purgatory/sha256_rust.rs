// SPDX-License-Identifier: GPL-2.0

//! SHA-256 for the Rust purgatory: a portable engine and one on the x86 SHA
//! extensions (SHA-NI).
//!
//! Core only, no allocation and no panic path: it is linked into
//! `purgatory.ro`, where nothing but the purgatory's own objects exists
//! (`purgatory.chk` fails to link if a panic or a call into `core` is left).
//! The host tests and `make bench` build this same file.
//!
//! The SHA-NI engine is one `asm!` block (the kernel's Rust target is
//! soft-float: the compiler may not use vector registers itself), which
//! keeps the state as the `ABEF`/`CDGH` register pair that `sha256rnds2`
//! works on for a whole run of blocks and computes the message schedule
//! with `sha256msg1`/`sha256msg2`; the portable engine is the FIPS 180-4
//! compression, with every index a constant.

/// Bytes in a digest.
pub const DIGEST_SIZE: usize = 32;

// The alignment of `Engine::compress`'s section: `#[link_section]` names
// the section, this directive (no code: it pads the start of a section that
// is empty so far) makes it start a page.
core::arch::global_asm!(
    ".pushsection .text.sha256,\"ax\",@progbits",
    ".balign 4096",
    ".popsection"
);

/// Bytes in a block.
const BLOCK: usize = 64;

/// The round constants (FIPS 180-4, 4.2.2), sixteen rounds to a row,
/// aligned for `paddd`.
static K: Aligned<[[u32; 16]; 4]> = Aligned([
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174,
    ],
    [
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc,
        0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
        0x06ca6351, 0x14292967,
    ],
    [
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
        0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624,
        0xf40e3585, 0x106aa070,
    ],
    [
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
        0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb,
        0xbef9a3f7, 0xc67178f2,
    ],
]);

/// The initial hash value (FIPS 180-4, 5.3.3).
const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Portable,
    ShaNi,
}

/// Proof that CPUID reported what the SHA-NI engine executes on this CPU:
/// the SHA extensions, SSSE3 and SSE4.1.
///
/// # Invariants
///
/// Made only by [`ShaNiCpu::detect`], after CPUID reported all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShaNiCpu(());

impl ShaNiCpu {
    /// `Some` if CPUID reports the SHA extensions (leaf 7, EBX bit 29),
    /// SSSE3 and SSE4.1 (leaf 1, ECX bits 9 and 19). Leaf 7 is read only
    /// when leaf 0 says it exists: on Intel CPUs a leaf above the maximum
    /// returns the data of the highest basic leaf, not zeros.
    pub fn detect() -> Option<Self> {
        #[allow(unused_unsafe)]
        // SAFETY: CPUID exists on every x86_64 CPU and has no side effect;
        // `__cpuid` is an unsafe function only on older toolchains.
        let max = unsafe { core::arch::x86_64::__cpuid(0) }.eax;
        if max < 7 {
            return None;
        }
        #[allow(unused_unsafe)]
        // SAFETY: as above; leaves 1 and 7 exist (`max` is at least 7).
        let (l1, l7) = unsafe {
            (
                core::arch::x86_64::__cpuid(1),
                core::arch::x86_64::__cpuid_count(7, 0),
            )
        };
        let ssse3 = l1.ecx & (1 << 9) != 0;
        let sse41 = l1.ecx & (1 << 19) != 0;
        let sha = l7.ebx & (1 << 29) != 0;
        if ssse3 && sse41 && sha {
            // INVARIANT: CPUID just reported all three.
            Some(ShaNiCpu(()))
        } else {
            None
        }
    }
}

/// The operating system's consent to SSE instructions (`CR4.OSFXSR` set,
/// `CR0.EM` and `CR0.TS` clear) for the lifetime `'a`.
///
/// # Invariants
///
/// While a value of this type lives, SSE instructions execute without a
/// fault on this CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SseEnabled<'a>(core::marker::PhantomData<&'a ()>);

impl SseEnabled<'_> {
    /// # Safety
    ///
    /// SSE instructions must be allowed for the whole lifetime chosen:
    /// `CR4.OSFXSR` set and `CR0.EM`, `CR0.TS` clear, as Linux keeps them
    /// for user space, or as the purgatory sets them up for as long as its
    /// guard lives.
    pub unsafe fn new() -> Self {
        // INVARIANT: as the caller guarantees.
        SseEnabled(core::marker::PhantomData)
    }
}

/// Which code computes the digest.
///
/// # Invariants
///
/// An `Engine` of kind `ShaNi` exists only after CPUID reported SHA, SSSE3
/// and SSE4.1 on this CPU, and only for as long as SSE instructions are
/// allowed (`'a`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Engine<'a>(Kind, core::marker::PhantomData<&'a ()>);

impl<'a> Engine<'a> {
    /// The portable engine, which any x86_64 CPU runs.
    pub const fn portable() -> Self {
        Engine(Kind::Portable, core::marker::PhantomData)
    }

    /// The SHA-NI engine, on a CPU that has it ([`ShaNiCpu`]), for as long
    /// as SSE instructions are allowed ([`SseEnabled`]).
    pub fn sha_ni(_cpu: ShaNiCpu, _sse: SseEnabled<'a>) -> Self {
        // INVARIANT: `ShaNiCpu` proves the CPUID features, `SseEnabled<'a>`
        // the consent for `'a`, which this engine cannot outlive.
        Engine(Kind::ShaNi, core::marker::PhantomData)
    }

    /// Whether this is the SHA-NI engine (which uses the SSE registers).
    pub fn uses_sse(self) -> bool {
        self.0 == Kind::ShaNi
    }

    /// A short name for messages: `SHA-NI` or `portable`.
    pub fn name(self) -> &'static str {
        match self.0 {
            Kind::Portable => "portable",
            Kind::ShaNi => "SHA-NI",
        }
    }

    /// Runs the compression function over `blocks` (whole 64-byte blocks).
    ///
    /// With the portable rounds inlined (3.5 KiB), in a section of its own
    /// that starts a page, so that the loop lies in one page wherever the
    /// rest of the code lands: neutral on a CPU, but QEMU's TCG chains its
    /// translated blocks directly only within a guest page, and a loop
    /// across a page boundary costs a lookup at every crossing (the admin
    /// guide says how much).
    #[link_section = ".text.sha256"]
    fn compress(self, state: &mut [u32; 8], blocks: &[u8]) {
        match self.0 {
            Kind::Portable => {
                // The message schedule, zeroed once per run of blocks
                // rather than once per block: every block overwrites it.
                let mut w = [0u32; 16];
                let mut at = 0;
                while let Some(b) = blocks.get(at..at + BLOCK) {
                    if let Ok(b) = <&[u8; BLOCK]>::try_from(b) {
                        compress_portable(state, b, &mut w);
                    }
                    at += BLOCK;
                }
            }
            // SAFETY: by the type invariant, the CPU has the features
            // `compress_sha_ni` is compiled for, and SSE is allowed now.
            Kind::ShaNi => unsafe { compress_sha_ni(state, blocks) },
        }
    }
}

/// A SHA-256 computation over data given in pieces.
#[derive(Clone)]
pub struct Sha256<'a> {
    state: [u32; 8],
    /// The start of a block not yet compressed: `pending` bytes of it.
    block: [u8; BLOCK],
    pending: usize,
    /// Bytes hashed so far, modulo 2^64.
    total: u64,
    engine: Engine<'a>,
}

impl<'a> Sha256<'a> {
    /// A new computation with `engine`.
    pub const fn new(engine: Engine<'a>) -> Self {
        Sha256 {
            state: H0,
            block: [0; BLOCK],
            pending: 0,
            total: 0,
            engine,
        }
    }

    /// Hashes `data` after what was hashed before.
    pub fn update(&mut self, data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        let mut data = data;
        if self.pending != 0 {
            let room = self.block.get_mut(self.pending..).unwrap_or(&mut []);
            let n = room.len().min(data.len());
            for (d, s) in room.iter_mut().zip(data) {
                *d = *s;
            }
            self.pending += n;
            data = data.get(n..).unwrap_or(&[]);
            if self.pending < BLOCK {
                return;
            }
            let block = self.block;
            self.engine.compress(&mut self.state, &block);
            self.pending = 0;
        }
        let whole = data.len() - data.len() % BLOCK;
        let (blocks, rest) = (
            data.get(..whole).unwrap_or(&[]),
            data.get(whole..).unwrap_or(&[]),
        );
        self.engine.compress(&mut self.state, blocks);
        for (d, s) in self.block.iter_mut().zip(rest) {
            *d = *s;
        }
        self.pending = rest.len();
    }

    /// The digest of everything hashed.
    pub fn finish(mut self) -> [u8; DIGEST_SIZE] {
        let bits = self.total.wrapping_mul(8);
        // The padding: 0x80, zeros up to 56 bytes modulo 64, the length.
        let mut pad = [0u8; 2 * BLOCK];
        pad[0] = 0x80;
        let used = if self.pending < BLOCK - 8 {
            BLOCK
        } else {
            2 * BLOCK
        };
        let len_at = used - self.pending - 8;
        if let Some(l) = pad.get_mut(len_at..len_at + 8) {
            for (d, s) in l.iter_mut().zip(bits.to_be_bytes()) {
                *d = s;
            }
        }
        let total = self.total;
        self.update(pad.get(..used - self.pending).unwrap_or(&[]));
        self.total = total;
        let mut out = [0u8; DIGEST_SIZE];
        for (i, w) in self.state.into_iter().enumerate() {
            for (j, b) in w.to_be_bytes().into_iter().enumerate() {
                if let Some(d) = out.get_mut(4 * i + j) {
                    *d = b;
                }
            }
        }
        out
    }
}

/// The digest of `data`, computed with `engine`.
pub fn digest(engine: Engine<'_>, data: &[u8]) -> [u8; DIGEST_SIZE] {
    let mut s = Sha256::new(engine);
    s.update(data);
    s.finish()
}

#[inline(always)]
fn ch(x: u32, y: u32, z: u32) -> u32 {
    z ^ (x & (y ^ z))
}

#[inline(always)]
fn maj(x: u32, y: u32, z: u32) -> u32 {
    (x & y) | (z & (x | y))
}

#[inline(always)]
fn big_sigma0(x: u32) -> u32 {
    x.rotate_right(2) ^ x.rotate_right(13) ^ x.rotate_right(22)
}

#[inline(always)]
fn big_sigma1(x: u32) -> u32 {
    x.rotate_right(6) ^ x.rotate_right(11) ^ x.rotate_right(25)
}

#[inline(always)]
fn small_sigma0(x: u32) -> u32 {
    x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3)
}

#[inline(always)]
fn small_sigma1(x: u32) -> u32 {
    x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10)
}

/// One round: `d` and `h` are the two words it changes; the caller
/// renames the eight for the next round instead of moving them.
macro_rules! round {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident,
     $k:ident, $w:ident, $i:expr) => {
        let t1 = $h
            .wrapping_add(big_sigma1($e))
            .wrapping_add(ch($e, $f, $g))
            .wrapping_add($k[$i])
            .wrapping_add($w[$i]);
        let t2 = big_sigma0($a).wrapping_add(maj($a, $b, $c));
        $d = $d.wrapping_add(t1);
        $h = t1.wrapping_add(t2);
    };
}

/// Eight rounds from round `$i` of the sixteen in `$k` and `$w`, after
/// which the names are back in place.
macro_rules! rounds8 {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident,
     $k:ident, $w:ident, $i:expr) => {
        round!($a, $b, $c, $d, $e, $f, $g, $h, $k, $w, $i);
        round!($h, $a, $b, $c, $d, $e, $f, $g, $k, $w, $i + 1);
        round!($g, $h, $a, $b, $c, $d, $e, $f, $k, $w, $i + 2);
        round!($f, $g, $h, $a, $b, $c, $d, $e, $k, $w, $i + 3);
        round!($e, $f, $g, $h, $a, $b, $c, $d, $k, $w, $i + 4);
        round!($d, $e, $f, $g, $h, $a, $b, $c, $k, $w, $i + 5);
        round!($c, $d, $e, $f, $g, $h, $a, $b, $k, $w, $i + 6);
        round!($b, $c, $d, $e, $f, $g, $h, $a, $k, $w, $i + 7);
    };
}

/// The compression function on one block, portable code; `w` is scratch
/// space for sixteen words of the message schedule.
///
/// Four passes of sixteen rounds, each pass but the first computing its
/// sixteen words in place of the previous ones: a loop body small enough
/// for an emulator's translated-code cache too (all 64 rounds unrolled run
/// as fast on a CPU, and slower under QEMU's TCG). Every index is a
/// constant or an iterator's: nothing here can fail a bounds check, at any
/// optimization level.
#[inline(always)]
fn compress_portable(state: &mut [u32; 8], block: &[u8; BLOCK], w: &mut [u32; 16]) {
    // One 32-bit load per word, whatever the optimization level (byte by
    // byte, the loads cost a tenth more under QEMU's TCG).
    let words = block.as_ptr().cast::<u32>();
    macro_rules! load {
        ($($i:literal)*) => {
            // SAFETY: word `$i` < 16 of the 64-byte block, read unaligned.
            $(w[$i] = u32::from_be(unsafe { words.add($i).read_unaligned() });)*
        };
    }
    // Word 16n + i from the sixteen before it, in place of word 16(n-1) + i.
    macro_rules! expand {
        ($($i:literal)*) => {
            $(w[$i] = small_sigma1(w[($i + 14) % 16])
                .wrapping_add(w[($i + 9) % 16])
                .wrapping_add(small_sigma0(w[($i + 1) % 16]))
                .wrapping_add(w[$i]);)*
        };
    }
    load!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for (n, k) in K.0.iter().enumerate() {
        if n != 0 {
            expand!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
        }
        rounds8!(a, b, c, d, e, f, g, h, k, w, 0);
        rounds8!(a, b, c, d, e, f, g, h, k, w, 8);
    }
    state[0] = state[0].wrapping_add(a);
    state[1] = state[1].wrapping_add(b);
    state[2] = state[2].wrapping_add(c);
    state[3] = state[3].wrapping_add(d);
    state[4] = state[4].wrapping_add(e);
    state[5] = state[5].wrapping_add(f);
    state[6] = state[6].wrapping_add(g);
    state[7] = state[7].wrapping_add(h);
}

/// Four rounds, `4g..4g+3`, with message words `4g..4g+3` in `%xmm$m` and
/// the round constants at byte `$k` of `K`: `sha256rnds2` does two rounds
/// from `%xmm0`'s low half, the `pshufd` brings its high half down.
#[rustfmt::skip]
macro_rules! quad {
    ($m:literal, $k:literal) => {
        concat!(
            "movdqa %xmm", $m, ", %xmm0\n",
            "paddd ", $k, "({k}), %xmm0\n",
            "sha256rnds2 %xmm1, %xmm2\n",
            "pshufd $0x0e, %xmm0, %xmm0\n",
            "sha256rnds2 %xmm2, %xmm1\n",
        )
    };
}

/// Message words `4n..4n+3` into `%xmm$next`, which holds the sha256msg1
/// sums of words `4n-16..4n-13`: plus words `4n-7..4n-4` (from `%xmm$cur`
/// and `%xmm$prev`), then sha256msg2 with the words before (`%xmm$cur`).
#[rustfmt::skip]
macro_rules! schedule {
    ($next:literal, $cur:literal, $prev:literal) => {
        concat!(
            "movdqa %xmm", $cur, ", %xmm7\n",
            "palignr $4, %xmm", $prev, ", %xmm7\n",
            "paddd %xmm7, %xmm", $next, "\n",
            "sha256msg2 %xmm", $cur, ", %xmm", $next, "\n",
        )
    };
}

/// The first half of the schedule of the words 12 after `%xmm$dst`'s.
#[rustfmt::skip]
macro_rules! msg1 {
    ($dst:literal, $src:literal) => {
        concat!("sha256msg1 %xmm", $src, ", %xmm", $dst, "\n")
    };
}

/// The message's 16 bytes at `$off` into `%xmm$m`, each word byte-swapped.
#[rustfmt::skip]
macro_rules! load {
    ($m:literal, $off:literal) => {
        concat!(
            "movdqu ", $off, "({data}), %xmm", $m, "\n",
            "pshufb %xmm8, %xmm", $m, "\n",
        )
    };
}

/// 16-byte aligned, for `paddd` with a memory operand.
#[repr(C, align(16))]
struct Aligned<T>(T);

/// Reverses the bytes of each 32-bit word (`pshufb`): the message is
/// big-endian.
static BSWAP: Aligned<[u8; 16]> = Aligned([3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12]);

/// The compression function over whole blocks, with the SHA extensions.
///
/// One `asm!` block: the kernel's Rust target is soft-float, so the
/// compiler itself may not touch vector registers, and the block saves the
/// eleven it uses and puts them back before it ends. The state stays in
/// `%xmm1` (`ABEF`) and `%xmm2` (`CDGH`) for the whole run of blocks; the
/// message schedule is in `%xmm3`..`%xmm6`.
///
/// # Safety
///
/// The CPU must have the SHA, SSSE3 and SSE4.1 instructions, and SSE must be
/// enabled (`CR4.OSFXSR` set, `CR0.EM` and `CR0.TS` clear).
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn compress_sha_ni(state: &mut [u32; 8], blocks: &[u8]) {
    let n = blocks.len() / BLOCK;
    if n == 0 {
        return;
    }
    let data = blocks.as_ptr();
    // `n` whole blocks are in `blocks`: the end is in bounds.
    let end = data.wrapping_add(n * BLOCK);
    let mut save = Aligned([0u8; 11 * 16]);
    // SAFETY: the caller guarantees the instructions. The block reads
    // `state` (32 bytes), the `n` blocks from `data` to `end`, `K` and
    // `BSWAP`, and writes `state` and `save` (176 bytes), all within their
    // bounds; the aligned accesses (`movdqa`, `paddd` from memory) are to
    // `save`, `K` and `BSWAP`, aligned to 16. Every vector register it
    // changes is saved to `save` first and restored at the end, and it does
    // not touch the stack.
    unsafe {
        core::arch::asm!(
            "movdqa %xmm0, 0({save})",
            "movdqa %xmm1, 16({save})",
            "movdqa %xmm2, 32({save})",
            "movdqa %xmm3, 48({save})",
            "movdqa %xmm4, 64({save})",
            "movdqa %xmm5, 80({save})",
            "movdqa %xmm6, 96({save})",
            "movdqa %xmm7, 112({save})",
            "movdqa %xmm8, 128({save})",
            "movdqa %xmm9, 144({save})",
            "movdqa %xmm10, 160({save})",
            "movdqa ({mask}), %xmm8",
            // [A B C D] [E F G H] to [A B E F] (%xmm1) and [C D G H] (%xmm2).
            "movdqu 0({state}), %xmm1",
            "movdqu 16({state}), %xmm2",
            "pshufd $0xb1, %xmm1, %xmm7",
            "pshufd $0x1b, %xmm2, %xmm2",
            "movdqa %xmm7, %xmm1",
            "palignr $8, %xmm2, %xmm1",
            "pblendw $0xf0, %xmm7, %xmm2",
            "2:",
            "movdqa %xmm1, %xmm9",
            "movdqa %xmm2, %xmm10",
            // Eight blocks ahead: the hardware prefetcher alone left the
            // engine at two thirds of its speed on buffers larger than the
            // cache (make bench). A prefetch never faults, past the end
            // of the data or of the mapping.
            "prefetcht0 512({data})",
            // Rounds 0..=15: the block's own words.
            load!("3", "0"),
            quad!("3", "0"),
            load!("4", "16"),
            quad!("4", "16"),
            msg1!("3", "4"),
            load!("5", "32"),
            quad!("5", "32"),
            msg1!("4", "5"),
            load!("6", "48"),
            quad!("6", "48"),
            schedule!("3", "6", "5"),
            msg1!("5", "6"),
            // Rounds 16..=47: the message words four by four.
            quad!("3", "64"),
            schedule!("4", "3", "6"),
            msg1!("6", "3"),
            quad!("4", "80"),
            schedule!("5", "4", "3"),
            msg1!("3", "4"),
            quad!("5", "96"),
            schedule!("6", "5", "4"),
            msg1!("4", "5"),
            quad!("6", "112"),
            schedule!("3", "6", "5"),
            msg1!("5", "6"),
            quad!("3", "128"),
            schedule!("4", "3", "6"),
            msg1!("6", "3"),
            quad!("4", "144"),
            schedule!("5", "4", "3"),
            msg1!("3", "4"),
            quad!("5", "160"),
            schedule!("6", "5", "4"),
            msg1!("4", "5"),
            quad!("6", "176"),
            schedule!("3", "6", "5"),
            msg1!("5", "6"),
            // Rounds 48..=63: the schedule ends with words 60..=63.
            quad!("3", "192"),
            schedule!("4", "3", "6"),
            msg1!("6", "3"),
            quad!("4", "208"),
            schedule!("5", "4", "3"),
            quad!("5", "224"),
            schedule!("6", "5", "4"),
            quad!("6", "240"),
            "paddd %xmm9, %xmm1",
            "paddd %xmm10, %xmm2",
            "add $64, {data}",
            "cmp {end}, {data}",
            "jne 2b",
            // Back to [A B C D] [E F G H].
            "pshufd $0x1b, %xmm1, %xmm7",
            "pshufd $0xb1, %xmm2, %xmm2",
            "movdqa %xmm7, %xmm1",
            "pblendw $0xf0, %xmm2, %xmm1",
            "palignr $8, %xmm7, %xmm2",
            "movdqu %xmm1, 0({state})",
            "movdqu %xmm2, 16({state})",
            "movdqa 0({save}), %xmm0",
            "movdqa 16({save}), %xmm1",
            "movdqa 32({save}), %xmm2",
            "movdqa 48({save}), %xmm3",
            "movdqa 64({save}), %xmm4",
            "movdqa 80({save}), %xmm5",
            "movdqa 96({save}), %xmm6",
            "movdqa 112({save}), %xmm7",
            "movdqa 128({save}), %xmm8",
            "movdqa 144({save}), %xmm9",
            "movdqa 160({save}), %xmm10",
            state = in(reg) state.as_mut_ptr(),
            data = inout(reg) data => _,
            end = in(reg) end,
            k = in(reg) K.0.as_ptr().cast::<u32>(),
            mask = in(reg) BSWAP.0.as_ptr(),
            save = in(reg) save.0.as_mut_ptr(),
            options(att_syntax, nostack),
        );
    }
}
