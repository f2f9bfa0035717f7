// SPDX-License-Identifier: GPL-2.0

//! Test-only switches of the Rust kexec code, and the comparison of the
//! purgatory it builds with the one `kexec_load_purgatory()` builds.
//!
//! Built with `CONFIG_KEXEC_BZIMAGE64_RUST_SELFTEST` only, never in a
//! production kernel. The switches are files in
//! `/sys/kernel/debug/kexec_rust/` (`arch/x86/kernel/kexec_rust_selftest.c`),
//! so that one running kernel can load an image through the Rust and the C
//! code, which the differential tests compare.
//!
//! C header: [`arch/x86/include/asm/kexec-bzimage64.h`](srctree/arch/x86/include/asm/kexec-bzimage64.h)

use super::{builtin_purgatory_blob, parse_purgatory, Image, Load, LoadedPurgatory, Placement};
use crate::{
    alloc::{allocator::Vmalloc, Allocator},
    bindings, c_str,
    error::to_result,
    prelude::*,
};
use core::{alloc::Layout, ptr::addr_of, ptr::NonNull};
use ffi::c_ulong;

/// Whether the Rust loaders should decline every image (`c_loader`).
pub fn c_loader() -> bool {
    // SAFETY: the switch is a `bool` that lives forever; debugfs stores 0 or
    // 1 to it at any time, hence the volatile read (`READ_ONCE()`).
    unsafe { addr_of!(bindings::kexec_rust_selftest_c_loader).read_volatile() }
}

/// Whether the purgatory should be set up by `kexec_load_purgatory()` and
/// compared with the Rust build (`c_purgatory`).
pub fn c_purgatory() -> bool {
    // SAFETY: as for `c_loader`.
    unsafe { addr_of!(bindings::kexec_rust_selftest_c_purgatory).read_volatile() }
}

/// How the purgatory `kexec_load_purgatory()` built compares with a Rust
/// build at the same address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// Same buffer, section headers, entry point and symbol addresses.
    Identical {
        /// Bytes of the buffer.
        bytes: usize,
        /// The entry point.
        entry: u64,
    },
    /// The first difference: what, and where (a byte or section index).
    Differs(&'static str, usize),
}

