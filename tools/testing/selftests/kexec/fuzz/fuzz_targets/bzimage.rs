// SPDX-License-Identifier: GPL-2.0

//! Fuzz target over `rust/kernel/kexec/bzimage.rs`.
//!
//! The input is a bzImage. It is probed for both paging modes; when it is
//! accepted, the rest of the load path that the parser owns runs on it:
//! `kernel_range`, `check_cmdline`, `ParamsLayout::new` and a `BootParams`
//! buffer of the layout's size filled the way `bzImage64_load()` fills it.
//! Lengths, addresses and e820 entries come from the bytes after the first
//! two sectors (real-mode setup code, which the parser does not read).
//!
//! Every `BootParams` operation is checked against a shadow copy of the
//! buffer: the bytes it owns must hold the expected values and no other
//! byte may change. Any panic is a finding.

#![no_main]

mod common;

use common::{assert_same, get_u32, get_u64, put, Ctl};
use kexec_parsers::bzimage::*;
use libfuzzer_sys::fuzz_target;

/// Where the control values start in the input.
const CTL_OFFSET: usize = 2 * SECTOR_SIZE;
/// Upper bound on the command line length used for a real buffer (the
/// kernel's `COMMAND_LINE_SIZE` is 2048; huge lengths go through the
/// arithmetic-only checks).
const MAX_BUF_CMDLINE: usize = 8192;
/// Upper bound on the EFI map size used for a real buffer.
const MAX_BUF_EFI_MAP: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let plain = SetupHeader::probe(data, Host { la57: false });
    let la57 = SetupHeader::probe(data, Host { la57: true });
    check_probe(data, plain, la57);

    if let Ok(hdr) = plain {
        let mut ctl = Ctl::new(data.get(CTL_OFFSET..).unwrap_or(&[]));
        check_kernel_range(&hdr, data.len(), &mut ctl);
        check_bootable_model(&hdr, data.len());
        check_cmdline_len(&hdr, &mut ctl);
        check_layout_arith(&mut ctl);
        build_params(data, &hdr, &mut ctl);
    }
});

/// The probe result against an independent reading of the raw bytes, in
/// the order `bzImage64_probe()` checks them.
fn check_probe(
    data: &[u8],
    plain: Result<SetupHeader, ProbeError>,
    la57: Result<SetupHeader, ProbeError>,
) {
    let want = expected_probe(data);
    assert_eq!(plain.map(|_| ()), want, "probe(la57=false)");
    let want57 = want.and_then(|()| {
        if read_u16(data, bp::XLOADFLAGS).unwrap() & XLF_5LEVEL == 0 {
            Err(ProbeError::No5Level)
        } else {
            Ok(())
        }
    });
    assert_eq!(la57.map(|_| ()), want57, "probe(la57=true)");
    if let (Ok(a), Ok(b)) = (plain, la57) {
        assert_eq!(a, b, "the paging mode changed the header read");
    }

    let Ok(hdr) = plain else { return };
    assert_eq!(hdr.setup_sects, data[bp::SETUP_SECTS]);
    assert_eq!(hdr.version, read_u16(data, bp::VERSION).unwrap());
    assert!(hdr.version >= 0x020c);
    assert_eq!(hdr.loadflags, data[bp::LOADFLAGS]);
    assert_eq!(hdr.xloadflags, read_u16(data, bp::XLOADFLAGS).unwrap());
    assert_eq!(hdr.cmdline_size, read_u32(data, bp::CMDLINE_SIZE).unwrap());
    assert_eq!(hdr.kernel_alignment, read_u32(data, bp::KERNEL_ALIGNMENT).unwrap());
    assert_eq!(hdr.pref_address, read_u64(data, bp::PREF_ADDRESS).unwrap());
    assert_eq!(hdr.init_size, read_u32(data, bp::INIT_SIZE).unwrap());
    assert_eq!(hdr.declared_len, 0x202 + usize::from(data[bp::JUMP + 1]) - SETUP_HDR_OFFSET);
    // The declared header always lies inside the two sectors probe
    // requires, and inside boot_params.
    assert!(SETUP_HDR_OFFSET + hdr.declared_len <= 2 * SECTOR_SIZE);
    assert!(SETUP_HDR_OFFSET + hdr.declared_len <= BOOT_PARAMS_SIZE);
    let k16 = hdr.kern16_size();
    assert_eq!(k16 % SECTOR_SIZE, 0);
    assert!((2 * SECTOR_SIZE..=256 * SECTOR_SIZE).contains(&k16), "kern16_size {k16:#x}");
}

