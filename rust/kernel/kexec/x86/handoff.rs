// SPDX-License-Identifier: GPL-2.0

//! The x86_64 hand-off to `relocate_kernel`.
//!
//! What `machine_kexec_prepare()` and `machine_kexec()` of
//! `arch/x86/kernel/machine_kexec_64.c` prepare for the assembly in
//! `relocate_kernel_64.S`, which stays as it is:
//!
//! - [`prepare`]: the identity-mapped page table (every range of the direct
//!   map, every segment, the EFI system table and the ACPI tables), built
//!   with the kernel's `kernel_ident_mapping_init()` from control pages, and
//!   the transition mapping of `relocate_kernel`'s address to the control
//!   page;
//! - [`check`]: the checks of [`crate::kexec::entries`] on the loaded image:
//!   segments, entry point, the whole entry list, and a walk of the page
//!   table proving that every page `relocate_kernel` reads or writes is
//!   identity-mapped;
//! - [`control_page`]: [`check`] again, then the control page contents (the
//!   code of `relocate_kernel`) and the page list the assembly takes.
//!
//! The page-table pages and the transition pages are kept in
//! `kimage->arch`, where `machine_kexec_cleanup()` frees them as it does for
//! the C build.
//!
//! C header: [`arch/x86/include/asm/kexec.h`](srctree/arch/x86/include/asm/kexec.h)

use crate::{
    bindings,
    error::{code::*, to_result, Result},
    kexec::entries::{self, EntryStats, HandoffError, PageTable, Segment, PAGE_SIZE},
};
use core::ptr::addr_of;
use ffi::c_void;

/// Upper bound on the page-table pages of one image (a table page maps at
/// least 1 GiB of the direct map with 2 MiB pages, so this covers 64 TiB).
const MAX_TABLE_PAGES: usize = 65536;

/// A kimage between `machine_kexec_prepare()` and the jump.
///
/// # Invariants
///
/// `ptr` points to a valid `struct kimage` whose segments are set, for which
/// the caller holds `kexec_lock` (the image is neither freed nor changed by
/// anyone else while this exists).
pub struct Kimage {
    ptr: *mut bindings::kimage,
}

/// What [`check`] found in an image.
#[derive(Clone, Copy, Debug)]
pub struct Checked {
    /// The entry list.
    pub stats: EntryStats,
    /// Segments.
    pub segments: usize,
    /// Index of the segment holding the entry point.
    pub entry_segment: usize,
    /// Whether that segment is known to be the purgatory's.
    pub purgatory: bool,
    /// Page-table pages below the top-level table (transition ones excluded).
    pub table_pages: usize,
}

impl Kimage {
    /// Creates the handle.
    ///
    /// # Safety
    ///
    /// `ptr` points to a valid `struct kimage` whose segment list is set,
    /// and the caller holds `kexec_lock` for as long as the handle lives.
    pub unsafe fn from_raw(ptr: *mut bindings::kimage) -> Self {
        // INVARIANT: as the caller guarantees.
        Self { ptr }
    }

    fn raw(&self) -> &bindings::kimage {
        // SAFETY: valid by the type invariant; with `kexec_lock` held only
        // this handle changes the image, through `&mut self` methods, so no
        // write overlaps the shared reference returned here.
        unsafe { &*self.ptr }
    }

    /// The segments, and how many there are.
    fn segments(&self) -> ([Segment; bindings::KEXEC_SEGMENT_MAX as usize], usize) {
        let k = self.raw();
        let n = (k.nr_segments as usize).min(bindings::KEXEC_SEGMENT_MAX as usize);
        let mut out = [Segment { mem: 0, memsz: 0 }; bindings::KEXEC_SEGMENT_MAX as usize];
        for (o, s) in out.iter_mut().zip(&k.segment[..n]) {
            *o = Segment {
                mem: s.mem as u64,
                memsz: s.memsz as u64,
            };
        }
        (out, n)
    }

    /// The index of the purgatory's segment, while `kexec_file_load()` still
    /// holds the purgatory buffer (up to `machine_kexec_post_load()`).
    fn purgatory_segment(&self) -> Option<usize> {
        let k = self.raw();
        if k.file_mode() == 0 || k.purgatory_info.purgatory_buf.is_null() {
            return None;
        }
        let n = (k.nr_segments as usize).min(bindings::KEXEC_SEGMENT_MAX as usize);
        let purgatory = k.purgatory_info.purgatory_buf.cast_const();
        k.segment[..n].iter().position(|s| {
            // SAFETY: both members of the union are pointers of one size;
            // only the value is compared.
            let buf = unsafe { s.__bindgen_anon_1.kbuf };
            buf.cast_const() == purgatory
        })
    }