impl Load<'_> {
    /// Loads the purgatory with `kexec_load_purgatory()`, builds it in Rust
    /// at the same address and compares the two: buffer bytes, section
    /// addresses and offsets, entry point, and the symbols loaders and the
    /// core write to. Returns the purgatory's address and the comparison;
    /// the purgatory symbols are then read and written as after
    /// [`Load::load_purgatory`].
    pub fn load_purgatory_c_compared(&mut self, p: Placement) -> Result<(usize, Comparison)> {
        self.check_no_purgatory()?;
        let mut kbuf = bindings::kexec_buf {
            image: self.image.as_raw(),
            buffer: core::ptr::null_mut(),
            bufsz: 0,
            mem: 0,
            memsz: 0,
            buf_align: p.align as c_ulong,
            buf_min: p.min as c_ulong,
            buf_max: p.max as c_ulong,
            top_down: p.top_down,
        };
        // SAFETY: the image is valid and `kexec_lock` is held (`Image`
        // invariant); the purgatory buffer it allocates is the image's,
        // freed by the core after the load.
        to_result(unsafe { bindings::kexec_load_purgatory(self.image.as_raw(), &mut kbuf) })?;
        let mem = kbuf.mem as u64;
        // The object `kexec_load_purgatory()` loaded, whatever `c_digest` says.
        let pg = parse_purgatory(builtin_purgatory_blob())?;
        let bufsz = pg.layout().bufsz;
        if kbuf.bufsz as usize != bufsz {
            return Ok((
                mem as usize,
                Comparison::Differs("segment size", kbuf.bufsz as usize),
            ));
        }
        // INVARIANT: `kexec_load_purgatory()` set `purgatory_buf` to the
        // segment's buffer of `bufsz` bytes (checked), and the section headers.
        self.purgatory = Some(LoadedPurgatory { pg, mem, bufsz });
        let cmp = match self.compare_purgatory(mem) {
            Ok(()) => Comparison::Identical {
                bytes: bufsz,
                entry: self.image.entry(),
            },
            Err((what, at)) => Comparison::Differs(what, at),
        };
        Ok((mem as usize, cmp))
    }

    /// The first difference between the purgatory C built at `mem` and a
    /// Rust build of it, as (what, index).
    fn compare_purgatory(&mut self, mem: u64) -> core::result::Result<(), (&'static str, usize)> {
        let pg = self.purgatory.map(|p| p.pg).ok_or(("parse", 0))?;
        let mut mine =
            KVVec::from_elem(0u8, pg.layout().bufsz, GFP_KERNEL).map_err(|_| ("memory", 0))?;
        let built = pg.build(mem, &mut mine).map_err(|_| ("build", 0))?;
        let mut sechdrs =
            KVVec::from_elem(0u8, pg.sechdrs_size(), GFP_KERNEL).map_err(|_| ("memory", 0))?;
        pg.write_sechdrs(mem, &mut sechdrs)
            .map_err(|_| ("section headers", 0))?;
        if built.entry != self.image.entry() {
            return Err(("entry point", 0));
        }
        let csh = self.image.raw().purgatory_info.sechdrs.cast::<u8>();
        // SAFETY: after `kexec_load_purgatory()` succeeded, `sechdrs` holds the
        // object's `e_shnum` section headers, `sechdrs_size()` bytes.
        let theirs = unsafe { core::slice::from_raw_parts(csh, sechdrs.len()) };
        if let Some(i) = (0..sechdrs.len()).find(|&i| sechdrs[i] != theirs[i]) {
            return Err(("section header byte", i));
        }
        for (n, name) in [
            c_str!("entry64_regs"),
            c_str!("stack_end"),
            c_str!("purgatory_sha256_digest"),
            c_str!("purgatory_sha_regions"),
            c_str!("purgatory_start"),
        ]
        .into_iter()
        .enumerate()
        {
            // SAFETY: the image is valid, `kexec_lock` held; the core looks the
            // symbol up in its own purgatory state.
            let p = unsafe {
                bindings::kexec_purgatory_get_symbol_addr(self.image.as_raw(), name.as_char_ptr())
            };
            let theirs = crate::error::from_err_ptr(p).map_err(|_| ("symbol lookup", n))? as u64;
            if pg.symbol_addr(name.as_bytes(), mem) != Ok(theirs) {
                return Err(("symbol address", n));
            }
        }
        let (_, buf) = self.purgatory_buf().map_err(|_| ("buffer", 0))?;
        match (0..buf.len()).find(|&i| buf[i] != mine[i]) {
            Some(i) => Err(("buffer byte", i)),
            None => Ok(()),
        }
    }
}

/// The corruption the hand-off checks should see (`corrupt`), 0 for none.
pub fn corrupt_class() -> u32 {
    // SAFETY: as for `c_loader`: a `u32` debugfs writes at any time.
    unsafe { addr_of!(bindings::kexec_rust_selftest_corrupt).read_volatile() }
}

/// The corruptions [`with_corruption`] applies, by number (1-based).
pub const CORRUPTIONS: [&str; 13] = [
    "segment 0 moved off its page",
    "segment 0 moved to the top of the address space",
    "segment 1 moved onto segment 0",
    "segment 0 moved onto the control page",
    "entry point moved to 0",
    "entry point moved out of the purgatory",
    "entry list emptied",
    "entry list starting with a source page",
    "entry list starting with an entry of two flags",
    "entry list continuing in the control page",
    "no page table",
    "no control page",
    "the page table's first top-level entry cleared",
];

