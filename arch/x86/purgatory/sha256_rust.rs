// SPDX-License-Identifier: GPL-2.0

//! SHA-256 for the Rust purgatory: a portable engine and one on the x86 SHA
//! extensions (SHA-NI).
//!
//! Core only, no allocation and no panic path: it is linked into
//! `purgatory.ro`, where nothing but the purgatory's own objects exists
//! (`purgatory.chk` fails to link if a panic or a call into `core` is left).
//! The host tests and `make bench` build this same file.
//!
//! The SHA-NI engine keeps the state as the `ABEF`/`CDGH` register pair that
//! `sha256rnds2` works on for a whole run of blocks, and computes the message
//! schedule with `sha256msg1`/`sha256msg2`; the portable engine is the
//! FIPS 180-4 compression with every round unrolled.

use core::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_blend_epi16, _mm_loadu_si128, _mm_set_epi64x,
    _mm_sha256msg1_epu32, _mm_sha256msg2_epu32, _mm_sha256rnds2_epu32, _mm_shuffle_epi32,
    _mm_shuffle_epi8, _mm_storeu_si128,
};

/// Bytes in a digest.
pub const DIGEST_SIZE: usize = 32;
/// Bytes in a block.
const BLOCK: usize = 64;

/// The round constants (FIPS 180-4, 4.2.2).
static K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// The initial hash value (FIPS 180-4, 5.3.3).
const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Portable,
    ShaNi,
}

/// Which code computes the digest.
///
/// # Invariants
///
/// An `Engine` of kind `ShaNi` exists only after CPUID reported SHA, SSSE3
/// and SSE4.1 on this CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Engine(Kind);

impl Engine {
    /// The portable engine, which any x86_64 CPU runs.
    pub const fn portable() -> Self {
        Engine(Kind::Portable)
    }

    /// The SHA-NI engine, if CPUID reports the SHA extensions and the
    /// SSSE3 and SSE4.1 instructions the engine also uses.
    ///
    /// Like any code using SSE registers, the engine also needs the
    /// operating system's consent (`CR4.OSFXSR` set, `CR0.EM` and `CR0.TS`
    /// clear): an OS gives it to user space, the purgatory sets it up itself
    /// before it hashes.
    pub fn sha_ni() -> Option<Self> {
        // CPUID is available on every x86_64 CPU; the leaves read here are
        // defined there (leaf 7 reads as zeros where it does not exist).
        #[allow(unused_unsafe)]
        // SAFETY: `cpuid` has no side effect; it is an unsafe function only
        // on older toolchains.
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
            Some(Engine(Kind::ShaNi))
        } else {
            None
        }
    }

    /// SHA-NI where the CPU has it, the portable engine otherwise.
    pub fn best() -> Self {
        Self::sha_ni().unwrap_or(Self::portable())
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
    fn compress(self, state: &mut [u32; 8], blocks: &[u8]) {
        match self.0 {
            Kind::Portable => {
                // The message schedule, zeroed once per run of blocks
                // rather than once per block: every block overwrites it.
                let mut w = [0u32; 64];
                for b in blocks.chunks_exact(BLOCK) {
                    if let Ok(b) = <&[u8; BLOCK]>::try_from(b) {
                        compress_portable(state, b, &mut w);
                    }
                }
            }
            // SAFETY: by the type invariant, the CPU has the features
            // `compress_sha_ni` is compiled for.
            Kind::ShaNi => unsafe { compress_sha_ni(state, blocks) },
        }
    }
}

/// A SHA-256 computation over data given in pieces.
#[derive(Clone)]
pub struct Sha256 {
    state: [u32; 8],
    /// The start of a block not yet compressed: `pending` bytes of it.
    block: [u8; BLOCK],
    pending: usize,
    /// Bytes hashed so far, modulo 2^64.
    total: u64,
    engine: Engine,
}

impl Sha256 {
    /// A new computation with `engine`.
    pub const fn new(engine: Engine) -> Self {
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
        let used = (self.pending + 1 + 8).next_multiple_of(BLOCK);
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
        for (o, w) in out.chunks_exact_mut(4).zip(self.state) {
            for (d, s) in o.iter_mut().zip(w.to_be_bytes()) {
                *d = s;
            }
        }
        out
    }
}

