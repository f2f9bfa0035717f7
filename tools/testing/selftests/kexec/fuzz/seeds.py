#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the seed corpora of the kexec parser fuzz targets.

    seeds.py OUTDIR

creates OUTDIR/bzimage, OUTDIR/pe, OUTDIR/purgatory and OUTDIR/uki with a handful of
hand-built inputs each: a minimal valid one and a few malformed ones. When
the kernel build of the repository has them, it adds the real bzImage (its
first 64 KiB, for bzimage, and for pe if it is an EFI-stub PE image) and
purgatory.ro. Python 3 standard
library only; the output is deterministic.
"""

import random
import struct
import sys
from pathlib import Path

TOP = Path(__file__).resolve().parents[5]
REAL_BZIMAGE = TOP / "build/kernel-main/arch/x86/boot/bzImage"
REAL_PURGATORY = TOP / "build/kernel-main/arch/x86/purgatory/purgatory.ro"
BZIMAGE_MAX = 64 * 1024


def put(buf, off, fmt, *vals):
    struct.pack_into("<" + fmt, buf, off, *vals)


# --- bzImage ---------------------------------------------------------------


def bzimage(length=4096, setup_sects=1, jump=0x6A, magic=b"HdrS", boot_flag=0xAA55,
            version=0x020F, loadflags=0x01, xloadflags=0x01 | 0x02 | 0x20,
            cmdline_size=2047, seed=1):
    """A setup header that bzImage64_probe() takes (with the defaults),
    followed by pseudo-random "setup code": the fuzz target reads its
    lengths, addresses and e820 entries from there."""
    img = bytearray(max(length, 0x300))
    rnd = random.Random(seed)
    for i in range(0x400, len(img)):
        img[i] = rnd.randrange(256)
    img[0x1F1] = setup_sects
    put(img, 0x1FE, "H", boot_flag)
    img[0x201] = jump
    img[0x202:0x206] = magic
    put(img, 0x206, "H", version)
    img[0x211] = loadflags
    put(img, 0x230, "I", 0x200000)  # kernel_alignment
    put(img, 0x236, "H", xloadflags)
    put(img, 0x238, "I", cmdline_size)
    put(img, 0x258, "Q", 0x1000000)  # pref_address
    put(img, 0x260, "I", 0x2000000)  # init_size
    return bytes(img[:length])


def bzimage_seeds():
    yield "valid-4k", bzimage()
    yield "valid-8k-sects0-no5level", bzimage(8192, setup_sects=0, jump=0xFF,
                                              xloadflags=0x03, cmdline_size=0x7FF, seed=2)
    yield "valid-small-cmdline", bzimage(2048, cmdline_size=16, seed=3)
    yield "truncated-setup", bzimage(1024, setup_sects=8)
    yield "too-short", bzimage(1023)
    yield "no-hdrs", bzimage(magic=b"HdrX")
    yield "no-boot-flag", bzimage(boot_flag=0)
    yield "old-protocol", bzimage(version=0x020B)
    yield "zimage", bzimage(loadflags=0)
    yield "no-kernel64", bzimage(xloadflags=0x02)
    yield "below-4g", bzimage(xloadflags=0x01)
    if REAL_BZIMAGE.is_file():
        yield "real-bzimage-64k", REAL_BZIMAGE.read_bytes()[:BZIMAGE_MAX]


# --- PE ----------------------------------------------------------------------


def pkcs7(form="long", body_len=300):
    """A DER SEQUENCE that starts like a PKCS#7 signedData message."""
    body = bytes.fromhex("06092a864886f70d010702")  # OID signedData
    body += bytes((0xA0, 0x80)) + bytes(range(256)) * 4
    body = body[:body_len]
    if form == "short":
        body = body[:0x7F]
        return bytes((0x30, len(body))) + body
    if form == "81":
        body = body[:0xFF]
        return bytes((0x30, 0x81, len(body))) + body
    if form == "indefinite":
        return bytes((0x30, 0x80)) + body + b"\0\0"
    return bytes((0x30, 0x82)) + struct.pack(">H", len(body)) + body


