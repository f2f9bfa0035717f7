// SPDX-License-Identifier: GPL-2.0

//! Host tests of `rust/kernel/kexec/entries.rs`: the checks of a loaded
//! image before the jump.
//!
//! Entry lists are built the way `kernel/kexec_core.c` builds them
//! (`kimage_add_entry()`: the head is the first indirection page, the last
//! slot of a full page links to the next one, `IND_DONE` ends the list), in
//! a fake physical memory of 4 KiB pages; then broken in every way the checks
//! are meant to catch.

use kexec_parsers::entries::*;
use std::collections::HashMap;

const P: u64 = PAGE_SIZE;

/// Fake physical memory: pages of 512 entries, by address.
#[derive(Default, Clone)]
struct Mem {
    pages: HashMap<u64, Vec<u64>>,
}

impl Mem {
    fn read(&self, page: u64, i: u64) -> Option<u64> {
        self.pages.get(&page).map(|p| p[i as usize])
    }
}

/// A list as the core builds it: returns (head, memory, indirection pages).
struct Builder {
    mem: Mem,
    head: u64,
    /// (page, slot) of the next entry to write.
    at: Option<(u64, usize)>,
    next_free: u64,
    ind: Vec<u64>,
}

impl Builder {
    fn new(free_base: u64) -> Self {
        Builder { mem: Mem::default(), head: 0, at: None, next_free: free_base, ind: vec![] }
    }

    fn alloc(&mut self) -> u64 {
        let p = self.next_free;
        self.next_free += P;
        p
    }

    fn add(&mut self, entry: u64) {
        let full = match self.at {
            None => true,
            Some((_, slot)) => slot == ENTRIES_PER_PAGE as usize - 1,
        };
        if full {
            let page = self.alloc();
            self.mem.pages.insert(page, vec![0; ENTRIES_PER_PAGE as usize]);
            self.ind.push(page);
            match self.at {
                None => self.head = page | IND_INDIRECTION,
                Some((p, slot)) => self.mem.pages.get_mut(&p).unwrap()[slot] = page | IND_INDIRECTION,
            }
            self.at = Some((page, 0));
        }
        let (p, slot) = self.at.unwrap();
        self.mem.pages.get_mut(&p).unwrap()[slot] = entry;
        self.at = Some((p, slot + 1));
    }

    /// Destination, then one source per page, for each segment.
    fn load(segs: &[Segment], free_base: u64) -> Self {
        let mut b = Builder::new(free_base);
        for s in segs {
            b.add(s.mem | IND_DESTINATION);
            for _ in 0..s.memsz / P {
                let src = b.alloc();
                b.add(src | IND_SOURCE);
            }
        }
        b.add(IND_DONE);
        b
    }

    fn check(&self, segs: &[Segment], control: &[u64]) -> Result<EntryStats, HandoffError> {
        let mem = self.mem.clone();
        check_entries(segs, control, self.head, true, |p, i| mem.read(p, i), |_| Ok(()))
    }
}

fn seg(mem: u64, pages: u64) -> Segment {
    Segment { mem, memsz: pages * P }
}

/// Kernel, initrd, boot_params, purgatory, as a bzImage load makes them.
fn image() -> Vec<Segment> {
    vec![seg(0x100_0000, 700), seg(0x4000_0000, 1200), seg(0x3000, 4), seg(0x1ffd_7000, 4)]
}

const CONTROL: [u64; 2] = [0x7000_0000, 0x7000_1000];
const FREE: u64 = 0x6000_0000;

#[test]
fn a_list_built_like_the_core_passes() {
    let segs = image();
    let b = Builder::load(&segs, FREE);
    let st = b.check(&segs, &CONTROL).unwrap();
    assert_eq!(st.pages, 1908);
    assert_eq!(st.destinations, 4);
    // 1908 sources + 4 destinations + DONE = 1913 entries, 511 per page.
    assert_eq!(st.indirections, 4);
    assert_eq!(b.ind.len(), 4);
}

