#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unified Kernel Images for the UKI cases, from a test kernel.

    mkuki.py BZIMAGE INITRD PAYLOAD_SHA256 KEYDIR OUTDIR [DBKEY]

Adds .osrel, .cmdline, .linux (BZIMAGE) and .initrd (INITRD) to the EFI
stub of Debian's systemd-boot-efi with objcopy, as systemd documents, and
signs the result with sbsign.  The embedded command line boots stage 2 of
the test guests with a nonce made here (OUTDIR/nonce) and the initrd's
payload checksum.  Writes into OUTDIR:

  unsigned, signed (KEYDIR/trusted), db_signed (DBKEY.{key,pem}, if given)
  tampered_linux, tampered_initrd, tampered_cmdline: signed, then one bit
      flipped in the middle of that section
  malformed ones (unsigned), listed with the errno and the reason the
      loader gives in OUTDIR/MANIFEST ("<name> <errno> <reason>")
"""

import os
import secrets
import struct
import subprocess
import sys
import tempfile

STUB = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"
ALIGN = 0x1000


def sbsign(src, key, cert, dst):
    subprocess.run(["sbsign", "--key", key, "--cert", cert, "--output", dst, src],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stub_end():
    """First address after the stub's sections (what objdump -h shows)."""
    out = subprocess.run(["objdump", "-h", STUB], check=True, capture_output=True, text=True).stdout
    end = 0
    for line in out.splitlines():
        w = line.split()
        if len(w) == 7 and w[0].isdigit():
            end = max(end, int(w[3], 16) + int(w[2], 16))
    return end


def build(out, sections):
    """objcopy the stub with `sections` [(name, bytes)] at increasing VMAs."""
    vma = (stub_end() + ALIGN - 1) & ~(ALIGN - 1)
    args = ["objcopy"]
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in sections:
            path = os.path.join(tmp, name.lstrip("."))
            with open(path, "wb") as f:
                f.write(data)
            args += ["--add-section", f"{name}={path}", "--change-section-vma", f"{name}={vma:#x}"]
            vma = (vma + len(data) + ALIGN - 1) & ~(ALIGN - 1)
        subprocess.run(args + [STUB, out], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def section_table(img):
    """{name: (header offset, virtual size, raw size, file offset)}."""
    pe = struct.unpack_from("<I", img, 0x3C)[0]
    n, opt_size = struct.unpack_from("<H", img, pe + 6)[0], struct.unpack_from("<H", img, pe + 20)[0]
    table = pe + 24 + opt_size
    secs = {}
    for i in range(n):
        h = table + 40 * i
        name = img[h:h + 8].rstrip(b"\0").decode()
        vsize, _, raw, at = struct.unpack_from("<IIII", img, h + 8)
        secs[name] = (h, vsize, raw, at)
    return secs, pe + 24


def main(kernel, initrd, payload, keys, out, db=None):
    os.makedirs(out, exist_ok=True)
    nonce = secrets.token_hex(8)
    with open(os.path.join(out, "nonce"), "w") as f:
        f.write(nonce + "\n")
    cmdline = f"console=ttyS0 panic=-1 kt.stage=2 kt.nonce={nonce} kt.payload={payload} kt.test=uki\0"
    osrel = b'ID=kexec-rs\nNAME="kexec-rs test UKI"\n'
    linux, rd = open(kernel, "rb").read(), open(initrd, "rb").read()

    def parts(cmd=cmdline.encode(), initrd=rd):
        return [(".osrel", osrel), (".cmdline", cmd), (".linux", linux), (".initrd", initrd)]

    p = lambda name: os.path.join(out, name)
    build(p("unsigned"), parts())
    sbsign(p("unsigned"), f"{keys}/trusted.key", f"{keys}/trusted.crt", p("signed"))
    if db:
        sbsign(p("unsigned"), f"{db}.key", f"{db}.pem", p("db_signed"))

    signed = open(p("signed"), "rb").read()
    secs, _ = section_table(signed)
    for s in ("linux", "initrd", "cmdline"):
        _, vsize, _, at = secs["." + s]
        t = bytearray(signed)
        t[at + vsize // 2] ^= 0x01
        open(p(f"tampered_{s}"), "wb").write(t)

    # The malformed ones are only loaded: a 4 KiB .initrd keeps them small.
    manifest = []
    build(p("small"), parts(initrd=rd[:4096]))
    base = open(p("small"), "rb").read()
    os.unlink(p("small"))
    secs, opt = section_table(base)

    def variant(name, errno, reason, edit):
        img = bytearray(base)
        edit(img)
        open(p(name), "wb").write(img)
        manifest.append(f"{name} {errno} {reason}")

    h_linux, vs_linux, _, at_linux = secs[".linux"]
    h_initrd = secs[".initrd"][0]
    h_cmd, vs_cmd, _, at_cmd = secs[".cmdline"]
    variant("overlap", "ELIBBAD", "UKI sections .linux and .initrd overlap",
            lambda b: struct.pack_into("<I", b, h_initrd + 20, at_linux + 16))
    variant("past_end", "ELIBBAD", "UKI section .initrd runs past the end of the file",
            lambda b: struct.pack_into("<I", b, h_initrd + 20, len(base) - 16))
    variant("no_linux", "ENOEXEC", "UKI has no .linux section",
            lambda b: b.__setitem__(slice(h_linux, h_linux + 8), b".linuz\0\0"))
    variant("linux_not_bzimage", "ENOEXEC", "UKI .linux is not a bzImage",
            lambda b: b.__setitem__(slice(at_linux + 0x202, at_linux + 0x206), b"HdrX"))
    variant("table_past_headers", "ELIBBAD", "UKI section table runs past the headers",
            lambda b: struct.pack_into("<I", b, opt + 60, h_cmd))
    variant("cmdline_unterminated", "EINVAL", "UKI .cmdline is not NUL-terminated",
            lambda b: b.__setitem__(at_cmd + vs_cmd - 1, ord("x")))
    long_cmd = ("console=ttyS0 kt.pad=" + "x" * 2100 + "\0").encode()
    build(p("cmdline_too_long"), parts(long_cmd, rd[:4096]))
    manifest.append("cmdline_too_long EINVAL Kernel command line too long")
    with open(p("MANIFEST"), "w") as f:
        f.write("\n".join(manifest) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:6], db=sys.argv[6] if len(sys.argv) > 6 else None)
