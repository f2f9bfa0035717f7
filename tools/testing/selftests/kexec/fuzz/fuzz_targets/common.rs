// SPDX-License-Identifier: GPL-2.0

//! Helpers shared by the fuzz targets.

#![allow(dead_code)]

/// Reads the "control" values of a target (lengths, addresses, offsets)
/// from a part of the input the parser under test does not interpret.
/// Past the end it yields zeros, so every input is usable.
pub struct Ctl<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Ctl<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    pub fn u8(&mut self) -> u8 {
        let v = self.bytes.get(self.pos).copied().unwrap_or(0);
        self.pos = self.pos.saturating_add(1);
        v
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    pub fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 != 0
    }

    /// `n` bytes of the input (fewer at its end).
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let start = self.pos.min(self.bytes.len());
        let end = start.saturating_add(n).min(self.bytes.len());
        self.pos = self.pos.saturating_add(n);
        &self.bytes[start..end]
    }

    /// A physical load address: mostly page-aligned and plausible, at times
    /// right below the top of the address space so that `addr + offset`
    /// overflows.
    pub fn load_addr(&mut self) -> u64 {
        match self.u8() & 3 {
            0 => u64::from(self.u32()) << 12,
            1 => self.u64(),
            2 => u64::MAX - u64::from(self.u16()),
            _ => u64::from(self.u16()) << 12,
        }
    }

    /// A length or offset: small, near `around`, or anything.
    pub fn size_near(&mut self, around: usize) -> usize {
        match self.u8() & 3 {
            0 => usize::from(self.u16()),
            1 => around.wrapping_add(usize::from(self.u8())).wrapping_sub(128),
            2 => usize::MAX - usize::from(self.u16()),
            _ => self.u64() as usize,
        }
    }
}

/// Little-endian stores into a plain slice, for the shadow models.
pub fn put(buf: &mut [u8], off: usize, v: &[u8]) {
    buf[off..off + v.len()].copy_from_slice(v);
}

pub fn get_u32(buf: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(buf[off..off + 4].try_into().unwrap())
}

pub fn get_u64(buf: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(buf[off..off + 8].try_into().unwrap())
}

/// Panics with the first differing offset when `got` and `want` differ: a
/// write outside the bytes an operation owns, or a wrong value in them.
#[track_caller]
pub fn assert_same(what: &str, got: &[u8], want: &[u8]) {
    assert_eq!(got.len(), want.len(), "{what}: buffer length changed");
    // One memcmp in the common case; the byte loop only to report.
    if got == want {
        return;
    }
    if let Some(i) = got.iter().zip(want).position(|(a, b)| a != b) {
        panic!(
            "{what}: byte {i:#x} of {:#x} is {:#04x}, expected {:#04x}",
            got.len(),
            got[i],
            want[i]
        );
    }
}
