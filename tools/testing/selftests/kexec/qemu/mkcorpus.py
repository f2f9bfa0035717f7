#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The malformed-image corpus for kexec_corpus_errno, made from a real bzImage.

    mkcorpus.py BZIMAGE OUTDIR

Every image starts from the real one cut to its setup code plus 64 KiB of
kernel, with syssize saying 64 KiB and init_size lowered to 256 KiB (a load
allocates init_size bytes of pages; the images are loaded, never run, so
this keeps 1,600 loads quick under KASAN while every loader path is still
taken):

  trunc_*   cut at every setup header field boundary and around the setup code
  field_*   each setup header field set to its boundary values
  flip_*    each byte of the setup header, and of the MZ/PE headers, inverted
  big_*     sizes that overflow 32 and 64 bits in combination

Writes OUTDIR/<name> and OUTDIR/LIST with one name a line.
"""

import struct
import sys

from imageset import ImageSet

# (name, offset, size) of struct setup_header, Documentation/arch/x86/boot.rst
FIELDS = [
    ("setup_sects", 0x1f1, 1), ("root_flags", 0x1f2, 2), ("syssize", 0x1f4, 4),
    ("ram_size", 0x1f8, 2), ("vid_mode", 0x1fa, 2), ("root_dev", 0x1fc, 2),
    ("boot_flag", 0x1fe, 2), ("jump", 0x200, 2), ("header", 0x202, 4),
    ("version", 0x206, 2), ("realmode_swtch", 0x208, 4), ("start_sys_seg", 0x20c, 2),
    ("kernel_version", 0x20e, 2), ("type_of_loader", 0x210, 1), ("loadflags", 0x211, 1),
    ("setup_move_size", 0x212, 2), ("code32_start", 0x214, 4), ("ramdisk_image", 0x218, 4),
    ("ramdisk_size", 0x21c, 4), ("bootsect_kludge", 0x220, 4), ("heap_end_ptr", 0x224, 2),
    ("ext_loader_ver", 0x226, 1), ("ext_loader_type", 0x227, 1), ("cmd_line_ptr", 0x228, 4),
    ("initrd_addr_max", 0x22c, 4), ("kernel_alignment", 0x230, 4),
    ("relocatable_kernel", 0x234, 1), ("min_alignment", 0x235, 1), ("xloadflags", 0x236, 2),
    ("cmdline_size", 0x238, 4), ("hardware_subarch", 0x23c, 4),
    ("hardware_subarch_data", 0x240, 8), ("payload_offset", 0x248, 4),
    ("payload_length", 0x24c, 4), ("setup_data", 0x250, 8), ("pref_address", 0x258, 8),
    ("init_size", 0x260, 4), ("handover_offset", 0x264, 4), ("kernel_info_offset", 0x268, 4),
]
FMT = {1: "<B", 2: "<H", 4: "<I", 8: "<Q"}


def boundary_values(size):
    top = (1 << (8 * size)) - 1
    vals = {0, 1, top, top - 1, 1 << (8 * size - 1), (1 << (8 * size - 1)) - 1}
    if size >= 4:
        vals |= {0x1000, 0xfffff000 & top, 0x80000000 & top}
    if size == 8:
        vals |= {1 << 32, (1 << 32) - 1}
    return sorted(vals)


def main(src, out):
    full = open(src, "rb").read()
    sects = full[0x1f1] or 4
    kern16 = (sects + 1) * 512
    base = bytearray(full[:kern16 + 64 * 1024])
    struct.pack_into("<I", base, 0x1f4, 64 * 1024 // 16)
    struct.pack_into("<I", base, 0x260, 256 << 10)
    images = ImageSet(out)
    put = images.put

    put("base", base)
    cuts = {0, 1, 2, 0x1f1, 0x3c, 0x40, 511, 512, 1023, 1024, kern16 - 1, kern16, kern16 + 1}
    for _, off, size in FIELDS:
        cuts |= {off, off + size}
    for n in sorted(cuts):
        put(f"trunc_{n:05x}", base[:n])

    for fname, off, size in FIELDS:
        for v in boundary_values(size):
            b = bytearray(base)
            struct.pack_into(FMT[size], b, off, v)
            put(f"field_{fname}_{v:x}", b)

    for off in range(0x1f1, 0x26c):
        b = bytearray(base)
        b[off] ^= 0xff
        put(f"flip_hdr_{off:03x}", b)
    # MZ header, and the PE/COFF headers when the image has an EFI stub.
    pe = struct.unpack_from("<I", base, 0x3c)[0]
    pe_range = range(pe, pe + 24 + 112 + 16 * 8) if base[pe:pe + 4] == b"PE\0\0" else range(0)
    for off in list(range(0, 0x40)) + list(pe_range):
        if 0x1f1 <= off < 0x26c or off >= len(base):
            continue
        b = bytearray(base)
        b[off] ^= 0xff
        put(f"flip_pe_{off:03x}", b)

    combos = [
        ("init_size_max_pref_max", [(0x260, 4, 0xffffffff), (0x258, 8, (1 << 64) - 1)]),
        ("align_max_init_max", [(0x230, 4, 0x80000000), (0x260, 4, 0xffffffff)]),
        ("align_3", [(0x230, 4, 3)]),
        ("pref_top_4g", [(0x258, 8, 0xfffff000)]),
        ("pref_top_64", [(0x258, 8, (1 << 64) - 0x1000)]),
        ("sects_max_cmdline_0", [(0x1f1, 1, 0xff), (0x238, 4, 0)]),
        ("header_len_max", [(0x201, 1, 0xff)]),
        ("header_len_0", [(0x201, 1, 0x00)]),
    ]
    for name, sets in combos:
        b = bytearray(base)
        for off, size, v in sets:
            struct.pack_into(FMT[size], b, off, v)
        put(f"big_{name}", b)

    n = images.write_index("LIST")
    print(f"corpus: {n} images in {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
