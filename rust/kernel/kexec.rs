// SPDX-License-Identifier: GPL-2.0

//! Image loaders for `kexec_file_load(2)`, and the kexec image they fill.
//!
//! A loader implements [`Loader`]; [`create_file_ops`] turns it into the
//! `struct kexec_file_ops` that an architecture lists in
//! `kexec_file_loaders[]`. The generic code in `kernel/kexec_file.c` reads
//! the files, calls `probe` on each loader until one accepts, then `load`,
//! copies the segments the loader placed into the new kernel's memory, and
//! finally calls `cleanup`.
//!
//! [`Image`] is the one wrapper of `struct kimage`: the loaders see it
//! through [`Load`], which adds what only exists during `load` (the files)
//! and owns the buffers behind the segments a loader places until
//! `cleanup`; the architecture's hand-off code sees it directly (see
//! [`x86::handoff`]).
//!
//! C header: [`include/linux/kexec.h`](srctree/include/linux/kexec.h)

use crate::{
    alloc::{flags::GFP_KERNEL, KBox, KVVec, KVec, VVec},
    bindings,
    error::{code::*, from_result, to_result, Error, Result},
    prelude::*,
    str::CStr,
    types::{AsBytes, FromBytes, Opaque},
};
use core::{marker::PhantomData, ops::Range, pin::Pin};
use ffi::{c_char, c_int, c_ulong, c_void};

pub mod bzimage;
pub mod entries;
pub mod errno;
pub mod pe;
pub mod purgatory;
#[cfg(CONFIG_KEXEC_BZIMAGE64_RUST_SELFTEST)]
pub mod selftest;
pub mod uki;
#[cfg(CONFIG_X86_64)]
pub mod x86;

impl From<errno::Errno> for Error {
    fn from(e: errno::Errno) -> Error {
        use errno::Errno as E;
        match e {
            E::ENOEXEC => ENOEXEC,
            E::ENOMEM => ENOMEM,
            E::EINVAL => EINVAL,
            E::ENODATA => ENODATA,
            E::EMSGSIZE => EMSGSIZE,
            E::ELIBBAD => ELIBBAD,
            E::EKEYREJECTED => EKEYREJECTED,
            E::ENOTSUPP => ENOTSUPP,
        }
    }
}

impl From<purgatory::PurgatoryError> for Error {
    fn from(e: purgatory::PurgatoryError) -> Error {
        e.errno().into()
    }
}

impl From<pe::PeError> for Error {
    fn from(e: pe::PeError) -> Error {
        e.errno().into()
    }
}

impl From<bzimage::ProbeError> for Error {
    fn from(_: bzimage::ProbeError) -> Error {
        // Not an image this loader takes: the next loader tries.
        ENOEXEC
    }
}

impl From<bzimage::LoadError> for Error {
    fn from(e: bzimage::LoadError) -> Error {
        e.errno().into()
    }
}

impl From<uki::UkiError> for Error {
    fn from(e: uki::UkiError) -> Error {
        e.errno().into()
    }
}

impl From<entries::HandoffError> for Error {
    fn from(_: entries::HandoffError) -> Error {
        // An image the hand-off cannot run is an invalid argument of the load.
        EINVAL
    }
}

/// Whether the kernel is locked down against loading unsigned kexec images
/// (`security_locked_down(LOCKDOWN_KEXEC)`, which logs its refusal).
pub fn kexec_locked_down() -> bool {
    // SAFETY: No preconditions.
    unsafe { bindings::security_locked_down(bindings::lockdown_reason_LOCKDOWN_KEXEC) != 0 }
}

/// Whether `kexec_file_load(2)` refuses an image whose signature does not
/// verify: `KEXEC_SIG_FORCE`, or enforcement turned on at run time by IMA's
/// architecture policy under Secure Boot (`set_kexec_sig_enforced()`).
/// A kernel locked down against unsigned kexec refuses them too, without
/// enforcement: see [`kexec_locked_down`].
///
/// C header: [`include/linux/kexec.h`](srctree/include/linux/kexec.h)
pub fn kexec_sig_enforced() -> bool {
    // SAFETY: No preconditions: it reads a `bool` of
    // `kernel/kexec_file.c` that lives for the whole kernel run (once, with
    // `READ_ONCE()`); without `CONFIG_KEXEC_SIG` the helper returns false.
    unsafe { bindings::kexec_sig_enforced() }
}