fn expected_probe(d: &[u8]) -> Result<(), ProbeError> {
    if d.len() < 1024 {
        return Err(ProbeError::TooShort);
    }
    if &d[0x202..0x206] != b"HdrS" {
        return Err(ProbeError::NotBzImage);
    }
    if d[0x1fe] != 0x55 || d[0x1ff] != 0xaa {
        return Err(ProbeError::NoBootSector);
    }
    if u16::from_le_bytes([d[0x206], d[0x207]]) < 0x020c {
        return Err(ProbeError::OldProtocol);
    }
    if d[0x211] & 1 == 0 {
        return Err(ProbeError::NotLoadedHigh);
    }
    let xlf = u16::from_le_bytes([d[0x236], d[0x237]]);
    if xlf & 1 == 0 {
        return Err(ProbeError::NoKernel64);
    }
    if xlf & 2 == 0 {
        return Err(ProbeError::Below4GOnly);
    }
    Ok(())
}

/// `check_bootable` against a model of its three checks, in its order.
fn check_bootable_model(hdr: &SetupHeader, len: usize) {
    let have = (len as u64).saturating_sub(hdr.kern16_size() as u64);
    let need = hdr.syssize as u64 * 16;
    let a = hdr.kernel_alignment;
    let want = if have < need {
        Err(LoadError::PayloadTruncated { have, need })
    } else if a == 0 || a & (a - 1) != 0 {
        Err(LoadError::BadKernelAlignment { alignment: a })
    } else if (hdr.init_size as u64) < need {
        Err(LoadError::InitSizeTooSmall { init_size: hdr.init_size, payload: need })
    } else {
        Ok(())
    };
    assert_eq!(check_bootable(hdr, len), want);
}

fn check_kernel_range(hdr: &SetupHeader, len: usize, ctl: &mut Ctl<'_>) {
    let k16 = hdr.kern16_size();
    for l in [len, ctl.size_near(k16), 0, usize::MAX] {
        match kernel_range(hdr, l) {
            Ok(r) => {
                assert!(l >= k16);
                assert_eq!(r, k16..l);
            }
            Err(e) => {
                assert!(l < k16);
                assert_eq!(e, LoadError::Truncated);
                assert_eq!(e.errno().name(), "ENOEXEC");
            }
        }
    }
}

fn check_cmdline_len(hdr: &SetupHeader, ctl: &mut Ctl<'_>) {
    let max = hdr.cmdline_size as u128;
    for len in [ctl.size_near(hdr.cmdline_size as usize), 0, usize::MAX] {
        let got = check_cmdline(hdr, len);
        let l = len as u128;
        let want = if l > max {
            Err(LoadError::CmdlineTooLong)
        } else if l + MAX_ELFCOREHDR_STR_LEN as u128 > max {
            Err(LoadError::CmdlineNoRoomForElfcorehdr)
        } else {
            Ok(())
        };
        assert_eq!(got, want, "check_cmdline(cmdline_size={max}, len={len})");
        if let Err(e) = got {
            assert_eq!(e.errno().name(), "EINVAL");
            assert!(!e.message().is_empty());
        }
    }
}

/// The layout in 128-bit arithmetic; `None` when a value leaves `usize`.
fn expected_layout(cmdline_len: usize, efi_map_size: usize, ima: bool) -> Option<ParamsLayout> {
    let fit = |v: u128| usize::try_from(v).ok();
    let a16 = |v: u128| (v + 15) & !15;
    let raw_cmd_end = BOOT_PARAMS_SIZE as u128 + cmdline_len as u128 + MAX_ELFCOREHDR_STR_LEN as u128;
    // `align16` rounds only values that fit, and must itself fit.
    fit(raw_cmd_end)?;
    let efi_map_offset = fit(a16(raw_cmd_end))?;
    fit(efi_map_size as u128)?;
    let efi = fit(a16(efi_map_size as u128))?;
    let setup_data_offset = fit(efi_map_offset as u128 + efi as u128)?;
    let mut size = setup_data_offset as u128
        + (SETUP_DATA_HDR_SIZE + EFI_SETUP_DATA_SIZE) as u128
        + (SETUP_DATA_HDR_SIZE + RNG_SEED_LENGTH) as u128;
    if ima {
        size += (SETUP_DATA_HDR_SIZE + IMA_SETUP_DATA_SIZE) as u128;
    }
    // Every intermediate sum is below the final one, so the final check
    // covers them.
    let size = fit(size)?;
    Some(ParamsLayout {
        cmdline_offset: BOOT_PARAMS_SIZE,
        efi_map_offset,
        setup_data_offset,
        size,
    })
}

