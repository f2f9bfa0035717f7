// SPDX-License-Identifier: GPL-2.0

//! The x86_64 bzImage loader for `kexec_file_load(2)`, in Rust.
//!
//! It does what `arch/x86/kernel/kexec-bzimage64.c` does, one function per
//! concern as there, and sits before it in `kexec_file_loaders[]`: BIOS and
//! EFI-booted machines, the IMA measurement list, crash kernels. Where it
//! differs (it refuses at load what cannot boot), the documentation in
//! `Documentation/admin-guide/kexec-rust.rst` says so.
//! Crash (kdump) images take C's path through the kernel's crash code
//! (`crash_load_segments()`, `crash_setup_memmap_entries()`). It is
//! written on the kernel crate's safe API (`rust/kernel/kexec.rs`), which
//! holds every raw pointer and FFI call.

use core::ops::Range;
use kernel::{
    alloc::{flags::GFP_KERNEL, KVVec, KVec},
    c_str,
    error::code::*,
    kexec::{
        self,
        bzimage::{self, bp, BootParams, LoadError, ParamsLayout, SetupHeader},
        x86, Kind, Load, Placement,
    },
    kexec_dprintk,
    prelude::*,
    str::CString,
};

const __LOG_PREFIX: &[u8] = b"kexec-bzImage64-rs\0";

/// Lowest physical addresses of the segments, as in the C loader.
const MIN_PURGATORY_ADDR: usize = 0x3000;
const MIN_BOOTPARAM_ADDR: usize = 0x3000;
const MIN_KERNEL_LOAD_ADDR: usize = 0x100000;
const MIN_INITRD_LOAD_ADDR: usize = 0x1000000;
const PAGE_SIZE: usize = kernel::page::PAGE_SIZE;

struct BzImage64;

/// Where the initrd of a load comes from.
enum Initrd {
    /// No initrd.
    None,
    /// The initrd file the caller gave.
    File,
    /// A range of the kernel file (a UKI's `.initrd`).
    KernelFile(Range<usize>),
    /// A buffer built by the loader (a UKI's `.initrd` and the caller's):
    /// `kvmalloc` memory, as initrds are larger than `kmalloc` gives.
    Owned(KVVec<u8>),
}

/// What a bzImage load takes: the bzImage (a range of the kernel file: all
/// of it, or a UKI's `.linux`), the initrd and the command line (NUL
/// included, or empty).
struct Parts<'a> {
    kernel: Range<usize>,
    initrd: Initrd,
    cmdline: &'a [u8],
}

/// The running kernel as far as probing cares.
fn host() -> bzimage::Host {
    bzimage::Host { la57: x86::la57() }
}

fn load_error(e: LoadError) -> Error {
    pr_err!("{}\n", e);
    e.into()
}

/// Copies the parts of the running kernel's `boot_params` the next kernel
/// needs (`setup_boot_parameters()` in C, but for the setup_data entries,
/// which need the segment's address). The setup header is already there.
fn setup_boot_parameters(p: &mut BootParams<'_>, crash: bool) -> Result {
    let cur = x86::boot_params();
    p.put(
        bp::HARDWARE_SUBARCH,
        &cur[bp::HARDWARE_SUBARCH..bp::HARDWARE_SUBARCH + 4],
    );
    p.put(bp::SCREEN_INFO, x86::screen_info());
    p.put(
        bp::ACPI_RSDP_ADDR,
        &cur[bp::ACPI_RSDP_ADDR..bp::ACPI_RSDP_ADDR + 8],
    );
    p.clear(bp::APM_BIOS_INFO, bp::APM_BIOS_INFO_SIZE);
    p.clear(bp::HD0_INFO, bp::HD_INFO_SIZE);
    p.clear(bp::HD1_INFO, bp::HD_INFO_SIZE);
    setup_e820_entries(p, crash);
    p.put(bp::EDDBUF, &cur[bp::EDDBUF..bp::EDDBUF + bp::EDDBUF_SIZE]);
    p.put_u8(bp::EDDBUF_ENTRIES, cur[bp::EDDBUF_ENTRIES]);
    p.put(
        bp::EDD_MBR_SIG_BUFFER,
        &cur[bp::EDD_MBR_SIG_BUFFER..bp::EDD_MBR_SIG_BUFFER + bp::EDD_MBR_SIG_BUFFER_SIZE],
    );
    Ok(())
}