/// Whether the running `kexec_file_load(2)` call asked for `KEXEC_FILE_DEBUG`.
pub fn debug_enabled() -> bool {
    // SAFETY: `kexec_file_dbg_print` is a `bool` that lives for the whole
    // kernel run. `kexec_file_load()` sets it with `kexec_lock` held, but
    // `kimage_file_post_load_cleanup()` clears it without the lock when an
    // image is freed after the lock was dropped, so another load may race
    // with that store: the read is volatile (`READ_ONCE()`), of a single
    // byte that is only ever 0 or 1, and only chooses whether to log.
    unsafe { core::ptr::addr_of!(bindings::kexec_file_dbg_print).read_volatile() }
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

/// The type of a kexec image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Run by `reboot(LINUX_REBOOT_CMD_KEXEC)`: its pages are copied into
    /// place at the jump.
    Default,
    /// A crash (kdump) kernel, loaded in place in the crash reservation.
    Crash,
}

/// A kexec image: a `struct kimage`.
///
/// # Invariants
///
/// The wrapped `struct kimage` is valid, and whoever holds a reference to an
/// `Image` holds `kexec_lock` for as long as the reference lives, so nothing
/// else reads or writes the image meanwhile.
#[repr(transparent)]
pub struct Image(Opaque<bindings::kimage>);

impl Image {
    /// Creates a reference to an `Image` from a pointer.
    ///
    /// # Safety
    ///
    /// `ptr` points to a valid `struct kimage` for the lifetime `'a`, the
    /// caller holds `kexec_lock` for that time, and no other reference made
    /// from `ptr` is used during it.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::kimage) -> &'a mut Self {
        // CAST: `Self` is `repr(transparent)` over `Opaque<kimage>`, itself
        // `repr(transparent)` over the C struct.
        // INVARIANT: as the caller guarantees.
        // SAFETY: as the caller guarantees: valid, and exclusive for `'a`.
        unsafe { &mut *ptr.cast() }
    }

    /// The `struct kimage`, for the few fields C code reads and writes that
    /// have no accessor here.
    pub fn as_raw(&self) -> *mut bindings::kimage {
        self.0.get()
    }

    fn raw(&self) -> &bindings::kimage {
        // SAFETY: valid by the type invariant; nothing else writes it while
        // `kexec_lock` is held, and writes through this type take `&mut self`.
        unsafe { &*self.0.get() }
    }

    fn raw_mut(&mut self) -> &mut bindings::kimage {
        // SAFETY: valid by the type invariant, and `&mut self` is the only
        // way to the image while `kexec_lock` is held.
        unsafe { &mut *self.0.get() }
    }

    /// The image's type.
    pub fn kind(&self) -> Kind {
        if self.raw().type_() == bindings::KEXEC_TYPE_CRASH {
            Kind::Crash
        } else {
            Kind::Default
        }
    }

    /// Whether the image was loaded by `kexec_file_load(2)`.
    pub fn file_mode(&self) -> bool {
        self.raw().file_mode() != 0
    }

    /// The segments placed so far.
    pub fn segments(&self) -> impl Iterator<Item = entries::Segment> + '_ {
        let k = self.raw();
        let n = k.nr_segments.min(k.segment.len());
        k.segment[..n].iter().map(|s| entries::Segment {
            mem: s.mem as u64,
            memsz: s.memsz as u64,
        })
    }

    /// Number of segments placed so far.
    pub fn nr_segments(&self) -> usize {
        self.segments().count()
    }

    /// The entry point (`image->start`).
    pub fn entry(&self) -> u64 {
        self.raw().start as u64
    }

    /// The head of the entry list (`image->head`).
    pub fn head(&self) -> u64 {
        self.raw().head as u64
    }

    /// The IMA measurement list the core placed for the next kernel
    /// (`ima_add_kexec_buffer()`, before the loader runs), as its physical
    /// address and size; `None` when there is none.
    #[cfg(CONFIG_IMA_KEXEC)]
    pub fn ima_buffer(&self) -> Option<(u64, u64)> {
        let k = self.raw();
        (k.ima_buffer_size != 0).then(|| (k.ima_buffer_addr as u64, k.ima_buffer_size as u64))
    }

    /// The physical address of a page the core allocated for this image.
    fn page_phys(page: *mut bindings::page) -> u64 {
        // SAFETY: `page` is a page the core allocated for the image (the
        // control page or the swap page), which it keeps until the image is
        // freed, after every reference to the image is gone.
        unsafe { bindings::page_to_phys(page) }
    }

    /// The physical address of the control code page; `None` before the
    /// core allocated it.
    pub fn control_page(&self) -> Option<u64> {
        let p = self.raw().control_code_page;
        (!p.is_null()).then(|| Self::page_phys(p))
    }

    /// The physical address of the swap page, for an image whose pages are
    /// copied at the jump.
    pub fn swap_page(&self) -> Option<u64> {
        let p = self.raw().swap_page;
        (self.kind() == Kind::Default && !p.is_null()).then(|| Self::page_phys(p))
    }

    /// The index of the purgatory's segment, while `kexec_file_load()` still
    /// holds the purgatory buffer (up to `machine_kexec_post_load()`).
    pub fn purgatory_segment(&self) -> Option<usize> {
        let k = self.raw();
        if !self.file_mode() || k.purgatory_info.purgatory_buf.is_null() {
            return None;
        }
        let n = k.nr_segments.min(k.segment.len());
        let purgatory = k.purgatory_info.purgatory_buf.cast_const();
        k.segment[..n].iter().position(|s| {
            // SAFETY: both members of the union are pointers of one size; only
            // the value is compared, never dereferenced.
            let buf = unsafe { s.__bindgen_anon_1.kbuf };
            buf.cast_const() == purgatory
        })
    }
}