    fn is_default(&self) -> bool {
        self.raw().type_() == bindings::KEXEC_TYPE_DEFAULT
    }

    /// Physical address of the control code page.
    fn control_pa(&self) -> u64 {
        // SAFETY: the core allocated `control_code_page` before calling the
        // arch code and keeps it until the image is freed.
        unsafe { bindings::kexec_page_to_phys(self.raw().control_code_page) }
    }

    /// Physical address of the swap page, for an image that copies pages.
    fn swap_pa(&self) -> Option<u64> {
        let p = self.raw().swap_page;
        // SAFETY: a non-NULL `swap_page` is a page the core allocated for
        // this image and keeps until the image is freed.
        (self.is_default() && !p.is_null()).then(|| unsafe { bindings::kexec_page_to_phys(p) })
    }
}

/// The physical ranges of the kernel's direct map (`pfn_mapped[]`).
fn direct_map() -> impl Iterator<Item = (u64, u64)> {
    // SAFETY: `nr_pfn_mapped` and `pfn_mapped[]` change only when memory is
    // added (under the memory hotplug lock, which a kexec load does not
    // exclude, as in C); entries are only appended, each written before the
    // count is raised.
    let n = unsafe { addr_of!(bindings::nr_pfn_mapped).read_volatile() }.max(0) as usize;
    (0..n).map(|i| {
        // SAFETY: `i < nr_pfn_mapped`, so the entry is initialized and inside
        // the array (`E820_MAX_ENTRIES` long).
        let r = unsafe { addr_of!(bindings::pfn_mapped).cast::<bindings::range>().add(i).read() };
        (r.start << 12, r.end << 12)
    })
}

/// Whether `[pa, pa + len)` lies in the kernel's direct map.
fn direct_mapped(pa: u64, len: u64) -> bool {
    let Some(end) = pa.checked_add(len) else {
        return false;
    };
    direct_map().any(|(start, stop)| pa >= start && end <= stop)
}

/// Reads the `i`-th 64-bit word of the page at physical address `page`, if
/// that page is in the direct map.
fn read_phys(page: u64, i: u64) -> Option<u64> {
    if i >= entries::ENTRIES_PER_PAGE || page % PAGE_SIZE != 0 || !direct_mapped(page, PAGE_SIZE) {
        return None;
    }
    // SAFETY: `page` is in the direct map (checked), so its virtual address is
    // mapped for the whole page and `i` is an index inside it; the pages read
    // here (indirection and page-table pages) are written only by this image's
    // own code, with `kexec_lock` held by the caller.
    Some(unsafe {
        bindings::kexec_phys_to_virt(page)
            .cast::<u64>()
            .add(i as usize)
            .read_volatile()
    })
}

/// Levels of the running kernel's page tables (4, or 5 with LA57).
fn levels() -> u32 {
    if super::la57() {
        5
    } else {
        4
    }
}

fn relocate_kernel_va() -> u64 {
    bindings::relocate_kernel as *const () as u64
}

/// The top-level slot of the transition mapping (the only page-table subtree
/// whose pages are not control pages).
fn transition_slot() -> u64 {
    (relocate_kernel_va() >> (12 + 9 * (levels() - 1))) & (entries::ENTRIES_PER_PAGE - 1)
}

