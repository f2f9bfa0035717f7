// SPDX-License-Identifier: GPL-2.0

//! Checks of a loaded kexec image before the jump to `relocate_kernel`.
//!
//! Once an image is loaded, `relocate_kernel` (the assembly that runs with
//! interrupts off, on the identity-mapped page table) walks the image's entry
//! list and copies every source page to its destination, then jumps to the
//! entry point. It trusts the list, the segments and the page table: a
//! destination outside the segments, a copy over a control page, or an
//! indirection page that a copy overwrites, would corrupt memory with no way
//! back. This file checks all of that beforehand, on plain values:
//!
//! - [`check_segments`]: every segment page-aligned, not wrapping, no two
//!   overlapping, no control page inside one, and the entry point inside a
//!   segment (the purgatory's, when the image has one);
//! - [`check_entries`]: the entry list (`IND_DESTINATION`, `IND_SOURCE`,
//!   `IND_INDIRECTION`, `IND_DONE`): every entry carries exactly one known
//!   flag and a page-aligned address; every destination page lies in a
//!   segment and every segment page is written exactly once, in order; no
//!   source or indirection page is a control page; no indirection page lies
//!   in a segment (a copy would overwrite the list being walked); the walk is
//!   bounded and ends with `IND_DONE`;
//! - [`PageTable`]: a walk of an x86_64 page table (4 or 5 levels, 1 GiB and
//!   2 MiB pages) to prove that every page `relocate_kernel` touches is
//!   identity-mapped, and to list the table's own pages.
//!
//! The C code in `kernel/kexec_core.c` builds the list correctly; these
//! checks are what the C code does not do. They run when the image is
//! loaded (`machine_kexec_post_load()`), where a refusal fails the load and
//! leaves the running kernel as it was, never at the jump. Memory is read
//! through a callback, so this file uses `core` only and the host tests and
//! fuzz targets build the same code.
//!
//! C sources: [`kernel/kexec_core.c`](srctree/kernel/kexec_core.c),
//! [`arch/x86/kernel/relocate_kernel_64.S`](srctree/arch/x86/kernel/relocate_kernel_64.S)

use core::fmt;

/// Size of a page, and the alignment of every address in the entry list.
pub const PAGE_SIZE: u64 = 4096;
/// Entry flag: the following sources are copied to this address onwards.
pub const IND_DESTINATION: u64 = 0x1;
/// Entry flag: the list continues in the page at this address.
pub const IND_INDIRECTION: u64 = 0x2;
/// Entry flag: the end of the list.
pub const IND_DONE: u64 = 0x4;
/// Entry flag: copy the page at this address to the current destination.
pub const IND_SOURCE: u64 = 0x8;
/// Entries in an indirection page.
pub const ENTRIES_PER_PAGE: u64 = PAGE_SIZE / 8;

/// One segment of a loaded image: `[mem, mem + memsz)` in physical memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Physical start.
    pub mem: u64,
    /// Size in memory.
    pub memsz: u64,
}

impl Segment {
    fn end(&self) -> u64 {
        // Checked by `check_segments` before any other use.
        self.mem.wrapping_add(self.memsz)
    }

    fn contains(&self, addr: u64) -> bool {
        addr >= self.mem && addr < self.end()
    }
}