/// The purgatory object built into the kernel (`kexec_purgatory`; with the
/// `c_digest` test switch, the C purgatory built next to the Rust one).
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
    #[cfg(all(CONFIG_KEXEC_BZIMAGE64_RUST_SELFTEST, CONFIG_KEXEC_PURGATORY_RUST))]
    if selftest::c_digest() {
        let blob = selftest::c_purgatory_blob();
        pr_info!(
            "kexec selftest: the C purgatory (kexec_purgatory_c, {} bytes)\n",
            blob.len()
        );
        return blob;
    }
    builtin_purgatory_blob()
}

/// The purgatory object `kexec_load_purgatory()` loads (`kexec_purgatory`).
fn builtin_purgatory_blob() -> &'static [u8] {
    // SAFETY: `kexec_purgatory` and `kexec_purgatory_size` are set at build
    // time (`kexec-purgatory.S`) and never written; the object is that many
    // bytes of the kernel image's read-only data.
    unsafe {
        embedded(
            core::ptr::addr_of!(bindings::kexec_purgatory).cast(),
            core::ptr::addr_of!(bindings::kexec_purgatory_size),
        )
    }
}

/// An object the kernel embeds, from its start symbol and the symbol that
/// holds its size.
///
/// # Safety
///
/// `*size` must be set at build time and never written, and `start` must be
/// that many bytes of read-only data that is never freed.
unsafe fn embedded(start: *const u8, size: *const usize) -> &'static [u8] {
    // SAFETY: the caller guarantees that `size` is readable and constant.
    let size = unsafe { size.read() };
    if size == 0 {
        return &[];
    }
    // SAFETY: the caller guarantees `size` bytes at `start`, never written
    // or freed; `size` is not 0, so `start` is the object's address.
    unsafe { core::slice::from_raw_parts(start, size) }
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

/// Parses a purgatory object, logging why it is refused.
fn parse_purgatory(blob: &[u8]) -> Result<purgatory::Purgatory<'_>> {
    purgatory::Purgatory::parse(blob).map_err(|e| {
        pr_err!("purgatory: {}\n", e);
        Error::from(e)
    })
}