#[test]
fn segments_and_entry_point() {
    let segs = image();
    assert_eq!(check_segments(&segs, &CONTROL, 0x1ffd_7100, Some(3)), Ok(3));
    assert_eq!(check_segments(&segs, &CONTROL, 0x1ffd_7100, None), Ok(3));
    assert_eq!(
        check_segments(&segs, &CONTROL, 0x100_0000, Some(3)),
        Err(HandoffError::EntryNotPurgatory { entry: 0x100_0000, purgatory: 3 })
    );
    assert_eq!(
        check_segments(&segs, &CONTROL, 0x1ffd_b000, None),
        Err(HandoffError::EntryOutside { entry: 0x1ffd_b000 })
    );
    let mut bad = segs.clone();
    bad[1].mem += 8;
    assert!(matches!(check_segments(&bad, &CONTROL, 0x1ffd_7100, None), Err(HandoffError::SegmentUnaligned { index: 1, .. })));
    let mut bad = segs.clone();
    bad[1].memsz += 1;
    assert!(matches!(check_segments(&bad, &CONTROL, 0x1ffd_7100, None), Err(HandoffError::SegmentUnaligned { index: 1, .. })));
    let mut bad = segs.clone();
    bad[0] = Segment { mem: u64::MAX - P + 1, memsz: 2 * P };
    assert!(matches!(check_segments(&bad, &CONTROL, 0x1ffd_7100, None), Err(HandoffError::SegmentWraps { index: 0, .. })));
    let mut bad = segs.clone();
    bad[2] = seg(0x100_0000 + 699 * P, 2);
    assert_eq!(check_segments(&bad, &CONTROL, 0x1ffd_7100, None), Err(HandoffError::SegmentsOverlap { a: 0, b: 2 }));
    assert_eq!(
        check_segments(&segs, &[0x100_0000 + 5 * P], 0x1ffd_7100, None),
        Err(HandoffError::ControlInSegment { page: 0x100_0000 + 5 * P, index: 0 })
    );
    // The page just past a segment is not in it.
    assert_eq!(check_segments(&segs, &[0x100_0000 + 700 * P], 0x1ffd_7100, None), Ok(3));
}

/// Rewrites entry `n` (counting from the head's page) of a built list.
fn patch(b: &mut Builder, n: usize, f: impl Fn(u64) -> u64) {
    // Walk the list as relocate_kernel does and change the n-th value read.
    let mut k = 0;
    for &page in b.ind.clone().iter() {
        for slot in 0..ENTRIES_PER_PAGE as usize {
            let v = b.mem.pages[&page][slot];
            if v & IND_INDIRECTION != 0 {
                break;
            }
            if k == n {
                let nv = f(v);
                b.mem.pages.get_mut(&page).unwrap()[slot] = nv;
                return;
            }
            k += 1;
        }
    }
    panic!("no entry {n}");
}

#[test]
fn destinations_outside_twice_or_out_of_order() {
    let segs = image();
    // Entry 0 is the kernel's destination; point it 1 page below.
    let mut b = Builder::load(&segs, FREE);
    patch(&mut b, 0, |_| (0x100_0000 - P) | IND_DESTINATION);
    assert!(matches!(b.check(&segs, &CONTROL), Err(HandoffError::DestinationOutside { dest: 0xfff000, .. })));
    // Start the kernel one page in: its first page is never written.
    let mut b = Builder::load(&segs, FREE);
    patch(&mut b, 0, |_| (0x100_0000 + P) | IND_DESTINATION);
    assert!(matches!(b.check(&segs, &CONTROL), Err(HandoffError::DestinationOutOfOrder { .. })));
    // The initrd's destination pointed back at the kernel: written twice.
    let mut b = Builder::load(&segs, FREE);
    patch(&mut b, 701, |_| 0x100_0000 | IND_DESTINATION);
    assert!(matches!(b.check(&segs, &CONTROL), Err(HandoffError::DestinationOutOfOrder { .. })));
    // A source dropped (turned into a second destination of the same place):
    // the segment ends one page short.
    let mut b = Builder::load(&segs, FREE);
    patch(&mut b, 2, |_| (0x100_0000 + P) | IND_DESTINATION);
    assert!(matches!(b.check(&segs, &CONTROL), Err(HandoffError::Incomplete { index: 0, pages: 699, want: 700 })));
}

#[test]
fn malformed_entries() {
    let segs = image();
    for (n, f) in [
        (5usize, (|v: u64| v | IND_DESTINATION) as fn(u64) -> u64), // two flags
        (5, |v| v & !0xf),                                          // no flag
        (5, |v| v | 0x10),                                          // unknown bit
        (5, |v| (v & !0xfff) | 0x808),                              // unaligned source
    ] {
        let mut b = Builder::load(&segs, FREE);
        patch(&mut b, n, f);
        assert!(matches!(b.check(&segs, &CONTROL), Err(HandoffError::BadEntry { .. })), "entry {n}");
    }
    // A source before any destination.
    let mut b = Builder::load(&segs, FREE);
    patch(&mut b, 0, |_| 0x5000_0000 | IND_SOURCE);
    assert!(matches!(b.check(&segs, &CONTROL), Err(HandoffError::SourceWithoutDestination { .. })));
    // IND_DONE with an address.
    let mut b = Builder::load(&segs, FREE);
    patch(&mut b, 5, |_| 0x5000_0000 | IND_DONE);
    assert!(matches!(b.check(&segs, &CONTROL), Err(HandoffError::BadEntry { .. })));
}