/// Why an image is refused at load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandoffError {
    /// A segment's start or size is not page-aligned.
    SegmentUnaligned {
        /// Segment index.
        index: usize,
        /// Segment start.
        mem: u64,
        /// Segment size.
        memsz: u64,
    },
    /// A segment ends past the end of the address space.
    SegmentWraps {
        /// Segment index.
        index: usize,
        /// Segment start.
        mem: u64,
        /// Segment size.
        memsz: u64,
    },
    /// Two segments overlap.
    SegmentsOverlap {
        /// First segment.
        a: usize,
        /// Second segment.
        b: usize,
    },
    /// A control page (code, swap or page-table page) lies in a segment.
    ControlInSegment {
        /// Physical address of the page.
        page: u64,
        /// Segment index.
        index: usize,
    },
    /// The entry point lies in no segment.
    EntryOutside {
        /// The entry point.
        entry: u64,
    },
    /// The entry point is not in the purgatory's segment.
    EntryNotPurgatory {
        /// The entry point.
        entry: u64,
        /// Index of the purgatory segment.
        purgatory: usize,
    },
    /// An entry has no known flag, several flags, or an unaligned address.
    BadEntry {
        /// Position of the entry in the list.
        n: u64,
        /// The entry.
        value: u64,
    },
    /// A source page comes before any destination.
    SourceWithoutDestination {
        /// Position of the entry in the list.
        n: u64,
    },
    /// A destination page lies in no segment.
    DestinationOutside {
        /// Position of the entry in the list.
        n: u64,
        /// Destination address.
        dest: u64,
    },
    /// A destination page is written twice or out of order.
    DestinationOutOfOrder {
        /// Position of the entry in the list.
        n: u64,
        /// Destination address.
        dest: u64,
        /// The page expected next.
        expected: u64,
    },
    /// A source page is a control page.
    SourceIsControl {
        /// Position of the entry in the list.
        n: u64,
        /// Physical address of the page.
        page: u64,
    },
    /// An indirection page lies in a segment or is a control page.
    IndirectionMisplaced {
        /// Position of the entry in the list.
        n: u64,
        /// Physical address of the page.
        page: u64,
    },
    /// The entries run past the end of an indirection page.
    IndirectionOverrun {
        /// Physical address of the page.
        page: u64,
    },
    /// An indirection page could not be read.
    Unreadable {
        /// Physical address of the page.
        page: u64,
    },
    /// The list does not end within the number of entries the segments need.
    TooLong {
        /// Position of the entry in the list.
        n: u64,
    },
    /// A segment is not wholly written when the list ends.
    Incomplete {
        /// Segment index.
        index: usize,
        /// Pages written.
        pages: u64,
        /// Pages in the segment.
        want: u64,
    },
    /// An image of the crash type has copy entries.
    CrashWithEntries {
        /// The list head.
        head: u64,
    },
    /// An address is not identity-mapped by the page table.
    NotIdentityMapped {
        /// The address.
        addr: u64,
        /// What it maps to, if anything.
        got: Option<u64>,
    },
    /// A page-table page could not be read.
    TableUnreadable {
        /// Physical address of the page.
        page: u64,
    },
    /// More segments than the entry-list check can count (`KEXEC_SEGMENT_MAX`
    /// is below this).
    TooManySegments {
        /// The number of segments.
        n: usize,
    },
    /// The paging mode has neither 4 nor 5 levels.
    BadPagingLevels {
        /// The levels asked for.
        levels: u32,
    },
    /// The page table has more table pages than any identity map needs.
    TooManyTablePages {
        /// The limit.
        max: usize,
    },
    /// The image has no control page.
    NoControlPage,
    /// The image has no page table.
    NoPageTable,
}

impl fmt::Display for HandoffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HandoffError::*;
        match *self {
            SegmentUnaligned { index, mem, memsz } => write!(
                f,
                "segment {index} ({mem:#x}, size {memsz:#x}) is not page-aligned"
            ),
            SegmentWraps { index, mem, memsz } => write!(
                f,
                "segment {index} ({mem:#x}, size {memsz:#x}) wraps around"
            ),
            SegmentsOverlap { a, b } => write!(f, "segments {a} and {b} overlap"),
            ControlInSegment { page, index } => {
                write!(f, "control page {page:#x} lies in segment {index}")
            }
            EntryOutside { entry } => write!(f, "entry point {entry:#x} is in no segment"),
            EntryNotPurgatory { entry, purgatory } => write!(
                f,
                "entry point {entry:#x} is not in the purgatory segment {purgatory}"
            ),
            BadEntry { n, value } => write!(f, "entry {n} ({value:#x}) is malformed"),
            SourceWithoutDestination { n } => {
                write!(f, "entry {n}: source page before any destination")
            }
            DestinationOutside { n, dest } => {
                write!(f, "entry {n}: destination {dest:#x} is in no segment")
            }
            DestinationOutOfOrder { n, dest, expected } => write!(
                f,
                "entry {n}: destination {dest:#x} written out of order (next is {expected:#x})"
            ),
            SourceIsControl { n, page } => {
                write!(f, "entry {n}: source {page:#x} is a control page")
            }
            IndirectionMisplaced { n, page } => write!(
                f,
                "entry {n}: indirection page {page:#x} is in a segment or a control page"
            ),
            IndirectionOverrun { page } => {
                write!(f, "entries run past the end of indirection page {page:#x}")
            }
            Unreadable { page } => write!(f, "indirection page {page:#x} cannot be read"),
            TooLong { n } => write!(f, "no IND_DONE after {n} entries"),
            Incomplete { index, pages, want } => write!(
                f,
                "segment {index}: {pages} of its {want} pages are written"
            ),
            CrashWithEntries { head } => {
                write!(f, "crash image with copy entries (head {head:#x})")
            }
            NotIdentityMapped {
                addr,
                got: Some(pa),
            } => {
                write!(f, "{addr:#x} is mapped to {pa:#x}, not to itself")
            }
            NotIdentityMapped { addr, got: None } => {
                write!(f, "{addr:#x} is not mapped by the kexec page table")
            }
            TableUnreadable { page } => write!(f, "page-table page {page:#x} cannot be read"),
            TooManySegments { n } => write!(f, "{n} segments, more than can be checked"),
            BadPagingLevels { levels } => write!(f, "{levels}-level paging is not x86_64's"),
            TooManyTablePages { max } => {
                write!(f, "the page table has more than {max} table pages")
            }
            NoControlPage => write!(f, "the image has no control page"),
            NoPageTable => write!(f, "the image has no page table"),
        }
    }
}