/// The layout arithmetic for any sizes, huge ones included.
fn check_layout_arith(ctl: &mut Ctl<'_>) {
    let cl = ctl.size_near(usize::MAX - BOOT_PARAMS_SIZE - MAX_ELFCOREHDR_STR_LEN);
    let efi = ctl.size_near(usize::MAX - 0x100);
    let ima = ctl.bool();
    let got = ParamsLayout::new(cl, efi, ima);
    assert_eq!(got, expected_layout(cl, efi, ima), "ParamsLayout::new({cl:#x}, {efi:#x}, {ima})");
    if let Some(l) = got {
        check_layout_shape(&l, cl, efi, ima);
    }
}

fn check_layout_shape(l: &ParamsLayout, cl: usize, efi: usize, ima: bool) {
    assert_eq!(l.cmdline_offset, BOOT_PARAMS_SIZE);
    assert!(l.efi_map_offset >= l.cmdline_offset + cl + MAX_ELFCOREHDR_STR_LEN);
    assert!(l.efi_map_offset - (l.cmdline_offset + cl + MAX_ELFCOREHDR_STR_LEN) < 16);
    assert_eq!(l.efi_map_offset % 16, 0);
    assert_eq!(l.setup_data_offset % 16, 0);
    assert!(l.setup_data_offset - l.efi_map_offset >= efi);
    let tail = SETUP_DATA_HDR_SIZE * if ima { 3 } else { 2 } + EFI_SETUP_DATA_SIZE + RNG_SEED_LENGTH
        + if ima { IMA_SETUP_DATA_SIZE } else { 0 };
    assert_eq!(l.size - l.setup_data_offset, tail);
}

