// SPDX-License-Identifier: GPL-2.0

//! Host tests of `rust/kernel/kexec/bzimage.rs`.

use kexec_parsers::bzimage::*;

const HOST: Host = Host { la57: false };

/// A minimal image that passes probe: protocol 2.15, 64-bit, above 4G.
fn valid_image(len: usize) -> Vec<u8> {
    let mut img = vec![0u8; len];
    img[bp::SETUP_SECTS] = 1;
    img[bp::BOOT_FLAG..bp::BOOT_FLAG + 2].copy_from_slice(&0xaa55u16.to_le_bytes());
    img[bp::JUMP + 1] = 0x6a; // header ends at 0x26c
    img[bp::HEADER..bp::HEADER + 4].copy_from_slice(b"HdrS");
    img[bp::VERSION..bp::VERSION + 2].copy_from_slice(&0x020fu16.to_le_bytes());
    img[bp::LOADFLAGS] = LOADED_HIGH;
    img[bp::XLOADFLAGS..bp::XLOADFLAGS + 2]
        .copy_from_slice(&(XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G | XLF_5LEVEL).to_le_bytes());
    img[bp::CMDLINE_SIZE..bp::CMDLINE_SIZE + 4].copy_from_slice(&2047u32.to_le_bytes());
    img[bp::KERNEL_ALIGNMENT..bp::KERNEL_ALIGNMENT + 4].copy_from_slice(&0x200000u32.to_le_bytes());
    img[bp::PREF_ADDRESS..bp::PREF_ADDRESS + 8].copy_from_slice(&0x1000000u64.to_le_bytes());
    img[bp::INIT_SIZE..bp::INIT_SIZE + 4].copy_from_slice(&0x123456u32.to_le_bytes());
    img
}

#[test]
fn probe_accepts_valid_header() {
    let hdr = SetupHeader::probe(&valid_image(4096), HOST).unwrap();
    assert_eq!(hdr.version, 0x020f);
    assert_eq!(hdr.cmdline_size, 2047);
    assert_eq!(hdr.kernel_alignment, 0x200000);
    assert_eq!(hdr.pref_address, 0x1000000);
    assert_eq!(hdr.init_size, 0x123456);
    assert_eq!(hdr.declared_len, 0x26c - 0x1f1);
    assert_eq!(hdr.kern16_size(), 2 * 512);
}

#[test]
fn probe_rejects_in_c_order() {
    let img = valid_image(4096);
    assert_eq!(
        SetupHeader::probe(&img[..1023], HOST),
        Err(ProbeError::TooShort)
    );
    assert!(SetupHeader::probe(&img[..1024], HOST).is_ok());

    let mut bad = img.clone();
    bad[bp::HEADER] = b'X';
    bad[bp::BOOT_FLAG] = 0; // also bad: the magic is checked first
    assert_eq!(SetupHeader::probe(&bad, HOST), Err(ProbeError::NotBzImage));

    let mut bad = img.clone();
    bad[bp::BOOT_FLAG] = 0;
    bad[bp::VERSION] = 0; // also bad: the boot flag is checked first
    assert_eq!(
        SetupHeader::probe(&bad, HOST),
        Err(ProbeError::NoBootSector)
    );

    let mut bad = img.clone();
    bad[bp::VERSION..bp::VERSION + 2].copy_from_slice(&0x020bu16.to_le_bytes());
    assert_eq!(SetupHeader::probe(&bad, HOST), Err(ProbeError::OldProtocol));
    bad[bp::VERSION] = 0x0c;
    assert!(SetupHeader::probe(&bad, HOST).is_ok(), "2.12 is enough");

    let mut bad = img.clone();
    bad[bp::LOADFLAGS] = 0;
    assert_eq!(
        SetupHeader::probe(&bad, HOST),
        Err(ProbeError::NotLoadedHigh)
    );

    let mut bad = img.clone();
    bad[bp::XLOADFLAGS] &= !(XLF_KERNEL_64 as u8);
    assert_eq!(SetupHeader::probe(&bad, HOST), Err(ProbeError::NoKernel64));

    let mut bad = img.clone();
    bad[bp::XLOADFLAGS] &= !(XLF_CAN_BE_LOADED_ABOVE_4G as u8);
    assert_eq!(SetupHeader::probe(&bad, HOST), Err(ProbeError::Below4GOnly));

    let mut bad = img.clone();
    bad[bp::XLOADFLAGS] &= !(XLF_5LEVEL as u8);
    assert!(SetupHeader::probe(&bad, HOST).is_ok(), "4-level host");
    assert_eq!(
        SetupHeader::probe(&bad, Host { la57: true }),
        Err(ProbeError::No5Level)
    );
}