/// Checks the segments, the control pages and the entry point.
///
/// `control` holds the physical addresses of the control pages (page
/// aligned, any order); `purgatory` is the index of the purgatory's segment
/// when the image has one. Returns the index of the segment holding `entry`.
pub fn check_segments(
    segs: &[Segment],
    control: &[u64],
    entry: u64,
    purgatory: Option<usize>,
) -> Result<usize, HandoffError> {
    for (index, s) in segs.iter().enumerate() {
        if s.mem % PAGE_SIZE != 0 || s.memsz % PAGE_SIZE != 0 {
            return Err(HandoffError::SegmentUnaligned {
                index,
                mem: s.mem,
                memsz: s.memsz,
            });
        }
        if s.mem.checked_add(s.memsz).is_none() {
            return Err(HandoffError::SegmentWraps {
                index,
                mem: s.mem,
                memsz: s.memsz,
            });
        }
    }
    for (a, x) in segs.iter().enumerate() {
        for (b, y) in segs.iter().enumerate().skip(a + 1) {
            if x.memsz != 0 && y.memsz != 0 && x.mem < y.end() && y.mem < x.end() {
                return Err(HandoffError::SegmentsOverlap { a, b });
            }
        }
    }
    for &page in control {
        if let Some(index) = segs.iter().position(|s| s.contains(page)) {
            return Err(HandoffError::ControlInSegment { page, index });
        }
    }
    let at = segs
        .iter()
        .position(|s| s.contains(entry))
        .ok_or(HandoffError::EntryOutside { entry })?;
    match purgatory {
        Some(p) if p != at => Err(HandoffError::EntryNotPurgatory {
            entry,
            purgatory: p,
        }),
        _ => Ok(at),
    }
}

/// What a checked entry list holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EntryStats {
    /// Pages copied (`IND_SOURCE` entries).
    pub pages: u64,
    /// `IND_DESTINATION` entries.
    pub destinations: u64,
    /// Indirection pages.
    pub indirections: u64,
}

