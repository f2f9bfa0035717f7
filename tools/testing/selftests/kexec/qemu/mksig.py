#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Signed, unsigned, tampered and malformed PE images for the signed-kexec cases.

    mksig.py BZIMAGE KEYDIR OUTDIR [DBKEY]

BZIMAGE must be built with EFI_STUB (a PE file).  KEYDIR holds trusted.{key,crt}
(built into the kernel) and untrusted.{key,crt}.  Writes OUTDIR/<name> and
OUTDIR/MANIFEST lines "<name> <errno name under KEXEC_SIG_FORCE> <what it is>".
DBKEY (DBKEY.key and DBKEY.pem): a key of the firmware's Secure Boot db,
which the kernel knows only through its platform keyring: db_signed and
db_tampered are signed with it.
"""

import os
import struct
import subprocess
import sys

from imageset import ImageSet


def sbsign(src, key, cert, dst):
    subprocess.run(["sbsign", "--key", key, "--cert", cert, "--output", dst, src],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def secdir_offset(img):
    """File offset of the security data directory entry (PE32+)."""
    pe = struct.unpack_from("<I", img, 0x3c)[0]
    if img[pe:pe + 4] != b"PE\0\0":
        raise SystemExit("mksig: not a PE file (build with CONFIG_EFI_STUB)")
    opt = pe + 24
    magic = struct.unpack_from("<H", img, opt)[0]
    if magic != 0x20b:
        raise SystemExit(f"mksig: PE optional header magic {magic:#x}, expected PE32+")
    return opt + 112 + 4 * 8


def main(src, keys, out, db=None):
    images = ImageSet(out)
    put = images.put

    signed_path = os.path.join(out, "signed")
    sbsign(src, f"{keys}/trusted.key", f"{keys}/trusted.crt", signed_path)
    images.add("signed", "OK", "signed by the trusted key")
    sbsign(src, f"{keys}/untrusted.key", f"{keys}/untrusted.crt", os.path.join(out, "untrusted"))
    images.add("untrusted", "ENOKEY", "signed by a key the kernel does not trust")
    put("unsigned", open(src, "rb").read(), "ENODATA", "no signature")

    signed = bytearray(open(signed_path, "rb").read())
    sd = secdir_offset(signed)
    va, size = struct.unpack_from("<II", signed, sd)

    t = bytearray(signed)
    t[len(t) // 2] ^= 0x01
    put("tampered", t, "EKEYREJECTED", "one bit flipped in the middle of the signed range")

    # (name, struct format, offset, value, errno, why): one field rewritten.
    for name, fmt, off, val, err, why in [
        ("secdir_past_end", "<I", sd, len(signed), "ELIBBAD",
         "security directory starts at the end of the file"),
        ("secdir_too_long", "<I", sd + 4, size + 4096, "ELIBBAD",
         "security directory runs past the end of the file"),
        ("secdir_zero_size", "<I", sd + 4, 0, "ENODATA", "zero-length certificate table"),
        ("secdir_size_4", "<I", sd + 4, 4, "ELIBBAD", "certificate table shorter than its wrapper"),
        ("cert_type_x509", "<H", va + 6, 0x0001, "ENOTSUPP",
         "WIN_CERTIFICATE type X.509 instead of PKCS#7"),
        ("cert_revision_1", "<H", va + 4, 0x0100, "ENOTSUPP", "WIN_CERTIFICATE revision 1.0"),
    ]:
        t = bytearray(signed)
        struct.pack_into(fmt, t, off, val)
        put(name, t, err, why)

    t = bytearray(signed)
    t[va + 8] = 0x31
    put("not_pkcs7", t, "ELIBBAD", "certificate does not start with an ASN.1 SEQUENCE")

    t = bytearray(signed)
    wlen = struct.unpack_from("<I", t, va)[0]
    for i in range(va + 8 + 4, va + wlen):
        t[i] = 0xa5
    put("garbage_pkcs7", t, "EBADMSG", "PKCS#7 body replaced by garbage, lengths kept")

    # Signed by the trusted key, then made what C's digest stage takes on
    # trust: no sections, a section's raw data past the end of the file.
    # Not in MANIFEST: C's loader oopses or reads past the buffer on them
    # (pe_sections_refused loads them on the debug kernel).
    pe = struct.unpack_from("<I", signed, 0x3c)[0]
    t = bytearray(signed)
    struct.pack_into("<H", t, pe + 6, 0)
    open(os.path.join(out, "no_sections"), "wb").write(t)
    opt_size = struct.unpack_from("<H", signed, pe + 20)[0]
    first = pe + 24 + opt_size
    t = bytearray(signed)
    struct.pack_into("<II", t, first + 16, 0x100000, len(t) - 0x100)
    open(os.path.join(out, "section_past_end"), "wb").write(t)

    if db:
        path = os.path.join(out, "db_signed")
        sbsign(src, f"{db}.key", f"{db}.pem", path)
        images.add("db_signed", "OK", "signed by the firmware's db key (platform keyring)")
        t = bytearray(open(path, "rb").read())
        t[len(t) // 2] ^= 0x01
        put("db_tampered", t, "EKEYREJECTED", "db-signed, one bit flipped in the middle")

    images.write_index("MANIFEST")


if __name__ == "__main__":
    main(*sys.argv[1:4], db=sys.argv[4] if len(sys.argv) > 4 else None)