#[test]
fn probe_never_panics_on_truncation_or_flips() {
    let img = valid_image(2048);
    for len in 0..img.len() {
        let r = SetupHeader::probe(&img[..len], HOST);
        assert_eq!(r.is_ok(), len >= 1024, "len {len}");
    }
    for off in 0x1f0..0x270 {
        for bit in 0..8 {
            let mut m = img.clone();
            m[off] ^= 1 << bit;
            if let Ok(hdr) = SetupHeader::probe(&m, HOST) {
                let _ = kernel_range(&hdr, m.len());
                let mut params = vec![0u8; BOOT_PARAMS_SIZE];
                let mut p = BootParams::new(&mut params).unwrap();
                assert!(p.copy_setup_header(&m, &hdr).is_some());
            }
        }
    }
}

#[test]
fn setup_sects_zero_means_four() {
    let mut img = valid_image(4096);
    img[bp::SETUP_SECTS] = 0;
    assert_eq!(
        SetupHeader::probe(&img, HOST).unwrap().kern16_size(),
        5 * 512
    );
    img[bp::SETUP_SECTS] = 255;
    let hdr = SetupHeader::probe(&img, HOST).unwrap();
    assert_eq!(hdr.kern16_size(), 256 * 512);
    assert_eq!(kernel_range(&hdr, 4096), Err(LoadError::Truncated));
    assert_eq!(kernel_range(&hdr, 256 * 512), Ok(256 * 512..256 * 512));
}

#[test]
fn cmdline_limits_match_c() {
    let hdr = SetupHeader::probe(&valid_image(4096), HOST).unwrap();
    // cmdline_len counts the NUL; 30 bytes are kept for elfcorehdr=.
    assert_eq!(check_cmdline(&hdr, 0), Ok(()));
    assert_eq!(check_cmdline(&hdr, 2017), Ok(()));
    assert_eq!(
        check_cmdline(&hdr, 2018),
        Err(LoadError::CmdlineNoRoomForElfcorehdr)
    );
    assert_eq!(
        check_cmdline(&hdr, 2047),
        Err(LoadError::CmdlineNoRoomForElfcorehdr)
    );
    assert_eq!(check_cmdline(&hdr, 2048), Err(LoadError::CmdlineTooLong));
    assert_eq!(
        check_cmdline(&hdr, usize::MAX),
        Err(LoadError::CmdlineTooLong)
    );
    assert_eq!(LoadError::CmdlineTooLong.errno().name(), "EINVAL");
    assert_eq!(LoadError::Truncated.errno().name(), "ENOEXEC");
}

#[test]
fn params_layout_matches_c_formula() {
    // C: ALIGN(4096 + cmdline_len + 30, 16) + ALIGN(efi_map_sz, 16)
    //    + 16 + 96 (EFI setup_data) + 16 + 32 (RNG seed) [+ 16 + 16 IMA]
    for &(cl, efi, ima) in &[
        (0usize, 0usize, false),
        (1, 0, false),
        (2017, 0, false),
        (100, 48 * 3, true),
    ] {
        let l = ParamsLayout::new(cl, efi, ima).unwrap();
        let a16 = |v: usize| (v + 15) & !15;
        let pc = a16(4096 + cl + 30);
        assert_eq!(l.cmdline_offset, 4096);
        assert_eq!(l.efi_map_offset, pc);
        assert_eq!(l.setup_data_offset, pc + a16(efi));
        assert_eq!(l.size, pc + a16(efi) + 112 + 48 + if ima { 32 } else { 0 });
    }
    assert_eq!(ParamsLayout::new(usize::MAX - 10, 0, false), None);
    assert_eq!(ParamsLayout::new(0, usize::MAX, false), None);
}

