// SPDX-License-Identifier: GPL-2.0

//! The x86_64 kexec hand-off, in Rust.
//!
//! `arch/x86/kernel/machine_kexec_64.c` calls these hooks through
//! `kexec_rust_handoff_ops`:
//!
//! - `prepare`, from `machine_kexec_prepare()`: the identity-mapped page
//!   table, covering what `init_pgtable()` covers in C (the direct map,
//!   every segment, the EFI system and configuration tables, the ACPI
//!   tables and NVS), and the transition mapping of `relocate_kernel`'s page
//!   to the control page;
//! - `post_load`, from `machine_kexec_post_load()`: the checks of
//!   [`kernel::kexec::entries`] on the loaded image (segments, entry point,
//!   the whole entry list, and a walk of the page table proving that every
//!   page `relocate_kernel` reads or writes is identity-mapped). A refusal
//!   fails the load with `EINVAL` and leaves the machine as it was;
//! - `control`, from `machine_kexec()`: the control page and the page list
//!   for the assembly. It checks nothing and cannot fail: by then the
//!   devices are shut down and the other CPUs stopped, so every refusal
//!   belongs to the load. Nothing it uses can change after the load:
//!   memory hot-added later is not in the page table, and needs not be,
//!   since no page of the image lies there.
//!
//! The CPU state changes and the call of `relocate_kernel` stay in C, and
//! `relocate_kernel_64.S` is unchanged. This file is written on the kernel
//! crate's safe API (`rust/kernel/kexec/x86/handoff.rs`), which holds every
//! raw pointer and FFI call.

use kernel::{
    bindings,
    kexec::{
        entries::{self, EntryStats, HandoffError, Segment, ENTRIES_PER_PAGE, PAGE_SIZE},
        x86::handoff::{self, DirectMap, Handoff, HandoffOps, IdentityMap, PageList},
        Image, Kind,
    },
    kexec_dprintk,
    prelude::*,
};

const __LOG_PREFIX: &[u8] = b"kexec\0";

/// Upper bound on the page-table pages of one image (a table page maps at
/// least 1 GiB of the direct map with 2 MiB pages, so this covers 64 TiB).
const MAX_TABLE_PAGES: usize = 65536;

const MAX_SEGMENTS: usize = bindings::KEXEC_SEGMENT_MAX as usize;

/// The segments of `image`, and how many there are.
fn segments(image: &Image) -> ([Segment; MAX_SEGMENTS], usize) {
    let mut out = [Segment { mem: 0, memsz: 0 }; MAX_SEGMENTS];
    let mut n = 0;
    for (o, s) in out.iter_mut().zip(image.segments()) {
        *o = s;
        n += 1;
    }
    (out, n)
}

/// The ACPI tables and non-volatile storage, which the next kernel reads
/// before it has page tables of its own (as `map_acpi_tables()` in C).
#[cfg(CONFIG_ACPI)]
fn map_acpi_tables(m: &mut IdentityMap<'_>) -> Result {
    for desc in [
        bindings::IORES_DESC_ACPI_TABLES,
        bindings::IORES_DESC_ACPI_NV_STORAGE,
    ] {
        handoff::for_each_iomem_resource(desc, |start, end| m.map(start, end))?;
    }
    Ok(())
}

#[cfg(not(CONFIG_ACPI))]
fn map_acpi_tables(_m: &mut IdentityMap<'_>) -> Result {
    Ok(())
}

/// Builds the page table of `image` (see the module documentation).
fn prepare(image: &mut Image) -> Result {
    let (segs, n) = segments(image);
    let efi = handoff::efi_tables()?;
    // Memory can be neither added nor removed while the table is built.
    let dm = DirectMap::lock();
    let mut m = IdentityMap::new(image)?;
    for (start, end) in dm.ranges() {
        m.map(start, end)?;
    }
    // Segments may lie outside the direct map (a user memory map, or the
    // way back from a kexec'd kernel).
    for s in &segs[..n] {
        m.map(s.mem, s.mem.checked_add(s.memsz).ok_or(EINVAL)?)?;
    }
    for (start, end) in efi.into_iter().flatten() {
        m.map(start, end)?;
    }
    map_acpi_tables(&mut m)?;
    // Last: the transition pages are not control pages and may lie where
    // the new image goes, so nothing may be allocated after them.
    m.finish()
}

/// The top-level slot of the transition mapping (the only page-table subtree
/// whose pages are not control pages).
fn transition_slot() -> u64 {
    let top_shift = 12 + 9 * (handoff::paging_levels() - 1);
    (handoff::relocate_kernel_va() >> top_shift) & (ENTRIES_PER_PAGE - 1)
}

/// What [`check`] found in an image.
struct Checked {
    stats: EntryStats,
    segments: usize,
    entry_segment: usize,
    purgatory: bool,
    table_pages: usize,
}

/// The end of the page at `page`, refused when it wraps.
fn page_end(page: u64) -> Result<u64, HandoffError> {
    page.checked_add(PAGE_SIZE)
        .ok_or(HandoffError::NotIdentityMapped {
            addr: page,
            got: None,
        })
}