/// The e820 table and the memory size fields. For a crash kernel the table
/// is the crash memory map, already written by `crash_setup_memmap_entries()`.
fn setup_e820_entries(p: &mut BootParams<'_>, crash: bool) {
    let n = if crash {
        p.set_mem_sizes()
    } else {
        p.set_e820(x86::e820_kexec())
    };
    kexec_dprintk!("E820 memmap:\n");
    for i in 0..n {
        let (addr, size, typ) = p.e820_entry(i);
        kexec_dprintk!(
            "{:016x}-{:016x} ({})\n",
            addr,
            addr.wrapping_add(size).wrapping_sub(1),
            typ
        );
    }
}

/// The RNG seed setup_data entry, when the RNG is ready.
fn setup_rng_seed(p: &mut BootParams<'_>, load_addr: u64, offset: usize) -> Result {
    let mut seed = [0u8; bzimage::RNG_SEED_LENGTH];
    if kexec::random_seed(&mut seed) {
        p.push_setup_data(load_addr, offset, bzimage::SETUP_RNG_SEED, &seed)
            .ok_or(EINVAL)?;
    }
    Ok(())
}

/// The EFI state the next kernel needs to use the firmware's runtime
/// services (`setup_efi_state()`): the ACPI RSDP when `boot_params` has none,
/// `efi_info` and `secure_boot`, the runtime memory map (copied at
/// `map_offset` of the params segment) and the `SETUP_EFI` entry at
/// `sd_offset`.
fn setup_efi_state(
    p: &mut BootParams<'_>,
    params_addr: u64,
    map_offset: usize,
    map_size: usize,
    sd_offset: usize,
) -> Result {
    let Some(fw) = x86::efi_firmware() else {
        return Ok(());
    };
    if p.get_u64(bp::ACPI_RSDP_ADDR) == 0 {
        if let Some(rsdp) = fw.acpi_rsdp {
            p.put_u64(bp::ACPI_RSDP_ADDR, rsdp);
        }
    }
    let cur = x86::boot_params();
    if !fw.runtime_services || bzimage::read_u32(cur, bp::EFI_MEMMAP_SIZE) == Some(0) {
        return Ok(());
    }
    let mut map = None;
    if map_size != 0 {
        let end = map_offset.checked_add(map_size).ok_or(EINVAL)?;
        let dst = p.bytes().get_mut(map_offset..end).ok_or(EINVAL)?;
        #[cfg(CONFIG_EFI)]
        x86::efi_runtime_map_copy(dst)?;
        #[cfg(not(CONFIG_EFI))]
        let _ = dst;
        let size = u32::try_from(map_size).map_err(|_| EINVAL)?;
        let phys = params_addr.checked_add(map_offset as u64).ok_or(EINVAL)?;
        map = Some((phys, size));
    }
    p.set_efi_info(cur, fw.memdesc_size, map);
    let esd = bzimage::efi_setup_data(fw.fw_vendor, fw.config_table, fw.smbios);
    p.push_setup_data(params_addr, sd_offset, bzimage::SETUP_EFI, &esd)
        .ok_or(EINVAL)
}

/// The `SETUP_IMA` entry at `sd_offset`, pointing at the IMA measurement
/// list the core placed (`setup_ima_state()`).
fn setup_ima_state(
    p: &mut BootParams<'_>,
    params_addr: u64,
    sd_offset: usize,
    ima: Option<(u64, u64)>,
) -> Result {
    let Some((addr, size)) = ima else {
        return Ok(());
    };
    let isd = bzimage::ima_setup_data(addr, size);
    p.push_setup_data(params_addr, sd_offset, bzimage::SETUP_IMA, &isd)
        .ok_or(EINVAL)
}