#[test]
fn cmdline_and_initrd_fields() {
    let mut buf = vec![0u8; 8192];
    let mut p = BootParams::new(&mut buf).unwrap();
    p.set_cmdline(0x1_2345_6000, 4096, b"", b"console=ttyS0\0")
        .unwrap();
    p.set_initrd(0x2_0000_1000, 0x1_0000_0010);
    let b = p.bytes();
    assert_eq!(&b[4096..4096 + 14], b"console=ttyS0\0");
    assert_eq!(read_u32(b, bp::CMD_LINE_PTR), Some(0x2345_7000));
    assert_eq!(read_u32(b, bp::EXT_CMD_LINE_PTR), Some(1));
    assert_eq!(read_u32(b, bp::RAMDISK_IMAGE), Some(0x1000));
    assert_eq!(read_u32(b, bp::EXT_RAMDISK_IMAGE), Some(2));
    assert_eq!(read_u32(b, bp::RAMDISK_SIZE), Some(0x10));
    assert_eq!(read_u32(b, bp::EXT_RAMDISK_SIZE), Some(1));

    // No command line at all: nothing is written but the pointer.
    let mut buf = vec![0u8; 8192];
    let mut p = BootParams::new(&mut buf).unwrap();
    p.set_cmdline(0x3000, 4096, b"", b"").unwrap();
    assert!(p.bytes()[4000..].iter().all(|&x| x == 0));
    assert_eq!(read_u32(p.bytes(), bp::CMD_LINE_PTR), Some(0x4000));
    // One that does not fit is refused, not written past the end.
    assert_eq!(p.set_cmdline(0x3000, 8190, b"", b"abcd\0"), None);
    assert_eq!(BootParams::new(&mut [0u8; 4095]).map(|_| ()), None);
}

#[test]
fn e820_and_memory_size() {
    let mut buf = vec![0u8; 4096];
    let mut p = BootParams::new(&mut buf).unwrap();
    let map = [
        (0u64, 0x9fc00u64, 1u32),
        (0xf0000, 0x10000, 2),
        (0x100000, 0x1ff00000, 1),
    ];
    assert_eq!(p.set_e820(map.iter().copied()), 3);
    let b = p.bytes();
    assert_eq!(b[bp::E820_ENTRIES], 3);
    let e = bp::E820_TABLE + 2 * E820_ENTRY_SIZE;
    assert_eq!(read_u64(b, e), Some(0x100000));
    assert_eq!(read_u64(b, e + 8), Some(0x1ff00000));
    assert_eq!(read_u32(b, e + 16), Some(1));
    // end = 0x1fffffff; (end >> 10) - 1024 = 523263 KiB, capped at 0xfc00.
    assert_eq!(read_u16(b, bp::EXT_MEM_K), Some(0xfc00));
    assert_eq!(read_u32(b, bp::ALT_MEM_K), Some(523263));

    // A zero-sized RAM entry at 0 ends at 2^64 - 1 with C's arithmetic, so
    // it counts as covering 1 MiB and caps both sizes; kept for parity.
    assert_eq!(p.set_e820([(0u64, 0u64, 1u32)].into_iter()), 1);
    assert_eq!(read_u32(p.bytes(), bp::ALT_MEM_K), Some(0xffff_ffff));
    assert_eq!(read_u16(p.bytes(), bp::EXT_MEM_K), Some(0xfc00));

    // More than 128 entries: the first 128 are kept, as C does.
    let many = (0..200u64).map(|i| (i << 20, 1 << 20, 2u32));
    assert_eq!(p.set_e820(many), 128);
    assert_eq!(p.bytes()[bp::E820_ENTRIES], 128);
}

