// SPDX-License-Identifier: GPL-2.0

//! Building blocks for the x86_64 kexec hand-off to `relocate_kernel`.
//!
//! `machine_kexec_prepare()`, `machine_kexec_post_load()` and
//! `machine_kexec()` in `arch/x86/kernel/machine_kexec_64.c` call the
//! [`Handoff`] an architecture file registers with [`create_handoff_ops`]
//! (`arch/x86/kernel/kexec_handoff64.rs`). That file decides what the
//! identity-mapped page table covers and what is checked; this one holds the
//! unsafe parts it is built on, each behind a safe interface:
//!
//! - [`DirectMap`]: the kernel's direct map (`pfn_mapped[]`), held still
//!   against memory hotplug while it is read;
//! - [`IdentityMap`]: the image's page table, built with the kernel's
//!   `kernel_ident_mapping_init()` from control pages, and the transition
//!   mapping of `relocate_kernel`'s page to the control page;
//! - [`page_table`]: a reader of that table for the checks of
//!   [`crate::kexec::entries`];
//! - [`install_control_code`] and [`PageList`]: what `machine_kexec()` hands
//!   to the assembly, which cannot fail;
//! - the EFI and ACPI tables the next kernel's early code reads.
//!
//! C header: [`arch/x86/include/asm/kexec.h`](srctree/arch/x86/include/asm/kexec.h)

use crate::{
    bindings,
    error::{code::*, from_result, to_result, Result},
    kexec::{
        entries::{PageTable, ENTRIES_PER_PAGE, PAGE_SIZE, PTE_PRESENT},
        Image,
    },
};
use core::{marker::PhantomData, ptr::addr_of};
use ffi::{c_int, c_ulong, c_void};

/// What `machine_kexec()` hands to `relocate_kernel` (`page_list[PAGES_NR]`).
pub type PageList = [u64; bindings::PAGES_NR as usize];

/// The x86_64 hand-off hooks.
pub trait Handoff {
    /// `machine_kexec_prepare()`: builds what the jump needs, for an image
    /// whose segments are placed. An error fails the load.
    fn prepare(image: &mut Image) -> Result;

    /// `machine_kexec_post_load()`: checks the loaded image (its entry list
    /// terminated). An error fails the load and leaves the running kernel as
    /// it was. A kexec image loaded before stays loaded; a crash image does
    /// not: `kexec_file_load()` frees the previous crash image before it
    /// loads a new one into the same reservation.
    fn post_load(image: &Image) -> Result;

    /// `machine_kexec()`: fills the control page and `page_list`. Runs
    /// after the devices were shut down and the other CPUs stopped, so it
    /// cannot fail: everything it relies on was checked at load.
    fn control(image: &Image, page_list: &mut PageList);
}

/// The `struct kexec_handoff_ops` of a [`Handoff`].
#[repr(transparent)]
pub struct HandoffOps(bindings::kexec_handoff_ops);

// SAFETY: A `HandoffOps` only holds function pointers and is never written.
unsafe impl Sync for HandoffOps {}

struct Adapter<T: Handoff>(PhantomData<T>);

