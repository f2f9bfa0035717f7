// SPDX-License-Identifier: GPL-2.0

//! Image loaders for `kexec_file_load(2)`.
//!
//! A loader implements [`Loader`]; [`create_file_ops`] turns it into the
//! `struct kexec_file_ops` that an architecture lists in
//! `kexec_file_loaders[]`. The generic code in `kernel/kexec_file.c` reads
//! the files, calls `probe` on each loader until one accepts, then `load`,
//! copies the segments the loader placed into the new kernel's memory, and
//! finally calls `cleanup`. Everything a loader touches during `load` goes
//! through [`Image`], which owns the buffers behind the segments it places,
//! so that they live exactly until `cleanup`.
//!
//! C header: [`include/linux/kexec.h`](srctree/include/linux/kexec.h)

use crate::{
    alloc::{flags::GFP_KERNEL, KBox, KVec, VVec},
    bindings,
    error::{code::*, to_result, Error, Result},
    prelude::*,
    str::CStr,
    types::{AsBytes, FromBytes},
};
use core::{marker::PhantomData, ops::Range};
use ffi::{c_char, c_int, c_ulong, c_void};

pub mod bzimage;
pub mod entries;
pub mod pe;
pub mod purgatory;
#[cfg(CONFIG_X86_64)]
pub mod x86;

/// Whether the running `kexec_file_load(2)` call asked for `KEXEC_FILE_DEBUG`.
pub fn debug_enabled() -> bool {
    // SAFETY: `kexec_file_dbg_print` is a `bool` that lives for the whole
    // kernel run; it is only written by `kexec_file_load()` with
    // `kexec_lock` held, the same lock every loader callback runs under, so
    // this read cannot race with a write.
    unsafe { core::ptr::addr_of!(bindings::kexec_file_dbg_print).read() }
}

/// Prints with `pr_info!` when the `kexec_file_load(2)` call asked for
/// `KEXEC_FILE_DEBUG`, like C's `kexec_dprintk()`.
#[macro_export]
macro_rules! kexec_dprintk {
    ($($arg:tt)*) => {
        if $crate::kexec::debug_enabled() {
            $crate::pr_info!($($arg)*);
        }
    };
}

/// Fills `buf` with random bytes if the kernel's RNG is initialized, as the
/// seed a loader hands to the next kernel; `false` if it is not.
pub fn random_seed(buf: &mut [u8]) -> bool {
    // SAFETY: `rng_is_initialized()` has no preconditions.
    if !unsafe { bindings::rng_is_initialized() } {
        return false;
    }
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
    unsafe { bindings::get_random_bytes(buf.as_mut_ptr().cast(), buf.len()) };
    true
}

/// Where in physical memory a segment may be placed.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    /// Lowest acceptable physical address.
    pub min: usize,
    /// Highest acceptable physical address.
    pub max: usize,
    /// Alignment of the start (raised to `PAGE_SIZE` by the core).
    pub align: usize,
    /// Search from the top of memory down.
    pub top_down: bool,
}

impl Placement {
    /// Anywhere at or above `min`, aligned to `align`, as high as possible.
    pub const fn high(min: usize, align: usize) -> Self {
        Self {
            min,
            max: usize::MAX,
            align,
            top_down: true,
        }
    }
}

/// A segment whose contents are a buffer the loader built; returned by
/// [`Image::add_owned_segment`] to reach the buffer again.
#[derive(Debug, Clone, Copy)]
pub struct OwnedSegment {
    index: usize,
    /// Physical address the segment was placed at.
    pub mem: usize,
}