/// The digest of `data`, computed with `engine`.
pub fn digest(engine: Engine, data: &[u8]) -> [u8; DIGEST_SIZE] {
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
     $w:ident, $i:expr) => {
        let t1 = $h
            .wrapping_add(big_sigma1($e))
            .wrapping_add(ch($e, $f, $g))
            .wrapping_add(K[$i])
            .wrapping_add($w[$i]);
        let t2 = big_sigma0($a).wrapping_add(maj($a, $b, $c));
        $d = $d.wrapping_add(t1);
        $h = t1.wrapping_add(t2);
    };
}

/// Eight rounds from round `$i`, after which the names are back in place.
macro_rules! rounds8 {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident,
     $w:ident, $i:expr) => {
        round!($a, $b, $c, $d, $e, $f, $g, $h, $w, $i);
        round!($h, $a, $b, $c, $d, $e, $f, $g, $w, $i + 1);
        round!($g, $h, $a, $b, $c, $d, $e, $f, $w, $i + 2);
        round!($f, $g, $h, $a, $b, $c, $d, $e, $w, $i + 3);
        round!($e, $f, $g, $h, $a, $b, $c, $d, $w, $i + 4);
        round!($d, $e, $f, $g, $h, $a, $b, $c, $w, $i + 5);
        round!($c, $d, $e, $f, $g, $h, $a, $b, $w, $i + 6);
        round!($b, $c, $d, $e, $f, $g, $h, $a, $w, $i + 7);
    };
}