impl<T: Handoff> Adapter<T> {
    /// # Safety
    ///
    /// Called by `machine_kexec_prepare()` with `kexec_lock` held, for a
    /// valid image.
    unsafe extern "C" fn prepare(image: *mut bindings::kimage) -> c_int {
        from_result(|| {
            // SAFETY: as the function's safety requirement says; the caller
            // uses no other reference to the image during the call.
            T::prepare(unsafe { Image::from_raw(image) })?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by `machine_kexec_post_load()` with `kexec_lock` held, for a
    /// valid, loaded image.
    unsafe extern "C" fn post_load(image: *mut bindings::kimage) -> c_int {
        from_result(|| {
            // SAFETY: as the function's safety requirement says.
            let image = unsafe { Image::from_raw(image) };
            #[cfg(CONFIG_KEXEC_BZIMAGE64_RUST_SELFTEST)]
            {
                let class = crate::kexec::selftest::corrupt_class();
                if let Some(r) = crate::kexec::selftest::with_corruption(image, class, T::post_load)
                {
                    // The image is as it was, but refused: it was checked
                    // corrupted.
                    r?;
                    return Err(EINVAL);
                }
            }
            T::post_load(image)?;
            #[cfg(all(CONFIG_KEXEC_BZIMAGE64_RUST_SELFTEST, CONFIG_KEXEC_PURGATORY_RUST))]
            if crate::kexec::selftest::flip_byte() {
                crate::kexec::selftest::flip_segment_byte(image);
            }
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by `machine_kexec()` for the loaded image (`kexec_lock` held
    /// by `kernel_kexec()`); `page_list` points to `PAGES_NR` writable
    /// `unsigned long`s that nothing else uses during the call.
    unsafe extern "C" fn control(image: *mut bindings::kimage, page_list: *mut c_ulong) {
        // SAFETY: as the function's safety requirement says; `unsigned long`
        // is `u64` on x86_64.
        let list = unsafe { &mut *page_list.cast::<PageList>() };
        // SAFETY: as the function's safety requirement says.
        T::control(unsafe { Image::from_raw(image) }, list);
    }
}

/// Builds the `struct kexec_handoff_ops` of `T`.
pub const fn create_handoff_ops<T: Handoff>() -> HandoffOps {
    HandoffOps(bindings::kexec_handoff_ops {
        prepare: Some(Adapter::<T>::prepare),
        post_load: Some(Adapter::<T>::post_load),
        control: Some(Adapter::<T>::control),
    })
}

/// The kernel's direct map, held still: memory can be neither added nor
/// removed while this exists (`get_online_mems()`).
///
/// ```
/// use kernel::kexec::x86::handoff::DirectMap;
///
/// let dm = DirectMap::lock();
/// // RAM at 1 MiB is in the direct map; the top of the address space is not.
/// assert!(dm.ranges().all(|(start, end)| start < end));
/// assert!(dm.contains(0x100000, 4096));
/// assert!(!dm.contains(u64::MAX & !4095, 4096));
/// assert!(!dm.contains(0x100000, u64::MAX));
/// // Words of a page in it can be read; past the page, unaligned pages
/// // and pages outside it cannot.
/// assert!(dm.read_word(0x100000, 511).is_some());
/// assert!(dm.read_word(0x100000, 512).is_none());
/// assert!(dm.read_word(0x100008, 0).is_none());
/// assert!(dm.read_word(u64::MAX & !4095, 0).is_none());
/// ```
///
/// # Invariants
///
/// The memory hotplug lock is held for reading while the value lives.
pub struct DirectMap {
    // `get_online_mems()` and `put_online_mems()` run on the same task.
    _not_send: PhantomData<*mut ()>,
}

impl DirectMap {
    /// Holds the direct map still; may sleep.
    pub fn lock() -> Self {
        // SAFETY: No preconditions; released in `drop`.
        unsafe { bindings::get_online_mems() };
        // INVARIANT: the lock was just taken.
        Self {
            _not_send: PhantomData,
        }
    }

    /// The physical ranges `[start, end)` of the direct map.
    pub fn ranges(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        // SAFETY: `nr_pfn_mapped` and `pfn_mapped[]` change only when memory
        // is added or removed, under the memory hotplug lock held for
        // writing, which the type invariant excludes.
        let n = unsafe { addr_of!(bindings::nr_pfn_mapped).read() }.max(0) as usize;
        let n = n.min(bindings::E820_MAX_ENTRIES as usize);
        // SAFETY: `pfn_mapped` is an array of `E820_MAX_ENTRIES` ranges that
        // lives forever (declared without its size), of which the first
        // `nr_pfn_mapped` are set; none changes while `self` lives, as above.
        let set = unsafe {
            core::slice::from_raw_parts(addr_of!(bindings::pfn_mapped).cast::<bindings::range>(), n)
        };
        set.iter().map(|r| (r.start << 12, r.end << 12))
    }

    /// Whether `[pa, pa + len)` lies in one range of the direct map.
    pub fn contains(&self, pa: u64, len: u64) -> bool {
        let Some(end) = pa.checked_add(len) else {
            return false;
        };
        self.ranges()
            .any(|(start, stop)| pa >= start && end <= stop)
    }

    /// Reads the `i`-th 64-bit word of the page at physical address `page`,
    /// if that page is in the direct map and mapped there now.
    ///
    /// `pfn_mapped` only grows: memory that was hot-removed stays in it, and
    /// a page inside it may be unmapped (`DEBUG_PAGEALLOC` unmaps free pages,
    /// `secretmem` takes its pages out of the direct map). The read goes
    /// through `copy_from_kernel_nofault()`, so such a page reads as `None`
    /// instead of faulting. The kexec code reads the pages of its own images
    /// this way (entry list and page-table pages), which nothing writes
    /// while `kexec_lock` is held; any other page may change under the
    /// read, which then returns some value it held.
    pub fn read_word(&self, page: u64, i: u64) -> Option<u64> {
        if i >= ENTRIES_PER_PAGE || page % PAGE_SIZE != 0 || !self.contains(page, PAGE_SIZE) {
            return None;
        }
        // SAFETY: `phys_to_virt()` only computes an address.
        let va = unsafe { bindings::phys_to_virt(page) }.cast::<u64>();
        // `i` indexes a word inside the page; nothing is dereferenced here.
        let src = va.wrapping_add(i as usize);
        let mut v = 0u64;
        // SAFETY: `v` is valid for writes of 8 bytes. The source is read
        // with a fault handler: an address that is not mapped makes the call
        // fail, it never faults.
        let r = unsafe {
            bindings::copy_from_kernel_nofault(
                core::ptr::addr_of_mut!(v).cast(),
                src.cast(),
                core::mem::size_of::<u64>(),
            )
        };
        (r == 0).then_some(v)
    }
}

impl Drop for DirectMap {
    fn drop(&mut self) {
        // SAFETY: taken in `lock()` on this task (type invariant).
        unsafe { bindings::put_online_mems() };
    }
}

/// Levels of the running kernel's page tables (4, or 5 with LA57).
pub fn paging_levels() -> u32 {
    if super::la57() {
        5
    } else {
        4
    }
}

/// The virtual address of `relocate_kernel`, which the transition mapping
/// maps to the control page.
pub fn relocate_kernel_va() -> u64 {
    bindings::relocate_kernel as *const () as u64
}

/// The physical-address bits of a page-table entry that points to a table
/// (`PTE_PFN_MASK`).
pub fn pte_pfn_mask() -> u64 {
    // SAFETY: No preconditions; an entry without `_PAGE_PSE` gets
    // `PTE_PFN_MASK`.
    unsafe { bindings::pmd_pfn_mask(bindings::pmd_t { pmd: 0 }) as u64 }
}

/// The page table of `image`, read through `map`, for the walks of
/// [`PageTable`]; `None` before [`IdentityMap`] (or the C code) built it.
pub fn page_table<'a>(
    image: &Image,
    map: &'a DirectMap,
) -> Option<PageTable<impl FnMut(u64, u64) -> Option<u64> + 'a>> {
    let pgd = image.raw().arch.pgd;
    if pgd.is_null() {
        return None;
    }
    Some(PageTable {
        // SAFETY: `arch.pgd` is a page-table page the image owns, allocated
        // from the direct map.
        root: unsafe { bindings::virt_to_phys(pgd.cast()) },
        levels: paging_levels(),
        pfn_mask: pte_pfn_mask(),
        read: move |p, i| map.read_word(p, i),
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
    // SAFETY: control pages come from the page allocator, in the direct
    // map, so `page_address()` is their mapping.
    let p = unsafe { bindings::page_address(page) };
    // SAFETY: `p` is a whole page that nothing else uses yet.
    unsafe { core::ptr::write_bytes(p.cast::<u8>(), 0, PAGE_SIZE as usize) };
    p
}

/// The identity-mapped page table of an image, being built.
///
/// # Invariants
///
/// `pgd` is the image's `arch.pgd`, a zeroed control page when the map was
/// started; `info` allocates the further table pages from the image's
/// control pages (`context` is the image).
pub struct IdentityMap<'a> {
    image: &'a mut Image,
    info: bindings::x86_mapping_info,
    pgd: *mut bindings::pgd_t,
}

impl<'a> IdentityMap<'a> {
    /// Starts the page table of `image`, whose segments are placed.
    /// Refused with `EBUSY` if the image has one already.
    pub fn new(image: &'a mut Image) -> Result<Self> {
        if !image.raw().arch.pgd.is_null() {
            return Err(EBUSY);
        }
        let enc = guest_mem_encrypted();
        let enc_bit = if enc {
            // SAFETY: No preconditions.
            unsafe { bindings::sme_get_me_mask() }
        } else {
            0
        };
        // SAFETY: `image` is a valid kimage and `kexec_lock` is held (the
        // `Image` invariant).
        let pgd = unsafe { alloc_pgt_page(image.as_raw().cast()) };
        if pgd.is_null() {
            return Err(ENOMEM);
        }
        image.raw_mut().arch.pgd = pgd.cast();
        let info = bindings::x86_mapping_info {
            alloc_pgt_page: Some(alloc_pgt_page),
            free_pgt_page: None,
            context: image.as_raw().cast(),
            page_flag: (bindings::__PAGE_KERNEL_LARGE_EXEC as u64 | enc_bit) as usize,
            offset: 0,
            // SAFETY: `direct_gbpages` is set during early boot only.
            direct_gbpages: unsafe { addr_of!(bindings::direct_gbpages).read() } != 0,
            kernpg_flag: (bindings::_KERNPG_TABLE_NOENC as u64 | enc_bit) as usize,
        };
        // INVARIANT: `pgd` is the zeroed control page just stored in
        // `arch.pgd`; `context` is the image.
        Ok(Self {
            image,
            info,
            pgd: pgd.cast(),
        })
    }

    /// The image.
    pub fn image(&self) -> &Image {
        self.image
    }

    /// Maps `[start, end)` to itself (rounded out to the mapping's pages).
    pub fn map(&mut self, start: u64, end: u64) -> Result {
        if start >= end {
            return Ok(());
        }
        // SAFETY: `info` allocates from the image's control pages and `pgd`
        // is its top-level table (type invariant); `kexec_lock` is held. The
        // C code takes any range and rounds it to its page size.
        to_result(unsafe {
            bindings::kernel_ident_mapping_init(&mut self.info, self.pgd, start as _, end as _)
        })
    }

    /// Ends the building: maps the page of `relocate_kernel`'s address to
    /// the control page (the transition mapping, used until the assembly
    /// switches to the identity map), in pages that are not control pages,
    /// kept in `arch.{p4d,pud,pmd,pte}` where `machine_kexec_cleanup()` frees
    /// them. Nothing may be allocated from the image after this: those
    /// pages may lie where the new image goes.
    pub fn finish(self) -> Result {
        let control = self.image.control_page().ok_or(EINVAL)?;
        let va = relocate_kernel_va();
        let pfn_mask = pte_pfn_mask();
        let enc = guest_mem_encrypted();
        // SAFETY: No preconditions.
        let enc_mask = unsafe { bindings::sme_get_me_mask() };
        let table_flags = bindings::_KERNPG_TABLE_NOENC as u64 | enc_mask;
        let mut table = self.pgd.cast::<u64>();
        for level in (2..=paging_levels()).rev() {
            let i = ((va >> (12 + 9 * (level - 1))) & (ENTRIES_PER_PAGE - 1)) as usize;
            // SAFETY: `table` is a table page of this image (the top one, or
            // one allocated below), and `i < 512`.
            let slot = unsafe { table.add(i) };
            // SAFETY: as above.
            let mut e = unsafe { slot.read() };
            if e & PTE_PRESENT == 0 {
                // SAFETY: No preconditions.
                let page = unsafe { bindings::get_zeroed_page_noprof(bindings::GFP_KERNEL) };
                if page == 0 {
                    return Err(ENOMEM);
                }
                // The next table is of `level - 1`: keep it where
                // `machine_kexec_cleanup()` frees it. Each level is
                // allocated once: the map is finished once.
                let arch = &mut self.image.raw_mut().arch;
                match level - 1 {
                    4 => arch.p4d = page as *mut _,
                    3 => arch.pud = page as *mut _,
                    2 => arch.pmd = page as *mut _,
                    _ => arch.pte = page as *mut _,
                }
                // SAFETY: `page` is a direct-map address from the page allocator.
                e = unsafe { bindings::virt_to_phys(page as *mut c_void) } | table_flags;
                // SAFETY: as for the read.
                unsafe { slot.write(e) };
            }
            // SAFETY: `e` is present and points to a table page in the direct
            // map (written above, or by `kernel_ident_mapping_init()`).
            table = unsafe { bindings::phys_to_virt(e & pfn_mask) }.cast::<u64>();
        }
        let i = ((va >> 12) & (ENTRIES_PER_PAGE - 1)) as usize;
        // `PAGE_KERNEL_EXEC`, or its `_NOENC` form.
        let enc_bit = if enc { enc_mask } else { 0 };
        // SAFETY: `__default_kernel_pte_mask` is set during early boot only.
        let mask = unsafe { addr_of!(bindings::__default_kernel_pte_mask).read() };
        let prot = bindings::pgprot_t {
            pgprot: ((bindings::__PAGE_KERNEL_EXEC as u64 | enc_bit) & mask as u64) as _,
        };
        // SAFETY: No preconditions.
        let pte = unsafe { bindings::pfn_pte((control >> 12) as c_ulong, prot) };
        // SAFETY: `table` is the last-level table, `i < 512`.
        unsafe { table.add(i).write(pte.pte as u64) };
        Ok(())
    }
}

/// Whether the memory of this (guest) kernel is encrypted, as for
/// `CC_ATTR_GUEST_MEM_ENCRYPT`.
fn guest_mem_encrypted() -> bool {
    // SAFETY: No preconditions.
    unsafe { bindings::cc_platform_has(bindings::cc_attr_CC_ATTR_GUEST_MEM_ENCRYPT) }
}

/// Copies the code of `relocate_kernel` into the control page of `image`,
/// and returns the control page's virtual address.
pub fn install_control_code(image: &Image) -> Option<u64> {
    let page = image.raw().control_code_page;
    if page.is_null() {
        return None;
    }
    // SAFETY: `control_code_page` is the image's control page, which the core
    // allocated from the direct map and keeps until the image is freed.
    let code = unsafe { bindings::page_address(page) };
    // SAFETY: `code` is a whole page (`KEXEC_CONTROL_PAGE_SIZE`) that only the
    // jump uses; `relocate_kernel` is followed by at least
    // `KEXEC_CONTROL_CODE_MAX_SIZE` bytes of its own section (the linker
    // script asserts its size). `__memcpy`, as in C: the source is code.
    unsafe {
        bindings::__memcpy(
            code,
            bindings::relocate_kernel as *const c_void,
            bindings::KEXEC_CONTROL_CODE_MAX_SIZE as usize,
        )
    };
    Some(code as u64)
}

/// The physical address of the image's top-level page table.
pub fn page_table_root(image: &Image) -> Option<u64> {
    let pgd = image.raw().arch.pgd;
    // SAFETY: a non-null `arch.pgd` is a direct-map page the image owns.
    (!pgd.is_null()).then(|| unsafe { bindings::virt_to_phys(pgd.cast()) })
}

/// Calls `f(start, end)` for every busy memory resource described as `desc`
/// (an `IORES_DESC_*` value), as `walk_iomem_res_desc()` does; stops at the
/// first error. No such resource is not an error.
pub fn for_each_iomem_resource<F>(desc: u32, mut f: F) -> Result
where
    F: FnMut(u64, u64) -> Result,
{
    /// # Safety
    ///
    /// `res` is a valid resource and `arg` the `F` passed to the walk.
    unsafe extern "C" fn call<F: FnMut(u64, u64) -> Result>(
        res: *mut bindings::resource,
        arg: *mut c_void,
    ) -> c_int {
        // SAFETY: as the function's safety requirement says.
        let (f, r) = unsafe { (&mut *arg.cast::<F>(), &*res) };
        from_result(|| {
            f(r.start, r.end.wrapping_add(1))?;
            Ok(0)
        })
    }
    let flags = (bindings::IORESOURCE_MEM | bindings::IORESOURCE_BUSY) as c_ulong;
    // SAFETY: `call::<F>` gets `f` back as its argument; `f` lives across
    // the walk, which does not keep it.
    let r = unsafe {
        bindings::walk_iomem_res_desc(
            desc as _,
            flags,
            0,
            u64::MAX,
            (&mut f as *mut F).cast(),
            Some(call::<F>),
        )
    };
    // -EINVAL: no such resource.
    if r != 0 && r != EINVAL.to_errno() {
        return to_result(r);
    }
    Ok(())
}

/// The EFI system table and the EFI configuration tables of the running
/// kernel, as physical ranges `[start, end)`: what the next kernel's EFI
/// stub reads before it has page tables of its own. `None` when the kernel
/// was not booted through EFI.
#[cfg(CONFIG_EFI)]
pub fn efi_tables() -> Result<Option<[(u64, u64); 2]>> {
    if !super::efi_booted() {
        return Ok(None);
    }
    // SAFETY: `boot_params` is written during early boot only.
    let ei = unsafe { addr_of!(bindings::boot_params.efi_info).read_unaligned() };
    let start = ei.efi_systab as u64 | (ei.efi_systab_hi as u64) << 32;
    if start == 0 {
        return Ok(None);
    }
    // SAFETY: No preconditions.
    let is64 = unsafe { bindings::efi_enabled(bindings::EFI_64BIT as _) };
    let (size, entry) = if is64 {
        (
            core::mem::size_of::<bindings::efi_system_table_64_t>(),
            core::mem::size_of::<bindings::efi_config_table_64_t>(),
        )
    } else {
        (
            core::mem::size_of::<bindings::efi_system_table_32_t>(),
            core::mem::size_of::<bindings::efi_config_table_32_t>(),
        )
    };
    // SAFETY: `start` is the firmware's system table, `size` bytes long.
    let kaddr = unsafe { bindings::memremap(start as _, size, bindings::MEMREMAP_WB as _) };
    if kaddr.is_null() {
        crate::pr_err!("Could not map UEFI system table\n");
        return Err(ENOMEM);
    }
    // SAFETY: `kaddr` maps the whole table, whose layout matches `is64`.
    let nr = unsafe {
        if is64 {
            addr_of!((*kaddr.cast::<bindings::efi_system_table_64_t>()).nr_tables).read_unaligned()
                as u64
        } else {
            addr_of!((*kaddr.cast::<bindings::efi_system_table_32_t>()).nr_tables).read_unaligned()
                as u64
        }
    };
    // SAFETY: `kaddr` came from `memremap()` above.
    unsafe { bindings::memunmap(kaddr) };
    // SAFETY: No preconditions (`efi_config_table` is set once, at boot).
    let tables = unsafe { bindings::efi_config_table() } as u64;
    let len = nr.checked_mul(entry as u64).ok_or(EINVAL)?;
    let end = start.checked_add(size as u64).ok_or(EINVAL)?;
    Ok(Some([
        (start, end),
        (tables, tables.checked_add(len).ok_or(EINVAL)?),
    ]))
}

/// Without EFI support there are no EFI tables.
#[cfg(not(CONFIG_EFI))]
pub fn efi_tables() -> Result<Option<[(u64, u64); 2]>> {
    Ok(None)
}