/// The purgatory, laid out and relocated in Rust. With the test switch
/// `c_purgatory` (`CONFIG_KEXEC_BZIMAGE64_RUST_SELFTEST`), set up by
/// `kexec_load_purgatory()` and compared with the Rust build instead.
fn load_purgatory(ld: &mut Load<'_>) -> Result<usize> {
    let place = Placement::high(MIN_PURGATORY_ADDR, 0);
    #[cfg(CONFIG_KEXEC_BZIMAGE64_RUST_SELFTEST)]
    if kexec::selftest::c_purgatory() {
        use kexec::selftest::Comparison;
        let (mem, cmp) = ld.load_purgatory_c_compared(place)?;
        match cmp {
            Comparison::Identical { bytes, entry } => pr_info!(
                "purgatory: Rust build identical to kexec_load_purgatory() \
                 ({} bytes at 0x{:x}, entry 0x{:x})\n",
                bytes,
                mem,
                entry
            ),
            Comparison::Differs(what, at) => pr_err!(
                "purgatory: Rust build differs from kexec_load_purgatory(): {} {}\n",
                what,
                at
            ),
        }
        return Ok(mem);
    }
    let mem = ld.load_purgatory(place)?;
    kexec_dprintk!("purgatory laid out and relocated in Rust\n");
    Ok(mem)
}

/// The purgatory's registers: entry at the kernel's 64-bit entry point,
/// `boot_params` in `%rsi`, the purgatory's own stack.
fn setup_purgatory_regs(ld: &mut Load<'_>, params_addr: usize, kernel_addr: usize) -> Result {
    let mut regs: x86::EntryRegs = ld.purgatory_get(c_str!("entry64_regs"))?;
    regs.rbx = 0; // Bootstrap processor.
    regs.rsi = params_addr as u64;
    regs.rip = kernel_addr as u64 + 0x200;
    regs.rsp = match ld.purgatory_symbol_addr(c_str!("stack_end")) {
        Ok(a) => a,
        Err(_) => {
            pr_err!("Could not find address of symbol stack_end\n");
            return Err(EINVAL);
        }
    };
    ld.purgatory_set(c_str!("entry64_regs"), &regs)
}

/// The image's PE signature, checked with the kernel's keys. The PE headers
/// and the certificate table are parsed in Rust first, and a malformed image
/// is refused with the errno and warning C gives; so is an image without
/// sections or with a section past its end, which C's digest stage would
/// hash unchecked; the PKCS#7 message then goes to the kernel's
/// verification.
#[cfg(CONFIG_KEXEC_BZIMAGE_VERIFY_SIG)]
fn verify_pe(image: &[u8]) -> Result {
    use kernel::kexec::pe;
    let sig = pe::parse(image).inspect_err(|e| {
        if e.message().is_some() {
            pr_warn!("{}\n", e);
        }
    })?;
    // What C's digest stage would hash without a check: refused here, with
    // a line of its own (C has none: it oopses or reads past the end).
    pe::check_sections(image, &sig).inspect_err(|e| pr_err!("PE image refused: {}\n", e))?;
    kexec::verify_pe_signature(image)
}

/// Without `KEXEC_BZIMAGE_VERIFY_SIG` there is no verifier, and the answer is
/// the one the core gives a loader without one.
#[cfg(not(CONFIG_KEXEC_BZIMAGE_VERIFY_SIG))]
fn verify_pe(_image: &[u8]) -> Result {
    Err(EKEYREJECTED)
}

#[vtable]
impl kexec::Loader for BzImage64 {
    type Data = ();

    fn probe(image: &[u8]) -> Result {
        #[cfg(CONFIG_KEXEC_BZIMAGE64_RUST_SELFTEST)]
        if kexec::selftest::c_loader() {
            pr_debug!("declining (test switch c_loader)\n");
            return Err(ENOEXEC);
        }
        match SetupHeader::probe(image, host()) {
            Ok(_) => {
                pr_debug!("It's a relocatable bzImage64\n");
                Ok(())
            }
            Err(e) => {
                pr_err!("{}\n", e.message());
                Err(e.into())
            }
        }
    }

    fn load(ld: &mut Load<'_>) -> Result<()> {
        let parts = Parts {
            kernel: 0..ld.kernel().len(),
            initrd: if ld.initrd().is_some() {
                Initrd::File
            } else {
                Initrd::None
            },
            cmdline: ld.cmdline(),
        };
        load_bzimage(ld, parts)
    }

    fn verify_sig(image: &[u8]) -> Result {
        verify_pe(image)
    }
}