def pe(opt_magic=0x020B, n_dirs=16, n_sections=2, header_size=0x200, sig=None,
       wrapper_len=None, revision=0x0200, cert_type=0x0002, signed=True):
    """An EFI-stub-like PE image: MZ header, PE header, optional header with
    a data directory, section table, one section of code, and a security
    directory pointing at a WIN_CERTIFICATE that wraps a PKCS#7 SEQUENCE."""
    opt_size = 112 if opt_magic == 0x020B else 96
    dirs_at = 108 if opt_magic == 0x020B else 92
    peaddr = 0x40
    opt = peaddr + 24
    ddir = opt + opt_size
    sects = ddir + 8 * n_dirs
    img = bytearray(header_size)
    img[0:2] = b"MZ"
    put(img, 0x3C, "I", peaddr)
    img[peaddr:peaddr + 4] = b"PE\0\0"
    put(img, peaddr + 4, "HH", 0x8664, n_sections)
    put(img, peaddr + 20, "H", opt_size + 8 * n_dirs)  # opt_hdr_size
    put(img, opt, "H", opt_magic)
    put(img, opt + 60, "I", header_size)
    put(img, opt + dirs_at, "I", n_dirs)
    # Sections: .text with 0x200 bytes of "code" after the headers.
    for i in range(n_sections):
        s = sects + 40 * i
        if s + 40 > header_size:
            break  # more sections declared than the headers hold
        img[s:s + 8] = (b".text\0\0\0", b".data\0\0\0", b".reloc\0\0")[i % 3]
        put(img, s + 8, "IIII", 0x200, header_size + 0x200 * i, 0x200, header_size + 0x200 * i)
    img += bytes((0x90,)) * (0x200 * max(n_sections, 1))
    if signed:
        sig = pkcs7() if sig is None else sig
        length = 8 + len(sig) if wrapper_len is None else wrapper_len
        cert = struct.pack("<IHH", length, revision, cert_type) + sig
        cert += bytes(-len(cert) % 8)
        certs_at = len(img)
        img += cert
        put(img, ddir + 4 * 8, "II", certs_at, len(cert))
    return bytes(img)


def pe_seeds():
    yield "signed-pe32plus", pe()
    yield "signed-pe32-81", pe(opt_magic=0x010B, sig=pkcs7("81"))
    yield "signed-short-form-no-sections", pe(n_sections=0, sig=pkcs7("short"))
    yield "signed-indefinite", pe(sig=pkcs7("indefinite"))
    yield "signed-5-dirs", pe(n_dirs=5, n_sections=1)
    yield "unsigned", pe(signed=False)
    yield "wrapper-length-wraps", pe(wrapper_len=4)
    yield "bad-revision", pe(revision=0x0100)
    yield "too-many-sections", pe(n_sections=12)
    # An EFI-stub kernel is a PE image (without CONFIG_EFI_STUB it is not).
    if REAL_BZIMAGE.is_file():
        head = REAL_BZIMAGE.read_bytes()[:BZIMAGE_MAX]
        if head[:2] == b"MZ":
            yield "real-bzimage-64k", head


# --- purgatory (ELF64 ET_REL) -------------------------------------------------

SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_RELA, SHT_NOBITS, SHT_REL = 1, 2, 3, 4, 8, 9
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR, SHF_INFO_LINK = 1, 2, 4, 0x40
STB_LOCAL, STB_GLOBAL = 0, 1
STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_SECTION = 0, 1, 2, 3
R_64, R_PC32, R_PLT32, R_32, R_32S = 1, 2, 4, 10, 11


class Strtab:
    def __init__(self):
        self.data = bytearray(b"\0")

    def add(self, s):
        if not s:
            return 0
        off = len(self.data)
        self.data += s.encode() + b"\0"
        return off