/// Runs `check` on `image` with corruption `class` (see [`CORRUPTIONS`])
/// applied, then undoes it; `None` when `class` is 0 or unknown, or does
/// not apply to this image. Only fields of the image and one entry of its
/// own page table are changed, and all are restored before returning, so
/// that the core frees the image as it was.
pub fn with_corruption<R>(
    image: &mut Image,
    class: u32,
    check: impl FnOnce(&Image) -> R,
) -> Option<R> {
    let k = image.raw_mut();
    let n = k.nr_segments.min(k.segment.len());
    let saved_segs = k.segment;
    let (start, head, pgd, ccp) = (k.start, k.head, k.arch.pgd, k.control_code_page);
    let control = image.control_page()?;
    let k = image.raw_mut();
    let mut pgd_entry: Option<(*mut u64, u64)> = None;
    match class {
        1 if n > 0 => k.segment[0].mem += 8,
        2 if n > 0 => k.segment[0].mem = (!0xfffu64) as _,
        3 if n > 1 => k.segment[1].mem = k.segment[0].mem,
        4 if n > 0 => k.segment[0].mem = control as _,
        5 => k.start = 0,
        6 if n > 1 => {
            let p = image.purgatory_segment()?;
            let k = image.raw_mut();
            let other = if p == 0 { 1 } else { 0 };
            k.start = k.segment[other].mem as _;
        }
        7 => k.head = bindings::IND_DONE as _,
        8 => k.head = (control | bindings::IND_SOURCE as u64) as _,
        9 => k.head = (control | 0x3) as _,
        10 => k.head = (control | bindings::IND_INDIRECTION as u64) as _,
        11 => k.arch.pgd = core::ptr::null_mut(),
        12 => k.control_code_page = core::ptr::null_mut(),
        13 if !pgd.is_null() => {
            let e = pgd.cast::<u64>();
            // SAFETY: `arch.pgd` is the image's top-level table, a page the
            // image owns in the direct map; nothing else uses it while
            // `kexec_lock` is held. The entry is restored below.
            pgd_entry = Some((e, unsafe { e.read() }));
            // SAFETY: as above.
            unsafe { e.write(0) };
        }
        _ => return None,
    }
    crate::pr_info!(
        "selftest: checking the loaded image with {}\n",
        CORRUPTIONS[class as usize - 1]
    );
    let r = check(image);
    let k = image.raw_mut();
    k.segment = saved_segs;
    k.start = start;
    k.head = head;
    k.arch.pgd = pgd;
    k.control_code_page = ccp;
    if let Some((e, v)) = pgd_entry {
        // SAFETY: as for the write above.
        unsafe { e.write(v) };
    }
    Some(r)
}

/// Whether the Rust loader should load the C purgatory, built next to the
/// Rust one (`c_digest`).
#[cfg(CONFIG_KEXEC_PURGATORY_RUST)]
pub fn c_digest() -> bool {
    // SAFETY: as for `c_loader`.
    unsafe { addr_of!(bindings::kexec_rust_selftest_c_digest).read_volatile() }
}

/// The C purgatory object, `kexec_purgatory_c`.
#[cfg(CONFIG_KEXEC_PURGATORY_RUST)]
pub fn c_purgatory_blob() -> &'static [u8] {
    // SAFETY: `kexec_purgatory_c` and `kexec_purgatory_c_size` are set at
    // build time (`kexec-purgatory.S`) and never written; the object is that
    // many bytes of the kernel image's read-only data.
    unsafe {
        super::embedded(
            addr_of!(bindings::kexec_purgatory_c).cast(),
            addr_of!(bindings::kexec_purgatory_c_size),
        )
    }
}

/// Whether a loaded image should have one byte changed after its digest
/// was taken (`flip_byte`).
#[cfg(CONFIG_KEXEC_PURGATORY_RUST)]
pub fn flip_byte() -> bool {
    // SAFETY: as for `c_loader`.
    unsafe { addr_of!(bindings::kexec_rust_selftest_flip_byte).read_volatile() }
}