/// Checks the loaded `image` (see the module documentation); the page table
/// must have been built by [`prepare`] or by the C code.
pub fn check(image: &Kimage) -> core::result::Result<Checked, HandoffError> {
    let (segs, n) = image.segments();
    let segs = &segs[..n];
    let k = image.raw();
    let control_pa = image.control_pa();
    let mut control = [control_pa; 2];
    if let Some(swap) = image.swap_pa() {
        control[1] = swap;
    }
    let purgatory = image.purgatory_segment();
    let entry_segment = entries::check_segments(segs, &control, k.start as u64, purgatory)?;
    let pgd = k.arch.pgd;
    if pgd.is_null() {
        return Err(HandoffError::NotIdentityMapped { addr: control_pa, got: None });
    }
    // SAFETY: `arch.pgd` is a page-table page allocated by `prepare` (or the
    // C code) for this image, in the direct map.
    let root = unsafe { bindings::kexec_virt_to_phys(pgd.cast()) };
    let mut pt = PageTable {
        root,
        levels: levels(),
        // SAFETY: No preconditions.
        pfn_mask: unsafe { bindings::kexec_pte_pfn_mask() },
        read: read_phys,
    };
    // The page-table pages are control pages: none may be overwritten.
    let mut bad = None;
    let skip = transition_slot();
    let table_pages = pt.for_each_table(MAX_TABLE_PAGES, |slot| slot == skip, |p| {
        if bad.is_none() {
            if let Some(index) = segs.iter().position(|s| p >= s.mem && p < s.mem + s.memsz) {
                bad = Some(HandoffError::ControlInSegment { page: p, index });
            }
        }
    })?;
    if let Some(e) = bad {
        return Err(e);
    }
    // What relocate_kernel reaches by physical address: the control page,
    // the swap page, every destination, every source and indirection page.
    for &c in &control {
        pt.check_identity(c, c + PAGE_SIZE)?;
    }
    for s in segs {
        pt.check_identity(s.mem, s.mem + s.memsz)?;
    }
    // The transition mapping: relocate_kernel's address is the control page.
    let va = relocate_kernel_va();
    let want = control_pa | (va & (PAGE_SIZE - 1));
    match pt.translate(va)? {
        Some((pa, _)) if pa == want => {}
        other => return Err(HandoffError::NotIdentityMapped { addr: va, got: other.map(|(p, _)| p) }),
    }
    // The core allocates source and indirection pages from the direct map:
    // check it is identity-mapped once, rather than page by page.
    for (start, end) in direct_map() {
        pt.check_identity(start, end)?;
    }
    let stats = entries::check_entries(
        segs,
        &control,
        k.head as u64,
        image.is_default(),
        read_phys,
        |page| {
            if direct_mapped(page, PAGE_SIZE) {
                Ok(())
            } else {
                pt.check_identity(page, page + PAGE_SIZE)
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

/// Allocates a zeroed control page for the identity map.
///
/// # Safety
///
/// `data` is the `struct kimage` the map is built for (the `context` of the
/// `x86_mapping_info`), with `kexec_lock` held.
unsafe extern "C" fn alloc_pgt_page(data: *mut c_void) -> *mut c_void {
    // SAFETY: `data` is a valid kimage (function safety requirement).
    let page = unsafe { bindings::kimage_alloc_control_pages(data.cast(), 0) };
    if page.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: control pages come from the buddy allocator in the direct map,
    // so `page_address()` is their mapping.
    let p = unsafe { bindings::kexec_page_address(page) };
    // SAFETY: `p` is a whole page that nothing else uses yet.
    unsafe { core::ptr::write_bytes(p.cast::<u8>(), 0, PAGE_SIZE as usize) };
    p
}

/// The identity map being built into `pgd`.
struct IdentMap {
    info: bindings::x86_mapping_info,
    pgd: *mut bindings::pgd_t,
}

impl IdentMap {
    /// Maps `[start, end)` to itself.
    fn map(&mut self, start: u64, end: u64) -> Result {
        if start >= end {
            return Ok(());
        }
        // SAFETY: `info` allocates from the image's control pages and `pgd`
        // is this image's top-level table, a zeroed control page; the C code
        // takes any range and rounds it to its page size.
        to_result(unsafe {
            bindings::kernel_ident_mapping_init(&mut self.info, self.pgd, start as _, end as _)
        })
    }
}

#[cfg(CONFIG_EFI)]
fn map_efi_systab(m: &mut IdentMap) -> Result {
    if !super::efi_booted() {
        return Ok(());
    }
    // SAFETY: `boot_params` is written during early boot only.
    let ei = unsafe { addr_of!(bindings::boot_params.efi_info).read_unaligned() };
    let start = ei.efi_systab as u64 | (ei.efi_systab_hi as u64) << 32;
    if start == 0 {
        return Ok(());
    }
    // SAFETY: No preconditions.
    let is64 = unsafe { bindings::efi_enabled(bindings::EFI_64BIT as _) };
    let size = if is64 {
        core::mem::size_of::<bindings::efi_system_table_64_t>()
    } else {
        core::mem::size_of::<bindings::efi_system_table_32_t>()
    };
    m.map(start, start + size as u64)?;
    // SAFETY: `start` is the firmware's system table, `size` bytes long.
    let kaddr = unsafe { bindings::memremap(start as _, size, bindings::MEMREMAP_WB as _) };
    if kaddr.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: `kaddr` maps the whole table, whose layout matches `is64`.
    let nr = unsafe {
        if is64 {
            addr_of!((*kaddr.cast::<bindings::efi_system_table_64_t>()).nr_tables).read_unaligned() as u64
        } else {
            addr_of!((*kaddr.cast::<bindings::efi_system_table_32_t>()).nr_tables).read_unaligned() as u64
        }
    };
    // SAFETY: `kaddr` came from `memremap()` above.
    unsafe { bindings::memunmap(kaddr) };
    let entry = if is64 {
        core::mem::size_of::<bindings::efi_config_table_64_t>()
    } else {
        core::mem::size_of::<bindings::efi_config_table_32_t>()
    } as u64;
    // SAFETY: No preconditions (`efi_config_table` is set once, at boot).
    let tables = unsafe { bindings::kexec_efi_config_table() } as u64;
    let len = nr.checked_mul(entry).ok_or(EINVAL)?;
    m.map(tables, tables.checked_add(len).ok_or(EINVAL)?)
}

#[cfg(not(CONFIG_EFI))]
fn map_efi_systab(_m: &mut IdentMap) -> Result {
    Ok(())
}

/// `walk_iomem_res_desc()` callback: maps one resource.
///
/// # Safety
///
/// `res` is a valid resource and `arg` the `IdentMap` passed to the walk.
#[cfg(CONFIG_ACPI)]
unsafe extern "C" fn map_resource(res: *mut bindings::resource, arg: *mut c_void) -> ffi::c_int {
    // SAFETY: as the function's safety requirement says.
    let (m, r) = unsafe { (&mut *arg.cast::<IdentMap>(), &*res) };
    match m.map(r.start, r.end.wrapping_add(1)) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

#[cfg(CONFIG_ACPI)]
fn map_acpi_tables(m: &mut IdentMap) -> Result {
    let flags = (bindings::IORESOURCE_MEM | bindings::IORESOURCE_BUSY) as _;
    // The tables, then the non-volatile storage that may hold some.
    for desc in [bindings::IORES_DESC_ACPI_TABLES, bindings::IORES_DESC_ACPI_NV_STORAGE] {
        // SAFETY: `map_resource` gets `m` back as its argument, which lives
        // across the walk.
        let r = unsafe {
            bindings::walk_iomem_res_desc(
                desc as _,
                flags,
                0,
                u64::MAX,
                (m as *mut IdentMap).cast(),
                Some(map_resource),
            )
        };
        // -EINVAL: no such resource.
        if r != 0 && r != EINVAL.to_errno() {
            return to_result(r);
        }
    }
    Ok(())
}

#[cfg(not(CONFIG_ACPI))]
fn map_acpi_tables(_m: &mut IdentMap) -> Result {
    Ok(())
}

/// Maps the page at `relocate_kernel`'s address to the control page, in
/// pages that are not control pages (kept in `arch.{p4d,pud,pmd,pte}`).
fn map_transition(image: &mut Kimage, control_pa: u64, enc: bool) -> Result {
    let va = relocate_kernel_va();
    let levels = levels();
    // SAFETY: No preconditions.
    let pfn_mask = unsafe { bindings::kexec_pte_pfn_mask() };
    // SAFETY: No preconditions.
    let table_flags = unsafe { bindings::kexec_kernpg_table() };
    let mut table = image.raw().arch.pgd.cast::<u64>();
    for level in (2..=levels).rev() {
        let i = ((va >> (12 + 9 * (level - 1))) & (entries::ENTRIES_PER_PAGE - 1)) as usize;
        // SAFETY: `table` is a page-table page of this image (the top one,
        // or one allocated below), `i < 512`.
        let slot = unsafe { table.add(i) };
        // SAFETY: as above.
        let mut e = unsafe { slot.read_volatile() };
        if e & entries::PTE_PRESENT == 0 {
            // SAFETY: No preconditions.
            let page = unsafe { bindings::get_zeroed_page_noprof(bindings::GFP_KERNEL) };
            if page == 0 {
                return Err(ENOMEM);
            }
            // The next table is of `level - 1`: keep it where
            // `machine_kexec_cleanup()` frees it.
            // SAFETY: the handle's invariant: the image is ours to change.
            let arch = unsafe { &mut (*image.ptr).arch };
            match level - 1 {
                4 => arch.p4d = page as *mut _,
                3 => arch.pud = page as *mut _,
                2 => arch.pmd = page as *mut _,
                _ => arch.pte = page as *mut _,
            }
            // SAFETY: `page` is a direct-map address from the page allocator.
            e = unsafe { bindings::kexec_virt_to_phys(page as *mut c_void) } | table_flags;
            // SAFETY: as for the read.
            unsafe { slot.write_volatile(e) };
        }
        // SAFETY: `e` is present and points to a table page in the direct
        // map (written above, or by `kernel_ident_mapping_init()`).
        table = unsafe { bindings::kexec_phys_to_virt(e & pfn_mask) }.cast::<u64>();
    }
    let i = ((va >> 12) & (entries::ENTRIES_PER_PAGE - 1)) as usize;
    // SAFETY: No preconditions.
    let pte = unsafe { bindings::kexec_pte_exec(control_pa, enc) };
    // SAFETY: `table` is the last-level table, `i < 512`.
    unsafe { table.add(i).write_volatile(pte) };
    Ok(())
}

/// Builds the identity-mapped page table of `image` (and its transition
/// mapping) into `image->arch`; `machine_kexec_prepare()`.
pub fn prepare(image: &mut Kimage) -> Result {
    // SAFETY: No preconditions.
    let enc = unsafe { bindings::kexec_guest_mem_encrypt() };
    // SAFETY: No preconditions.
    let enc_bit = if enc { unsafe { bindings::kexec_page_enc() } } else { 0 };
    // SAFETY: No preconditions.
    let (large, table) = unsafe { (bindings::kexec_page_large_exec(), bindings::kexec_kernpg_table_noenc()) };
    // SAFETY: `image.ptr` is a valid kimage, locked (type invariant).
    let pgd = unsafe { alloc_pgt_page(image.ptr.cast()) };
    if pgd.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: the handle's invariant: the image is ours to change.
    unsafe { (*image.ptr).arch.pgd = pgd.cast() };
    let mut m = IdentMap {
        info: bindings::x86_mapping_info {
            alloc_pgt_page: Some(alloc_pgt_page),
            free_pgt_page: None,
            context: image.ptr.cast(),
            page_flag: (large | enc_bit) as usize,
            offset: 0,
            // SAFETY: `direct_gbpages` is set during early boot only.
            direct_gbpages: unsafe { addr_of!(bindings::direct_gbpages).read() } != 0,
            kernpg_flag: (table | enc_bit) as usize,
        },
        pgd: pgd.cast(),
    };
    for (start, end) in direct_map() {
        m.map(start, end)?;
    }
    // Segments may lie outside the direct map (a user memory map, or the
    // way back from a kexec'd kernel).
    let (segs, n) = image.segments();
    for s in &segs[..n] {
        m.map(s.mem, s.mem.checked_add(s.memsz).ok_or(EINVAL)?)?;
    }
    map_efi_systab(&mut m)?;
    map_acpi_tables(&mut m)?;
    // Last: the transition pages are not control pages and may lie where
    // the new image goes, so nothing may be allocated after them.
    let control_pa = image.control_pa();
    map_transition(image, control_pa, enc)
}

/// Checks `image` once more with [`check`], then fills its control page with
/// the code of `relocate_kernel` and `page_list` with what the assembly
/// expects. On an error nothing was written and the caller must not jump.
pub fn control_page(
    image: &Kimage,
    page_list: &mut [u64; bindings::PAGES_NR as usize],
) -> core::result::Result<Checked, HandoffError> {
    let c = check(image)?;
    let k = image.raw();
    // SAFETY: `control_code_page` is the image's control page (see
    // `Kimage::control_pa`), in the direct map.
    let code = unsafe { bindings::kexec_page_address(k.control_code_page) };
    // SAFETY: `code` is a whole page (KEXEC_CONTROL_PAGE_SIZE) that only the
    // jump uses; `relocate_kernel` is followed by at least
    // KEXEC_CONTROL_CODE_MAX_SIZE bytes of its own section (the linker script
    // asserts its size). `__memcpy`, as in C: the source is code.
    unsafe {
        bindings::__memcpy(
            code,
            bindings::relocate_kernel as *const c_void,
            bindings::KEXEC_CONTROL_CODE_MAX_SIZE as usize,
        )
    };
    page_list[bindings::PA_CONTROL_PAGE as usize] = image.control_pa();
    page_list[bindings::VA_CONTROL_PAGE as usize] = code as u64;
    // SAFETY: `arch.pgd` is a direct-map page (checked by `check`).
    page_list[bindings::PA_TABLE_PAGE as usize] = unsafe { bindings::kexec_virt_to_phys(k.arch.pgd.cast()) };
    page_list[bindings::PA_SWAP_PAGE as usize] = image.swap_pa().unwrap_or(0);
    Ok(c)
}