/// Loads a bzImage: `bzImage64_load()`, on the kernel, initrd and command
/// line `parts` names.
fn load_bzimage(ld: &mut Load<'_>, parts: Parts<'_>) -> Result {
    let file = ld.kernel();
    let kernel = file.get(parts.kernel.clone()).ok_or(EINVAL)?;
    let hdr = SetupHeader::probe(kernel, host()).map_err(|_| ENOEXEC)?;
    let kernel_range = bzimage::kernel_range(&hdr, kernel.len()).map_err(load_error)?;
    let cmdline = parts.cmdline;
    bzimage::check_cmdline(&hdr, cmdline.len()).map_err(load_error)?;
    // What C loads but cannot boot (the admin guide lists it).
    bzimage::check_bootable(&hdr, kernel.len()).map_err(load_error)?;
    let crash = ld.image().kind() == Kind::Crash;
    // The ELF core headers (and the crash memory map below), by the
    // kernel's crash code.
    #[cfg(CONFIG_CRASH_DUMP)]
    let elfcorehdr = if crash {
        Some(ld.crash_load_segments()?)
    } else {
        None
    };
    #[cfg(not(CONFIG_CRASH_DUMP))]
    let elfcorehdr: Option<u64> = None;

    let purgatory = load_purgatory(ld).inspect_err(|_| pr_err!("Loading purgatory failed\n"))?;
    kexec_dprintk!("Loaded purgatory at 0x{:x}\n", purgatory);

    // boot_params, command line, the EFI runtime map and setup_data
    // share one segment.
    let efi_map_size = x86::efi_firmware().map_or(0, |fw| fw.runtime_map_size);
    let ima_kexec = cfg!(CONFIG_IMA_KEXEC);
    let layout = ParamsLayout::new(cmdline.len(), efi_map_size, ima_kexec).ok_or(EINVAL)?;
    #[cfg(CONFIG_IMA_KEXEC)]
    let ima = ld.image().ima_buffer();
    #[cfg(not(CONFIG_IMA_KEXEC))]
    let ima: Option<(u64, u64)> = None;
    let buf = KVec::from_elem(0u8, layout.size, GFP_KERNEL)?;
    let params = ld.add_owned_segment(buf, layout.size, Placement::high(MIN_BOOTPARAM_ADDR, 16))?;
    let params_addr = params.mem;
    kexec_dprintk!(
        "Loaded boot_param, command line and misc at 0x{:x} bufsz=0x{:x} memsz=0x{:x}\n",
        params_addr,
        layout.size,
        layout.size.next_multiple_of(PAGE_SIZE)
    );

    let memsz = hdr.kernel_memsz(PAGE_SIZE as u32);
    let min = (hdr.pref_address as usize).max(MIN_KERNEL_LOAD_ADDR);
    let in_file = parts.kernel.start + kernel_range.start..parts.kernel.start + kernel_range.end;
    let kernel_addr = ld.add_kernel_segment(
        in_file,
        memsz,
        Placement::high(min, hdr.kernel_alignment as usize),
    )?;
    kexec_dprintk!(
        "Loaded 64bit kernel at 0x{:x} bufsz=0x{:x} memsz=0x{:x}\n",
        kernel_addr,
        kernel_range.len(),
        memsz
    );

    let place = Placement::high(MIN_INITRD_LOAD_ADDR, PAGE_SIZE);
    let initrd = match parts.initrd {
        Initrd::None => None,
        Initrd::File => {
            let len = ld.initrd().map_or(0, |i| i.len());
            Some((ld.add_initrd_segment(place)?, len))
        }
        Initrd::KernelFile(r) => {
            let len = r.len();
            Some((ld.add_kernel_segment(r, len, place)?, len))
        }
        Initrd::Owned(buf) => {
            let len = buf.len();
            Some((ld.add_owned_segment(buf, len, place)?.mem, len))
        }
    };
    if let Some((addr, len)) = initrd {
        kexec_dprintk!(
            "Loaded initrd at 0x{:x} bufsz=0x{:x} memsz=0x{:x}\n",
            addr,
            len,
            len
        );
    }
    let initrd = initrd.map(|(addr, len)| (addr as u64, len as u64));

    setup_purgatory_regs(ld, params_addr, kernel_addr)?;
    // Where a Rust purgatory says why it refuses to jump; the C purgatory
    // has no such symbol, and says nothing.
    if let Some(port) = bzimage::serial_console_port(cmdline) {
        if ld
            .purgatory_symbol_addr(c_str!("purgatory_serial_port"))
            .is_ok()
        {
            ld.purgatory_set(c_str!("purgatory_serial_port"), &port)?;
        }
    }

    // The setup header first, then the crash memory map, as in C: a header
    // whose jump byte (0x201) declares it longer than 0xce bytes reaches
    // into `e820_table` (0x2d0), which the crash map must then overwrite,
    // not the other way round.
    BootParams::new(ld.segment_buf(params))
        .ok_or(EINVAL)?
        .copy_setup_header(kernel, &hdr)
        .ok_or(ENOEXEC)?;
    #[cfg(CONFIG_CRASH_DUMP)]
    if crash {
        ld.crash_setup_memmap(params)?;
    }
    let mut p = BootParams::new(ld.segment_buf(params)).ok_or(EINVAL)?;
    setup_boot_parameters(&mut p, crash)?;
    if let Some((addr, len)) = initrd {
        p.set_initrd(addr, len);
    }
    // A crash kernel finds its ELF core headers through the command line.
    let prefix = match elfcorehdr {
        Some(addr) => CString::try_from_fmt(kernel::fmt!("elfcorehdr=0x{:x} ", addr))?,
        None => CString::try_from_fmt(kernel::fmt!(""))?,
    };
    let prefix = prefix.as_bytes();
    p.set_cmdline(params_addr as u64, layout.cmdline_offset, prefix, cmdline)
        .ok_or(EINVAL)?;
    if kexec::debug_enabled() {
        let b = p.bytes();
        let start = layout.cmdline_offset;
        let text = &b[start..start + prefix.len() + cmdline.len()];
        let text = text.split(|&c| c == 0).next().unwrap_or(&[]);
        pr_info!(
            "Final command line is: {}\n",
            kernel::str::BStr::from_bytes(text)
        );
    }
    p.put_u8(bp::TYPE_OF_LOADER, bzimage::LOADER_TYPE_KEXEC);
    p.put_u8(bp::LOADFLAGS, 0);
    // The setup_data slots, used or not, in C's order: EFI when the
    // kernel has EFI support, IMA with IMA_KEXEC, the RNG seed. Each
    // entry is linked at the head of the list.
    let params_addr = params_addr as u64;
    let mut sd_offset = layout.setup_data_offset;
    if cfg!(CONFIG_EFI) {
        setup_efi_state(
            &mut p,
            params_addr,
            layout.efi_map_offset,
            efi_map_size,
            sd_offset,
        )?;
        sd_offset += bzimage::SETUP_DATA_HDR_SIZE + bzimage::EFI_SETUP_DATA_SIZE;
    }
    if ima_kexec {
        setup_ima_state(&mut p, params_addr, sd_offset, ima)?;
        sd_offset += bzimage::SETUP_DATA_HDR_SIZE + bzimage::IMA_SETUP_DATA_SIZE;
    }
    setup_rng_seed(&mut p, params_addr, sd_offset)?;
    Ok(())
}