def elf(sections, symbols, relas, e_type=1, e_entry=0, truncate=None, rel_type=SHT_RELA):
    """Builds an x86_64 relocatable object.

    sections: [(name, type, flags, data or size for NOBITS, align, addr)]
    symbols:  [(name, bind, type, section name or None, value, size)], the
              local ones first
    relas:    {section name: [(offset, type, symbol name, addend)]}
    """
    names = ["", *[s[0] for s in sections]]
    rela_names = [".rela" + t for t in relas]
    idx = {n: i for i, n in enumerate(names + rela_names + [".symtab", ".strtab", ".shstrtab"])}
    strtab = Strtab()
    symtab = bytearray(24)  # the null symbol
    sym_idx = {}
    first_global = None
    for n, (name, bind, typ, sec, value, size) in enumerate(symbols, start=1):
        if bind != STB_LOCAL and first_global is None:
            first_global = n
        shndx = idx[sec] if sec else 0
        symtab += struct.pack("<IBBHQQ", strtab.add(name), (bind << 4) | typ, 0, shndx, value, size)
        sym_idx[name or sec] = n
    rela_data = {}
    for t, entries in relas.items():
        b = bytearray()
        for off, typ, sym, addend in entries:
            if rel_type == SHT_RELA:
                b += struct.pack("<QQq", off, (sym_idx[sym] << 32) | typ, addend)
            else:
                b += struct.pack("<QQ", off, (sym_idx[sym] << 32) | typ)
        rela_data[t] = bytes(b)

    shstr = Strtab()
    hdrs = [bytes(64)]
    body = bytearray(64)  # the ELF header, written last

    def place(data, align):
        body.extend(bytes(-len(body) % max(align, 1)))
        off = len(body)
        body.extend(data)
        return off

    for name, typ, flags, data, align, addr in sections:
        if typ == SHT_NOBITS:
            off, size = len(body), data
        else:
            off, size = place(data, align), len(data)
        hdrs.append(struct.pack("<IIQQQQIIQQ", shstr.add(name), typ, flags, addr, off, size, 0, 0, align, 0))
    symtab_i, strtab_i = idx[".symtab"], idx[".strtab"]
    for t in relas:
        entsize = 24 if rel_type == SHT_RELA else 16
        off = place(rela_data[t], 8)
        hdrs.append(struct.pack("<IIQQQQIIQQ", shstr.add(".rela" + t), rel_type, SHF_INFO_LINK, 0, off,
                                len(rela_data[t]), symtab_i, idx[t], 8, entsize))
    off = place(symtab, 8)
    hdrs.append(struct.pack("<IIQQQQIIQQ", shstr.add(".symtab"), SHT_SYMTAB, 0, 0, off, len(symtab),
                            strtab_i, first_global or len(symbols) + 1, 8, 24))
    off = place(strtab.data, 1)
    hdrs.append(struct.pack("<IIQQQQIIQQ", shstr.add(".strtab"), SHT_STRTAB, 0, 0, off, len(strtab.data), 0, 0, 1, 0))
    shstr_name = shstr.add(".shstrtab")
    off = place(shstr.data, 1)
    hdrs.append(struct.pack("<IIQQQQIIQQ", shstr_name, SHT_STRTAB, 0, 0, off, len(shstr.data), 0, 0, 1, 0))
    shoff = place(b"".join(hdrs), 8)

    ident = b"\x7fELF" + bytes((2, 1, 1, 0)) + bytes(8)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", e_type, 62, 1, e_entry, 0, shoff, 0, 64, 0, 0, 64,
                               len(hdrs), idx[".shstrtab"])
    body[0:64] = ehdr
    out = bytes(body)
    return out[:truncate] if truncate else out