#[test]
fn setup_data_list() {
    let mut buf = vec![0u8; 4096 + 256];
    let mut p = BootParams::new(&mut buf).unwrap();
    p.put_u64(bp::SETUP_DATA, 0xdead_0000);
    p.push_setup_data(0x10_0000, 4096, SETUP_RNG_SEED, &[7u8; RNG_SEED_LENGTH])
        .unwrap();
    let b = p.bytes();
    assert_eq!(read_u64(b, bp::SETUP_DATA), Some(0x10_1000));
    assert_eq!(read_u64(b, 4096), Some(0xdead_0000));
    assert_eq!(read_u32(b, 4104), Some(SETUP_RNG_SEED));
    assert_eq!(read_u32(b, 4108), Some(32));
    assert_eq!(&b[4112..4144], &[7u8; 32]);
    assert_eq!(
        p.push_setup_data(0, 4096 + 250, SETUP_RNG_SEED, &[0u8; 32]),
        None
    );
}

#[test]
fn declared_header_length_is_copied_as_c_does() {
    let mut img = valid_image(1024);
    img[bp::JUMP + 1] = 0xff;
    for (i, b) in img[0x1f1..0x301].iter_mut().enumerate().skip(0x80) {
        *b = i as u8;
    }
    let hdr = SetupHeader::probe(&img, HOST).unwrap();
    assert_eq!(hdr.declared_len, 0x202 + 0xff - 0x1f1);
    let mut buf = vec![0u8; 4096];
    let mut p = BootParams::new(&mut buf).unwrap();
    p.copy_setup_header(&img, &hdr).unwrap();
    assert_eq!(&p.bytes()[0x1f1..0x301], &img[0x1f1..0x301]);
    assert!(p.bytes()[0x301..].iter().all(|&x| x == 0));
}

#[test]
fn error_messages_are_the_c_ones() {
    assert_eq!(ProbeError::NotBzImage.message(), "Not a bzImage");
    assert_eq!(
        ProbeError::TooShort.message(),
        "File is too short to be a bzImage"
    );
    assert_eq!(LoadError::Truncated.message(), "bzImage truncated");
    assert_eq!(
        LoadError::CmdlineTooLong.message(),
        "Kernel command line too long"
    );
}

#[test]
fn kernel_memsz_wraps_like_c_page_align() {
    let mut img = valid_image(4096);
    for (init, want) in [
        (0u32, 0usize),
        (1, 4096),
        (4096, 4096),
        (0x123456, 0x124000),
        (0xffff_f000, 0xffff_f000),
        // C's PAGE_ALIGN() on the u32 field wraps to 0.
        (0xffff_f001, 0),
        (0xffff_ffff, 0),
    ] {
        img[bp::INIT_SIZE..bp::INIT_SIZE + 4].copy_from_slice(&init.to_le_bytes());
        let hdr = SetupHeader::probe(&img, HOST).unwrap();
        assert_eq!(hdr.kernel_memsz(4096), want, "init_size {init:#x}");
    }
}