/// The loader's `struct kexec_file_ops`, listed first in `kexec_file_loaders[]`.
#[no_mangle]
#[used]
pub static kexec_bzimage64_rust_ops: kexec::FileOps = kexec::create_file_ops::<BzImage64>();

/// The Unified Kernel Image loader: a UKI's `.linux` loaded as a bzImage,
/// with its `.initrd` and `.cmdline`, all covered by the UKI's signature.
#[cfg(CONFIG_KEXEC_UKI64_RUST)]
mod uki_loader {
    use super::*;
    use kernel::kexec::uki::{self, UkiError};

    pub(super) struct Uki64;

    /// Whether the image must be signed, as the core decides it in
    /// `kimage_validate_signature()`: enforcement (`KEXEC_SIG_FORCE`, or set
    /// at run time by IMA's architecture policy under Secure Boot), or a
    /// kernel locked down against unsigned kexec (which logs that it
    /// refused, so it is asked last).
    fn signatures_enforced() -> bool {
        kexec::kexec_sig_enforced() || kexec::kexec_locked_down()
    }

    /// The command line, NUL-terminated: the UKI's `.cmdline` text (without
    /// a NUL: [`uki::Uki::cmdline`]), with the caller's appended unless
    /// signatures are enforced, where a caller's command line next to the
    /// UKI's is refused (`EPERM`): it is not covered by the signature.
    /// Without a `.cmdline`, the caller's, as given (NUL included, or
    /// empty).
    fn cmdline(embedded: Option<&[u8]>, caller: &[u8]) -> Result<KVec<u8>> {
        // The core checked that a caller's command line ends with a NUL;
        // the kernel reads it up to the first one.
        let text = caller.split(|&b| b == 0).next().unwrap_or(&[]);
        let mut out = KVec::new();
        match embedded {
            Some(own) if !text.is_empty() => {
                if signatures_enforced() {
                    pr_err!("UKI has a signed command line: a caller's command line is refused while signatures are enforced\n");
                    return Err(EPERM);
                }
                if !own.is_empty() {
                    out.extend_from_slice(own, GFP_KERNEL)?;
                    out.push(b' ', GFP_KERNEL)?;
                }
                out.extend_from_slice(text, GFP_KERNEL)?;
                out.push(0, GFP_KERNEL)?;
            }
            Some(own) => {
                out.extend_from_slice(own, GFP_KERNEL)?;
                out.push(0, GFP_KERNEL)?;
            }
            None => out.extend_from_slice(caller, GFP_KERNEL)?,
        }
        Ok(out)
    }