/// Fills a params segment as `bzImage64_load()` does, against a shadow.
fn build_params(image: &[u8], hdr: &SetupHeader, ctl: &mut Ctl<'_>) {
    let cl = usize::from(ctl.u16()) % (MAX_BUF_CMDLINE + 1);
    let efi = usize::from(ctl.u16()) % (MAX_BUF_EFI_MAP + 1);
    let ima = ctl.bool();
    let layout = ParamsLayout::new(cl, efi, ima).expect("small sizes cannot overflow");
    assert_eq!(Some(layout), expected_layout(cl, efi, ima));
    check_layout_shape(&layout, cl, efi, ima);

    // Too small a buffer is refused.
    let mut small = [0u8; BOOT_PARAMS_SIZE - 1];
    let cut = usize::from(ctl.u16()) % BOOT_PARAMS_SIZE;
    assert!(BootParams::new(&mut small[..cut]).is_none());

    // A pattern, not zeros, so that a stray write of zero shows too.
    let fill = ctl.u8();
    let mut buf = vec![fill; layout.size];
    let mut shadow = buf.clone();
    let mut p = BootParams::new(&mut buf).expect("layout size >= BOOT_PARAMS_SIZE");
    assert_eq!(p.bytes().len(), layout.size);
    let load_addr = ctl.load_addr();

    // The setup header, as the image declares it.
    p.copy_setup_header(image, hdr).expect("declared header fits");
    let end = SETUP_HDR_OFFSET + hdr.declared_len;
    shadow[SETUP_HDR_OFFSET..end].copy_from_slice(&image[SETUP_HDR_OFFSET..end]);
    assert_same("copy_setup_header", p.bytes(), &shadow);

    // A header read from a shorter image is refused without a write.
    let short = &image[..end - 1];
    assert!(p.copy_setup_header(short, hdr).is_none());
    assert_same("copy_setup_header(short)", p.bytes(), &shadow);

    p.put_u8(bp::TYPE_OF_LOADER, LOADER_TYPE_KEXEC);
    shadow[bp::TYPE_OF_LOADER] = LOADER_TYPE_KEXEC;

    // The command line at its place in the layout, with or without the
    // crash kernel's prefix; it must fit in front of the EFI map.
    let prefix: &[u8] = if ctl.bool() { b"elfcorehdr=0xffffffffffffffff " } else { b"" };
    assert!(prefix.len() <= MAX_ELFCOREHDR_STR_LEN);
    let mut cmdline = ctl.bytes(cl).to_vec();
    cmdline.resize(cl, b'x');
    if let Some(last) = cmdline.last_mut() {
        *last = 0;
    }
    set_cmdline_checked(&mut p, &mut shadow, load_addr, layout.cmdline_offset, prefix, &cmdline, true);
    assert!(layout.cmdline_offset + prefix.len() + cmdline.len() <= layout.efi_map_offset);

    // And at an offset from the input: it either fits or changes nothing.
    let off = ctl.size_near(layout.size);
    let n = usize::from(ctl.u8());
    let other = ctl.bytes(n).to_vec();
    set_cmdline_checked(&mut p, &mut shadow, load_addr, off, b"", &other, false);

    // The e820 table from the input.
    let count = usize::from(ctl.u8());
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        let addr = match ctl.u8() & 3 {
            0 => 0x100000 - (u64::from(ctl.u16()) << 4),
            1 => u64::from(ctl.u32()),
            _ => ctl.u64(),
        };
        let size = match ctl.u8() & 1 {
            0 => u64::from(ctl.u32()) << 10,
            _ => ctl.u64(),
        };
        let typ = if ctl.bool() { E820_TYPE_RAM } else { ctl.u32() };
        entries.push((addr, size, typ));
    }
    let n = p.set_e820(entries.iter().copied());
    assert_eq!(n, count.min(E820_MAX_ENTRIES_ZEROPAGE));
    assert!(bp::E820_TABLE + E820_MAX_ENTRIES_ZEROPAGE * E820_ENTRY_SIZE <= bp::EDDBUF);
    expected_e820(&mut shadow, &entries);
    assert_same("set_e820", p.bytes(), &shadow);

    // setup_data in the layout's order: EFI, RNG seed, IMA; the last one
    // must end exactly at the layout's size.
    let head0 = p.get_u64(bp::SETUP_DATA);
    let mut off = layout.setup_data_offset;
    let mut pushed = Vec::new();
    let mut items = vec![(SETUP_EFI, EFI_SETUP_DATA_SIZE), (SETUP_RNG_SEED, RNG_SEED_LENGTH)];
    if ima {
        items.push((SETUP_IMA, IMA_SETUP_DATA_SIZE));
    }
    for (typ, len) in items {
        let mut payload = ctl.bytes(len).to_vec();
        payload.resize(len, 0x5a);
        let ok = push_checked(&mut p, &mut shadow, load_addr, off, typ, &payload);
        let fits = load_addr.checked_add(off as u64).is_some();
        assert_eq!(ok, fits, "push_setup_data at {off:#x} in the layout");
        if ok {
            pushed.push((off, typ, len));
        }
        off += SETUP_DATA_HDR_SIZE + len;
    }
    assert_eq!(off, layout.size, "setup_data entries fill the layout exactly");
    walk_setup_data(&mut p, load_addr, head0, &pushed);

    // And at an offset from the input.
    let off = ctl.size_near(layout.size);
    let n = usize::from(ctl.u8());
    let payload = ctl.bytes(n).to_vec();
    let typ = ctl.u32();
    push_checked(&mut p, &mut shadow, load_addr, off, typ, &payload);

    // initrd fields.
    let (addr, len) = (ctl.u64(), ctl.u64());
    p.set_initrd(addr, len);
    put(&mut shadow, bp::RAMDISK_IMAGE, &(addr as u32).to_le_bytes());
    put(&mut shadow, bp::RAMDISK_SIZE, &(len as u32).to_le_bytes());
    put(&mut shadow, bp::EXT_RAMDISK_IMAGE, &((addr >> 32) as u32).to_le_bytes());
    put(&mut shadow, bp::EXT_RAMDISK_SIZE, &((len >> 32) as u32).to_le_bytes());
    assert_same("set_initrd", p.bytes(), &shadow);

    // Clearing a field of boot_params touches that field only.
    p.clear(bp::EDDBUF, bp::EDDBUF_SIZE);
    shadow[bp::EDDBUF..bp::EDDBUF + bp::EDDBUF_SIZE].fill(0);
    assert_same("clear", p.bytes(), &shadow);
}

