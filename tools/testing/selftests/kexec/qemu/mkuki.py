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
  ukify_signed: the same kernel, initrd and command line laid out the way
      systemd's ukify writes a UKI (ukify_layout() below), signed like
      `signed`; its command line adds kt.layout=ukify
  large_signed: laid out the same way, its .initrd stage2.cpio followed by
      an archive of one 32 MiB random file /uki_big (its sha256 is kt.big=
      on the embedded command line), signed like `signed`
"""

import hashlib
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
    """objcopy the stub with `sections` [(name, bytes)] at increasing VMAs.

    How this differs from what ukify writes (ukify_layout() below), seen on
    Debian's stub and the main test kernel: the sections come in the order
    given (.osrel, .cmdline, .linux, .initrd: .linux is not last); the text
    carries a NUL counted in VirtualSize; .linux's VirtualSize is its length
    (ukify: the kernel's SizeOfImage, past its raw data); VMAs start at the
    stub's end rounded up to 0x1000 and each section's rounded up to 0x1000
    (ukify: the previous end rounded up to SectionAlignment, 0x200 here);
    no .uname; the stub's .sbat is left as it is (ukify rewrites it in
    place with a uki line added); objcopy keeps the stub's COFF symbol
    table after the sections, so the file ends unaligned before signing
    (ukify strips it); every new section is flagged initialized data
    (ukify: code for .linux) and SizeOfInitializedData grows by each
    SizeOfRawData (ukify: by each VirtualSize).
    """
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


def round_up(x, align):
    return (x + align - 1) // align * align


def kernel_release(linux):
    """The release ukify puts in .uname: the first word of the setup
    header's kernel_version string (at 0x200 + the word at 0x20e)."""
    at = 0x200 + struct.unpack_from("<H", linux, 0x20E)[0]
    return linux[at:at + 128].split(b"\0")[0].split(b" ")[0]


def pe_size_of_image(linux):
    """SizeOfImage of a PE file's optional header (what ukify gives the
    .linux section as its VirtualSize)."""
    pe = struct.unpack_from("<I", linux, 0x3C)[0]
    assert linux[pe:pe + 4] == b"PE\0\0", "the kernel is not a PE file"
    return struct.unpack_from("<I", linux, pe + 24 + 56)[0]


def ukify_layout(sections):
    """The stub with `sections` [(name, bytes, virtual size or None)] added
    the way systemd's ukify adds them (pe_add_sections in its ukify.py),
    written here from the PE format:

    - the stub's COFF symbol table, when it ends the file, is dropped
      (PointerToSymbolTable = NumberOfSymbols = 0, LOCAL_SYMS_STRIPPED);
    - each new section's data starts at the file's end rounded up to
      FileAlignment, SizeOfRawData is its length rounded up to FileAlignment
      (zero-filled), VirtualSize is its length (no NUL added to text) unless
      given, VirtualAddress is the previous section's end rounded up to
      SectionAlignment; flags MEM_READ and CNT_CODE (.linux) or
      CNT_INITIALIZED_DATA; SizeOfInitializedData grows by VirtualSize;
    - a section the stub already has (.sbat) is overwritten in place, its
      VirtualSize the new length;
    - CheckSum 0, SizeOfImage the last section's end rounded up to
      SectionAlignment.
    """
    d = bytearray(open(STUB, "rb").read())
    pe = struct.unpack_from("<I", d, 0x3C)[0]
    n, = struct.unpack_from("<H", d, pe + 6)
    opt = pe + 24
    table = opt + struct.unpack_from("<H", d, pe + 20)[0]
    sa, fa = struct.unpack_from("<II", d, opt + 32)
    headers, = struct.unpack_from("<I", d, opt + 60)
    symtab, nsyms = struct.unpack_from("<II", d, pe + 12)
    if symtab:
        end = symtab + 18 * nsyms
        end += struct.unpack_from("<I", d, end)[0]
        if end == len(d):
            del d[symtab:]
            struct.pack_into("<II", d, pe + 12, 0, 0)
            struct.pack_into("<H", d, pe + 22, struct.unpack_from("<H", d, pe + 22)[0] | 0x0008)
    # ukify first realigns a stub's sections and SizeOfHeaders to
    # FileAlignment; Debian's stub needs none of it.
    assert headers % fa == 0
    stub = {}
    for i in range(n):
        h = table + 40 * i
        _, _, raw, at = struct.unpack_from("<IIII", d, h + 8)
        assert raw % fa == 0 and at % fa == 0, "stub sections not aligned to FileAlignment"
        stub[bytes(d[h:h + 8]).rstrip(b"\0").decode()] = h
    last = table + 40 * (n - 1)
    for name, data, vsize in sections:
        vsize = len(data) if vsize is None else vsize
        if name in stub:
            h = stub[name]
            _, _, raw, at = struct.unpack_from("<IIII", d, h + 8)
            assert round_up(len(data), fa) == raw, f"{name} does not fit the stub's"
            d[at:at + raw] = data + bytes(raw - len(data))
            struct.pack_into("<I", d, h + 8, len(data))
            continue
        h = table + 40 * n
        assert h + 40 <= headers, f"no room in the headers for {name}"
        lvs, lva = struct.unpack_from("<II", d, last + 8)
        va = round_up(lva + lvs, sa)
        at = round_up(len(d), fa)
        raw = round_up(len(data), fa)
        d += bytes(at - len(d)) + data + bytes(raw - len(data))
        flags = 0x40000000 | (0x20 if name == ".linux" else 0x40)
        d[h:h + 40] = struct.pack("<8sIIIIIIHHI", name.encode(), vsize, va, raw, at, 0, 0, 0, 0, flags)
        n += 1
        last = h
        struct.pack_into("<H", d, pe + 6, n)
        struct.pack_into("<I", d, opt + 8, struct.unpack_from("<I", d, opt + 8)[0] + vsize)
    lvs, lva = struct.unpack_from("<II", d, last + 8)
    struct.pack_into("<I", d, opt + 56, round_up(lva + lvs, sa))
    struct.pack_into("<I", d, opt + 64, 0)
    return bytes(d)