    /// The initrd: the UKI's, then the caller's after it (4-byte aligned, as
    /// systemd-stub joins initrds; the kernel unpacks them in turn).
    fn initrd(
        file: &[u8],
        embedded: Option<Range<usize>>,
        caller: Option<&[u8]>,
    ) -> Result<Initrd> {
        Ok(match (embedded, caller) {
            (None, None) => Initrd::None,
            (None, Some(_)) => Initrd::File,
            (Some(r), None) => Initrd::KernelFile(r),
            (Some(r), Some(extra)) => {
                let own = file.get(r).ok_or(EINVAL)?;
                let pad = own.len().next_multiple_of(4) - own.len();
                let len = own.len() + pad;
                let len = len.checked_add(extra.len()).ok_or(ENOMEM)?;
                // kvmalloc: a real UKI's initrd (20-100 MiB) is far past
                // what kmalloc gives (4 MiB); the core copies a segment
                // from any kernel address, vmalloc memory included.
                let mut buf = KVVec::with_capacity(len, GFP_KERNEL)?;
                buf.extend_from_slice(own, GFP_KERNEL)?;
                buf.extend_from_slice(&[0u8; 3][..pad], GFP_KERNEL)?;
                buf.extend_from_slice(extra, GFP_KERNEL)?;
                Initrd::Owned(buf)
            }
        })
    }

    #[vtable]
    impl kexec::Loader for Uki64 {
        type Data = ();

        fn probe(image: &[u8]) -> Result {
            #[cfg(CONFIG_KEXEC_BZIMAGE64_RUST_SELFTEST)]
            if kexec::selftest::c_loader() {
                return Err(ENOEXEC);
            }
            // A PE file with UKI sections is ours, malformed or not: the
            // load says what is wrong with it.
            match uki::parse(image) {
                Err(UkiError::NotUki) => Err(ENOEXEC),
                _ => {
                    pr_debug!("It's a Unified Kernel Image\n");
                    Ok(())
                }
            }
        }

        fn load(ld: &mut Load<'_>) -> Result<()> {
            let file = ld.kernel();
            let u = uki::parse(file).map_err(|e| {
                pr_err!("{}\n", e);
                Error::from(e)
            })?;
            let linux = u.linux();
            if let Err(e) = SetupHeader::probe(&file[linux.clone()], host()) {
                pr_err!("UKI .linux is not a bzImage: {}\n", e.message());
                return Err(ENOEXEC);
            }
            let cmdline = cmdline(u.cmdline(file), ld.cmdline())?;
            let initrd = initrd(file, u.initrd(), ld.initrd())?;
            kexec_dprintk!(
                "UKI: .linux 0x{:x} bytes, .initrd 0x{:x}, .cmdline 0x{:x}\n",
                linux.len(),
                u.initrd().map_or(0, |r| r.len()),
                u.cmdline(file).map_or(0, |c| c.len())
            );
            let parts = Parts {
                kernel: linux,
                initrd,
                cmdline: &cmdline,
            };
            load_bzimage(ld, parts)
        }

        fn verify_sig(image: &[u8]) -> Result {
            verify_pe(image)
        }
    }
}

/// The UKI loader's `struct kexec_file_ops`, listed before the bzImage
/// loaders in `kexec_file_loaders[]`.
#[cfg(CONFIG_KEXEC_UKI64_RUST)]
#[no_mangle]
#[used]
pub static kexec_uki64_rust_ops: kexec::FileOps = kexec::create_file_ops::<uki_loader::Uki64>();