/// `set_cmdline` against the shadow; `must_fit` when the layout reserved
/// the room.
fn set_cmdline_checked(
    p: &mut BootParams<'_>,
    shadow: &mut [u8],
    load_addr: u64,
    offset: usize,
    prefix: &[u8],
    cmdline: &[u8],
    must_fit: bool,
) {
    let total = prefix.len() + cmdline.len();
    let fits = offset.checked_add(total).is_some_and(|end| end <= shadow.len());
    let phys = load_addr.checked_add(offset as u64);
    let got = p.set_cmdline(load_addr, offset, prefix, cmdline);
    if must_fit {
        assert!(fits, "the layout's command line room is too small");
    }
    assert_eq!(got.is_some(), fits && phys.is_some(), "set_cmdline({load_addr:#x}, {offset:#x}, {total})");
    if fits {
        let dst = &mut shadow[offset..offset + total];
        dst[..prefix.len()].copy_from_slice(prefix);
        dst[prefix.len()..].copy_from_slice(cmdline);
        if let Some(last) = dst.last_mut() {
            *last = 0;
        }
        if let Some(phys) = phys {
            put(shadow, bp::CMD_LINE_PTR, &(phys as u32).to_le_bytes());
            if phys >> 32 != 0 {
                put(shadow, bp::EXT_CMD_LINE_PTR, &((phys >> 32) as u32).to_le_bytes());
            }
        }
    }
    assert_same("set_cmdline", p.bytes(), shadow);
}

fn expected_e820(shadow: &mut [u8], entries: &[(u64, u64, u32)]) {
    let mut ext_mem_k = 0u16;
    let mut alt_mem_k = 0u32;
    let n = entries.len().min(E820_MAX_ENTRIES_ZEROPAGE);
    for (i, &(addr, size, typ)) in entries[..n].iter().enumerate() {
        let off = bp::E820_TABLE + i * E820_ENTRY_SIZE;
        put(shadow, off, &addr.to_le_bytes());
        put(shadow, off + 8, &size.to_le_bytes());
        put(shadow, off + 16, &typ.to_le_bytes());
        let end = addr.wrapping_add(size).wrapping_sub(1);
        if typ == E820_TYPE_RAM && addr <= 0x100000 && end > 0x100000 {
            let mem_k = (end >> 10) - 0x400;
            ext_mem_k = mem_k.min(0xfc00) as u16;
            alt_mem_k = mem_k.min(0xffff_ffff) as u32;
        }
    }
    put(shadow, bp::EXT_MEM_K, &ext_mem_k.to_le_bytes());
    put(shadow, bp::ALT_MEM_K, &alt_mem_k.to_le_bytes());
    shadow[bp::E820_ENTRIES] = n as u8;
}

/// `push_setup_data` against the shadow; returns whether it succeeded.
fn push_checked(
    p: &mut BootParams<'_>,
    shadow: &mut [u8],
    load_addr: u64,
    offset: usize,
    typ: u32,
    payload: &[u8],
) -> bool {
    let end = offset
        .checked_add(SETUP_DATA_HDR_SIZE)
        .and_then(|v| v.checked_add(payload.len()));
    let fits = end.is_some_and(|e| e <= shadow.len());
    let phys = load_addr.checked_add(offset as u64);
    let head = get_u64(shadow, bp::SETUP_DATA);
    let got = p.push_setup_data(load_addr, offset, typ, payload);
    assert_eq!(got.is_some(), fits && phys.is_some(), "push_setup_data({load_addr:#x}, {offset:#x})");
    if fits {
        put(shadow, offset, &head.to_le_bytes());
        put(shadow, offset + 8, &typ.to_le_bytes());
        put(shadow, offset + 12, &(payload.len() as u32).to_le_bytes());
        put(shadow, offset + SETUP_DATA_HDR_SIZE, payload);
        if let Some(phys) = phys {
            put(shadow, bp::SETUP_DATA, &phys.to_le_bytes());
        }
    }
    assert_same("push_setup_data", p.bytes(), shadow);
    got.is_some()
}

/// Follows `hdr.setup_data` through the entries pushed in the layout: the
/// newest first, each pointing at the one before, the oldest at `head0`.
fn walk_setup_data(p: &mut BootParams<'_>, load_addr: u64, head0: u64, pushed: &[(usize, u32, usize)]) {
    let mut next = p.get_u64(bp::SETUP_DATA);
    for &(off, typ, len) in pushed.iter().rev() {
        assert_eq!(next, load_addr + off as u64, "setup_data list");
        let b = p.bytes();
        assert_eq!(get_u32(b, off + 8), typ);
        assert_eq!(get_u32(b, off + 12) as usize, len);
        next = get_u64(b, off);
    }
    assert_eq!(next, head0, "setup_data list tail");
}