/// A kernel image being loaded through `kexec_file_load(2)`, as seen by a
/// [`Loader`]'s `load`.
///
/// # Invariants
///
/// `ptr` points to a valid `struct kimage` in file mode, for which
/// `kexec_file_load()` is running the loader's `load` callback with
/// `kexec_lock` held. `kernel`, `initrd` and `cmdline` are the image's
/// `kernel_buf`, `initrd_buf` and `cmdline_buf`, which stay allocated and
/// unchanged until the loader's `cleanup` has run. Every segment placed with
/// an owned buffer has that buffer in `owned`, whose heap storage is never
/// reallocated or freed before `cleanup` or a failed `load`.
pub struct Image<'a> {
    ptr: *mut bindings::kimage,
    kernel: &'a [u8],
    initrd: Option<&'a [u8]>,
    cmdline: &'a [u8],
    owned: KVec<KVec<u8>>,
    /// Where the Rust-built purgatory went, once [`Image::load_purgatory_rust`]
    /// has placed it (its buffer is `purgatory_info.purgatory_buf`).
    rust_purgatory: Option<u64>,
}

/// The purgatory object built into the kernel (`kexec_purgatory`).
///
/// Corrupted copies of it are refused with an error, never read past:
///
/// ```
/// use kernel::kexec::{purgatory::Purgatory, purgatory_blob};
/// use kernel::prelude::*;
///
/// let blob = purgatory_blob();
/// let pg = Purgatory::parse(blob).unwrap();
/// assert!(pg.symbol(b"entry64_regs").is_ok());
/// assert!(pg.symbol(b"no_such_symbol").is_err());
///
/// // Cut inside the ELF header and inside the section header table.
/// let shoff = u64::from_le_bytes(blob[0x28..0x30].try_into().unwrap()) as usize;
/// for len in [0, 1, 63, 64, shoff, blob.len() - 1] {
///     assert!(Purgatory::parse(&blob[..len]).is_err());
/// }
///
/// // A section header table that starts past the end, a section count
/// // that runs past it, a wrong machine.
/// let mut bad = KVec::new();
/// bad.extend_from_slice(blob, GFP_KERNEL)?;
/// bad[0x28..0x30].copy_from_slice(&u64::MAX.to_le_bytes());
/// assert!(Purgatory::parse(&bad).is_err());
/// bad[0x28..0x30].copy_from_slice(&blob[0x28..0x30]);
/// bad[0x3c..0x3e].copy_from_slice(&0xfff0u16.to_le_bytes());
/// assert!(Purgatory::parse(&bad).is_err());
/// bad[0x3c..0x3e].copy_from_slice(&blob[0x3c..0x3e]);
/// bad[0x12] = 0x03; // EM_386
/// assert!(Purgatory::parse(&bad).is_err());
/// # Ok::<(), Error>(())
/// ```
pub fn purgatory_blob() -> &'static [u8] {
    let mut size = 0usize;
    // SAFETY: The helper stores the size of `kexec_purgatory` in `size` and
    // returns its address; the object is in the kernel image, read-only and
    // never freed.
    let p = unsafe { bindings::kexec_purgatory_blob(&mut size) };
    if p.is_null() || size == 0 {
        return &[];
    }
    // SAFETY: `p` points to `size` bytes that live as long as the kernel.
    unsafe { core::slice::from_raw_parts(p.cast(), size) }
}

/// The bytes of `v`.
fn bytes_of<T: AsBytes>(v: &T) -> &[u8] {
    // SAFETY: `v` is valid for `size_of::<T>()` bytes, all initialized
    // (`AsBytes`: no padding, no uninitialized bytes).
    unsafe { core::slice::from_raw_parts((v as *const T).cast(), core::mem::size_of::<T>()) }
}

/// The bytes of `v`, writable.
fn bytes_of_mut<T: AsBytes + FromBytes>(v: &mut T) -> &mut [u8] {
    // SAFETY: `v` is valid for `size_of::<T>()` bytes, all initialized
    // (`AsBytes`), and any bytes written make a valid `T` (`FromBytes`).
    unsafe { core::slice::from_raw_parts_mut((v as *mut T).cast(), core::mem::size_of::<T>()) }
}

// `purgatory_info.sechdrs` is walked as 64-byte ELF64 section headers.
const _: () = assert!(core::mem::size_of::<bindings::Elf64_Shdr>() == 64);

fn purgatory_error(e: purgatory::PurgatoryError) -> Error {
    crate::pr_err!("purgatory: {}\n", e);
    errno(e.errno())
}