/// The buffer of a segment the loader built ([`Load::add_owned_segment`]).
pub enum SegmentBuf {
    /// `kmalloc` memory: small buffers (the boot parameters).
    Kmalloc(KVec<u8>),
    /// `kvmalloc` memory: buffers that may be larger than `kmalloc` gives
    /// (a UKI's initrd joined with the caller's).
    Kvmalloc(KVVec<u8>),
}

impl SegmentBuf {
    fn as_slice(&self) -> &[u8] {
        match self {
            Self::Kmalloc(b) => b,
            Self::Kvmalloc(b) => b,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [u8] {
        match self {
            Self::Kmalloc(b) => b,
            Self::Kvmalloc(b) => b,
        }
    }
}

impl From<KVec<u8>> for SegmentBuf {
    fn from(b: KVec<u8>) -> Self {
        Self::Kmalloc(b)
    }
}

impl From<KVVec<u8>> for SegmentBuf {
    fn from(b: KVVec<u8>) -> Self {
        Self::Kvmalloc(b)
    }
}

/// A segment whose contents are a buffer the loader built; returned by
/// [`Load::add_owned_segment`] to reach the buffer again.
#[derive(Debug, Clone, Copy)]
pub struct OwnedSegment {
    index: usize,
    /// Physical address the segment was placed at.
    pub mem: usize,
}

/// A purgatory placed and built by [`Load::place_purgatory`], whose buffers
/// are not yet the core's.
struct PlacedPurgatory {
    mem: u64,
    bufsz: usize,
    buf: VVec<u8>,
    sechdrs: VVec<u8>,
    entry: u64,
}

/// Where the purgatory of the image being loaded is.
#[derive(Debug, Clone, Copy)]
struct LoadedPurgatory {
    /// The built-in object, parsed once.
    pg: purgatory::Purgatory<'static>,
    /// Physical address of its segment.
    mem: u64,
    /// Bytes of `purgatory_info.purgatory_buf`.
    bufsz: usize,
}

/// An image being loaded by a [`Loader`]'s `load`.
///
/// # Invariants
///
/// `kernel`, `initrd` and `cmdline` are the image's `kernel_buf`,
/// `initrd_buf` and `cmdline_buf`, which the core keeps, unchanged, until
/// `load` returns (it frees them before it calls `cleanup`). Every segment
/// placed with a buffer of the loader's has that buffer in `owned`, whose
/// heap storage is never reallocated or freed before `cleanup` or a failed
/// `load`. `purgatory` is `Some` exactly when a purgatory was placed; then
/// `purgatory_info.purgatory_buf` is a buffer of `bufsz` bytes that only
/// this `Load` touches until `load` returns, and `purgatory_info.sechdrs`
/// and `ehdr` are set.
pub struct Load<'a> {
    image: &'a mut Image,
    kernel: &'a [u8],
    initrd: Option<&'a [u8]>,
    cmdline: &'a [u8],
    owned: KVec<SegmentBuf>,
    purgatory: Option<LoadedPurgatory>,
}

impl<'a> Load<'a> {
    /// The image.
    pub fn image(&self) -> &Image {
        self.image
    }

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

