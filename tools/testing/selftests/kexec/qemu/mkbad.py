#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Malformed bzImages for kexec_malformed_errno, made from a real one.

    mkbad.py BZIMAGE OUTDIR

Writes OUTDIR/<name> for each case and OUTDIR/MANIFEST with lines
"<name> <errno name the C loader gives> <what is wrong>"; and in
OUTDIR/../unbootable the images C loads but cannot boot, which the Rust
loader refuses, with OUTDIR/../unbootable/MANIFEST lines
"<name> <C result> <Rust errno> <what is wrong>".
"""

import os

import struct
import sys

from imageset import ImageSet


def main(src, out):
    img = bytearray(open(src, "rb").read())
    setup_sects = img[0x1f1] or 4
    kern16 = (setup_sects + 1) * 512
    images = ImageSet(out)
    put = images.put

    def patched(off, fmt, value, length=None):
        b = bytearray(img if length is None else img[:length])
        struct.pack_into(fmt, b, off, value)
        return b

    put("trunc_in_setup_header", img[:0x230], "ENOEXEC",
        "file ends inside the setup header (shorter than two sectors)")
    put("trunc_1023", img[:1023], "ENOEXEC", "one byte short of two sectors")
    put("empty_header_magic", patched(0x202, "<I", 0), "ENOEXEC", "no HdrS magic")
    put("bad_magic", patched(0x202, "4s", b"HdrT"), "ENOEXEC", "HdrT instead of HdrS")
    put("no_boot_flag", patched(0x1fe, "<H", 0x55aa), "ENOEXEC", "boot_flag byte-swapped")
    put("protocol_2_11", patched(0x206, "<H", 0x020b), "ENOEXEC", "boot protocol 2.11")
    put("protocol_1_00", patched(0x206, "<H", 0x0100), "ENOEXEC", "boot protocol 1.00")
    put("not_loaded_high", patched(0x211, "B", img[0x211] & ~1), "ENOEXEC",
        "LOADED_HIGH clear (zImage)")
    xlf = struct.unpack_from("<H", img, 0x236)[0]
    put("no_kernel_64", patched(0x236, "<H", xlf & ~1), "ENOEXEC", "XLF_KERNEL_64 clear")
    put("no_above_4g", patched(0x236, "<H", xlf & ~2), "ENOEXEC",
        "XLF_CAN_BE_LOADED_ABOVE_4G clear")
    put("setup_sects_past_end", patched(0x1f1, "B", 255, length=64 * 1024), "ENOEXEC",
        "setup_sects 255 in a 64 KiB file")
    put("shorter_than_setup", img[:kern16 - 1], "ENOEXEC",
        "one byte shorter than its own setup code")
    put("header_len_0xff", patched(0x201, "B", 0xff), "OK",
        "setup header declared 272 bytes long (copied as declared)")

    images.write_index("MANIFEST")

    syssize = struct.unpack_from("<I", img, 0x1f4)[0]
    payload = syssize * 16
    ub = ImageSet(os.path.join(out, "..", "unbootable"))
    ub.put("payload_cut", img[:kern16 + payload - 4096], "OK", "ENOEXEC",
           "the file ends 4 KiB before the payload syssize declares")
    ub.put("setup_only", img[:kern16], "OK", "ENOEXEC",
           "exactly its setup code: no payload at all")
    ub.put("alignment_3m", patched(0x230, "<I", 0x300000), "OK", "EINVAL",
           "kernel_alignment 3 MiB, not a power of two")
    ub.put("alignment_0", patched(0x230, "<I", 0), "OK", "EINVAL", "kernel_alignment 0")
    ub.put("init_size_small", patched(0x260, "<I", payload - 16), "OK", "EINVAL",
           "init_size 16 bytes smaller than the payload (the page rounding lets C load it)")
    ub.write_index("MANIFEST")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