def stub_sbat():
    """The stub's .sbat text, without its NUL."""
    d = open(STUB, "rb").read()
    pe = struct.unpack_from("<I", d, 0x3C)[0]
    table = pe + 24 + struct.unpack_from("<H", d, pe + 20)[0]
    for i in range(struct.unpack_from("<H", d, pe + 6)[0]):
        h = table + 40 * i
        if d[h:h + 8].rstrip(b"\0") == b".sbat":
            vsize, _, _, at = struct.unpack_from("<IIII", d, h + 8)
            return d[at:at + vsize].split(b"\0")[0]
    raise SystemExit("mkuki: the stub has no .sbat section")


def ukify_uki(linux, cmdline, initrd, osrel):
    """A UKI with ukify's sections, in its order: .osrel, .cmdline, .uname,
    .initrd, .linux (VirtualSize = the kernel's SizeOfImage, larger than its
    raw data), then .sbat merged into the stub's (the stub's entries and a
    uki line, NUL-terminated as ukify writes it).  The layout is checked
    here, so that the case cannot pass on another one."""
    size_of_image = pe_size_of_image(linux)
    sbat = stub_sbat().rstrip(b"\n") + b"\nuki,1,UKI,uki,1,kexec-rs test UKI\n\0"
    img = ukify_layout([(".osrel", osrel, None), (".cmdline", cmdline, None),
                        (".uname", kernel_release(linux), None), (".initrd", initrd, None),
                        (".linux", linux, size_of_image), (".sbat", sbat, None)])
    secs, _ = section_table(img)
    names = sorted(secs, key=lambda s: secs[s][0])
    assert names[-1] == ".linux", names
    _, vsize, raw, _ = secs[".linux"]
    assert vsize == size_of_image > raw >= len(linux), (vsize, raw, len(linux))
    _, vsize, _, at = secs[".cmdline"]
    assert vsize == len(cmdline) and img[at + vsize - 1] != 0
    return img


def newc(name, data):
    """A newc cpio archive holding one regular file `name` (mode 0644)."""
    def entry(name, mode, data, ino):
        n = name.encode() + b"\0"
        hdr = b"070701" + b"".join(b"%08X" % v for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(n), 0))
        e = hdr + n
        e += bytes(round_up(len(e), 4) - len(e)) + data
        return e + bytes(round_up(len(e), 4) - len(e))
    return entry(name, 0o100644, data, 1) + entry("TRAILER!!!", 0, b"", 0)


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
    h_cmd = secs[".cmdline"][0]
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
    # (A .cmdline without a NUL is no longer malformed: ukify writes none.)
    h_osrel = secs[".osrel"][0]
    variant("initrd_twice", "ELIBBAD", "UKI has two .initrd sections",
            lambda b: b.__setitem__(slice(h_osrel, h_osrel + 8), b".initrd\0"))
    long_cmd = ("console=ttyS0 kt.pad=" + "x" * 2100 + "\0").encode()
    build(p("cmdline_too_long"), parts(long_cmd, rd[:4096]))
    manifest.append("cmdline_too_long EINVAL Kernel command line too long")
    with open(p("MANIFEST"), "w") as f:
        f.write("\n".join(manifest) + "\n")

    # ukify's layout: no NUL after the command line, .sbat, .linux last
    # with a VirtualSize past its raw data.
    text = cmdline.rstrip("\0")
    with tempfile.TemporaryDirectory() as tmp:
        u = os.path.join(tmp, "u")
        open(u, "wb").write(ukify_uki(linux, (text + " kt.layout=ukify").encode(), rd, osrel))
        sbsign(u, f"{keys}/trusted.key", f"{keys}/trusted.crt", p("ukify_signed"))
        # A 32 MiB embedded initrd (random, so that nothing compresses it
        # away): stage2.cpio, then /uki_big.
        big = os.urandom(32 << 20)
        rd_big = rd + bytes(round_up(len(rd), 4) - len(rd)) + newc("uki_big", big)
        cmd = f"{text} kt.layout=ukify kt.big={hashlib.sha256(big).hexdigest()}"
        open(u, "wb").write(ukify_uki(linux, cmd.encode(), rd_big, osrel))
        sbsign(u, f"{keys}/trusted.key", f"{keys}/trusted.crt", p("large_signed"))


if __name__ == "__main__":
    main(*sys.argv[1:6], db=sys.argv[6] if len(sys.argv) > 6 else None)