/// How a Rust build of the purgatory compares with the one
/// `kexec_load_purgatory()` made; see [`Image::check_purgatory`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgatoryCheck {
    /// Same bytes, section addresses and offsets, symbols and entry point.
    Identical {
        /// Bytes compared.
        bytes: usize,
        /// The entry point both computed.
        entry: u64,
    },
    /// The first difference found.
    Differs(&'static str, usize),
}

impl<'a> Image<'a> {
    /// The kernel file.
    pub fn kernel(&self) -> &'a [u8] {
        self.kernel
    }

    /// The initrd file, if one was given.
    pub fn initrd(&self) -> Option<&'a [u8]> {
        self.initrd
    }

    /// The command line, its NUL included; empty when none was given.
    pub fn cmdline(&self) -> &'a [u8] {
        self.cmdline
    }

    /// Whether this is a crash (kdump) kernel.
    pub fn is_crash(&self) -> bool {
        // SAFETY: By the type invariant `ptr` is valid.
        unsafe { (*self.ptr).type_() == bindings::KEXEC_TYPE_CRASH }
    }

    /// Number of segments placed so far.
    pub fn nr_segments(&self) -> usize {
        // SAFETY: By the type invariant `ptr` is valid.
        unsafe { (*self.ptr).nr_segments as usize }
    }

    /// Places one segment; `buf` must stay valid until cleanup.
    ///
    /// # Safety
    ///
    /// `buf` must point to `bufsz` readable bytes that stay valid and
    /// unmoved until the loader's `cleanup` or until `load` fails.
    unsafe fn add_raw(
        &mut self,
        buf: *const u8,
        bufsz: usize,
        memsz: usize,
        p: Placement,
    ) -> Result<usize> {
        // A file part larger than the memory is not refused here: the core
        // refuses it in `sanity_check_segment_list()` (`EINVAL`), after the
        // placement, whose error (e.g. `EADDRNOTAVAIL`) comes first, as for C.
        let mut kbuf = bindings::kexec_buf {
            image: self.ptr,
            buffer: buf as *mut c_void,
            bufsz: bufsz as c_ulong,
            mem: 0, // KEXEC_BUF_MEM_UNKNOWN: let the core find a hole.
            memsz: memsz as c_ulong,
            buf_align: p.align as c_ulong,
            buf_min: p.min as c_ulong,
            buf_max: p.max as c_ulong,
            top_down: p.top_down,
        };
        // SAFETY: `kbuf.image` is valid by the type invariant; the core
        // stores `buffer` in the segment list, which the caller keeps valid.
        to_result(unsafe { bindings::kexec_add_buffer(&mut kbuf) })?;
        Ok(kbuf.mem as usize)
    }

    /// Places a segment holding `range` of the kernel file, `memsz` bytes in
    /// memory; returns its physical address.
    pub fn add_kernel_segment(
        &mut self,
        range: Range<usize>,
        memsz: usize,
        p: Placement,
    ) -> Result<usize> {
        let part = self.kernel.get(range).ok_or(EINVAL)?;
        // SAFETY: `part` is inside `kernel_buf`, which by the type invariant
        // stays valid until cleanup.
        unsafe { self.add_raw(part.as_ptr(), part.len(), memsz, p) }
    }

    /// Places a segment holding the whole initrd; returns its physical
    /// address, or `EINVAL` when there is no initrd.
    pub fn add_initrd_segment(&mut self, p: Placement) -> Result<usize> {
        let initrd = self.initrd.ok_or(EINVAL)?;
        // SAFETY: `initrd` is `initrd_buf`, which by the type invariant stays
        // valid until cleanup.
        unsafe { self.add_raw(initrd.as_ptr(), initrd.len(), initrd.len(), p) }
    }

    /// Places a segment whose contents are `buf`, `memsz` bytes in memory.
    /// The image keeps `buf` until cleanup; [`Image::segment_buf`] reaches it
    /// again, for what can only be written once the address is known.
    pub fn add_owned_segment(
        &mut self,
        buf: KVec<u8>,
        memsz: usize,
        p: Placement,
    ) -> Result<OwnedSegment> {
        // Make room first: once placed, the buffer must be kept.
        self.owned.reserve(1, GFP_KERNEL)?;
        // SAFETY: `buf`'s heap storage is moved into `self.owned` below, in a
        // push that cannot fail (room reserved), and `self.owned` never
        // reallocates or frees its elements' storage before cleanup (type
        // invariant); moving a `KVec` does not move its storage. If placing
        // fails, nothing refers to `buf` and it is dropped.
        let mem = unsafe { self.add_raw(buf.as_ptr(), buf.len(), memsz, p)? };
        let index = self.owned.len();
        self.owned.push(buf, GFP_KERNEL)?;
        Ok(OwnedSegment { index, mem })
    }

    /// The contents of a segment placed with [`Image::add_owned_segment`].
    pub fn segment_buf(&mut self, seg: OwnedSegment) -> &mut [u8] {
        &mut self.owned[seg.index]
    }

    /// Loads the kernel's built-in purgatory as a segment; returns its
    /// physical address.
    pub fn load_purgatory(&mut self, p: Placement) -> Result<usize> {
        let mut kbuf = bindings::kexec_buf {
            image: self.ptr,
            buffer: core::ptr::null_mut(),
            bufsz: 0,
            mem: 0,
            memsz: 0,
            buf_align: p.align as c_ulong,
            buf_min: p.min as c_ulong,
            buf_max: p.max as c_ulong,
            top_down: p.top_down,
        };
        // SAFETY: `ptr` is valid by the type invariant; the purgatory buffer
        // is owned by the image and freed by the core after cleanup.
        to_result(unsafe { bindings::kexec_load_purgatory(self.ptr, &mut kbuf) })?;
        Ok(kbuf.mem as usize)
    }

    /// Lays out, places and relocates the kernel's purgatory in Rust
    /// ([`purgatory`]), with the results `kexec_load_purgatory()` gives: the
    /// same segment, `image->start`, and the `purgatory_info` the core uses
    /// afterwards (to store the segment digests in the purgatory). Returns
    /// the purgatory's physical address.
    pub fn load_purgatory_rust(&mut self, p: Placement) -> Result<usize> {
        let blob = purgatory_blob();
        let pg = purgatory::Purgatory::parse(blob).map_err(purgatory_error)?;
        let layout = pg.layout();
        let buf = VVec::from_elem(0u8, layout.bufsz, GFP_KERNEL)?;
        let (buf, _, _) = buf.into_raw_parts();
        // SAFETY: `ptr` is valid (type invariant). From here on the buffer is
        // the core's: `kimage_file_post_load_cleanup()` `vfree()`s it, which
        // fits a `Vmalloc` allocation.
        unsafe {
            (*self.ptr).purgatory_info.ehdr = blob.as_ptr().cast();
            (*self.ptr).purgatory_info.purgatory_buf = buf.cast();
        }
        let place = Placement {
            align: layout.align,
            ..p
        };
        // SAFETY: `buf` holds `bufsz` bytes and stays allocated, unmoved,
        // until the core frees it after the segments are copied.
        let mem = unsafe { self.add_raw(buf, layout.bufsz, layout.memsz, place)? };
        // SAFETY: `buf` is valid for `bufsz` bytes and nothing else refers
        // to it while this slice lives (the core reads it only after `load`).
        let bytes = unsafe { core::slice::from_raw_parts_mut(buf, layout.bufsz) };
        let built = pg.build(mem as u64, bytes).map_err(purgatory_error)?;

        // The section headers as `kexec_purgatory_setup_sechdrs()` leaves
        // them: loaded sections get their address, those with contents their
        // buffer offset.
        let shnum = pg.section_count();
        let shoff = bzimage::read_u64(blob, 0x28).ok_or(ENOEXEC)? as usize;
        let table = shoff
            .checked_add(shnum.checked_mul(64).ok_or(ENOEXEC)?)
            .and_then(|end| blob.get(shoff..end))
            .ok_or(ENOEXEC)?;
        let mut sechdrs = VVec::from_elem(0u8, table.len(), GFP_KERNEL)?;
        sechdrs.copy_from_slice(table);
        for i in 0..shnum {
            let Some(pl) = pg.placement(i) else { continue };
            let addr = pg.section_addr(i, mem as u64).ok_or(ENOEXEC)?;
            let sh = &mut sechdrs[i * 64..(i + 1) * 64];
            sh[16..24].copy_from_slice(&addr.to_le_bytes());
            if let purgatory::Placement::Buffer(off) = pl {
                sh[24..32].copy_from_slice(&(off as u64).to_le_bytes());
            }
        }
        let (sechdrs, _, _) = sechdrs.into_raw_parts();
        // SAFETY: `ptr` is valid (type invariant); `sechdrs` is a `Vmalloc`
        // allocation of `shnum` section headers (8-byte aligned), which the
        // core `vfree()`s in `kimage_file_post_load_cleanup()`.
        unsafe {
            (*self.ptr).purgatory_info.sechdrs = sechdrs.cast();
            (*self.ptr).start = built.entry as _;
        }
        self.rust_purgatory = Some(mem as u64);
        Ok(mem)
    }

    /// Builds the purgatory in Rust at the address where
    /// `kexec_load_purgatory()` placed it (`mem`, after [`Image::load_purgatory`])
    /// and compares the two: buffer bytes, section addresses and offsets,
    /// entry point, and the symbols loaders and the core write to.
    pub fn check_purgatory(&self, mem: usize) -> Result<PurgatoryCheck> {
        let blob = purgatory_blob();
        let pg = purgatory::Purgatory::parse(blob).map_err(purgatory_error)?;
        let layout = pg.layout();
        let mut mine = VVec::from_elem(0u8, layout.bufsz, GFP_KERNEL)?;
        let built = pg.build(mem as u64, &mut mine).map_err(purgatory_error)?;
        // SAFETY: `ptr` is valid (type invariant); after `load_purgatory()`
        // succeeded `purgatory_buf` and `sechdrs` are the core's buffers of
        // the segment's `bufsz` bytes and `e_shnum` headers.
        let (cbuf, csh, cstart) = unsafe {
            let pi = &(*self.ptr).purgatory_info;
            (
                pi.purgatory_buf as *const u8,
                pi.sechdrs as *const u8,
                (*self.ptr).start as u64,
            )
        };
        if cbuf.is_null() || csh.is_null() {
            return Err(EINVAL);
        }
        let nr = self.nr_segments();
        // SAFETY: `ptr` is valid; `nr` segments are initialized.
        let seg_bufsz = unsafe {
            (0..nr)
                .map(|i| &(*self.ptr).segment[i])
                .find(|s| s.mem as usize == mem)
                .map(|s| s.bufsz as usize)
        };
        if seg_bufsz != Some(layout.bufsz) {
            return Ok(PurgatoryCheck::Differs(
                "segment size",
                seg_bufsz.unwrap_or(0),
            ));
        }
        // SAFETY: The core's buffer holds the segment's `bufsz` bytes.
        let theirs = unsafe { core::slice::from_raw_parts(cbuf, layout.bufsz) };
        if let Some(i) = (0..layout.bufsz).find(|&i| mine[i] != theirs[i]) {
            return Ok(PurgatoryCheck::Differs("buffer byte", i));
        }
        if built.entry != cstart {
            return Ok(PurgatoryCheck::Differs("entry point", 0));
        }
        for i in 0..pg.section_count() {
            // SAFETY: `sechdrs` holds `e_shnum` headers of 64 bytes.
            let sh = unsafe { core::slice::from_raw_parts(csh.add(i * 64), 64) };
            let (caddr, coff) = (bzimage::read_u64(sh, 16), bzimage::read_u64(sh, 24));
            if let Some(pl) = pg.placement(i) {
                if caddr != pg.section_addr(i, mem as u64) {
                    return Ok(PurgatoryCheck::Differs("section address", i));
                }
                if let purgatory::Placement::Buffer(off) = pl {
                    if coff != Some(off as u64) {
                        return Ok(PurgatoryCheck::Differs("section offset", i));
                    }
                }
            }
        }
        for (n, name) in [
            (0, crate::c_str!("entry64_regs")),
            (1, crate::c_str!("stack_end")),
            (2, crate::c_str!("purgatory_sha256_digest")),
            (3, crate::c_str!("purgatory_sha_regions")),
            (4, crate::c_str!("purgatory_start")),
        ] {
            let theirs = self.purgatory_symbol_addr(name)?;
            let mine = pg
                .symbol_addr(name.as_bytes(), mem as u64)
                .map_err(purgatory_error)?;
            if theirs as u64 != mine {
                return Ok(PurgatoryCheck::Differs("symbol address", n));
            }
        }
        Ok(PurgatoryCheck::Identical {
            bytes: layout.bufsz,
            entry: built.entry,
        })
    }

    /// The Rust-built purgatory and its buffer, if this image uses it.
    fn rust_purgatory_buf(&mut self) -> Option<(purgatory::Purgatory<'static>, &mut [u8])> {
        self.rust_purgatory?;
        let pg = purgatory::Purgatory::parse(purgatory_blob()).ok()?;
        // SAFETY: `ptr` is valid; with the Rust path `purgatory_buf` is the
        // buffer of `bufsz` bytes placed by `load_purgatory_rust()`, which
        // nothing else touches during `load`.
        let buf = unsafe { (*self.ptr).purgatory_info.purgatory_buf as *mut u8 };
        if buf.is_null() {
            return None;
        }
        // SAFETY: As above.
        Some((pg, unsafe {
            core::slice::from_raw_parts_mut(buf, pg.layout().bufsz)
        }))
    }

    /// Reads purgatory symbol `name` (its size must be `size_of::<T>()`).
    pub fn purgatory_get<T: FromBytes + AsBytes + Default>(&mut self, name: &CStr) -> Result<T> {
        let mut v = T::default();
        if let Some((pg, buf)) = self.rust_purgatory_buf() {
            pg.get_symbol(buf, name.as_bytes(), bytes_of_mut(&mut v))
                .map_err(purgatory_error)?;
            return Ok(v);
        }
        let size = u32::try_from(core::mem::size_of::<T>()).map_err(|_| EINVAL)?;
        // SAFETY: `ptr` is valid by the type invariant (purgatory loaded or
        // not: the core checks); `v` is valid for `size` bytes of writes and
        // any bytes are a valid `T` (`FromBytes`).
        to_result(unsafe {
            bindings::kexec_purgatory_get_set_symbol(
                self.ptr,
                name.as_char_ptr(),
                (&mut v as *mut T).cast(),
                size,
                true,
            )
        })?;
        Ok(v)
    }

    /// Writes purgatory symbol `name` (its size must be `size_of::<T>()`).
    pub fn purgatory_set<T: AsBytes>(&mut self, name: &CStr, v: &T) -> Result {
        if let Some((pg, buf)) = self.rust_purgatory_buf() {
            return pg
                .set_symbol(buf, name.as_bytes(), bytes_of(v))
                .map_err(purgatory_error);
        }
        let size = u32::try_from(core::mem::size_of::<T>()).map_err(|_| EINVAL)?;
        // SAFETY: `ptr` is valid by the type invariant; with `get_value`
        // false the core only reads `size` bytes from `v`, which are
        // initialized (`AsBytes`).
        to_result(unsafe {
            bindings::kexec_purgatory_get_set_symbol(
                self.ptr,
                name.as_char_ptr(),
                (v as *const T).cast_mut().cast(),
                size,
                false,
            )
        })
    }

    /// The physical address purgatory symbol `name` will have.
    pub fn purgatory_symbol_addr(&self, name: &CStr) -> Result<usize> {
        if let Some(mem) = self.rust_purgatory {
            let pg = purgatory::Purgatory::parse(purgatory_blob()).map_err(purgatory_error)?;
            return Ok(pg
                .symbol_addr(name.as_bytes(), mem)
                .map_err(purgatory_error)? as usize);
        }
        // SAFETY: `ptr` is valid by the type invariant.
        let p = unsafe { bindings::kexec_purgatory_get_symbol_addr(self.ptr, name.as_char_ptr()) };
        Ok(crate::error::from_err_ptr(p)? as usize)
    }
}