/// Checks the entry list that starts with `head` (`kimage->head`).
///
/// `segs` must have passed [`check_segments`]. `read(page, i)` returns the
/// `i`-th 64-bit entry of the indirection page at physical address `page`,
/// or `None` if that page cannot be read. `control` is as in
/// [`check_segments`]. `visit(page)` is called with every source and
/// indirection page, for checks of its own (its mapping). With `copies`
/// false (a crash image, loaded in place), the list must be empty.
///
/// ```
/// use kernel::kexec::entries::*;
///
/// // Two pages at 1 MiB; the list lives in the indirection page at 0x5000.
/// let segs = [Segment { mem: 0x100000, memsz: 0x2000 }];
/// let head = 0x5000 | IND_INDIRECTION;
/// let list = |page: &'static [u64]| move |p: u64, i: u64| {
///     if p == 0x5000 { page.get(i as usize).copied() } else { None }
/// };
/// let st = check_entries(&segs, &[0x9000], head, true, list(&[0x100000 | IND_DESTINATION,
///     0x7000 | IND_SOURCE, 0x8000 | IND_SOURCE, IND_DONE]), |_| Ok(()));
/// assert_eq!(st.map(|s| s.pages), Ok(2));
/// // One page short, or copied from the control page at 0x9000: refused.
/// let short = check_entries(&segs, &[0x9000], head, true, list(&[0x100000 | IND_DESTINATION,
///     0x7000 | IND_SOURCE, IND_DONE]), |_| Ok(()));
/// assert!(matches!(short, Err(HandoffError::Incomplete { index: 0, pages: 1, want: 2 })));
/// let ctl = check_entries(&segs, &[0x9000], head, true, list(&[0x100000 | IND_DESTINATION,
///     0x9000 | IND_SOURCE, 0x8000 | IND_SOURCE, IND_DONE]), |_| Ok(()));
/// assert!(matches!(ctl, Err(HandoffError::SourceIsControl { page: 0x9000, .. })));
/// ```
pub fn check_entries<R, V>(
    segs: &[Segment],
    control: &[u64],
    head: u64,
    copies: bool,
    mut read: R,
    mut visit: V,
) -> Result<EntryStats, HandoffError>
where
    R: FnMut(u64, u64) -> Option<u64>,
    V: FnMut(u64) -> Result<(), HandoffError>,
{
    if !copies {
        return match head {
            0 | IND_DONE => Ok(EntryStats::default()),
            _ => Err(HandoffError::CrashWithEntries { head }),
        };
    }
    let is_control = |p: u64| control.contains(&p);
    let want: u64 = segs.iter().map(|s| s.memsz / PAGE_SIZE).sum();
    // Every page, one destination per segment, one link per full page of
    // entries, and the end: more than this is a loop or garbage.
    let limit = want + segs.len() as u64 + (want + segs.len() as u64) / (ENTRIES_PER_PAGE - 1) + 2;
    // Pages written so far, per segment.
    let mut done = [0u64; 64];
    if segs.len() > done.len() {
        return Err(HandoffError::TooManySegments { n: segs.len() });
    }
    let mut stats = EntryStats::default();
    let mut dest: Option<u64> = None;
    let mut seg_hint = 0usize;
    // Where the next entry is read from: (page, index), or the head.
    let mut at: Option<(u64, u64)> = None;
    let mut value = head;
    let mut n = 0u64;
    loop {
        let addr = value & !(PAGE_SIZE - 1);
        let flags = value & (PAGE_SIZE - 1);
        match flags {
            IND_DESTINATION => {
                dest = Some(addr);
                stats.destinations += 1;
            }
            IND_INDIRECTION => {
                if is_control(addr) || segs.iter().any(|s| s.contains(addr)) {
                    return Err(HandoffError::IndirectionMisplaced { n, page: addr });
                }
                visit(addr)?;
                stats.indirections += 1;
                at = Some((addr, 0));
            }
            IND_DONE if addr == 0 => break,
            IND_SOURCE => {
                let d = dest.ok_or(HandoffError::SourceWithoutDestination { n })?;
                if is_control(addr) {
                    return Err(HandoffError::SourceIsControl { n, page: addr });
                }
                visit(addr)?;
                let i = if segs.get(seg_hint).is_some_and(|s| s.contains(d)) {
                    seg_hint
                } else {
                    segs.iter()
                        .position(|s| s.contains(d))
                        .ok_or(HandoffError::DestinationOutside { n, dest: d })?
                };
                seg_hint = i;
                let expected = segs[i].mem + done[i] * PAGE_SIZE;
                if d != expected {
                    return Err(HandoffError::DestinationOutOfOrder {
                        n,
                        dest: d,
                        expected,
                    });
                }
                done[i] += 1;
                stats.pages += 1;
                dest = Some(d + PAGE_SIZE);
            }
            _ => return Err(HandoffError::BadEntry { n, value }),
        }
        n += 1;
        if n > limit {
            return Err(HandoffError::TooLong { n });
        }
        let (page, i) = at.ok_or(HandoffError::BadEntry { n, value: 0 })?;
        if i >= ENTRIES_PER_PAGE {
            return Err(HandoffError::IndirectionOverrun { page });
        }
        value = read(page, i).ok_or(HandoffError::Unreadable { page })?;
        at = Some((page, i + 1));
    }
    for (index, s) in segs.iter().enumerate() {
        let want = s.memsz / PAGE_SIZE;
        if done[index] != want {
            return Err(HandoffError::Incomplete {
                index,
                pages: done[index],
                want,
            });
        }
    }
    Ok(stats)
}