/// Changes the first byte of the last segment that is not the purgatory, in
/// the page the core copied it to, after the digest was taken: the
/// purgatory must then refuse to start the next kernel. Returns the
/// segment's address and the changed page's, `None` if the entry list has
/// no page for it.
///
/// The walk is its own: `entries::check_entries` reports the pages it
/// visits without telling a source page from an indirection page. The list
/// is read through [`DirectMap::read_word`], like the hand-off's checks.
///
/// [`DirectMap::read_word`]: super::x86::handoff::DirectMap::read_word
#[cfg(CONFIG_KEXEC_PURGATORY_RUST)]
pub fn flip_segment_byte(image: &Image) -> Option<(u64, u64)> {
    use super::entries::{ENTRIES_PER_PAGE, PAGE_SIZE};
    use super::x86::handoff::DirectMap;
    use bindings::{IND_DESTINATION, IND_DONE, IND_INDIRECTION, IND_SOURCE};
    let purgatory = image.purgatory_segment();
    let mut seg = None;
    for (i, s) in image.segments().enumerate() {
        if Some(i) != purgatory {
            seg = Some(s);
        }
    }
    let seg = seg?;
    let dm = DirectMap::lock();
    let mut entry = image.head();
    // Where the next entry is: (indirection page, index).
    let mut at: Option<(u64, u64)> = None;
    let mut dest = 0u64;
    // At most every entry of the list, which ends with IND_DONE (or 0).
    while entry != 0 && entry & IND_DONE as u64 == 0 {
        let page = entry & !(PAGE_SIZE - 1);
        if entry & IND_INDIRECTION as u64 != 0 {
            at = Some((page, 0));
        } else {
            if entry & IND_DESTINATION as u64 != 0 {
                dest = page;
            } else if entry & IND_SOURCE as u64 != 0 {
                if dest == seg.mem {
                    // The byte is read first, without a fault: the page
                    // must be mapped.
                    dm.read_word(page, 0)?;
                    // SAFETY: a source page of the image, mapped (just read):
                    // the core allocated it for this image (a page of the
                    // direct map, which stays mapped while it is allocated),
                    // which only its own jump reads; `kexec_lock` is held
                    // (`Image` invariant), so nothing else writes it.
                    unsafe {
                        let b = bindings::phys_to_virt(page).cast::<u8>();
                        b.write_volatile(!b.read_volatile());
                    }
                    crate::pr_info!(
                        "kexec selftest: flipped the first byte of segment 0x{:x} (page 0x{:x}) after its digest\n",
                        seg.mem,
                        page
                    );
                    return Some((seg.mem, page));
                }
                dest = dest.wrapping_add(PAGE_SIZE);
            }
            let (p, i) = at?;
            at = Some((p, i + 1));
        }
        let (p, i) = at?;
        if i >= ENTRIES_PER_PAGE {
            return None;
        }
        entry = dm.read_word(p, i)?;
    }
    None
}