#[test]
fn unbootable_images_are_refused_in_order() {
    // 1024 bytes of setup code, then a 4096-byte payload (syssize 256).
    let mut img = valid_image(1024 + 4096);
    img[bp::SYSSIZE..bp::SYSSIZE + 4].copy_from_slice(&256u32.to_le_bytes());
    let hdr = |img: &[u8]| SetupHeader::probe(img, Host::default()).unwrap();
    assert_eq!(check_bootable(&hdr(&img), img.len()), Ok(()));
    // A signature appended after the payload is fine.
    assert_eq!(check_bootable(&hdr(&img), img.len() + 2048), Ok(()));
    // The file cut anywhere in the payload, or before it.
    for len in [0, 1024, 1025, 1024 + 4095] {
        let e = check_bootable(&hdr(&img), len).unwrap_err();
        assert_eq!(e, LoadError::PayloadTruncated { have: len.saturating_sub(1024) as u64, need: 4096 });
        assert_eq!(e.errno().name(), "ENOEXEC");
        assert!(e.to_string().contains("syssize declares 4096 bytes"), "{e}");
    }
    // syssize 0: no payload to check (C's own checks decide).
    img[bp::SYSSIZE..bp::SYSSIZE + 4].copy_from_slice(&0u32.to_le_bytes());
    assert_eq!(check_bootable(&hdr(&img), 1024), Ok(()));
    img[bp::SYSSIZE..bp::SYSSIZE + 4].copy_from_slice(&256u32.to_le_bytes());
    // Alignments: every power of two is fine, anything else refused.
    for a in [1u32, 0x1000, 0x200000, 0x8000_0000] {
        img[bp::KERNEL_ALIGNMENT..bp::KERNEL_ALIGNMENT + 4].copy_from_slice(&a.to_le_bytes());
        assert_eq!(check_bootable(&hdr(&img), img.len()), Ok(()), "{a:#x}");
    }
    for a in [0u32, 3, 0x300000, 0xffff_ffff, 0xffff_f000] {
        img[bp::KERNEL_ALIGNMENT..bp::KERNEL_ALIGNMENT + 4].copy_from_slice(&a.to_le_bytes());
        let e = check_bootable(&hdr(&img), img.len()).unwrap_err();
        assert_eq!(e, LoadError::BadKernelAlignment { alignment: a });
        assert_eq!(e.errno().name(), "EINVAL");
        assert_eq!(e.to_string(), format!("kernel_alignment is not a power of two: {a:#x}"));
    }
    img[bp::KERNEL_ALIGNMENT..bp::KERNEL_ALIGNMENT + 4].copy_from_slice(&0x200000u32.to_le_bytes());
    // init_size: the payload's size is enough, a byte less is not.
    img[bp::INIT_SIZE..bp::INIT_SIZE + 4].copy_from_slice(&4096u32.to_le_bytes());
    assert_eq!(check_bootable(&hdr(&img), img.len()), Ok(()));
    img[bp::INIT_SIZE..bp::INIT_SIZE + 4].copy_from_slice(&4095u32.to_le_bytes());
    assert_eq!(
        check_bootable(&hdr(&img), img.len()),
        Err(LoadError::InitSizeTooSmall { init_size: 4095, payload: 4096 })
    );
    // The order: a truncated payload first, then the alignment.
    img[bp::KERNEL_ALIGNMENT..bp::KERNEL_ALIGNMENT + 4].copy_from_slice(&3u32.to_le_bytes());
    assert!(matches!(check_bootable(&hdr(&img), 1024), Err(LoadError::PayloadTruncated { .. })));
    assert!(matches!(check_bootable(&hdr(&img), img.len()), Err(LoadError::BadKernelAlignment { .. })));
}