/// Checks the loaded `image` (see the module documentation).
fn check(image: &Image) -> Result<Checked, HandoffError> {
    let (segs, n) = segments(image);
    let segs = &segs[..n];
    let control_pa = image.control_page().ok_or(HandoffError::NoControlPage)?;
    let mut control = [control_pa; 2];
    if let Some(swap) = image.swap_page() {
        control[1] = swap;
    }
    let purgatory = image.purgatory_segment();
    let entry_segment = entries::check_segments(segs, &control, image.entry(), purgatory)?;
    let dm = DirectMap::lock();
    let mut pt = handoff::page_table(image, &dm).ok_or(HandoffError::NoPageTable)?;
    // The page-table pages are control pages: none may be overwritten.
    let mut bad = None;
    let skip = transition_slot();
    let table_pages = pt.for_each_table(
        MAX_TABLE_PAGES,
        |slot| slot == skip,
        |p| {
            if bad.is_none() {
                if let Some(index) = segs.iter().position(|s| p >= s.mem && p - s.mem < s.memsz) {
                    bad = Some(HandoffError::ControlInSegment { page: p, index });
                }
            }
        },
    )?;
    if let Some(e) = bad {
        return Err(e);
    }
    // What relocate_kernel reaches by physical address: the control page,
    // the swap page, every destination, every source and indirection page.
    for &c in &control {
        pt.check_identity(c, page_end(c)?)?;
    }
    for s in segs {
        // `check_segments` refused segments that wrap.
        pt.check_identity(s.mem, s.mem + s.memsz)?;
    }
    // The transition mapping: relocate_kernel's address is the control page.
    let va = handoff::relocate_kernel_va();
    let want = control_pa | (va & (PAGE_SIZE - 1));
    match pt.translate(va)? {
        Some((pa, _)) if pa == want => {}
        other => {
            return Err(HandoffError::NotIdentityMapped {
                addr: va,
                got: other.map(|(p, _)| p),
            })
        }
    }
    // The core allocates source and indirection pages from the direct map.
    // Check it is identity-mapped once, rather than page by page; memory
    // added since `prepare` is not, and the image's pages there (if any)
    // are then checked one by one.
    let mut whole = true;
    for (start, end) in dm.ranges() {
        match pt.check_identity(start, end) {
            Ok(()) => {}
            Err(HandoffError::NotIdentityMapped { .. }) => whole = false,
            Err(e) => return Err(e),
        }
    }
    let stats = entries::check_entries(
        segs,
        &control,
        image.head(),
        image.kind() == Kind::Default,
        |p, i| dm.read_word(p, i),
        |page| {
            if whole && dm.contains(page, PAGE_SIZE) {
                Ok(())
            } else {
                pt.check_identity(page, page_end(page)?)
            }
        },
    )?;
    Ok(Checked {
        stats,
        segments: n,
        entry_segment,
        purgatory: purgatory.is_some(),
        table_pages,
    })
}

struct X86Handoff;

impl Handoff for X86Handoff {
    fn prepare(image: &mut Image) -> Result {
        prepare(image).inspect_err(|e| pr_err!("hand-off page table not built ({:?})\n", e))
    }

    fn post_load(image: &Image) -> Result {
        let c = check(image).map_err(|e| {
            pr_err!("hand-off refused: {}\n", e);
            Error::from(e)
        })?;
        kexec_dprintk!(
            "hand-off checked: {} segments, {} pages in {} runs, {} indirection pages, {} table pages, entry {:#x} in segment {}{}\n",
            c.segments,
            c.stats.pages,
            c.stats.destinations,
            c.stats.indirections,
            c.table_pages,
            image.entry(),
            c.entry_segment,
            if c.purgatory { " (purgatory)" } else { "" }
        );
        // A crash kernel is entered from a panic, where `control()` must not
        // print: its hand-off line comes now, with what the jump will use.
        if image.kind() == Kind::Crash {
            handoff_line(image, "crash kernel, at load");
        }
        Ok(())
    }

    fn control(image: &Image, page_list: &mut PageList) {
        let code = handoff::install_control_code(image);
        page_list[bindings::PA_CONTROL_PAGE as usize] = image.control_page().unwrap_or(0);
        page_list[bindings::VA_CONTROL_PAGE as usize] = code.unwrap_or(0);
        page_list[bindings::PA_TABLE_PAGE as usize] = handoff::page_table_root(image).unwrap_or(0);
        page_list[bindings::PA_SWAP_PAGE as usize] = image.swap_page().unwrap_or(0);
        // Only on `reboot(LINUX_REBOOT_CMD_KEXEC)`, where `kernel_kexec()`
        // has just printed "Starting new kernel" too.
        if image.kind() == Kind::Default {
            handoff_line(image, "at the jump");
        }
    }
}

/// The hand-off line: segments, entry point, control page and page table.
fn handoff_line(image: &Image, when: &str) {
    pr_info!(
        "hand-off: {} segments, entry {:#x}, control page {:#x}, page table {:#x} ({})\n",
        image.nr_segments(),
        image.entry(),
        image.control_page().unwrap_or(0),
        handoff::page_table_root(image).unwrap_or(0),
        when
    );
}

/// The hand-off hooks `machine_kexec_64.c` calls.
#[no_mangle]
#[used]
pub static kexec_rust_handoff_ops: HandoffOps = handoff::create_handoff_ops::<X86Handoff>();