#[test]
fn control_pages_are_never_copied_over_or_from() {
    let segs = image();
    let mut b = Builder::load(&segs, FREE);
    patch(&mut b, 3, |_| CONTROL[1] | IND_SOURCE);
    assert!(matches!(b.check(&segs, &CONTROL), Err(HandoffError::SourceIsControl { page: 0x7000_1000, .. })));
    // An indirection page in a segment: the copy would overwrite the list.
    let segs2 = vec![seg(0x100_0000, 600), seg(FREE, 1)];
    let b = Builder::load(&segs2, FREE);
    assert!(matches!(b.check(&segs2, &CONTROL), Err(HandoffError::IndirectionMisplaced { .. })));
    let b = Builder::load(&segs, CONTROL[0]);
    assert!(matches!(b.check(&segs, &CONTROL), Err(HandoffError::IndirectionMisplaced { .. })));
}

#[test]
fn lists_that_do_not_end() {
    let segs = image();
    // The last page's link pointing back to the first page: a loop.
    let mut b = Builder::load(&segs, FREE);
    let first = b.ind[0];
    let last = *b.ind.last().unwrap();
    let prev = b.ind[b.ind.len() - 2];
    b.mem.pages.get_mut(&prev).unwrap()[511] = first | IND_INDIRECTION;
    let _ = last;
    assert!(b.check(&segs, &CONTROL).is_err());
    // A full page with no link: relocate_kernel would run off its end.
    let mut b = Builder::load(&segs, FREE);
    b.mem.pages.get_mut(&b.ind[0].clone()).unwrap()[511] = 0x5000_0000 | IND_SOURCE;
    assert!(b.check(&segs, &CONTROL).is_err());
    // IND_DONE missing: the rest of the last page is zero.
    let mut b = Builder::load(&segs, FREE);
    let last = *b.ind.last().unwrap();
    let slot = b.mem.pages[&last].iter().position(|&v| v == IND_DONE).unwrap();
    b.mem.pages.get_mut(&last).unwrap()[slot] = 0;
    assert!(matches!(b.check(&segs, &CONTROL), Err(HandoffError::BadEntry { value: 0, .. })));
    // An indirection page that cannot be read.
    let mut b = Builder::load(&segs, FREE);
    let second = b.ind[1];
    b.mem.pages.remove(&second);
    assert_eq!(b.check(&segs, &CONTROL), Err(HandoffError::Unreadable { page: second }));
}

#[test]
fn crash_images_have_no_list() {
    let segs = image();
    assert_eq!(check_entries(&segs, &CONTROL, 0, false, |_, _| None, |_| Ok(())), Ok(EntryStats::default()));
    assert!(matches!(
        check_entries(&segs, &CONTROL, 0x6000_0000 | IND_INDIRECTION, false, |_, _| None, |_| Ok(())),
        Err(HandoffError::CrashWithEntries { .. })
    ));
}