/// Runs `f` on a [`Load`] of an image of its own: a zeroed file-mode
/// `struct kimage` that the core never sees (no files, no segments yet),
/// for in-kernel tests of what a loader's calls leave in the image. The
/// purgatory buffers handed to the image are freed afterwards, as
/// `kimage_file_post_load_cleanup()` frees them; nothing is copied.
///
/// The purgatory is placed, refused after placement, and placed again:
///
/// ```
/// use kernel::kexec::{purgatory_blob, selftest, Placement};
/// use kernel::prelude::*;
///
/// let blob = purgatory_blob();
/// // A copy whose relocations cannot be applied: the first SHT_RELA
/// // section for a loaded (SHF_ALLOC) section claims to be SHT_REL, which
/// // x86_64 does not support. It parses, and fails only once its segment
/// // was placed.
/// let mut bad = KVVec::new();
/// bad.extend_from_slice(blob, GFP_KERNEL)?;
/// let rd = |b: &[u8], o: usize, n: usize| {
///     b[o..o + n].iter().rev().fold(0usize, |v, &x| (v << 8) | x as usize)
/// };
/// let (shoff, shnum) = (rd(&bad, 0x28, 8), rd(&bad, 0x3c, 2));
/// let shdr = |i: usize| shoff + i * 64;
/// let rela = (0..shnum).map(shdr).find(|&h| {
///     let target = rd(&bad, h + 44, 4); // sh_info
///     rd(&bad, h + 4, 4) == 4 && target < shnum && rd(&bad, shdr(target) + 8, 8) & 2 != 0
/// });
/// let rela = rela.expect("the purgatory has relocations of a loaded section");
/// bad[rela + 4] = 9;
///
/// let place = Placement::high(0x3000, 0);
/// selftest::with_scratch_load(|ld| {
///     let r = selftest::place_purgatory_from(ld, &bad, place);
///     pr_info!("placing a purgatory that cannot be relocated: {:?}\n", r);
///     assert_eq!(r, Err(ENOEXEC));
///     // Nothing refers to the freed buffer: the segment is gone.
///     assert_eq!(ld.image().nr_segments(), 0);
///     assert!(selftest::purgatory_buffer(ld.image()).is_none());
///     // A good object then places, and builds, at the same place.
///     let mem = ld.load_purgatory(place)?;
///     assert_eq!(ld.image().nr_segments(), 1);
///     assert_eq!(ld.image().segments().next().map(|s| s.mem), Some(mem as u64));
///     assert_eq!(ld.image().purgatory_segment(), Some(0));
///     // The core reads the ELF headers of the object that was built.
///     assert_eq!(selftest::purgatory_buffer(ld.image()), Some(blob.as_ptr()));
///     // One purgatory per image.
///     assert_eq!(ld.load_purgatory(place), Err(EBUSY));
///     assert_eq!(ld.image().nr_segments(), 1);
///     Ok::<(), Error>(())
/// })??;
/// # Ok::<(), Error>(())
/// ```
pub fn with_scratch_load<R>(f: impl FnOnce(&mut Load<'_>) -> R) -> Result<R> {
    let mut k = KBox::new(
        // SAFETY: `struct kimage` holds integers, pointers, lists and
        // arrays of them, for which all zero bytes are valid values (an
        // empty image: no segments, no pages, no purgatory).
        unsafe { core::mem::zeroed::<bindings::kimage>() },
        GFP_KERNEL,
    )?;
    k.set_file_mode(1);
    // Empty lists, as `do_kimage_alloc_init()` leaves them: the core checks
    // that no control page was allocated before a segment is placed.
    for l in [
        core::ptr::addr_of_mut!(k.control_pages),
        core::ptr::addr_of_mut!(k.dest_pages),
        core::ptr::addr_of_mut!(k.unusable_pages),
    ] {
        // SAFETY: `l` points to a `list_head` of `k`, whose storage does not
        // move (a `KBox`): an empty list points to itself.
        unsafe {
            (*l).next = l;
            (*l).prev = l;
        }
    }
    let ptr: *mut bindings::kimage = &mut *k;
    // The sizes of the purgatory buffers handed to the image, if any.
    let (r, sizes) = {
        let mut ld = Load {
            // SAFETY: `k` is this function's own allocation, valid until it
            // is dropped below, after `ld`; no one else can reach it, so the
            // exclusive access that `kexec_lock` gives for the core's images
            // holds, and `ptr` is the only way to it meanwhile.
            image: unsafe { Image::from_raw(ptr) },
            kernel: &[],
            initrd: None,
            cmdline: &[],
            owned: KVec::new(),
            purgatory: None,
        };
        let r = f(&mut ld);
        (r, ld.purgatory.map(|p| (p.bufsz, p.pg.sechdrs_size())))
    };
    let pi = &mut k.purgatory_info;
    if let Some((bufsz, shsz)) = sizes {
        for (p, len) in [
            (pi.purgatory_buf.cast::<u8>(), bufsz),
            (pi.sechdrs.cast::<u8>(), shsz),
        ] {
            let (Some(p), Ok(layout)) = (NonNull::new(p), Layout::array::<u8>(len)) else {
                continue;
            };
            // SAFETY: `Load::load_purgatory` handed the image these `Vmalloc`
            // allocations of `len` bytes (`purgatory` is set exactly then);
            // nothing refers to them any more: `ld` is gone, and no segment
            // of this image was ever copied.
            unsafe { Vmalloc::free(p, layout) };
        }
    }
    Ok(r)
}

/// Places and builds the purgatory `blob` in `ld`'s image as
/// [`Load::load_purgatory`] does, then removes the segment again: what
/// placing the object leaves, without loading it. Returns the address it
/// was placed at.
pub fn place_purgatory_from(ld: &mut Load<'_>, blob: &[u8], p: Placement) -> Result<usize> {
    ld.check_no_purgatory()?;
    let pg = parse_purgatory(blob)?;
    let before = ld.image.nr_segments();
    // SAFETY: on success the segment is removed before the buffers are
    // dropped at the end of this function.
    let placed = unsafe { ld.place_purgatory(&pg, p)? };
    ld.remove_segments_from(before);
    Ok(placed.mem as usize)
}

/// The ELF headers the core reads for `image`'s purgatory
/// (`purgatory_info.ehdr`), `None` before one was loaded.
pub fn purgatory_buffer(image: &Image) -> Option<*const u8> {
    let pi = &image.raw().purgatory_info;
    (!pi.purgatory_buf.is_null()).then(|| pi.ehdr.cast::<u8>())
}