/// Present bit of a page-table entry.
pub const PTE_PRESENT: u64 = 1 << 0;
/// Large-page bit of a PUD or PMD entry.
pub const PTE_PSE: u64 = 1 << 7;

/// Whether entry `e` of a table of `level` (1: the last) maps a page rather
/// than pointing to a table: the last level, or a 1 GiB / 2 MiB page.
fn is_leaf(level: u32, e: u64) -> bool {
    level == 1 || ((level == 2 || level == 3) && e & PTE_PSE != 0)
}

/// An x86_64 page table, read through a callback.
pub struct PageTable<R> {
    /// Physical address of the top-level table.
    pub root: u64,
    /// 4 or 5.
    pub levels: u32,
    /// The physical-address bits of an entry (`PTE_PFN_MASK`).
    pub pfn_mask: u64,
    /// `read(table, i)`: the `i`-th entry of the table page at physical
    /// address `table`, or `None` if it cannot be read.
    pub read: R,
}

impl<R: FnMut(u64, u64) -> Option<u64>> PageTable<R> {
    /// Translates `va`: `Ok(Some((pa, size)))` with the size of the page
    /// that maps it, `Ok(None)` if it is not mapped.
    pub fn translate(&mut self, va: u64) -> Result<Option<(u64, u64)>, HandoffError> {
        let mut table = self.root;
        if self.levels != 4 && self.levels != 5 {
            return Err(HandoffError::BadPagingLevels {
                levels: self.levels,
            });
        }
        for level in (1..=self.levels).rev() {
            let shift = 12 + 9 * (level - 1);
            let i = (va >> shift) & (ENTRIES_PER_PAGE - 1);
            let e = (self.read)(table, i).ok_or(HandoffError::TableUnreadable { page: table })?;
            if e & PTE_PRESENT == 0 {
                return Ok(None);
            }
            let size = 1u64 << shift;
            if is_leaf(level, e) {
                // Large pages keep their PAT bit (12) out of the address.
                let base = if level == 1 {
                    e & self.pfn_mask
                } else {
                    e & self.pfn_mask & !(size - 1)
                };
                return Ok(Some((base | (va & (size - 1)), size)));
            }
            table = e & self.pfn_mask;
        }
        Ok(None)
    }

    /// Checks that `[start, end)` is mapped to itself.
    pub fn check_identity(&mut self, start: u64, end: u64) -> Result<(), HandoffError> {
        let mut a = start & !(PAGE_SIZE - 1);
        while a < end {
            match self.translate(a)? {
                Some((pa, size)) if pa == a => {
                    // The rest of this page maps to itself too.
                    a = match (a | (size - 1)).checked_add(1) {
                        Some(next) => next,
                        None => return Ok(()),
                    };
                }
                other => {
                    return Err(HandoffError::NotIdentityMapped {
                        addr: a,
                        got: other.map(|(pa, _)| pa),
                    })
                }
            }
        }
        Ok(())
    }

    /// Calls `f` with the physical address of every table page below the
    /// root, up to `max` of them, skipping the subtrees of the top-level
    /// slots for which `skip(slot)` is true.
    pub fn for_each_table<F, S>(
        &mut self,
        max: usize,
        skip: S,
        mut f: F,
    ) -> Result<usize, HandoffError>
    where
        F: FnMut(u64),
        S: Fn(u64) -> bool,
    {
        // Depth-first, with an explicit stack of (table, level, next index).
        if self.levels != 4 && self.levels != 5 {
            return Err(HandoffError::BadPagingLevels {
                levels: self.levels,
            });
        }
        let mut stack = [(0u64, 0u32, 0u64); 5];
        let mut depth = 1;
        stack[0] = (self.root, self.levels, 0);
        let mut count = 0usize;
        while depth > 0 {
            let (table, level, i) = stack[depth - 1];
            if i >= ENTRIES_PER_PAGE {
                depth -= 1;
                continue;
            }
            stack[depth - 1].2 = i + 1;
            if depth == 1 && skip(i) {
                continue;
            }
            let e = (self.read)(table, i).ok_or(HandoffError::TableUnreadable { page: table })?;
            if e & PTE_PRESENT == 0 || is_leaf(level, e) {
                continue;
            }
            let next = e & self.pfn_mask;
            count += 1;
            if count > max {
                return Err(HandoffError::TooManyTablePages { max });
            }
            f(next);
            stack[depth] = (next, level - 1, 0);
            depth += 1;
        }
        Ok(count)
    }
}