#[test]
fn visit_sees_every_source_and_indirection_page() {
    let segs = image();
    let b = Builder::load(&segs, FREE);
    let mut seen = 0u64;
    let mem = b.mem.clone();
    check_entries(&segs, &CONTROL, b.head, true, |p, i| mem.read(p, i), |_| {
        seen += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, 1908 + 4);
    // A refusal from visit stops the check.
    let r = check_entries(&segs, &CONTROL, b.head, true, |p, i| mem.read(p, i), |p| {
        if p == b.ind[2] {
            Err(HandoffError::NotIdentityMapped { addr: p, got: None })
        } else {
            Ok(())
        }
    });
    assert_eq!(r, Err(HandoffError::NotIdentityMapped { addr: b.ind[2], got: None }));
}

#[test]
fn random_corruption_never_panics() {
    let segs = image();
    let b = Builder::load(&segs, FREE);
    let mut seed = 0x2545f4914f6cdd1du64;
    let mut rnd = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut refused = 0;
    for _ in 0..3000 {
        let mut m = b.mem.clone();
        let page = b.ind[(rnd() % b.ind.len() as u64) as usize];
        let slot = (rnd() % 512) as usize;
        let v = m.pages[&page][slot];
        m.pages.get_mut(&page).unwrap()[slot] = match rnd() % 4 {
            0 => v ^ (1 << (rnd() % 64)),
            1 => rnd(),
            2 => (rnd() & !0xfff) | [1, 2, 4, 8][(rnd() % 4) as usize],
            _ => b.ind[(rnd() % b.ind.len() as u64) as usize] | IND_INDIRECTION,
        };
        if m.pages[&page][slot] == v {
            continue;
        }
        if check_entries(&segs, &CONTROL, b.head, true, |p, i| m.read(p, i), |_| Ok(())).is_err() {
            refused += 1;
        }
    }
    // Changing a source address to another free page is harmless; nearly
    // everything else must be refused.
    assert!(refused > 2000, "{refused} of 3000 refused");
}

/// A page table in fake memory, built like `kernel_ident_mapping_init()`.
struct Pt {
    mem: HashMap<u64, Vec<u64>>,
    next: u64,
    root: u64,
    levels: u32,
}

const MASK: u64 = 0x000f_ffff_ffff_f000;

impl Pt {
    fn new(levels: u32) -> Self {
        let mut pt = Pt { mem: HashMap::new(), next: 0x9000_0000, root: 0, levels };
        pt.root = pt.table();
        pt
    }

    fn table(&mut self) -> u64 {
        let p = self.next;
        self.next += P;
        self.mem.insert(p, vec![0; 512]);
        p
    }

    /// Maps `va` to `pa` with a page of `level` (1: 4K, 2: 2M, 3: 1G).
    fn map(&mut self, va: u64, pa: u64, leaf: u32) {
        let mut t = self.root;
        for level in (leaf + 1..=self.levels).rev() {
            let i = ((va >> (12 + 9 * (level - 1))) & 511) as usize;
            let e = self.mem[&t][i];
            t = if e & PTE_PRESENT == 0 {
                let n = self.table();
                self.mem.get_mut(&t).unwrap()[i] = n | 0x63;
                n
            } else {
                e & MASK
            };
        }
        let i = ((va >> (12 + 9 * (leaf - 1))) & 511) as usize;
        let big = if leaf > 1 { PTE_PSE } else { 0 };
        self.mem.get_mut(&t).unwrap()[i] = pa | 0x63 | big;
    }

    fn view(&self) -> PageTable<impl FnMut(u64, u64) -> Option<u64> + '_> {
        PageTable {
            root: self.root,
            levels: self.levels,
            pfn_mask: MASK,
            read: move |p, i| self.mem.get(&p).map(|t| t[i as usize]),
        }
    }
}

#[test]
fn page_table_walk() {
    for levels in [4, 5] {
        let mut pt = Pt::new(levels);
        // 0..1 GiB with a 1G page, 1 GiB..1 GiB+4 MiB with 2M pages, a 4K page
        // at 5 GiB, and relocate_kernel's address to a control page.
        pt.map(0, 0, 3);
        pt.map(0x4000_0000, 0x4000_0000, 2);
        pt.map(0x4020_0000, 0x4020_0000, 2);
        pt.map(0x1_4000_0000, 0x1_4000_0000, 1);
        pt.map(0xffff_ffff_8100_0000, 0x7000_0000, 1);
        let mut v = pt.view();
        assert_eq!(v.translate(0x1234_5678).unwrap(), Some((0x1234_5678, 1 << 30)));
        assert_eq!(v.translate(0x4030_0008).unwrap(), Some((0x4030_0008, 1 << 21)));
        assert_eq!(v.translate(0xffff_ffff_8100_0010).unwrap(), Some((0x7000_0010, 4096)));
        assert_eq!(v.translate(0x4040_0000).unwrap(), None);
        assert_eq!(v.check_identity(0, 0x4040_0000), Ok(()));
        assert_eq!(v.check_identity(0x1_4000_0000, 0x1_4000_1000), Ok(()));
        assert_eq!(
            v.check_identity(0x4000_0000, 0x4040_1000),
            Err(HandoffError::NotIdentityMapped { addr: 0x4040_0000, got: None })
        );
        assert_eq!(
            v.check_identity(0xffff_ffff_8100_0000, 0xffff_ffff_8100_1000),
            Err(HandoffError::NotIdentityMapped { addr: 0xffff_ffff_8100_0000, got: Some(0x7000_0000) })
        );
        // Table pages below the root, without and with the transition slot.
        let all = v.for_each_table(100, |_| false, |_| {}).unwrap();
        let slot = (0xffff_ffff_8100_0000u64 >> (12 + 9 * (levels - 1))) & 511;
        let ident = v.for_each_table(100, |s| s == slot, |_| {}).unwrap();
        assert_eq!(all - ident, levels as usize - 1);
        assert!(v.for_each_table(2, |_| false, |_| {}).is_err());
    }
    // A page table with a hole in the middle of a table page: unreadable.
    let mut pt = Pt::new(4);
    pt.map(0x4000_0000, 0x4000_0000, 2);
    let pmd = pt.next - P;
    pt.mem.remove(&pmd);
    assert_eq!(pt.view().translate(0x4000_0000), Err(HandoffError::TableUnreadable { page: pmd }));
    assert!(PageTable { root: 0, levels: 3, pfn_mask: MASK, read: |_, _| Some(0) }.translate(0).is_err());
}