/// An image loader for `kexec_file_load(2)`.
///
/// Mirrors `struct kexec_file_ops`; [`create_file_ops`] builds that.
#[vtable]
pub trait Loader {
    /// What `load` hands to `cleanup`.
    type Data;

    /// Whether the file is an image this loader takes. Anything else must
    /// be `ENOEXEC`, so that the next loader (or user space) tries.
    fn probe(image: &[u8]) -> Result;

    /// Places the segments of a probed image.
    fn load(image: &mut Image<'_>) -> Result<Self::Data>;

    /// Called after the segments were copied (or the load failed later on);
    /// the segment buffers are freed right after it returns.
    fn cleanup(_data: Self::Data) -> Result {
        Ok(())
    }

    /// Verifies the image's signature.
    fn verify_sig(_image: &[u8]) -> Result {
        crate::build_error(crate::error::VTABLE_DEFAULT_ERROR)
    }
}

/// What a successful `load` leaves in `image->image_loader_data`.
struct Loaded<T: Loader> {
    data: T::Data,
    _buffers: KVec<KVec<u8>>,
}

/// The `struct kexec_file_ops` of a [`Loader`].
#[repr(transparent)]
pub struct FileOps(bindings::kexec_file_ops);

// SAFETY: A `FileOps` only holds function pointers and is never written.
unsafe impl Sync for FileOps {}

struct Adapter<T: Loader>(PhantomData<T>);

/// Builds a byte slice from a buffer the core hands to a callback.
///
/// # Safety
///
/// `buf` is null with `len` 0, or points to `len` readable bytes that stay
/// valid and unchanged for `'a`.
unsafe fn buf_slice<'a>(buf: *const c_char, len: c_ulong) -> &'a [u8] {
    if buf.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: By the function's safety requirements.
    unsafe { core::slice::from_raw_parts(buf.cast(), len as usize) }
}

impl<T: Loader> Adapter<T> {
    /// # Safety
    ///
    /// Called by the core with the kernel file (`kernel_buf`, `len`).
    unsafe extern "C" fn probe_callback(buf: *const c_char, len: c_ulong) -> c_int {
        // SAFETY: The core passes `kernel_buf` and its length; it stays valid
        // during the call.
        let image = unsafe { buf_slice(buf, len) };
        match T::probe(image) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called by `kexec_file_load()` with `kexec_lock` held, for a valid file
    /// mode `image`, whose `kernel_buf`/`initrd_buf`/`cmdline_buf` (and their
    /// lengths) are the other arguments.
    unsafe extern "C" fn load_callback(
        image: *mut bindings::kimage,
        kernel: *mut c_char,
        kernel_len: c_ulong,
        initrd: *mut c_char,
        initrd_len: c_ulong,
        cmdline: *mut c_char,
        cmdline_len: c_ulong,
    ) -> *mut c_void {
        let mut img = Image {
            ptr: image,
            // SAFETY: These are the image's buffers; the core frees them only
            // in `kimage_file_post_load_cleanup()`, after our cleanup runs.
            kernel: unsafe { buf_slice(kernel, kernel_len) },
            // SAFETY: As above.
            initrd: (!initrd.is_null()).then(|| unsafe { buf_slice(initrd, initrd_len) }),
            // SAFETY: As above.
            cmdline: unsafe { buf_slice(cmdline, cmdline_len) },
            owned: KVec::new(),
            rust_purgatory: None,
        };
        let data = match T::load(&mut img) {
            Ok(d) => d,
            Err(e) => return e.to_ptr(),
        };
        match KBox::new(
            Loaded::<T> {
                data,
                _buffers: img.owned,
            },
            GFP_KERNEL,
        ) {
            // The core `kfree()`s `image_loader_data` after cleanup, which
            // fits a `KBox` allocation (kmalloc).
            Ok(b) => KBox::into_raw(b).cast(),
            // The load fails: the core frees the image without reading any
            // segment, so dropping the buffers here is fine.
            Err(_) => ENOMEM.to_ptr(),
        }
    }

    /// # Safety
    ///
    /// `data` is null or what `load_callback` returned for this loader; the
    /// core calls this once for it and then `kfree()`s it.
    unsafe extern "C" fn cleanup_callback(data: *mut c_void) -> c_int {
        if data.is_null() {
            return 0;
        }
        // SAFETY: `data` came from `KBox::into_raw` of a `Loaded<T>` and is
        // read once; the core frees the allocation itself right after.
        let loaded = unsafe { core::ptr::read(data.cast::<Loaded<T>>()) };
        let Loaded { data, _buffers } = loaded;
        let ret = T::cleanup(data);
        drop(_buffers);
        match ret {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called by the core with the kernel file (`kernel_buf`, `len`).
    #[cfg(CONFIG_KEXEC_SIG)]
    unsafe extern "C" fn verify_sig_callback(buf: *const c_char, len: c_ulong) -> c_int {
        // SAFETY: The core passes `kernel_buf` and its length.
        let image = unsafe { buf_slice(buf, len) };
        match T::verify_sig(image) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }
}

/// Builds the `struct kexec_file_ops` of loader `T`.
///
/// ```ignore
/// #[no_mangle]
/// pub static kexec_bzimage64_rust_ops: kexec::FileOps = kexec::create_file_ops::<BzImage64>();
/// ```
pub const fn create_file_ops<T: Loader>() -> FileOps {
    FileOps(bindings::kexec_file_ops {
        probe: Some(Adapter::<T>::probe_callback),
        load: Some(Adapter::<T>::load_callback),
        cleanup: Some(Adapter::<T>::cleanup_callback),
        #[cfg(CONFIG_KEXEC_SIG)]
        verify_sig: if T::HAS_VERIFY_SIG {
            Some(Adapter::<T>::verify_sig_callback)
        } else {
            None
        },
    })
}

/// Maps an errno the C code returns to an [`Error`].
pub fn errno(e: u32) -> Error {
    Error::from_errno(-(e as c_int))
}

/// Verifies the PE (Authenticode) signature of a kernel image against the
/// kernel's keys, the way `kexec_kernel_verify_pe_sig()` does: first the
/// secondary trusted keyring (which includes the builtin one), then, when no
/// key there matches and the platform keyring exists, the platform keyring.
///
/// Errors are those of `verify_pefile_signature()`: `ENODATA` for an
/// unsigned image, `ENOKEY` for an unknown key, `EKEYREJECTED` for a
/// signature that does not match, `ELIBBAD`/`EBADMSG` for malformed data.
#[cfg(CONFIG_SIGNED_PE_FILE_VERIFICATION)]
pub fn verify_pe_signature(image: &[u8]) -> Result {
    let len = u32::try_from(image.len()).map_err(|_| errno(bindings::ELIBBAD))?;
    let verify = |keyring: usize| {
        // SAFETY: `image` is valid for reads of `len` bytes for the duration
        // of the call; `keyring` is one of the selector values the callee
        // accepts in place of a keyring pointer (`VERIFY_USE_*`).
        to_result(unsafe {
            bindings::verify_pefile_signature(
                image.as_ptr().cast(),
                len,
                keyring as *mut bindings::key,
                bindings::key_being_used_for_VERIFYING_KEXEC_PE_SIGNATURE,
            )
        })
    };
    match verify(bindings::VERIFY_USE_SECONDARY_KEYRING as usize) {
        Err(e)
            if cfg!(CONFIG_INTEGRITY_PLATFORM_KEYRING)
                && e.to_errno() == -(bindings::ENOKEY as c_int) =>
        {
            verify(bindings::VERIFY_USE_PLATFORM_KEYRING as usize)
        }
        r => r,
    }
}