def purgatory(text_addr=0, e_entry=0, start_symbol=True, data_align=16, r32_addend=0x10,
              undefined=False, **kw):
    """A purgatory-shaped object: .text with purgatory_start, .data with
    entry64_regs and purgatory_sha_regions, .bss with the stack, and RELA
    relocations of the five types the loader handles."""
    text = bytes((0x90,)) * 0x40
    data = bytearray(0x1A0)
    for i in range(136):
        data[i] = i
    sections = [
        (".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, text, 16, text_addr),
        (".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, bytes(data), data_align, 0),
        (".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, 0x1000, 16, 0),
        (".comment", SHT_PROGBITS, 0, b"kexec-rs fuzz seed\0", 1, 0),
    ]
    symbols = [
        ("", STB_LOCAL, STT_SECTION, ".text", 0, 0),
        ("", STB_LOCAL, STT_SECTION, ".data", 0, 0),
        ("", STB_LOCAL, STT_SECTION, ".bss", 0, 0),
        ("local_helper", STB_LOCAL, STT_FUNC, ".text", 0x30, 0x10),
    ]
    if start_symbol:
        symbols.append(("purgatory_start", STB_GLOBAL, STT_NOTYPE, ".text", 0, 0x20))
    symbols += [
        ("purgatory", STB_GLOBAL, STT_FUNC, ".text", 0x20, 0x10),
        ("entry64_regs", STB_GLOBAL, STT_OBJECT, ".data", 0, 136),
        ("purgatory_sha_regions", STB_GLOBAL, STT_OBJECT, ".data", 0x90, 256),
        ("stack_end", STB_GLOBAL, STT_OBJECT, ".bss", 0x1000, 0),
    ]
    if undefined:
        symbols.append(("undefined_fn", STB_GLOBAL, STT_NOTYPE, None, 0, 0))
    relas = {
        ".text": [
            (0x03, R_PC32, "stack_end", -4),
            (0x08, R_PLT32, "undefined_fn" if undefined else "purgatory", -4),
            (0x10, R_PC32, ".data", 0x90 - 4),
        ],
        ".data": [
            (0x190, R_64, "purgatory_start" if start_symbol else "purgatory", 0),
            (0x198, R_32, ".data", r32_addend),
            (0x19C, R_32S, "entry64_regs", 8),
        ],
    }
    return elf(sections, symbols, relas, e_entry=e_entry, **kw)


def purgatory_seeds():
    yield "minimal", purgatory()
    yield "entry-by-e_entry", purgatory(text_addr=0x1000, e_entry=0x1004, start_symbol=False)
    yield "data-align-4096", purgatory(data_align=4096)
    yield "rel-not-rela", purgatory(rel_type=SHT_REL)
    yield "reloc32-overflow", purgatory(r32_addend=0x1_0000_0000)
    yield "undefined-symbol", purgatory(undefined=True)
    yield "bad-alignment", purgatory(data_align=3)
    yield "exec-not-rel", purgatory(e_type=2)
    yield "truncated-shdrs", purgatory(truncate=0x400)
    if REAL_PURGATORY.is_file():
        yield "real-purgatory.ro", REAL_PURGATORY.read_bytes()


def uki(secs, vsize=None):
    """A PE32+ file laid out as objcopy lays out a UKI (see the host tests);
    vsize: {name: VirtualSize} for sections whose VirtualSize is not their
    length (ukify gives .linux the kernel's SizeOfImage)."""
    img = bytearray(0x400)
    img[0:2] = b"MZ"
    put(img, 0x3C, "I", 0x40)
    img[0x40:0x44] = b"PE\0\0"
    put(img, 0x44, "HH", 0x8664, len(secs))
    put(img, 0x54, "H", 240)
    put(img, 0x58, "H", 0x020B)
    put(img, 0x58 + 60, "I", 0x400)
    for i, (name, data) in enumerate(secs):
        at = len(img)
        raw = (len(data) + 0x1FF) & ~0x1FF
        img += data + bytes(raw - len(data))
        h = 0x58 + 240 + 40 * i
        img[h:h + len(name)] = name
        put(img, h + 8, "I", (vsize or {}).get(name, len(data)))
        put(img, h + 16, "I", raw)
        put(img, h + 20, "I", at)
    return bytes(img)


def uki_seeds():
    linux = bzimage()
    yield "uki", uki([(b".osrel", b"ID=t\n"), (b".cmdline", b"console=ttyS0\0"),
                      (b".linux", linux), (b".initrd", b"070701")])
    # ukify's way: no NUL after the command line, .linux last, its
    # VirtualSize past its raw data.
    yield "uki-ukify", uki([(b".osrel", b"ID=t\n"), (b".cmdline", b"console=ttyS0"),
                            (b".uname", b"6.12"), (b".initrd", b"070701"), (b".linux", linux)],
                           vsize={b".linux": len(linux) + 0x40000})
    yield "uki-minimal", uki([(b".linux", linux)])
    yield "uki-no-linux", uki([(b".cmdline", b"x\0")])
    yield "uki-all", uki([(n, b"d\0") for n in (b".linux", b".initrd", b".cmdline", b".osrel",
                                                 b".uname", b".splash", b".dtb")])


TARGETS = {"bzimage": bzimage_seeds, "pe": pe_seeds, "purgatory": purgatory_seeds,
           "uki": uki_seeds}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip())
    out = Path(sys.argv[1])
    for target, gen in TARGETS.items():
        d = out / target
        d.mkdir(parents=True, exist_ok=True)
        n = 0
        for name, blob in gen():
            (d / name).write_bytes(blob)
            n += 1
        print(f"{target}: {n} seeds in {d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