#[test]
fn efi_ima_rng_chain_in_c_order() {
    // The params segment of a load on an EFI machine with IMA_KEXEC: the
    // runtime map after the command line, then the EFI, IMA and RNG slots;
    // each entry is linked at the head, so the list runs RNG, IMA, EFI.
    let map = 48 * 7;
    let l = ParamsLayout::new(20, map, true).unwrap();
    let load = 0x7fe0_0000u64;
    let mut buf = vec![0u8; l.size];
    let mut cur = [0u8; BOOT_PARAMS_SIZE];
    cur[bp::SECURE_BOOT] = 3;
    cur[bp::EFI_SYSTAB..bp::EFI_SYSTAB + 4].copy_from_slice(&0x7fb1_6018u32.to_le_bytes());
    cur[bp::EFI_MEMDESC_VERSION] = 1;
    let mut p = BootParams::new(&mut buf).unwrap();
    p.set_efi_info(&cur, 48, Some((load + l.efi_map_offset as u64, map as u32)));
    let efi = l.setup_data_offset;
    let ima = efi + SETUP_DATA_HDR_SIZE + EFI_SETUP_DATA_SIZE;
    let rng = ima + SETUP_DATA_HDR_SIZE + IMA_SETUP_DATA_SIZE;
    p.push_setup_data(load, efi, SETUP_EFI, &efi_setup_data(1, 2, 3)).unwrap();
    p.push_setup_data(load, ima, SETUP_IMA, &ima_setup_data(0x7000_0000, 0x2000)).unwrap();
    p.push_setup_data(load, rng, SETUP_RNG_SEED, &[9u8; RNG_SEED_LENGTH]).unwrap();
    let b = p.bytes();
    assert_eq!(rng + SETUP_DATA_HDR_SIZE + RNG_SEED_LENGTH, l.size);
    assert_eq!(b[bp::SECURE_BOOT], 3);
    assert_eq!(read_u32(b, bp::EFI_SYSTAB), Some(0x7fb1_6018));
    assert_eq!(read_u32(b, bp::EFI_MEMDESC_VERSION), Some(1));
    assert_eq!(read_u32(b, bp::EFI_MEMMAP), Some((load as u32) + l.efi_map_offset as u32));
    assert_eq!(read_u32(b, bp::EFI_MEMMAP_SIZE), Some(map as u32));
    let mut order = vec![];
    let mut next = read_u64(b, bp::SETUP_DATA).unwrap();
    while next != 0 {
        let off = (next - load) as usize;
        order.push((read_u32(b, off + 8).unwrap(), read_u32(b, off + 12).unwrap()));
        next = read_u64(b, off).unwrap();
    }
    assert_eq!(order, [(SETUP_RNG_SEED, 32), (SETUP_IMA, 16), (SETUP_EFI, 96)]);
    assert_eq!(read_u64(b, ima + 16), Some(0x7000_0000));
    assert_eq!(read_u64(b, ima + 24), Some(0x2000));
    assert_eq!(read_u64(b, efi + 16 + 16), Some(2));
}

#[test]
fn serial_console_port_of_command_lines() {
    use kexec_parsers::bzimage::serial_console_port as port;
    let cases: &[(&[u8], Option<u16>)] = &[
        (b"", None),
        (b"console=ttyS0", Some(0x3f8)),
        (b"root=/dev/sda console=ttyS1,115200n8", Some(0x2f8)),
        (b"console=ttyS2", Some(0x3e8)),
        (b"console=ttyS3", Some(0x2e8)),
        (b"console=ttyS4", None),
        (b"console=ttyS10", None),
        (b"console=ttyS", None),
        (b"console=tty0", None),
        (b"console=tty0 console=ttyS0", Some(0x3f8)),
        (b"earlyprintk=serial", Some(0x3f8)),
        (b"earlyprintk=serial,ttyS1,115200", Some(0x2f8)),
        (b"earlyprintk=ttyS2", Some(0x3e8)),
        (b"earlyprintk=vga", None),
        (b"earlycon=uart8250,io,0x3f8,115200n8", Some(0x3f8)),
        (b"console=uart,io,0x2e8", Some(0x2e8)),
        (b"earlycon=uart8250,mmio,0xfe000000", None),
        (b"earlycon=uart8250,io,0x", None),
        (b"earlycon=uart8250,io,0x0", None),
        (b"earlycon=uart8250,io,0xfffff", None),
        (b"earlycon=uart8250,io,0xzz", None),
        (b"console=ttyS0\0", Some(0x3f8)),
        (b"quiet\0console=ttyS0", None),
        (b"\tconsole=ttyS1\n", Some(0x2f8)),
        // Only the four standard 8250 ports: the command line is not signed,
        // and the purgatory writes to the port it is given.
        (b"console=uart,io,0xcf9", None),
        (b"earlycon=uart8250,io,0x64", None),
        (b"earlycon=uart,io,0x3f9", None),
        (b"console=uart,io,0x3e8,115200", Some(0x3e8)),
        (b"console=uart,io,0xcf9 console=ttyS1", Some(0x2f8)),
    ];
    for &(cmdline, want) in cases {
        assert_eq!(
            port(cmdline),
            want,
            "{:?}",
            String::from_utf8_lossy(cmdline)
        );
    }
}