/// The compression function on one block, portable code; `w` is scratch
/// space for the message schedule.
fn compress_portable(state: &mut [u32; 8], block: &[u8; BLOCK], w: &mut [u32; 64]) {
    for (w, b) in w.iter_mut().zip(block.chunks_exact(4)) {
        if let Ok(b) = <[u8; 4]>::try_from(b) {
            *w = u32::from_be_bytes(b);
        }
    }
    // Eight words per pass: each needs the word two before it, which the
    // compiler then keeps in a register instead of reloading it.
    macro_rules! expand {
        ($i:expr) => {
            w[$i] = small_sigma1(w[$i - 2])
                .wrapping_add(w[$i - 7])
                .wrapping_add(small_sigma0(w[$i - 15]))
                .wrapping_add(w[$i - 16]);
        };
    }
    for j in 2..8 {
        let i = j * 8;
        expand!(i);
        expand!(i + 1);
        expand!(i + 2);
        expand!(i + 3);
        expand!(i + 4);
        expand!(i + 5);
        expand!(i + 6);
        expand!(i + 7);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    // Eight rounds per pass, as C does.
    for j in 0..8 {
        let i = j * 8;
        rounds8!(a, b, c, d, e, f, g, h, w, i);
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

/// The compression function over whole blocks, with the SHA extensions.
///
/// # Safety
///
/// The CPU must have the SHA, SSSE3 and SSE4.1 instructions, and SSE must be
/// enabled (`CR4.OSFXSR` set, `CR0.EM` and `CR0.TS` clear).
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn compress_sha_ni(state: &mut [u32; 8], blocks: &[u8]) {
    let sp = state.as_mut_ptr().cast::<__m128i>();
    let kp = K.as_ptr().cast::<__m128i>();
    // Round constants 4i..4i+3.
    macro_rules! k {
        ($i:expr) => {
            // SAFETY: `K` holds 64 words, 16 groups of four; `$i` < 16, and
            // `loadu` needs no alignment.
            unsafe { _mm_loadu_si128(kp.add($i)) }
        };
    }
    // Bytes of each 32-bit word reversed: the message is big-endian.
    let bswap = _mm_set_epi64x(0x0c0d0e0f08090a0b, 0x0405060700010203);

    // [A B C D] [E F G H] to the [A B E F] [C D G H] pair sha256rnds2 uses.
    // SAFETY: `state` is 32 bytes, two unaligned 16-byte loads.
    let (dcba, hgfe) = unsafe { (_mm_loadu_si128(sp), _mm_loadu_si128(sp.add(1))) };
    let cdab = _mm_shuffle_epi32(dcba, 0xb1);
    let efgh = _mm_shuffle_epi32(hgfe, 0x1b);
    let mut abef = _mm_alignr_epi8(cdab, efgh, 8);
    let mut cdgh = _mm_blend_epi16(efgh, cdab, 0xf0);

    // Four rounds with the four message words (plus constants) in `wk`.
    macro_rules! rounds4 {
        ($wk:expr) => {{
            let wk = $wk;
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0e));
        }};
    }
    // Message words 4n..4n+3 into `$next`, which holds the sha256msg1 sums
    // of words 4n-16..4n-13: plus words 4n-7..4n-4, plus sigma1 of the words
    // before (sha256msg2, from `$cur`, words 4n-4..4n-1).
    macro_rules! schedule {
        ($next:ident, $cur:ident, $prev:ident) => {
            $next =
                _mm_sha256msg2_epu32(_mm_add_epi32($next, _mm_alignr_epi8($cur, $prev, 4)), $cur);
        };
    }

    for b in blocks.chunks_exact(BLOCK) {
        let bp = b.as_ptr().cast::<__m128i>();
        let (abef0, cdgh0) = (abef, cdgh);
        // SAFETY: `b` is 64 bytes, four unaligned 16-byte loads.
        let (w0, w1, w2, w3) = unsafe {
            (
                _mm_loadu_si128(bp),
                _mm_loadu_si128(bp.add(1)),
                _mm_loadu_si128(bp.add(2)),
                _mm_loadu_si128(bp.add(3)),
            )
        };
        let mut m0 = _mm_shuffle_epi8(w0, bswap);
        let mut m1 = _mm_shuffle_epi8(w1, bswap);
        let mut m2 = _mm_shuffle_epi8(w2, bswap);
        let mut m3 = _mm_shuffle_epi8(w3, bswap);

        // Rounds 0..=15: the block's own words.
        rounds4!(_mm_add_epi32(m0, k!(0)));
        rounds4!(_mm_add_epi32(m1, k!(1)));
        m0 = _mm_sha256msg1_epu32(m0, m1);
        rounds4!(_mm_add_epi32(m2, k!(2)));
        m1 = _mm_sha256msg1_epu32(m1, m2);
        rounds4!(_mm_add_epi32(m3, k!(3)));
        schedule!(m0, m3, m2);
        m2 = _mm_sha256msg1_epu32(m2, m3);
        // Rounds 16..=47: the same four steps twice.
        for q in 1..3 {
            rounds4!(_mm_add_epi32(m0, k!(4 * q)));
            schedule!(m1, m0, m3);
            m3 = _mm_sha256msg1_epu32(m3, m0);
            rounds4!(_mm_add_epi32(m1, k!(4 * q + 1)));
            schedule!(m2, m1, m0);
            m0 = _mm_sha256msg1_epu32(m0, m1);
            rounds4!(_mm_add_epi32(m2, k!(4 * q + 2)));
            schedule!(m3, m2, m1);
            m1 = _mm_sha256msg1_epu32(m1, m2);
            rounds4!(_mm_add_epi32(m3, k!(4 * q + 3)));
            schedule!(m0, m3, m2);
            m2 = _mm_sha256msg1_epu32(m2, m3);
        }
        // Rounds 48..=63: the schedule ends with words 60..=63.
        rounds4!(_mm_add_epi32(m0, k!(12)));
        schedule!(m1, m0, m3);
        m3 = _mm_sha256msg1_epu32(m3, m0);
        rounds4!(_mm_add_epi32(m1, k!(13)));
        schedule!(m2, m1, m0);
        rounds4!(_mm_add_epi32(m2, k!(14)));
        schedule!(m3, m2, m1);
        rounds4!(_mm_add_epi32(m3, k!(15)));

        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }

    // Back to [A B C D] [E F G H].
    let feba = _mm_shuffle_epi32(abef, 0x1b);
    let dchg = _mm_shuffle_epi32(cdgh, 0xb1);
    let dcba = _mm_blend_epi16(feba, dchg, 0xf0);
    let hgfe = _mm_alignr_epi8(dchg, feba, 8);
    // SAFETY: `state` is 32 bytes, two unaligned 16-byte stores.
    unsafe {
        _mm_storeu_si128(sp, dcba);
        _mm_storeu_si128(sp.add(1), hgfe);
    }
}
