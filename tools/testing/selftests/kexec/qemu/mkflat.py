#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The sample loader's image: flat/hello.s assembled, behind a KXFLAT64 header.

    mkflat.py OUTDIR

Writes OUTDIR/image and OUTDIR/nonce_offset (where in the image the 16
characters of the nonce go).  Needs as and objcopy (binutils).
"""

import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = 32


def main(out):
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        obj, binf = os.path.join(tmp, "hello.o"), os.path.join(tmp, "hello.bin")
        subprocess.run(["as", "--64", "-o", obj, os.path.join(HERE, "flat", "hello.s")], check=True)
        subprocess.run(["objcopy", "-O", "binary", "-j", ".text", obj, binf], check=True)
        prog = open(binf, "rb").read()
    at = prog.find(b"X" * 16)
    if at < 0:
        raise SystemExit("mkflat: no nonce slot in the program")
    header = b"KXFLAT64" + struct.pack("<IIQQ", HEADER, 0, 0, 0x1000)
    with open(os.path.join(out, "image"), "wb") as f:
        f.write(header + prog)
    with open(os.path.join(out, "nonce_offset"), "w") as f:
        f.write(f"{HEADER + at}\n")


if __name__ == "__main__":
    main(sys.argv[1])