    /// Places one segment.
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
            image: self.image.as_raw(),
            buffer: buf as *mut c_void,
            bufsz: bufsz as c_ulong,
            mem: 0, // KEXEC_BUF_MEM_UNKNOWN: let the core find a hole.
            memsz: memsz as c_ulong,
            buf_align: p.align as c_ulong,
            buf_min: p.min as c_ulong,
            buf_max: p.max as c_ulong,
            top_down: p.top_down,
        };
        // SAFETY: `kbuf.image` is valid (`Image` invariant, `kexec_lock`
        // held); the core stores `buffer` in the segment list, which the
        // caller keeps valid.
        to_result(unsafe { bindings::kexec_add_buffer(&mut kbuf) })?;
        Ok(kbuf.mem)
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
        // SAFETY: `part` is inside `kernel_buf`, which the core reads when
        // it copies the segments, before it frees it.
        unsafe { self.add_raw(part.as_ptr(), part.len(), memsz, p) }
    }

    /// Places a segment holding the whole initrd; returns its physical
    /// address, or `EINVAL` when there is no initrd.
    pub fn add_initrd_segment(&mut self, p: Placement) -> Result<usize> {
        let initrd = self.initrd.ok_or(EINVAL)?;
        // SAFETY: `initrd` is `initrd_buf`, which the core reads when it
        // copies the segments, before it frees it.
        unsafe { self.add_raw(initrd.as_ptr(), initrd.len(), initrd.len(), p) }
    }

    /// Places a segment whose contents are `buf`, `memsz` bytes in memory.
    /// The image keeps `buf` until cleanup; [`Load::segment_buf`] reaches it
    /// again, for what can only be written once the address is known.
    pub fn add_owned_segment(
        &mut self,
        buf: impl Into<SegmentBuf>,
        memsz: usize,
        p: Placement,
    ) -> Result<OwnedSegment> {
        let buf = buf.into();
        // Make room first: once placed, the buffer must be kept.
        self.owned.reserve(1, GFP_KERNEL)?;
        let data = buf.as_slice();
        // SAFETY: `buf`'s heap storage is moved into `self.owned` below, in a
        // push that cannot fail (room reserved), and `self.owned` never
        // reallocates or frees its elements' storage before cleanup (type
        // invariant); moving a `SegmentBuf` (a `KVec` or a `KVVec`) does not
        // move its storage. If placing fails, nothing refers to `buf` and it
        // is dropped.
        let mem = unsafe { self.add_raw(data.as_ptr(), data.len(), memsz, p)? };
        let index = self.owned.len();
        self.owned.push(buf, GFP_KERNEL)?;
        Ok(OwnedSegment { index, mem })
    }

    /// The contents of a segment placed with [`Load::add_owned_segment`].
    pub fn segment_buf(&mut self, seg: OwnedSegment) -> &mut [u8] {
        self.owned[seg.index].as_mut_slice()
    }

    /// Lays out, places and relocates the kernel's purgatory ([`purgatory`]),
    /// with the results `kexec_load_purgatory()` gives: the same segment,
    /// `image->start`, and the `purgatory_info` the core uses afterwards (to
    /// store the segment digests in the purgatory). Returns the purgatory's
    /// physical address. An image has one purgatory: a second call is
    /// refused with `EBUSY`. On failure the image is as it was before the
    /// call: no segment of it refers to a buffer of the purgatory's.
    pub fn load_purgatory(&mut self, p: Placement) -> Result<usize> {
        self.check_no_purgatory()?;
        // The object is chosen once per load: the ELF headers the core
        // reads (`ehdr`) and the buffer built here come from the same one,
        // whatever a test switch does meanwhile.
        let blob = purgatory_blob();
        let pg = parse_purgatory(blob)?;
        // SAFETY: on success the buffers are handed to the core right below,
        // which keeps them until `kimage_file_post_load_cleanup()`.
        let placed = unsafe { self.place_purgatory(&pg, p)? };
        let mem = placed.mem;
        // From here on nothing fails: the buffers become the core's.
        self.set_purgatory_info(blob, placed.buf, placed.sechdrs, placed.entry);
        self.purgatory = Some(LoadedPurgatory {
            pg,
            mem,
            bufsz: placed.bufsz,
        });
        Ok(mem as usize)
    }

    /// Places a segment for `pg` and builds the purgatory in its buffer.
    /// Everything that can fail for want of memory is allocated before the
    /// segment is placed; when building fails after that, the segment is
    /// removed again before the buffers are freed.
    ///
    /// # Safety
    ///
    /// On success the segment refers to the returned `buf`: the caller must
    /// hand it to the core (which keeps it until the load's cleanup) or call
    /// [`Load::remove_segments_from`] before dropping it.
    unsafe fn place_purgatory(
        &mut self,
        pg: &purgatory::Purgatory<'_>,
        p: Placement,
    ) -> Result<PlacedPurgatory> {
        let layout = pg.layout();
        let mut buf = VVec::from_elem(0u8, layout.bufsz, GFP_KERNEL)?;
        let mut sechdrs = VVec::from_elem(0u8, pg.sechdrs_size(), GFP_KERNEL)?;
        let place = Placement {
            align: layout.align,
            ..p
        };
        let before = self.image.nr_segments();
        // SAFETY: `buf`'s storage stays allocated and unmoved until the
        // segment is removed below (on failure) or, on success, until the
        // caller hands it to the core or removes the segment (the function's
        // safety requirement). If placing fails, nothing refers to it.
        let mem = unsafe { self.add_raw(buf.as_ptr(), layout.bufsz, layout.memsz, place)? } as u64;
        let built = pg
            .build(mem, &mut buf)
            .and_then(|b| pg.write_sechdrs(mem, &mut sechdrs).map(|()| b));
        match built {
            Ok(b) => Ok(PlacedPurgatory {
                mem,
                bufsz: layout.bufsz,
                buf,
                sechdrs,
                entry: b.entry,
            }),
            Err(e) => {
                pr_err!("purgatory: {}\n", e);
                self.remove_segments_from(before);
                Err(e.into())
            }
        }
    }

    /// Removes the segments placed after the first `n`, as if they had not
    /// been placed: `kexec_add_buffer()` only fills the next slot of the
    /// segment table and counts it.
    fn remove_segments_from(&mut self, n: usize) {
        let k = self.image.raw_mut();
        let end = k.nr_segments.min(k.segment.len());
        for s in k.segment.iter_mut().take(end).skip(n) {
            // SAFETY: `kexec_segment` holds integers and a union of two
            // pointers, for which all zero bytes are valid values.
            *s = unsafe { core::mem::zeroed() };
        }
        k.nr_segments = n.min(end);
    }

    fn check_no_purgatory(&self) -> Result {
        if self.purgatory.is_some() || !self.image.raw().purgatory_info.purgatory_buf.is_null() {
            pr_err!("purgatory already loaded\n");
            return Err(EBUSY);
        }
        Ok(())
    }

    /// Hands the purgatory buffer and its section headers to the core, as
    /// `kexec_load_purgatory()` leaves them, and sets the entry point. This
    /// is the only place that writes `purgatory_info`.
    fn set_purgatory_info(
        &mut self,
        blob: &'static [u8],
        buf: VVec<u8>,
        sechdrs: VVec<u8>,
        entry: u64,
    ) {
        let (buf, _, _) = buf.into_raw_parts();
        let (sechdrs, _, _) = sechdrs.into_raw_parts();
        let k = self.image.raw_mut();
        k.purgatory_info.ehdr = blob.as_ptr().cast();
        // The core `vfree()`s both in `kimage_file_post_load_cleanup()`, which
        // fits these `Vmalloc` allocations; `sechdrs` holds `e_shnum`
        // 64-byte section headers, 8-byte aligned.
        k.purgatory_info.purgatory_buf = buf.cast();
        k.purgatory_info.sechdrs = sechdrs.cast();
        k.start = entry as _;
    }

    /// The purgatory, parsed, and its buffer.
    fn purgatory_buf(&mut self) -> Result<(purgatory::Purgatory<'static>, &mut [u8])> {
        let Some(lp) = self.purgatory else {
            pr_err!("purgatory not loaded\n");
            return Err(EINVAL);
        };
        let pg = lp.pg;
        let buf = self
            .image
            .raw_mut()
            .purgatory_info
            .purgatory_buf
            .cast::<u8>();
        // SAFETY: by the type invariant, with `purgatory` set the buffer holds
        // `bufsz` bytes that only this `Load` touches until `load` returns;
        // the slice borrows `self` mutably.
        Ok((pg, unsafe {
            core::slice::from_raw_parts_mut(buf, lp.bufsz)
        }))
    }

    /// Reads purgatory symbol `name` (its size must be `size_of::<T>()`).
    pub fn purgatory_get<T: FromBytes + AsBytes + Default>(&mut self, name: &CStr) -> Result<T> {
        let mut v = T::default();
        let (pg, buf) = self.purgatory_buf()?;
        pg.get_symbol(buf, name.as_bytes(), bytes_of_mut(&mut v))?;
        Ok(v)
    }

    /// Writes purgatory symbol `name` (its size must be `size_of::<T>()`).
    pub fn purgatory_set<T: AsBytes>(&mut self, name: &CStr, v: &T) -> Result {
        let (pg, buf) = self.purgatory_buf()?;
        Ok(pg.set_symbol(buf, name.as_bytes(), bytes_of(v))?)
    }

    /// The physical address purgatory symbol `name` will have.
    pub fn purgatory_symbol_addr(&self, name: &CStr) -> Result<u64> {
        let lp = self.purgatory.ok_or(EINVAL)?;
        Ok(lp.pg.symbol_addr(name.as_bytes(), lp.mem)?)
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
    fn load(load: &mut Load<'_>) -> Result<Self::Data>;

    /// Called after the segments were copied (or the load failed later on);
    /// the segment buffers are freed right after it returns.
    fn cleanup(_data: Self::Data) -> Result {
        Ok(())
    }

    /// Verifies the image's signature.
    ///
    /// For a loader registered from a module ([`Registration`]) an `Ok`
    /// here is not enough while signatures are enforced: the kernel then
    /// also checks the image's PE signature against the keys kexec trusts
    /// (as `verify_pe_signature()` does), and refuses the image if that
    /// fails, whatever this returns. See [`Registration`].
    fn verify_sig(_image: &[u8]) -> Result {
        crate::build_error(crate::error::VTABLE_DEFAULT_ERROR)
    }
}

/// What a successful `load` leaves in `image->image_loader_data`.
struct Loaded<T: Loader> {
    data: T::Data,
    _buffers: KVec<SegmentBuf>,
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
    unsafe { core::slice::from_raw_parts(buf.cast(), len) }
}

impl<T: Loader> Adapter<T> {
    /// # Safety
    ///
    /// Called by the core with the kernel file (`kernel_buf`, `len`).
    unsafe extern "C" fn probe_callback(buf: *const c_char, len: c_ulong) -> c_int {
        from_result(|| {
            // SAFETY: The core passes `kernel_buf` and its length; it stays
            // valid during the call.
            T::probe(unsafe { buf_slice(buf, len) })?;
            Ok(0)
        })
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
        let mut load = Load {
            // SAFETY: `image` is valid and `kexec_lock` is held during the
            // call; the core uses no other reference to it meanwhile.
            image: unsafe { Image::from_raw(image) },
            // SAFETY: These are the image's buffers; the core frees them only
            // in `kimage_file_post_load_cleanup()`, after this call.
            kernel: unsafe { buf_slice(kernel, kernel_len) },
            // SAFETY: As above.
            initrd: (!initrd.is_null()).then(|| unsafe { buf_slice(initrd, initrd_len) }),
            // SAFETY: As above.
            cmdline: unsafe { buf_slice(cmdline, cmdline_len) },
            owned: KVec::new(),
            purgatory: None,
        };
        let data = match T::load(&mut load) {
            Ok(d) => d,
            Err(e) => return e.to_ptr(),
        };
        match KBox::new(
            Loaded::<T> {
                data,
                _buffers: load.owned,
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
        from_result(|| ret.map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by the core with the kernel file (`kernel_buf`, `len`).
    #[cfg(CONFIG_KEXEC_SIG)]
    unsafe extern "C" fn verify_sig_callback(buf: *const c_char, len: c_ulong) -> c_int {
        from_result(|| {
            // SAFETY: The core passes `kernel_buf` and its length.
            T::verify_sig(unsafe { buf_slice(buf, len) })?;
            Ok(0)
        })
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

/// A loader registered from a module (`kexec_file_register_loader()`):
/// probed after the built-in loaders, its module pinned while an image it
/// loaded exists. Dropping it unregisters the loader.
///
/// The module reference is taken by the probe that picks the loader and
/// dropped once when the image is freed: on unload, when a new image
/// replaces it, or when the load fails at any later step (signature,
/// [`Loader::load`], memory).
///
/// # Signatures
///
/// The kernel does not take a registered loader's word for a signature.
/// While signatures are enforced (`CONFIG_KEXEC_SIG_FORCE`, enforcement set
/// at run time, or lockdown), an image it loads must pass both its
/// [`Loader::verify_sig`] and the kernel's own check, a PE (Authenticode)
/// signature verified against the secondary (with the builtin) and platform
/// keyrings, as for a bzImage; under lockdown, IMA appraisal of the file
/// counts instead, as for every loader. A format that cannot carry a PE
/// signature therefore loads only where signatures are not enforced, or
/// where IMA appraises it. When nothing is enforced, a failed check is
/// logged and the image loads, as with the built-in loaders.
///
/// Modules use it through [`module_kexec_loader!`](crate::module_kexec_loader).
pub struct Registration {
    loader: Pin<KBox<Opaque<bindings::kexec_file_loader>>>,
}

// SAFETY: The registration is only read by the C core, under `kexec_lock`;
// moving it to another thread or sharing it changes nothing.
unsafe impl Send for Registration {}
// SAFETY: As above: `&Registration` gives no access to anything.
unsafe impl Sync for Registration {}

impl Registration {
    /// Registers `ops` as a loader of `module`.
    ///
    /// # Safety
    ///
    /// The returned value must be dropped before `module` is unloaded: not
    /// leaked (`core::mem::forget`, a reference cycle) nor kept anywhere
    /// that outlives the module. In a module, `'static` data (`ops`, the
    /// code its functions point to, `module`) lives only until the module
    /// is unloaded; a registration left behind would have the core call
    /// freed code. A field of the module's own struct, as
    /// [`module_kexec_loader!`](crate::module_kexec_loader) declares it,
    /// meets this: the module's struct is dropped at unload, and when
    /// `init` fails after registering, the value is dropped before `init`
    /// returns.
    pub unsafe fn register(
        module: &'static crate::ThisModule,
        ops: &'static FileOps,
    ) -> Result<Self> {
        let loader: Pin<KBox<Opaque<bindings::kexec_file_loader>>> =
            KBox::pin(Opaque::uninit(), GFP_KERNEL)?;
        let p = loader.get();
        // SAFETY: `p` points to the pinned heap allocation, valid for a write
        // of the whole struct. `ops` and `module` live until the module is
        // unloaded, and the registration is gone by then (the function's
        // safety requirement).
        unsafe {
            p.write(bindings::kexec_file_loader {
                ops: &ops.0,
                owner: module.as_ptr(),
                list: bindings::list_head {
                    next: core::ptr::null_mut(),
                    prev: core::ptr::null_mut(),
                },
            })
        };
        // SAFETY: `p` is initialized above and stays at its address until
        // `drop` unregisters it (pinned box); `ops` has probe and load.
        to_result(unsafe { bindings::kexec_file_register_loader(p) })?;
        Ok(Self { loader })
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: `register` registered this loader; it is unregistered once.
        unsafe { bindings::kexec_file_unregister_loader(self.loader.get()) };
    }
}

/// Declares a kernel module that registers the kexec image loader `type`
/// (a [`Loader`]), in the style of `module_phy_driver!`.
///
/// ```ignore
/// kernel::module_kexec_loader! {
///     type: FlatLoader,
///     name: "rust_kexec_loader",
///     author: "Rust for Linux Contributors",
///     description: "Rust kexec image loader sample",
///     license: "GPL",
/// }
/// ```
#[macro_export]
macro_rules! module_kexec_loader {
    (type: $loader:ty, $($f:tt)*) => {
        struct Module {
            _reg: $crate::kexec::Registration,
        }

        $crate::prelude::module! {
            type: Module,
            $($f)*
        }

        const _: () = {
            static OPS: $crate::kexec::FileOps = $crate::kexec::create_file_ops::<$loader>();

            impl $crate::Module for Module {
                fn init(module: &'static $crate::ThisModule) -> $crate::error::Result<Self> {
                    // SAFETY: the registration is a field of the module's
                    // struct, which is dropped when the module is unloaded,
                    // and is never moved out of it.
                    let reg = unsafe { $crate::kexec::Registration::register(module, &OPS)? };
                    Ok(Module { _reg: reg })
                }
            }
        };
    };
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
    let len = u32::try_from(image.len()).map_err(|_| ELIBBAD)?;
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
    match verify(bindings::VERIFY_USE_SECONDARY_KEYRING) {
        Err(e) if cfg!(CONFIG_INTEGRITY_PLATFORM_KEYRING) && e == ENOKEY => {
            verify(bindings::VERIFY_USE_PLATFORM_KEYRING)
        }
        r => r,
    }
}
