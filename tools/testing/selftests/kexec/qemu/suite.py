#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The QEMU end-to-end cases.  Prints TAP; `suite.py --list` names the cases.

    suite.py [--flavour main|debug] [CASE...]

--flavour picks the cases that boot that kernel (DEBUG_CASES boot the debug
one, the others the main one).
"""

import hashlib
import os
import random
import re
import struct
import sys

import kt

CASES = {}
# The cases that boot the debug kernel (KASAN, kmemleak, signatures not
# forced), or need it besides the main one.
DEBUG_CASES = {"kexec_malformed_errno", "kexec_unbootable_refused", "kexec_sig_not_forced", "kexec_corpus_errno",
               "kexec_load_unload_leak", "kexec_fault_injection", "kexec_concurrent_loads",
               "kexec_load_during_pressure", "kexec_handoff_refusals",
               "uki_malformed_rejected", "uki_not_mine", "sample_loader_stage2",
               "sample_loader_unload", "uki_cmdline_policy", "kexec_crash_header_e820",
               "pe_sections_refused", "sample_loader_failed_load_rmmod",
               "registered_loader_lockdown"}
# The cases that boot the distro kernel (Debian's options) through UEFI firmware.
DISTRO_CASES = {"efi_rust_loader_stage2", "efi_differential", "ima_kexec_buffer",
                "secureboot_lockdown", "uki_secureboot"}


def flavour_of(name):
    if name in DEBUG_CASES:
        return "debug"
    return "distro" if name in DISTRO_CASES else "main"


def case(fn):
    CASES[fn.__name__] = fn
    return fn


class Fail(Exception):
    pass


def expect(cond, what, b=None):
    if not cond:
        msg = what
        if b is not None:
            msg += f"\n  console tail ({b.name}):\n{b.tail()}"
        raise Fail(msg)


LOADER_PREFIX = {"c": "kexec-bzImage64: ", "rust": "kexec-bzImage64-rs: "}


def loader_of(b):
    """Which loader placed the kernel, from the KEXEC_FILE_DEBUG lines."""
    for name, prefix in LOADER_PREFIX.items():
        if b.first(re.escape(prefix) + "Loaded 64bit kernel at")[0] is not None:
            return name
    return None


def kexec_to_stage2(name, loader, extra="", loader_seen=None, qemu=()):
    n = kt.nonce()
    b = kt.boot(name, f"kt.test=kexec_stage2 kt.loader={loader} kt.next_nonce={n} {extra}",
                extra=qemu)
    expect(not b.timed_out, "guest timed out", b)
    oops = b.oops()
    expect(not oops, f"oops/warning on the console: {oops[0].group(0) if oops else ''}", b)
    expect(b.markers("load ok"), "kexec_file_load failed", b)
    want = loader_seen or loader
    expect(loader_of(b) == want, f"image loaded by {loader_of(b)}, wanted {want}", b)
    expect(b.stage_reached() >= 2, "stage 2 not reached", b)
    expect(b.has(f"nonce {n}"), f"stage 2 did not print nonce {n}", b)
    expect(b.has("initrd ok"), "stage 2 initrd check failed", b)
    return b


@case
def kexec_c_loader_stage2():
    kexec_to_stage2("kexec_c_loader_stage2", "c")


@case
def kexec_rust_loader_stage2():
    kexec_to_stage2("kexec_rust_loader_stage2", "rust")


@case
def kexec_rust_purgatory_stage2():
    b = kexec_to_stage2("kexec_rust_purgatory_stage2", "rust")
    expect(b.first(r"kexec-bzImage64-rs: purgatory laid out and relocated in Rust")[0] is not None,
           "the Rust purgatory path was not used", b)


# QEMU's TCG (10.0 and later) offers the SHA extensions with -cpu max; its
# default CPU (qemu64) has neither them nor SSE4.1.
SHA_NI_CPU = ["-cpu", "max"]


@case
def kexec_purgatory_sha_ni_stage2():
    """The Rust purgatory on a CPU with the SHA extensions checks the
    digest with its SHA-NI engine and starts stage 2. The engine is the one
    CPUID chooses: purgatory_digest_mismatch_sha_ni shows, on the same CPU
    model, that the purgatory names SHA-NI."""
    b = kexec_to_stage2("kexec_purgatory_sha_ni_stage2", "rust", qemu=SHA_NI_CPU)
    expect(b.markers("cpu sha_ni"), "the guest CPU has no sha_ni: the SHA-NI engine did not run", b)
    expect(b.first(r"kexec-bzImage64-rs: purgatory laid out and relocated in Rust")[0] is not None,
           "the Rust purgatory path was not used", b)


@case
def kexec_purgatory_identical():
    """The Rust loader with kexec_load_purgatory() (the c_purgatory test
    switch) builds the purgatory in Rust too, at the same address, and
    compares."""
    b = kexec_to_stage2("kexec_purgatory_identical", "rust-cpurg", loader_seen="rust")
    t, m = b.first(r"purgatory: Rust build (identical to|differs from) kexec_load_purgatory\(\)(.*)")
    expect(m is not None, "no purgatory comparison in the log", b)
    expect(m.group(1) == "identical to", f"purgatory differs:{m.group(2)}", b)
    print(f"# purgatory: Rust and C builds identical{m.group(2)}", flush=True)


@case
def kexec_c_purgatory_stage2():
    """The C purgatory, built next to the Rust one (the c_digest switch),
    still takes the Rust loader's image to stage 2: the control of
    purgatory_digest_mismatch's C half."""
    b = kexec_to_stage2("kexec_c_purgatory_stage2", "rust", "kt.purgatory=c")
    _, m = b.first(r"kexec selftest: the C purgatory \(kexec_purgatory_c, (\d+) bytes\)")
    expect(m is not None, "the Rust loader did not load the C purgatory", b)
    print(f"# the C purgatory ({m.group(1)} bytes) took the image to stage 2", flush=True)


MISMATCH_RE = (r"purgatory: sha256 digest mismatch \((SHA-NI|portable), (\d+) regions, "
               r"(0x[0-9a-f]+) bytes\): a segment changed after the load, not starting the new kernel")


def digest_mismatch(name, purg, qemu=(), engine=None):
    """One boot of purgatory.sh: a byte changed after the load, then kexec.
    `engine`: the engine the Rust purgatory must name, None for the one
    CPUID offers."""
    n = kt.nonce()
    b = kt.boot(name, f"kt.test=purgatory kt.purgatory={purg} kt.next_nonce={n}",
                stop_on=r"hand-off: \d+ segments|KT: fail", stop_grace=6, extra=qemu)
    expect(not b.markers("fail"), "stage 1 failed", b)
    oops = b.oops()
    expect(not oops, f"oops/warning on the console: {oops[0].group(0) if oops else ''}", b)
    expect(b.markers("load ok"), "kexec_file_load failed", b)
    _, flip = b.first(r"flipped the first byte of segment (0x[0-9a-f]+) \(page (0x[0-9a-f]+)\)")
    expect(flip is not None, "the flip_byte switch changed nothing", b)
    expect(b.stopped is not None, "no hand-off line: the kexec did not start", b)
    banners = [l for _, l in b.lines if "Linux version" in l]
    expect(len(banners) == 1 and not b.has(f"nonce {n}"),
           f"the {purg} purgatory started the next kernel from a changed segment", b)
    _, m = b.first(MISMATCH_RE)
    if purg == "rust":
        expect(m is not None, "the Rust purgatory said nothing on the serial console", b)
        cpu = "SHA-NI" if b.markers("cpu sha_ni") else "portable"
        want = engine or cpu
        expect(cpu == want, f"the guest CPU offers {cpu}, the case wants {want}", b)
        expect(m.group(1) == want, f"engine {m.group(1)}, wanted {want}", b)
        print(f"# rust: segment {flip.group(1)} changed at page {flip.group(2)}; console: "
              f"mismatch ({m.group(1)}, {m.group(2)} regions, {int(m.group(3), 16)} bytes)", flush=True)
    else:
        expect(m is None, "the C purgatory cannot print, yet a report came", b)
        print(f"# c: segment {flip.group(1)} changed; no second banner in the 6 s after the hand-off",
              flush=True)


@case
def purgatory_digest_mismatch():
    """One byte of a loaded segment changed after the load (flip_byte, in
    machine_kexec_post_load()): the Rust purgatory refuses to jump and says
    why on the serial console, with the engine CPUID chose (the portable one
    on QEMU's default CPU); the C purgatory refuses too, silently, as
    upstream's does. Neither reaches stage 2: each boot ends 6 s after the
    hand-off, about eight times what a kexec to the next banner takes here."""
    for purg in ("rust", "c"):
        digest_mismatch(f"purgatory_digest_mismatch_{purg}", purg, engine="portable" if purg == "rust" else None)


@case
def purgatory_digest_mismatch_sha_ni():
    """The same on a CPU with the SHA extensions: the Rust purgatory's
    SHA-NI engine finds the changed byte and names itself."""
    digest_mismatch("purgatory_digest_mismatch_sha_ni", "rust", qemu=SHA_NI_CPU, engine="SHA-NI")


@case
def kexec_crash_header_e820():
    """A crash kernel whose setup header runs into e820_table (jump byte
    0xff: 0x202 + 0xff > 0x2d0), loaded by C and by Rust: the crash kernel's
    E820 map is the crash memory map for both, entry for entry (the header
    is copied before the crash map is written, not after)."""
    b = kt.boot("kexec_crash_header_e820", "crashkernel=64M kt.test=crash_e820", flavour="debug",
                mem="1G", timeout=240)
    expect(b.has("crashe820 end"), "the guest did not finish", b)
    oops = b.oops()
    expect(not oops, f"report on the console: {oops[0].group(0) if oops else ''}", b)
    maps = {"c": [], "rust": []}
    loads = {}
    for _, m in b.markers("crashe820 "):
        w = m.split(" ", 2)
        if len(w) == 3 and w[1] in maps:
            if w[2].startswith("load "):
                loads[w[1]] = w[2][5:]
            else:
                maps[w[1]].append(w[2])
    expect(loads == {"c": "ok", "rust": "ok"}, f"crash loads: {loads}", b)
    expect(maps["c"], "the C loader printed no E820 map", b)
    expect(maps["rust"] == maps["c"],
           f"crash E820 maps differ: C {maps['c']}, Rust {maps['rust']}", b)
    print(f"# crash E820 map, {len(maps['c'])} entries, the same through C and Rust", flush=True)


@case
def pe_sections_refused():
    """Signed images (trusted key) that C's digest stage would hash
    unchecked: no sections, a section's raw data past the end of the file.
    The Rust loader's verify_sig refuses both (ELIBBAD, with a line) before
    the signature is checked, so nothing reaches that stage; the debug
    kernel does not enforce signatures, so the loads then go on, as for any
    image whose check failed. Then the image without sections through the C
    loader, reported as it goes (upstream's pefile_digest_pe_contents()
    writes through kcalloc(0)'s ZERO_SIZE_PTR)."""
    b = kt.boot("pe_sections_refused", "kt.test=pe_sections", flavour="debug", timeout=240)
    expect(b.has("pesec c-start"), "the guest did not get to the C load", b)
    res = {}
    for _, m in b.markers("pesec "):
        w = m.split()
        if len(w) == 4:
            res[(w[1], w[2])] = w[3]
    msgs = " | ".join(m for _, m in b.markers("pesecmsg "))
    for name in ("no_sections", "section_past_end"):
        expect(res.get(("rust", name)) == "ok", f"rust {name}: {res.get(('rust', name))}", b)
    expect("rust no_sections kexec-bzImage64-rs: PE image refused: ELIBBAD (no sections)" in msgs
           and "rust section_past_end kexec-bzImage64-rs: PE image refused: ELIBBAD "
           "(section data past the end of the image)" in msgs,
           f"the Rust loader did not refuse them before the signature check: {msgs}", b)
    expect(res.get(("rust", "signed")) == "ok", f"rust signed: {res.get(('rust', 'signed'))}", b)
    c_start = next(t for t, m in b.markers("pesec c-start"))
    before = [l for t, l in b.lines if t < c_start and re.search(r"BUG:|Oops|KASAN|UBSAN|WARNING:", l)]
    expect(not before, f"report before the C load: {before[:1]}", b)
    after = [l for t, l in b.lines if t >= c_start and re.search(r"BUG:|Oops|KASAN|general protection", l)]
    c = res.get(("c", "no_sections"), "no result (the load did not return)")
    print(f"# rust: no_sections and section_past_end ELIBBAD; C loader on no_sections: {c}"
          f"{'; console: ' + after[0].split('] ', 1)[-1] if after else ''}", flush=True)


DIFF_STEPS = 5
SEG_RE = re.compile(r"segment\[(\d+)\]: buf=\S+ bufsz=(0x[0-9a-f]+) mem=(0x[0-9a-f]+) memsz=(0x[0-9a-f]+)")


def diff_chain(dl):
    b = kt.boot(f"kexec_differential_{dl}", f"kt.test=diff kt.dl={dl}",
                initrd=os.path.join(kt.guest_dir(), "small.cpio"), timeout=240,
                # RDRAND seeds the RNG early, so the loaders add an RNG seed
                # setup_data entry; LA57 also exercises the 5-level checks.
                extra=["-cpu", "max"])
    out = {"segs": {}, "bp": {}, "sd": {}, "cmdline": {}, "loader": {}, "proc_cmdline": {}}
    for _, m in b.markers():
        w = m.split(" ", 3)
        if w[0] == "ld" and len(w) >= 3:
            step, line = int(w[1]), m.split(" ", 2)[2]
            sm = SEG_RE.search(line)
            if sm:
                out["segs"].setdefault(step, []).append(sm.groups())
            if "Final command line is:" in line:
                out["cmdline"][step] = line.split("Final command line is:", 1)[1].strip()
            if "Loaded 64bit kernel" in line:
                out["loader"][step] = line.split(":", 1)[0].split()[-1]
        elif w[0] == "bphex":
            out["bp"].setdefault(int(w[1]), []).append(w[2])
        elif w[0] == "cl":
            out["proc_cmdline"][int(w[1])] = w[2]
        elif w[0] == "sd":
            out["sd"].setdefault(int(w[1]), []).append(tuple(w[2:]))
    return b, out


def bp_diff(a, b):
    """Offsets (in boot_params) of the bytes that differ."""
    x, y = bytes.fromhex("".join(a)), bytes.fromhex("".join(b))
    if len(x) != len(y):
        return [f"length {len(x)} != {len(y)}"]
    return [hex(i) for i in range(len(x)) if x[i] != y[i]]


@case
def kexec_differential():
    bc, c = diff_chain("c")
    br, r = diff_chain("r")
    for b in (bc, br):
        expect(not b.timed_out, "chain timed out", b)
        oops = b.oops()
        expect(not oops, f"oops/warning: {oops[0].group(0) if oops else ''}", b)
    for step in range(DIFF_STEPS):
        expect(c["loader"].get(step) == "kexec-bzImage64", f"step {step}: C chain loader {c['loader'].get(step)}", bc)
        expect(r["loader"].get(step) == "kexec-bzImage64-rs", f"step {step}: Rust chain loader {r['loader'].get(step)}", br)
        expect(step in c["bp"] and step in r["bp"], f"step {step}: boot_params not dumped by both chains", bc if step not in c["bp"] else br)
        expect(c["segs"].get(step) and c["segs"].get(step) == r["segs"].get(step),
               f"step {step}: segments differ:\n  C    {c['segs'].get(step)}\n  Rust {r['segs'].get(step)}")
        d = bp_diff(c["bp"][step], r["bp"][step])
        expect(not d, f"step {step}: boot_params bytes differ at {d[:16]}")
        expect(c["sd"].get(step) == r["sd"].get(step),
               f"step {step}: setup_data differ: C {c['sd'].get(step)} Rust {r['sd'].get(step)}")
        # printk cuts long lines, and the prefixes differ in length: compare
        # what both printed, then what the next kernel really got.
        cc = (c["cmdline"].get(step) or "").replace("kt.dl=c", "kt.dl=r")
        rc = r["cmdline"].get(step) or ""
        n = min(len(cc), len(rc))
        expect(cc[:n] == rc[:n], f"step {step}: final command lines differ")
        expect(step in c["proc_cmdline"] and c["proc_cmdline"].get(step) == r["proc_cmdline"].get(step),
               f"step {step}: /proc/cmdline differs: {c['proc_cmdline'].get(step)} vs {r['proc_cmdline'].get(step)}")
    print(f"# differential: {DIFF_STEPS} inputs, segments, 4096 boot_params bytes, "
          f"setup_data and command line identical", flush=True)


def manifest():
    path = os.path.join(kt.guest_dir("debug"), "images", "bad", "MANIFEST")
    rows = []
    with open(path) as f:
        for line in f:
            name, errno, why = line.rstrip("\n").split(" ", 2)
            rows.append((name, errno, why))
    for n in (2017, 2018, 2047, 2048, 4096):
        rows.append((f"cmdline_len_{n}", "OK" if n <= 2017 else "EINVAL", f"command line of {n} bytes"))
    return rows


_malformed = {}


def malformed_boot():
    """The debug-kernel boot that loads the malformed and unbootable images."""
    if "b" not in _malformed:
        _malformed["b"] = kt.boot("kexec_malformed_errno", "kt.test=malformed", flavour="debug",
                                  timeout=600)
    b = _malformed["b"]
    expect(not b.timed_out and b.has("malformed end"), "guest did not finish", b)
    return b


def rust_refusal(img, cmdline_len=14):
    """What the Rust loader refuses and C loads (bzimage::check_bootable),
    as "err=<ERRNO>", for an image that gets that far in the Rust loader:
    through probe, its setup code and the command line checks; else None."""
    u8 = lambda o: img[o] if len(img) > o else 0
    u16 = lambda o: struct.unpack_from("<H", img, o)[0]
    u32 = lambda o: struct.unpack_from("<I", img, o)[0]
    if (len(img) < 1024 or img[0x202:0x206] != b"HdrS" or u16(0x1fe) != 0xaa55 or
            u16(0x206) < 0x020c or not u8(0x211) & 1 or u16(0x236) & 3 != 3):
        return None
    k16 = ((u8(0x1f1) or 4) + 1) * 512
    if len(img) < k16 or cmdline_len + 30 > u32(0x238):
        return None
    need = u32(0x1f4) * 16
    if len(img) - k16 < need:
        return "err=ENOEXEC"
    align = u32(0x230)
    if align == 0 or align & (align - 1):
        return "err=EINVAL"
    if u32(0x260) < need:
        return "err=EINVAL"
    return None


@case
def kexec_unbootable_refused():
    """Images C loads but that cannot boot: the Rust loader refuses each at
    load, with a reason naming the field and both values; C loads them."""
    b = malformed_boot()
    oops = b.oops()
    expect(not oops, f"oops/warning: {oops[0].group(0) if oops else ''}", b)
    with open(os.path.join(kt.guest_dir("debug"), "images", "unbootable", "MANIFEST")) as f:
        rows = [l.rstrip("\n").split(" ", 3) for l in f]
    res = {}
    for _, m in b.markers("bad ub_"):
        w = m.split(" ", 3)
        res[(w[1][3:], w[2])] = w[3].split()[0]
    for name, want_c, want_r, why in rows:
        c, r = res.get((name, "c")), res.get((name, "rust"))
        expect(c == "ok", f"{name} ({why}): C gives {c}, wanted it loaded (the difference is real)", b)
        expect(r == f"err={want_r}", f"{name} ({why}): Rust gives {r}, wanted err={want_r}", b)
        msgs = [m.split(" ", 3)[3] for _, m in b.markers(f"badmsg ub_{name} rust ")]
        reason = [m for m in msgs if re.search(r"kexec-bzImage64-rs: (bzImage payload truncated: "
                                               r"syssize declares \d+ bytes.*holds \d+|kernel_alignment"
                                               r" is not a power of two: 0x[0-9a-f]+|init_size is "
                                               r"smaller than the payload: init_size 0x)", m)]
        expect(reason, f"{name}: no reason naming the field and its values: {msgs}", b)
        print(f"# {name}: {why}: C loads it, Rust {want_r}: {reason[0].split(': ', 1)[1]}", flush=True)


@case
def kexec_malformed_errno():
    # On the debug kernel: signatures are checked but not enforced, so the
    # loaders' own checks decide, under KASAN and UBSAN.
    b = malformed_boot()
    oops = b.oops()
    expect(not oops, f"oops/warning: {oops[0].group(0) if oops else ''}", b)
    res, msgs = {}, {}
    for _, m in b.markers():
        w = m.split(" ", 3)
        if w[0] == "bad" and len(w) >= 4:
            res[(w[1], w[2])] = w[3].split()[0]
        elif w[0] == "badmsg":
            # Each loader's own lines, and the PE parser's (C's PEFILE:
            # or the Rust loader's, which parses the PE headers itself).
            txt = w[3]
            own = "kexec-bzImage64-rs: " if w[2] == "rust" else "kexec-bzImage64: "
            for prefix in (own, "PEFILE: "):
                if txt.startswith(prefix):
                    msgs.setdefault((w[1], w[2]), []).append(txt[len(prefix):])
    n = 0
    for name, want, why in manifest():
        rc, rr = res.get((name, "c")), res.get((name, "rust"))
        expect(rc is not None and rr is not None, f"{name}: no result")
        rc_e = "OK" if rc == "ok" else rc.split("=")[1]
        rr_e = "OK" if rr == "ok" else rr.split("=")[1]
        expect(rc_e == rr_e, f"{name} ({why}): C gives {rc_e}, Rust gives {rr_e}")
        if want != "OK_OR_ERR":
            expect(rc_e == want, f"{name} ({why}): C gives {rc_e}, expected {want}")
        cm = msgs.get((name, "c"), [])
        rm = msgs.get((name, "rust"), [])
        cm_err = sorted(x for x in cm if not x.startswith(("Loaded", "E820", "0000", "Final")))
        rm_err = sorted(x for x in rm if not x.startswith(("Loaded", "E820", "0000", "Final", "purgatory")))
        expect(cm_err == rm_err, f"{name}: messages differ: C {cm_err} Rust {rm_err}")
        if rc_e != "OK":
            expect(rm_err, f"{name}: the Rust loader printed no reason", b)
        n += 1
    print(f"# {n} malformed inputs, same errno and message from both loaders", flush=True)


_sig_cache = {}


# The images the debug kernel (signatures not enforced) loads: each kind of
# verification result once (the main kernel loads them all).
NOT_FORCED = ["unsigned", "untrusted", "tampered", "signed", "secdir_past_end", "garbage_pkcs7"]


def sig_matrix(flavour):
    """One boot of `flavour` that pushes the signed-kexec images through both
    loaders; {name: (want, why, {loader: (result, [messages])})}."""
    if flavour in _sig_cache:
        return _sig_cache[flavour]
    only = f" kt.sig_names={','.join(NOT_FORCED)}" if flavour == "debug" else ""
    b = kt.boot(f"kexec_sig_matrix_{flavour}", "kt.test=sig" + only, flavour=flavour, timeout=300)
    expect(not b.timed_out and b.has("sig end"), "signed-kexec guest did not finish", b)
    oops = b.oops()
    expect(not oops, f"oops/warning: {oops[0].group(0) if oops else ''}", b)
    rows = {}
    with open(os.path.join(kt.guest_dir(flavour), "images", "sig", "MANIFEST")) as f:
        for line in f:
            name, want, why = line.rstrip("\n").split(" ", 2)
            rows[name] = (want, why, {})
    for _, m in b.markers():
        w = m.split(" ", 3)
        if w[0] == "sig" and len(w) >= 4 and w[1] in rows:
            res = w[3].split()[0]
            rows[w[1]][2].setdefault(w[2], ["", []])[0] = "OK" if res == "ok" else res.split("=")[1]
        elif w[0] == "sigmsg" and len(w) >= 4 and w[1] in rows:
            rows[w[1]][2].setdefault(w[2], ["", []])[1].append(w[3])
    _sig_cache[flavour] = rows
    return rows


def sig_check(names, flavour="main", forced=True):
    rows = sig_matrix(flavour)
    for name in names:
        want, why, got = rows[name]
        c, r = got.get("c", ["?", []]), got.get("rust", ["?", []])
        expect(c[0] == r[0], f"{name} ({why}): C gives {c[0]}, Rust gives {r[0]}")
        if forced:
            expect(c[0] == want, f"{name} ({why}): C gives {c[0]}, expected {want}")
            if want != "OK":
                enforced = [m for m in r[1] if "Enforced kernel signature verification failed" in m]
                expect(enforced, f"{name}: no 'Enforced kernel signature verification failed' line for Rust: {r[1]}")
        # The reason the verification gives, once the loader prefix is gone.
        strip = lambda ms: sorted(m.split(": ", 1)[-1] for m in ms
                                  if m.startswith(("kexec-bzImage64", "PEFILE", "PKCS7", "kexec_file")))
        expect(strip(c[1]) == strip(r[1]), f"{name}: messages differ:\n  C    {c[1]}\n  Rust {r[1]}")
        print(f"# {name}: {why}: {c[0]} from both loaders", flush=True)


@case
def kexec_sig_signed_boots():
    sig_check(["signed"])
    n = kt.nonce()
    b = kt.boot("kexec_sig_signed_boots", f"kt.test=sig_boot kt.loader=rust kt.next_nonce={n}")
    expect(loader_of(b) == "rust", f"signed image loaded by {loader_of(b)}", b)
    expect(b.stage_reached() >= 2 and b.has(f"nonce {n}") and b.has("initrd ok"),
           "stage 2 not reached with the signed image", b)


@case
def kexec_sig_unsigned_rejected():
    sig_check(["unsigned"])


@case
def kexec_sig_tampered_rejected():
    sig_check(["tampered"])


@case
def kexec_sig_untrusted_rejected():
    sig_check(["untrusted"])


@case
def kexec_sig_malformed_rejected():
    sig_check(["secdir_past_end", "secdir_too_long", "secdir_zero_size", "secdir_size_4",
               "cert_type_x509", "cert_revision_1", "not_pkcs7", "garbage_pkcs7"])


@case
def kexec_sig_not_forced():
    """Without KEXEC_SIG_FORCE (the debug kernel) unsigned and badly signed
    images load, through both loaders, with the same messages."""
    rows = sig_matrix("debug")
    for name in ("unsigned", "untrusted", "tampered", "signed"):
        want, why, got = rows[name]
        c, r = got.get("c", ["?", []]), got.get("rust", ["?", []])
        expect(c[0] == "OK" and r[0] == "OK", f"{name} ({why}): C {c[0]}, Rust {r[0]}, expected both to load")
    sig_check(NOT_FORCED, flavour="debug", forced=False)


@case
def kexec_corpus_errno():
    b = kt.boot("kexec_corpus_errno", "kt.test=corpus", flavour="debug", timeout=1500)
    end = [m for _, m in b.markers("corpus end")]
    expect(not b.timed_out and end, "corpus run did not finish", b)
    oops = b.oops()
    expect(not oops, f"report on the console: {oops[0].group(0) if oops else ''}", b)
    rows = [m.split() for _, m in b.markers("cx ")]
    with open(os.path.join(kt.guest_dir("debug"), "images", "corpus", "LIST")) as f:
        listed = [l.strip() for l in f if l.strip()]
    seen = {r[1]: (r[2], r[3]) for r in rows if len(r) == 4}
    missing = [n for n in listed if n not in seen]
    expect(not missing, f"{len(missing)} corpus images without a result, e.g. {missing[:5]}", b)
    # The deliberate differences: what C loads but cannot boot, which the
    # Rust loader refuses (rust_refusal, the same checks on the same bytes).
    cdir = os.path.join(kt.guest_dir("debug"), "images", "corpus")
    deliberate, differ = {}, []
    for n, (c, r) in seen.items():
        path = os.path.join(cdir, n)
        # (A few inputs are not corpus files: see corpus.sh.)
        want = c
        if os.path.exists(path):
            with open(path, "rb") as f:
                want = rust_refusal(f.read()) or c
        if want != c:
            deliberate[n] = (c, want)
        if r != want:
            differ.append((n, c, r, want))
    expect(not differ, f"{len(differ)} inputs where Rust does not give what is expected "
           f"(name, C, Rust, expected), e.g. {differ[:8]}")
    # (Where C refuses such an image too, later, the Rust refusal comes first.)
    none = [n for n, (c, r) in seen.items() if c == "none"]
    expect(not none, f"no result for {none[:5]}")
    # The guest's own failures (no switch, no file) are not results.
    harness = [(n, c, r) for n, (c, r) in seen.items() if {c, r} & {"err=NOKNOB", "err=OPEN"}]
    expect(not harness, f"{len(harness)} images not loaded by the guest program, e.g. {harness[:5]}", b)
    loaded = sum(1 for c, _ in seen.values() if c == "ok")
    expect(loaded and loaded < len(seen), f"{loaded} of {len(seen)} inputs loaded: the corpus "
           "must hold both images that load and images that are refused", b)
    from collections import Counter
    hist = Counter(c for c, _ in seen.values())
    print(f"# {len(seen)} inputs ({len(listed)} images), C results: {dict(sorted(hist.items()))}; "
          f"Rust the same but for {len(deliberate)} images that cannot boot, refused first "
          f"(C -> Rust: {dict(sorted(Counter(deliberate.values()).items()))}), e.g. "
          f"{sorted(deliberate)[:4]}", flush=True)


@case
def kexec_load_unload_leak():
    b = kt.boot("kexec_load_unload_leak", "kt.test=leak kt.cycles=1000", flavour="debug",
                timeout=1500, mem="1G")
    leak = b.markers("leak ")
    expect(not b.timed_out and leak, "leak run did not finish", b)
    f = dict(kv.split("=") for kv in leak[0][1].split()[1:])
    expect(f["cycles"] == "1000" and f["fails"] == "0", f"cycles: {leak[0][1]}", b)
    before, after = int(f["before_kb"]), int(f["after_kb"])
    # A leak lowers MemAvailable; it may rise (KASAN's quarantine drains).
    drift = (before - after) / before
    expect(drift <= 0.01, f"MemAvailable {before} kB -> {after} kB (lost {100 * drift:.2f}%)", b)
    kml = b.markers("kmemleak unreferenced=")
    expect(kml, "kmemleak not available in the debug kernel", b)
    n = int(kml[0][1].split("=")[1])
    expect(n == 0, f"kmemleak reports {n} unreferenced objects", b)
    oops = b.oops()
    expect(not oops, f"report on the console: {oops[0].group(0) if oops else ''}", b)
    print(f"# 1000 load/unload cycles: MemAvailable {before} -> {after} kB "
          f"({-100 * drift:+.2f}%), kmemleak: 0 unreferenced objects", flush=True)


def sane(b, kexecs=1):
    """No timeout, no oops, and each of the `kexecs` jumps went through the
    Rust hand-off (machine_kexec()'s "hand-off:" line, printed just before)."""
    expect(not b.timed_out, "guest timed out", b)
    oops = b.oops()
    expect(not oops, f"oops/warning on the console: {oops[0].group(0) if oops else ''}", b)
    n = len(b.all(r"^\[\s*[\d.]+\] kexec: hand-off: \d+ segments, entry 0x[0-9a-f]+, control page"))
    expect(n == kexecs, f"{n} kexecs through the Rust hand-off, wanted {kexecs}", b)


def by_stage(b):
    """{stage: [marker, ...]}: the markers of each boot of a chain."""
    out, cur = {}, 0
    for _, m in b.markers():
        sm = re.match(r"stage (\d+) reached", m)
        if sm:
            cur = int(sm.group(1))
        out.setdefault(cur, []).append(m)
    return out


def loads(ms, tag="dmesg"):
    """The loads logged (show_loader_log TAG) in markers `ms`: for each,
    {"segs": [(mem, memsz, bufsz)], "initrd": (mem, bufsz) or None,
    "purgatory": mem or None, "ram": [(start, end)] from the loader's E820
    dump, "rust": bool}."""
    out = []
    for m in ms:
        if not m.startswith(tag + " "):
            continue
        sm = SEG_RE.search(m)
        # A load's log starts with the core's "kernel:" line.
        if not out or "kexec_file: kernel: " in m or (sm and sm.group(1) == "0" and out[-1]["segs"]):
            out.append({"segs": [], "initrd": None, "purgatory": None, "ram": [], "rust": False})
        cur = out[-1]
        if sm:
            cur["segs"].append((int(sm.group(3), 16), int(sm.group(4), 16), int(sm.group(2), 16)))
            continue
        if "kexec-bzImage64-rs: Loaded 64bit kernel at" in m:
            cur["rust"] = True
        pm = re.search(r"Loaded purgatory at (0x[0-9a-f]+)", m)
        if pm:
            cur["purgatory"] = int(pm.group(1), 16)
        im = re.search(r"Loaded initrd at (0x[0-9a-f]+) bufsz=(0x[0-9a-f]+)", m)
        if im:
            cur["initrd"] = (int(im.group(1), 16), int(im.group(2), 16))
        em = re.search(r": ([0-9a-f]{16})-([0-9a-f]{16}) \(1\)$", m)
        if em:
            cur["ram"].append((int(em.group(1), 16), int(em.group(2), 16) + 1))
    return out


def check_segments_in_ram(ld, b):
    for mem, memsz, _ in ld["segs"]:
        expect(any(s <= mem and mem + memsz <= e for s, e in ld["ram"]),
               f"segment {mem:#x}+{memsz:#x} outside the E820 RAM ranges {ld['ram']}", b)


CHAIN_LEN = 10


@case
def kexec_chain_10():
    """Ten kexecs in a row, each stage loading the next from the disk."""
    nonces = [kt.nonce() for _ in range(CHAIN_LEN)]
    b = kt.boot("kexec_chain_10", f"kt.test=chain kt.nonces={','.join(nonces)}", timeout=300)
    sane(b, CHAIN_LEN)
    st = by_stage(b)
    order = [int(m.split()[1]) for _, m in b.markers("stage ")]
    expect(order == list(range(1, CHAIN_LEN + 2)),
           f"stages reached {order}, wanted 1..{CHAIN_LEN + 1} in order", b)
    for i, n in enumerate(nonces):
        ms = st.get(i + 2, [])
        got = [m.split()[1] for m in ms if m.startswith("nonce ")]
        expect(got == [n], f"stage {i + 2} printed nonce(s) {got}, wanted {n}", b)
        expect("initrd ok" in ms, f"stage {i + 2}: initrd check failed", b)
    for s in range(1, CHAIN_LEN + 1):
        ld = loads(st.get(s, []))
        expect(len(ld) == 1 and ld[0]["rust"] and ld[0]["segs"],
               f"stage {s}: not one load through the Rust loader", b)
        expect(st[s][-1] == "handoff", f"stage {s}: did not end in a kexec: {st[s][-1:]}", b)
    expect("handoff" not in st[CHAIN_LEN + 1] and "done" in st[CHAIN_LEN + 1],
           f"stage {CHAIN_LEN + 1} did not end the chain", b)
    t = [t for t, m in b.markers("stage ")]
    print(f"# {CHAIN_LEN} kexecs, stages 2..{CHAIN_LEN + 1} each with its nonce and initrd; "
          f"{(t[-1] - t[0]) / CHAIN_LEN:.1f} s per kexec (TCG)", flush=True)


@case
def kexec_smp():
    """Four CPUs before the kexec, four after."""
    n = kt.nonce()
    b = kt.boot("kexec_smp", f"kt.test=smp kt.next_nonce={n}", smp=4)
    sane(b)
    cpus = {}
    for _, m in b.markers("cpus "):
        f = dict(kv.split("=", 1) for kv in m.split()[1:])
        cpus[int(f["stage"])] = f
    expect(1 in cpus, "stage 1 printed no CPUs", b)
    expect(b.stage_reached() >= 2 and b.has(f"nonce {n}") and b.has("initrd ok"),
           "stage 2 not reached with its nonce and initrd", b)
    expect(2 in cpus, "stage 2 printed no CPUs", b)
    show = lambda c: f"online={c['online']} processors={c['processors']} ran_on={c['ran_on']}"
    expect(cpus[2] == dict(cpus[1], stage="2"),
           f"CPUs differ across the kexec: stage 1 {show(cpus[1])}, stage 2 {show(cpus[2])}", b)
    _, lim = b.first(r"CPU limit of (\d+) reached")
    for s in (1, 2):
        c = cpus[s]
        expect(c["online"] == "0-3" and c["processors"] == "4" and c["ran_on"] == "0,1,2,3",
               f"stage {s}: {show(c)}, wanted online=0-3 processors=4 ran_on=0,1,2,3"
               + (f" (the kernel is built with NR_CPUS={lim.group(1)})" if lim else ""), b)
    ld = loads(by_stage(b)[1])
    expect(len(ld) == 1 and ld[0]["rust"], "stage 1: not loaded by the Rust loader", b)
    print("# stage 1 and stage 2: CPUs 0-3 online, a task ran on each", flush=True)


@case
def kexec_memory_sizes():
    """Segment placement with 256 MiB and with 4 GiB of RAM."""
    MiB, GiB = 1 << 20, 1 << 30
    for mem, size in (("256M", 256 * MiB), ("4G", 4 * GiB)):
        n = kt.nonce()
        b = kt.boot(f"kexec_memory_sizes_{mem}", f"kt.test=kexec_stage2 kt.loader=rust kt.next_nonce={n}",
                    mem=mem)
        sane(b)
        expect(b.stage_reached() >= 2 and b.has(f"nonce {n}") and b.has("initrd ok"),
               f"mem={mem}: stage 2 not reached with its nonce and initrd", b)
        ld = loads(by_stage(b)[1])
        expect(len(ld) == 1 and ld[0]["rust"] and len(ld[0]["segs"]) == 4,
               f"mem={mem}: not one four-segment load by the Rust loader", b)
        ld = ld[0]
        check_segments_in_ram(ld, b)
        where = ", ".join(f"[{i}] {m:#x}+{sz:#x}" for i, (m, sz, _) in enumerate(ld["segs"]))
        print(f"# mem={mem}: RAM {', '.join(f'{s:#x}-{e:#x}' for s, e in ld['ram'])}", flush=True)
        print(f"# mem={mem}: segments {where}", flush=True)
        if size < 4 * GiB:
            high = [(m, sz) for m, sz, _ in ld["segs"] if m + sz > size]
            expect(not high, f"mem={mem}: segments past {size:#x}: {high}", b)
        else:
            expect(any(m >= 4 * GiB for m, _, _ in ld["segs"]),
                   f"mem={mem}: no segment above 4 GiB: {where}", b)
            pg = ld["purgatory"]
            expect(pg is not None and pg >= 4 * GiB,
                   f"mem={mem}: the purgatory (placed top-down) is at {pg and hex(pg)}, below 4 GiB", b)


@case
def kexec_big_initrd():
    """A 64 MiB initrd, built in the guest, arrives intact."""
    n = kt.nonce()
    b = kt.boot("kexec_big_initrd", f"kt.test=big_initrd kt.next_nonce={n}", mem="1G", timeout=240)
    sane(b)
    made = b.markers("big initrd ")
    expect(made, "stage 1 did not build the initrd", b)
    f = dict(kv.split("=", 1) for kv in made[0][1].split()[2:])
    size, sha = int(f["bytes"]), f["payload"]
    expect(size >= 64 << 20, f"initrd of {size} bytes", b)
    with open(os.path.join(kt.guest_dir(), "payload.sha256")) as fh:
        expect(sha != fh.read().strip(), "the payload is the disk's, not the new one", b)
    ld = loads(by_stage(b)[1])
    expect(len(ld) == 1 and ld[0]["rust"] and ld[0]["initrd"], "stage 1: no Rust load with an initrd", b)
    mem, bufsz = ld[0]["initrd"]
    seg = [s for s in ld[0]["segs"] if s[0] == mem]
    expect(seg, f"no segment at the initrd's address {mem:#x}", b)
    expect(bufsz == size and seg[0][2] == size, f"initrd bufsz {bufsz:#x}/{seg[0][2]:#x}, file {size:#x}", b)
    expect(seg[0][1] >= 64 << 20, f"initrd segment memsz {seg[0][1]:#x} < 64 MiB", b)
    check_segments_in_ram(ld[0], b)
    st2 = by_stage(b).get(2, [])
    expect(f"nonce {n}" in st2, "stage 2 not reached with its nonce", b)
    expect(f"kt.payload={sha}" in " ".join(l for _, l in b.lines), "kt.payload not passed", b)
    expect("initrd ok" in st2, "stage 2: the 64 MiB payload does not match", b)
    expect("big payload bytes=67108864" in st2, "stage 2: /payload is not 64 MiB", b)
    print(f"# initrd {size} bytes at {mem:#x} (memsz {seg[0][1]:#x}), 64 MiB payload intact", flush=True)


@case
def kexec_reload():
    """Unload and reload: the image executed is the one loaded last."""
    na, na2, nb = kt.nonce(), kt.nonce(), kt.nonce()
    b = kt.boot("kexec_reload", f"kt.test=reload kt.nonce_a={na} kt.nonce_a2={na2} kt.nonce_b={nb}")
    sane(b)
    st = by_stage(b)
    s1 = st.get(1, [])
    steps = [m for m in s1 if m.startswith(("load ", "unload", "kexec_loaded", "exec ", "handoff"))]
    steps = [re.sub(r" us=\d+", "", m) for m in steps]
    want = ["load ok", "kexec_loaded A 1", "unload ok", "kexec_loaded unload 0",
            "handoff", "exec err=EINVAL errno=22",
            "load ok", "kexec_loaded A2 1", "load ok", "kexec_loaded B 1", "handoff"]
    expect(steps == want, f"stage 1 steps {steps}, wanted {want}", b)
    for tag in ("A", "A2", "B"):
        ld = loads(s1, tag)
        expect(len(ld) == 1 and ld[0]["rust"], f"load {tag}: not one Rust load", b)
    line = next((m for m in s1 if m.startswith("reload ")), "reload")
    p = dict(kv.split("=", 1) for kv in line.split()[1:])
    expect(len(p.get("payload_b", "")) == 64 and p["payload_b"] != p.get("payload_a"),
           f"payloads: {line}", b)
    s2 = st.get(2, [])
    expect(s2, "stage 2 not reached", b)
    got = [m.split()[1] for m in s2 if m.startswith("nonce ")]
    expect(got == [nb], f"stage 2 printed nonce(s) {got}, wanted B {nb} (A {na}, A2 {na2})", b)
    cl = next((m for m in s2 if m.startswith("cmdline ")), "")
    expect(f"kt.nonce={nb}" in cl and na not in cl and na2 not in cl and f"kt.payload={p['payload_b']}" in cl,
           f"stage 2 command line: {cl}", b)
    expect("initrd ok" in s2 and "payload bytes=2097152" in s2, "stage 2 did not get B's initrd", b)
    print("# load A, unload, exec refused, load A', load B over it, exec: B ran", flush=True)


@case
def kexec_busy_device():
    """kexec while the virtio disk is busy; the next kernel reads it intact."""
    MiB = 1 << 20
    img = os.path.join(kt.guest_dir(), "disk.img")
    with open(img, "rb") as f:
        data = f.read()
    # A 4 MiB range without an all-zero MiB, somewhere else each run.
    full = [o for o in range(len(data) // MiB - 3)
            if all(data[(o + i) * MiB:(o + i + 1) * MiB].count(0) != MiB for i in range(4))]
    expect(full, "no 4 MiB range with data on the disk image")
    off = random.choice(full)
    sha = hashlib.sha256(data[off * MiB:(off + 4) * MiB]).hexdigest()
    n = kt.nonce()
    b = kt.boot("kexec_busy_device", f"kt.test=busy_device kt.next_nonce={n} kt.blk={off}:{sha}")
    sane(b)
    st = by_stage(b)
    s1, s2 = st.get(1, []), st.get(2, [])
    expect("blk stage1 ok" in s1, "stage 1: the range does not match before the kexec", b)
    busy = [m for m in s1 if m.startswith("busy ")]
    expect(len(busy) == 2, f"reader not confirmed before the load and at exec: {busy}", b)
    for m in busy:
        f = dict(kv.split("=", 1) for kv in m.split()[1:] if "=" in kv)
        r0, r1 = (int(x) for x in f["reads"].split(".."))
        expect(r1 > r0 and f["dd"], f"disk not being read: {m}", b)
    expect(s1[-1] == "handoff", f"stage 1 did not end in the kexec: {s1[-1:]}", b)
    expect(f"nonce {n}" in s2 and "initrd ok" in s2, "stage 2 not reached with its nonce and initrd", b)
    dev = next((m for m in s2 if m.startswith("blk dev=")), "")
    expect(dev == f"blk dev=present sectors={len(data) // 512} mounted=1", f"stage 2 disk: {dev!r}", b)
    expect("blk stage2 ok" in s2, f"stage 2: the {off} MiB..+4 MiB range does not match", b)
    expect("blk full read rc=0" in s2, "stage 2: reading the whole disk failed", b)
    errs = [m for m in s2 if m.startswith("blkerr ")]
    expect("blk errors=0" in s2 and not errs, f"stage 2: I/O errors {errs}", b)
    print(f"# kexec with the reader running ({busy[-1]}); stage 2 read MiB {off}..{off + 4} "
          f"intact, no I/O errors", flush=True)


@case
def kexec_handoff_checks():
    """What the Rust hand-off checks and C does not: an entry point outside
    every segment is refused at load (EINVAL, the reason logged) with the
    Rust preparation and accepted with the C one; then a real kexec works."""
    n = kt.nonce()
    b = kt.boot("kexec_handoff_checks", f"kt.test=handoff kt.next_nonce={n}")
    sane(b)
    expect(b.has("handoff c_handoff N"), "the Rust hand-off is not the default (c_handoff switch)", b)
    raw = {}
    for _, m in b.markers("raw "):
        w = m.split()
        raw[(w[1], w[2])] = " ".join(w[3:])
    want = {("outside", "rust"): "load err=EINVAL errno=22 loaded=0",
            ("outside", "c"): "load ok loaded=1",
            ("inside", "rust"): "load ok loaded=1",
            ("inside", "c"): "load ok loaded=1"}
    for k, v in want.items():
        expect(raw.get(k) == v, f"kexec_load, entry {k[0]} the segment, {k[1]} hand-off: "
               f"{raw.get(k)}, wanted {v}", b)
    why = [m for _, m in b.markers("rawmsg outside rust ")]
    expect(any("hand-off refused: entry point 0x1002000 is in no segment" in m for m in why),
           f"no reason logged for the refusal: {why}", b)
    expect(b.stage_reached() >= 2 and b.has(f"nonce {n}") and b.has("initrd ok"),
           "stage 2 not reached after the refusals", b)
    print("# entry point outside the segments: EINVAL with the Rust hand-off "
          "(C loads it); the next kexec reached stage 2", flush=True)


@case
def kexec_after_memory_hotplug():
    """An image loaded through the Rust loader, then a DIMM hot-added (QEMU
    pc-dimm, ACPI memory hotplug, onlined by the kernel): the direct map grew
    after the load, and the kexec still reaches stage 2."""
    MiB = 1 << 20
    size = 256 * MiB
    n = kt.nonce()
    hot_add = [f"object_add memory-backend-ram,id=mem1,size={size // MiB}M",
               "device_add pc-dimm,id=dimm1,memdev=mem1"]
    b = kt.boot("kexec_after_memory_hotplug", f"kt.test=hotplug kt.next_nonce={n}",
                mem="512M,slots=2,maxmem=2G", timeout=300,
                on_marker={"hotplug ready": hot_add}, stop_on=r"hand-off refused")
    st = by_stage(b)
    s1 = st.get(1, [])
    ld = loads(s1)
    expect(len(ld) == 1 and ld[0]["rust"], "stage 1: not one load through the Rust loader", b)
    t_ready, ready = b.first(r"KT: hotplug ready (.*)")
    expect(ready is not None, "stage 1 never got to the hot-add", b)
    t_load, _ = b.first(r"KT: dmesg .*kexec-bzImage64-rs: Loaded 64bit kernel at")
    expect(t_load is not None and t_load <= t_ready and "kexec_loaded=1" in ready.group(1),
           f"the image was not loaded before the hot-add: {ready.group(0)}", b)
    done = [(c, r) for _, _, c, r in b.monitor]
    expect(len(done) == len(hot_add) and all(r == "" for _, r in done),
           f"hot-add through the QEMU monitor failed: {done}", b)
    _, grew = b.first(r"KT: hotplug memtotal before=(\d+) after=(\d+) blocks before=(\d+) after=(\d+)")
    expect(grew is not None, "stage 1 did not report MemTotal after the hot-add", b)
    mt0, mt1, bl0, bl1 = (int(x) for x in grew.groups())
    added = (mt1 - mt0) * 1024
    expect(0.9 * size <= added <= size,
           f"MemTotal {mt0} kB -> {mt1} kB after hot-adding {size // MiB} MiB", b)
    blocks = [m.split()[2:] for m in s1 if m.startswith("hotplug block ")]
    expect(blocks and bl1 > bl0 and all(w[-1] == "online" for w in blocks),
           f"new memory blocks not online ({bl0} -> {bl1}): {blocks}", b)
    rng = ", ".join(w[1] for w in blocks)
    if b.stopped:
        expect(False, f"the kexec after the hot-add was refused (MemTotal {mt0} -> {mt1} kB, "
               f"new blocks {rng}):\n  {b.stopped[1]}", b)
    sane(b)
    expect(s1 and s1[-1] == "handoff", f"stage 1 did not end in the kexec: {s1[-1:]}", b)
    s2 = st.get(2, [])
    expect(s2, "stage 2 not reached after the hot-add", b)
    expect(f"nonce {n}" in s2, f"stage 2 did not print nonce {n}", b)
    expect("initrd ok" in s2, "stage 2 initrd check failed", b)
    t2 = [t for t, m in b.markers("stage 2 reached")][0]
    seen = next((m.split(" ", 2)[2] for m in s2 if m.startswith("hotplug stage2 ")), "?")
    print(f"# MemTotal {mt0} -> {mt1} kB (+{added // MiB} MiB, blocks {bl0} -> {bl1}: {rng}) "
          f"at {t_ready:.1f} s, after the Rust load; stage 2 at {t2:.1f} s ({seen}); "
          f"{b.lines[-1][0]:.0f} s in all", flush=True)


# kdump: one boot per way the crash kernel is loaded, shared by the cases.
# Boots "rust" and "c" run the same scenario (2 CPUs; after the crash load
# a DIMM is hot-added and CPU 1 taken offline) with the same nonce and
# marker, so that their crash kernels can be compared; "tools" loads with
# Debian's kexec -s -p.
KDUMP_MEM, KDUMP_RESERVE, KDUMP_DIMM = "1G", "256M", 256
_kdump_cache = {}
_kdump_ids = {"nonce": kt.nonce(), "marker": kt.nonce()}


def kdump_boot(final):
    if final in _kdump_cache:
        return _kdump_cache[final]
    hotplug = final != "tools"
    extra = {}
    if hotplug:
        extra = {"on_marker": {"hotplug ready": [
            f"object_add memory-backend-ram,id=mem1,size={KDUMP_DIMM}M",
            "device_add pc-dimm,id=dimm1,memdev=mem1"]}}
    b = kt.boot(f"kdump_{final}", f"crashkernel={KDUMP_RESERVE} kt.test=kdump kt.final={final} "
                f"kt.hotplug={int(hotplug)} kt.next_nonce={_kdump_ids['nonce']} "
                f"kt.marker={_kdump_ids['marker']}",
                mem=f"{KDUMP_MEM},slots=2,maxmem=2G" if hotplug else KDUMP_MEM, smp=2,
                timeout=300, **extra)
    st = by_stage(b)
    r = {"b": b, "s1": st.get(1, []), "s2": st.get(2, [])}
    _kdump_cache[final] = r
    return r


def kdump_reached(k):
    """The panic reached the crash kernel, which saw its nonce and initrd."""
    b, s1, s2 = k["b"], k["s1"], k["s2"]
    expect(not b.timed_out, "guest timed out", b)
    # The panic's first console line can land before the marker's newline.
    expect(any(m.startswith("kdump crash") for m in s1),
           f"stage 1 did not get to the panic: {s1[-3:]}", b)
    expect(s2, "the crash kernel was not reached", b)
    expect(f"nonce {_kdump_ids['nonce']}" in s2 and "initrd ok" in s2,
           "the crash kernel did not see its nonce and initrd", b)
    # Only the first kernel panics (on purpose); the crash kernel must not.
    t2 = next(t for t, m in b.markers("stage 2 reached"))
    ho = [l for t, l in b.lines if t < t2 and re.search(r"\] kexec: hand-off: \d+ segments, entry", l)]
    # The Rust hand-off prints a crash kernel's line when it is loaded, and
    # nothing in the panic path (control() prints only for kexec images).
    expect(ho and ho[-1].endswith("(crash kernel, at load)"),
           f"no Rust hand-off line for the crash kernel's load: {ho[-1:]}", b)
    jumps = [l for l in ho if l.endswith("(at the jump)")]
    expect(not jumps, f"the panic path printed a hand-off line: {jumps[:1]}", b)
    bad = [l for t, l in b.lines if t >= t2 and re.search(r"(BUG:|Oops|KASAN|UBSAN|WARNING:|Kernel panic)", l)]
    expect(not bad, f"report in the crash kernel: {bad[:1]}", b)


def kv(m):
    return dict(w.split("=", 1) for w in m.split() if "=" in w)


def ranges_minus(ranges, holes):
    out = []
    for s, e in ranges:
        cur = [(s, e)]
        for hs, he in holes:
            nxt = []
            for a, z in cur:
                if he <= a or hs >= z:
                    nxt.append((a, z))
                    continue
                if a < hs:
                    nxt.append((a, hs))
                if he < z:
                    nxt.append((he, z))
            cur = nxt
        out += cur
    return out


def iomem(s1, what):
    out = []
    for m in s1:
        mm = re.match(r"kdump iomem ([0-9a-f]+)-([0-9a-f]+) : " + what + "$", m)
        if mm:
            out.append((int(mm.group(1), 16), int(mm.group(2), 16) + 1))
    return out


@case
def kdump_rust_vmcore():
    """A crash kernel loaded through the Rust loader: the panic reaches it,
    /proc/vmcore is an ELF core covering the first kernel's RAM outside the
    reservation, and Debian's vmcore-dmesg and makedumpfile read it."""
    k = kdump_boot("rust")
    b, s1, s2 = k["b"], k["s1"], k["s2"]
    final = loads(s1, "kdfinal rust")
    expect(len(final) == 1 and final[0]["rust"], "the crash kernel was not loaded by the Rust loader", b)
    expect("kdump loaded rust crash_loaded=1" in s1, "no crash kernel loaded", b)
    kdump_reached(k)
    vm = next((kv(m) for m in s2 if m.startswith("vmcore elf=")), None)
    expect(vm and vm.get("elf") == "ok", f"/proc/vmcore is not a valid ELF core: {vm}", b)
    expect(vm["vmcoreinfo"] == "1" and int(vm["prstatus"]) >= 1,
           f"vmcore notes: {vm['prstatus']} NT_PRSTATUS, VMCOREINFO {vm['vmcoreinfo']}", b)
    loads_ = [(int(a, 16), int(a, 16) + int(z, 16)) for a, z in
              (m.split()[1:3] for m in s2 if m.startswith("vmload "))]
    ram, crash = iomem(s1, "System RAM"), iomem(s1, "Crash kernel")
    expect(ram and len(crash) == 1, f"first kernel's RAM {ram}, reservation {crash}", b)
    # The low 1 MiB is not dumped on x86 (the crash kernel gets it as RAM).
    want = [r for r in ranges_minus(ram, crash + [(0, 1 << 20)]) if r[1] - r[0] >= 4096]
    uncovered = ranges_minus(want, loads_)
    expect(not uncovered, "RAM outside the reservation not in the vmcore's PT_LOADs: "
           + ", ".join(f"{a:#x}-{z:#x}" for a, z in uncovered[:4]), b)
    inside = [l for l in loads_ if l[0] < crash[0][1] and crash[0][0] < l[1]]
    expect(not inside, f"PT_LOADs inside the reservation: {inside}", b)
    vd = next((kv(m) for m in s2 if m.startswith("vmcore-dmesg rc=")), None)
    expect(vd and vd["rc"] == "0" and int(vd["lines"]) > 50,
           f"vmcore-dmesg: {vd} {[m for m in s2 if m.startswith('vmcore-dmesg err')]}", b)
    expect(int(vd["marker"]) >= 1, "the marker written before the panic is not in the log vmcore-dmesg read", b)
    md = next((kv(m) for m in s2 if m.startswith("makedumpfile rc=")), None)
    expect(md and md["rc"] == "0" and int(md["bytes"]) > 0,
           f"makedumpfile -d 31: {md} {[m for m in s2 if m.startswith('makedumpfile out')]}", b)
    print(f"# crash kernel reached; vmcore {vm['loads']} PT_LOADs ({int(vm['load_bytes']) >> 20} MiB) "
          f"covering RAM outside {crash[0][0]:#x}-{crash[0][1]:#x}, {vm['prstatus']} CPU note(s); "
          f"vmcore-dmesg {vd['lines']} lines with the marker; makedumpfile -d 31 dump "
          f"{int(md['bytes']) >> 10} KiB", flush=True)


@case
def kdump_hotplug():
    """After the crash load, a DIMM hot-added and CPU 1 taken offline: the
    kernel's hotplug handler rewrites the ELF core headers of a Rust-loaded
    image as of a C-loaded one: the new memory is dumped, and the CPU notes
    are the same."""
    got = {}
    for final in ("rust", "c"):
        k = kdump_boot(final)
        b, s1, s2 = k["b"], k["s1"], k["s2"]
        expect(f"kdump loaded {final} crash_loaded=1" in s1, f"{final}: no crash kernel loaded", b)
        mt = next((kv(m) for m in s1 if m.startswith("kdump memtotal ")), {})
        added = (int(mt.get("after", 0)) - int(mt.get("before", 0))) << 10
        expect(0.9 * (KDUMP_DIMM << 20) <= added <= KDUMP_DIMM << 20,
               f"{final}: MemTotal {mt} after hot-adding {KDUMP_DIMM} MiB", b)
        expect("kdump offline cpus=0" in s1, f"{final}: CPU 1 not taken offline: {s1[-4:]}", b)
        kdump_reached(k)
        eh = next((kv(m) for m in s2 if m.startswith("elfcorehdr addr=")), None)
        expect(eh is not None, f"{final}: ELF core headers not read: "
               f"{[m for m in s2 if m.startswith('vmcore elf=bad')]}", b)
        vm = next((kv(m) for m in s2 if m.startswith("vmcore elf=ok")), {})
        loads_ = [(int(a, 16), int(a, 16) + int(z, 16)) for a, z in
                  (m.split()[1:3] for m in s2 if m.startswith("vmload "))]
        # The DIMM: the System RAM range that starts at or above 4 GiB.
        dimm = [r for r in iomem(s1, "System RAM") if r[0] >= 1 << 32]
        expect(len(dimm) == 1, f"{final}: hot-added RAM {dimm}", b)
        expect(not ranges_minus(dimm, loads_),
               f"{final}: the hot-added {dimm[0][0]:#x}-{dimm[0][1]:#x} is not in the vmcore", b)
        got[final] = (int(eh["notes"]), int(eh["loads"]), vm.get("prstatus"), vm.get("loads"))
    expect(got["rust"] == got["c"],
           f"ELF core headers (notes, loads), vmcore (NT_PRSTATUS, loads): Rust {got['rust']}, C {got['c']}")
    print(f"# +{KDUMP_DIMM} MiB at {dimm[0][0]:#x} dumped, CPU 1 offline: ELF core headers with "
          f"{got['rust'][0]} notes and {got['rust'][1]} loads, {got['rust'][2]} NT_PRSTATUS in the "
          "vmcore, for both loaders", flush=True)


@case
def kdump_differential():
    """The same crash load through C and Rust: the same segments and final
    command line (one boot), the same boot_params bytes and command line in
    the crash kernels (the two boots of kdump_hotplug)."""
    k = kdump_boot("rust")
    b, s1 = k["b"], k["s1"]
    lc, lr = loads(s1, "kd c"), loads(s1, "kd rust")
    expect(len(lc) == 1 and not lc[0]["rust"] and len(lr) == 1 and lr[0]["rust"],
           "not one crash load through each loader", b)
    expect(lc[0]["segs"] and lc[0]["segs"] == lr[0]["segs"],
           f"segments differ:\n  C    {lc[0]['segs']}\n  Rust {lr[0]['segs']}", b)
    fin = {l: [m.split("Final command line is:", 1)[1].strip() for m in s1
               if m.startswith(f"kd {l} ") and "Final command line is:" in m] for l in ("c", "rust")}
    expect(fin["c"] and fin["c"] == fin["rust"] and fin["c"][0].startswith("elfcorehdr=0x"),
           f"final command lines: C {fin['c']} Rust {fin['rust']}", b)
    bp, cl = {}, {}
    for final in ("rust", "c"):
        k = kdump_boot(final)
        kdump_reached(k)
        bp[final] = "".join(m.split()[1] for m in k["s2"] if m.startswith("kdbp "))
        cl[final] = next((m for m in k["s2"] if m.startswith("kdcl ")), None)
    expect(len(bp["rust"]) == 8192, f"crash kernel boot_params: {len(bp['rust']) // 2} bytes", k["b"])
    d = [hex(i // 2) for i in range(0, 8192, 2) if bp["rust"][i:i + 2] != bp["c"][i:i + 2]]
    expect(not d, f"crash kernel boot_params differ at {d[:16]}")
    expect(cl["rust"] and cl["rust"] == cl["c"], f"crash kernel command lines: {cl}")
    print(f"# {len(lr[0]['segs'])} segments, final command line ({fin['c'][0][:28]}...), "
          "4096 boot_params bytes (crash e820 included) and /proc/cmdline identical", flush=True)


KDSEQ = ["load load ok crash_loaded=1", "reload load ok crash_loaded=1",
         "unload unload ok crash_loaded=0", "unload2 unload ok crash_loaded=0",
         "load2 load ok crash_loaded=1", "refused load err=EINVAL errno=22 crash_loaded=0",
         "load3 load ok crash_loaded=1", "unload3 unload ok crash_loaded=0"]


@case
def kdump_unload_reload():
    """Load, load over it, unload twice, a refused load, load, unload, through
    each loader: kexec_crash_loaded after each step, as C."""
    k = kdump_boot("rust")
    b, s1 = k["b"], k["s1"]
    seq = {l: [m.split(" ", 2)[2] for m in s1 if m.startswith(f"kdseq {l} ")] for l in ("c", "rust")}
    expect(seq["c"] == KDSEQ, f"C: {seq['c']}, expected {KDSEQ}", b)
    expect(seq["rust"] == seq["c"], f"Rust {seq['rust']} vs C {seq['c']}", b)
    msg = {l: sorted(m.split(" ", 3)[3].split(": ", 1)[-1] for m in s1 if m.startswith(f"kdmsg {l} refused "))
           for l in ("c", "rust")}
    expect(msg["c"] and msg["c"] == msg["rust"], f"refusal messages: C {msg['c']} Rust {msg['rust']}", b)
    print(f"# {len(KDSEQ)} steps, the same through both loaders; refused: {msg['c'][0]}", flush=True)


@case
def kdump_no_reservation():
    """Without crashkernel= a crash load is refused, with C's errno and
    message, through kt_load and through Debian's kexec -s -p."""
    b = kt.boot("kdump_no_reservation", "kt.test=kdump_noreserve")
    expect(not b.timed_out and b.stage_reached() == 1, "guest did not finish", b)
    oops = b.oops()
    expect(not oops, f"oops/warning: {oops[0].group(0) if oops else ''}", b)
    got = {}
    for l in ("c", "rust"):
        r = next((m.split(" ", 2)[2] for _, m in b.markers(f"kdnr {l} ")), None)
        msgs = sorted(m.split(" ", 2)[2].split(": ", 1)[-1] for _, m in b.markers(f"kdnrmsg {l} "))
        tools = next((m.split(" ", 2)[2] for _, m in b.markers(f"kdnrtools {l} ")), None)
        got[l] = (r, msgs, tools)
    expect(got["c"][0] and got["c"][0].startswith("load err=") and got["c"][0].endswith("crash_loaded=0"),
           f"C: {got['c'][0]}", b)
    expect(got["rust"] == got["c"], f"Rust {got['rust']} vs C {got['c']}", b)
    expect(got["c"][2] and "rc=0" not in got["c"][2], f"kexec -s -p: {got['c'][2]}", b)
    print(f"# {got['c'][0]} ({'; '.join(got['c'][1]) or 'no message'}); kexec -s -p: {got['c'][2]}",
          flush=True)


@case
def kdump_kexec_tools():
    """Debian's kexec -s -p loads the crash kernel through the Rust loader
    (the c_purgatory switch makes it name itself), and the panic reaches it."""
    k = kdump_boot("tools")
    b, s1, s2 = k["b"], k["s1"], k["s2"]
    own = [m for m in s1 if m.startswith("kdfinal tools ") and
           "kexec-bzImage64-rs: purgatory: Rust build identical to kexec_load_purgatory()" in m]
    expect(own, f"the Rust loader did not take kexec -s -p's image: {[m for m in s1 if m.startswith('kd')][-6:]}", b)
    expect("kdump loaded tools crash_loaded=1" in s1, "kexec -s -p loaded nothing", b)
    kdump_reached(k)
    vm = next((kv(m) for m in s2 if m.startswith("vmcore elf=")), {})
    expect(vm.get("elf") == "ok", f"/proc/vmcore: {vm}", b)
    print("# kexec -s -p -> Rust loader -> panic -> crash kernel with a valid vmcore", flush=True)


FAULT_PATHS = ("plain", "initrd", "signed", "crash")


@case
def kexec_fault_injection():
    """Every allocation of a load made to fail in turn (fail-nth), through C
    and Rust, for a plain, an initrd, a signed and a crash load: each failed
    load returns an errno and leaves nothing loaded, nothing oopses or leaks
    (kmemleak), and a normal load and kexec work afterwards."""
    b = kt.boot("kexec_fault_injection", "crashkernel=64M kt.test=faults", flavour="debug",
                timeout=900, mem="1G")
    expect(not b.timed_out, "guest timed out", b)
    oops = b.oops()
    expect(not oops, f"report on the console: {oops[0].group(0) if oops else ''}", b)
    got = {}
    for _, m in b.markers("faults "):
        w = m.split()
        got[w[1]] = dict(x.split("=", 1) for x in w[2:])
    errnos = {}
    for l in ("c", "rust"):
        for p in FAULT_PATHS:
            f = got.get(f"{l}:{p}")
            expect(f is not None, f"{l}:{p}: no summary", b)
            expect(int(f["points"]) > 0, f"{l}:{p}: no fault was injected: {f}", b)
            expect(f["stuck"] == "0", f"{l}:{p}: an image stayed loaded after a failed load: {f}", b)
            errnos[(l, p)] = {} if f["errnos"] == "none" else dict(
                (e.split(":")[0], int(e.split(":")[1])) for e in f["errnos"].split(","))
    unf = [m for _, m in b.markers("fault ") if "unfaulted-err=" in m]
    expect(not unf, f"a load without a fault failed: {unf[:3]}", b)
    for p in FAULT_PATHS:
        extra = set(errnos[("rust", p)]) - set(errnos[("c", p)]) - {"ENOMEM"}
        expect(not extra, f"{p}: the Rust path fails with {sorted(extra)}, which C never gives "
               f"(C {errnos[('c', p)]}, Rust {errnos[('rust', p)]})", b)
    kml = b.markers("kmemleak unreferenced=")
    expect(kml and kml[0][1] == "kmemleak unreferenced=0",
           f"kmemleak: {kml[0][1] if kml else 'not available'}", b)
    expect(b.stage_reached() >= 2 and b.has("initrd ok"), "no kexec after the faults", b)
    for p in FAULT_PATHS:
        c, r = got[f"c:{p}"], got[f"rust:{p}"]
        print(f"# {p}: fault points C {c['points']} (failed {c['failed']}, {c['errnos']}), "
              f"Rust {r['points']} (failed {r['failed']}, {r['errnos']})", flush=True)
    print("# nothing left loaded after a failure, no report, kmemleak 0, kexec to stage 2 after",
          flush=True)


_stress = {}


def stress_boot():
    """One debug-kernel boot for the concurrency and memory-pressure cases."""
    if "b" not in _stress:
        n = kt.nonce()
        _stress["n"] = n
        _stress["b"] = kt.boot("kexec_stress", f"kt.test=stress kt.race_seconds=20 kt.next_nonce={n}",
                               flavour="debug", timeout=600, mem="1G")
    return _stress["b"], _stress["n"]


def stress_sane(b, n):
    expect(not b.timed_out, "guest timed out", b)
    oops = b.oops()
    expect(not oops, f"report on the console: {oops[0].group(0) if oops else ''}", b)
    lock = b.all(r"(possible recursive locking|possible circular locking|inconsistent lock state|"
                 r"suspicious RCU usage|sleeping function called from invalid context)")
    expect(not lock, f"lockdep: {lock[0].group(0) if lock else ''}", b)
    expect(b.stage_reached() >= 2 and b.has(f"nonce {n}") and b.has("initrd ok"),
           "stage 2 not reached afterwards", b)


@case
def kexec_concurrent_loads():
    """Three processes loading a good and a malformed image and unloading,
    20 s, while the c_loader switch flips: every answer is success, EBUSY or
    the malformed image's errno; no lockdep report; the last image loaded
    kexecs to stage 2."""
    b, n = stress_boot()
    stress_sane(b, n)
    want = next((m.split("=", 1)[1] for _, m in b.markers("race bad_errno=")), "")
    expect(want == "ENOEXEC", f"the malformed image's own errno: {want!r}", b)
    rows = [dict(x.split("=") for x in m.split()[2:]) for _, m in b.markers("race ")
            if re.match(r"race \d+ ok=", m)]
    expect(len(rows) == 3, f"{len(rows)} racing processes reported, wanted 3", b)
    other = [m for _, m in b.markers("race other ")]
    expect(not other and all(r["other"] == "0" for r in rows), f"unexpected answers: {other[:5]}", b)
    tot = {k: sum(int(r[k]) for r in rows) for k in ("ok", "busy", "bad")}
    expect(tot["ok"] > 10 and tot["busy"] > 0 and tot["bad"] > 0,
           f"too little contention to prove anything: {tot}", b)
    flips = next((m for _, m in b.markers("race flips=")), "race flips=0")
    how = "the image the race loaded last" if b.has("race exec loaded-by-race") else "a new load"
    print(f"# 3 processes, 20 s: {tot['ok']} successful loads/unloads, {tot['busy']} EBUSY, "
          f"{tot['bad']} ENOEXEC for the malformed image, nothing else; {flips.split()[1]} loader "
          f"switches; stage 2 through {how}", flush=True)


@case
def kexec_load_during_pressure():
    """A load while another process holds all but 48 MiB of the available
    memory: ENOMEM or success within the timeout, and the kernel stays usable
    (a load and kexec afterwards)."""
    b, n = stress_boot()
    stress_sane(b, n)
    hog = next((m for _, m in b.markers("pressure hog_mib=")), None)
    expect(hog and "hog ready" in hog, f"the memory hog did not start: {hog}", b)
    r = next((m for _, m in b.markers("pressure load ")), None)
    expect(r is not None, "no load under pressure", b)
    expect("rc=124" not in r and "rc=143" not in r, f"the load hung: {r}", b)
    expect(re.search(r"load (ok|err=ENOMEM)", r), f"neither success nor ENOMEM: {r}", b)
    print(f"# {hog.split(' ', 1)[1]}; {r.split(' ', 1)[1]}", flush=True)


# What each corruption of the corrupt test switch must be refused with
# (rust/kernel/kexec/selftest.rs, CORRUPTIONS; the reasons of entries.rs).
REFUSALS = {
    1: r"is not page-aligned", 2: r"wraps around", 3: r"segments 0 and 1 overlap",
    4: r"control page 0x[0-9a-f]+ lies in segment 0", 5: r"entry point 0x0 is in no segment",
    6: r"is not in the purgatory segment", 7: r"pages are written",
    8: r"source page before any destination", 9: r"is malformed",
    10: r"indirection page 0x[0-9a-f]+ is in a segment or a control page",
    11: r"the image has no page table", 12: r"the image has no control page",
    13: r"is not mapped by the kexec page table",
}


@case
def kexec_handoff_refusals():
    """Each class of refusal of the hand-off checks (a loaded image checked
    with one corruption, then restored) fails the load with EINVAL and its
    reason, keeps the image loaded before, and leaves the machine usable:
    a good image then loads and kexecs."""
    n = kt.nonce()
    b = kt.boot("kexec_handoff_refusals", f"kt.test=refusals kt.next_nonce={n}", flavour="debug",
                timeout=300)
    expect(not b.timed_out, "guest timed out", b)
    oops = b.oops()
    expect(not oops, f"report on the console: {oops[0].group(0) if oops else ''}", b)
    expect(b.has("refuse before load ok") or any(m.startswith("refuse before load ok")
                                                  for _, m in b.markers()), "the first load failed", b)
    for c, why in REFUSALS.items():
        r = next((m for _, m in b.markers(f"refuse {c} ")), None)
        expect(r == f"refuse {c} load err=EINVAL errno=22 loaded=1",
               f"corruption {c}: {r}, wanted EINVAL with the image loaded before kept", b)
        msgs = [m for _, m in b.markers(f"refusemsg {c} ")]
        expect(any(re.search(r"kexec: hand-off refused: .*" + why, m) for m in msgs),
               f"corruption {c}: no refusal matching {why!r}: {msgs}", b)
    expect(b.stage_reached() >= 2 and b.has(f"nonce {n}") and b.has("initrd ok"),
           "stage 2 not reached after the refusals", b)
    print(f"# {len(REFUSALS)} classes of refusal, each EINVAL at load with its reason, the image "
          "loaded before kept; stage 2 reached afterwards", flush=True)


def firmware_image():
    """The distro kernel signed with the firmware's db key (mkinitramfs.sh --db)."""
    return os.path.join(kt.guest_dir("distro"), "firmware.efi")


def sane_boot(b):
    expect(not b.timed_out, "guest timed out", b)
    oops = b.oops()
    expect(not oops, f"oops/warning on the console: {oops[0].group(0) if oops else ''}", b)


_efi_chains = {}


def efi_chain(loader):
    """One boot of the distro kernel through OVMF (cached per loader): stage 1
    writes an EFI variable, has IMA measure files, and kexecs through
    `loader`; stage 2 dumps what it was given (guest/tests/efi.sh)."""
    if loader in _efi_chains:
        return _efi_chains[loader]
    n = kt.nonce()
    # RDRAND seeds the RNG early, so both loaders add an RNG seed entry.
    b = kt.boot(f"efi_chain_{loader}", f"kt.test=efi kt.loader={loader} kt.next_nonce={n} ima_policy=tcb",
                flavour="distro", firmware="uefi", kernel=firmware_image(), timeout=120,
                initrd=os.path.join(kt.guest_dir("distro"), "small.cpio"),
                extra=["-cpu", "max"])
    out = {"nonce": n, "segs": [], "bp": [], "sd": [], "rtmap": [], "ima": {1: [None, set()], 2: [None, set()]}}
    for _, m in b.markers():
        w = m.split(" ")
        if w[0] == "dmesg":
            sm = SEG_RE.search(m)
            if sm:
                out["segs"].append(sm.groups())
        elif w[0] == "bphex":
            out["bp"].append(w[2])
        elif w[0] == "sd":
            out["sd"].append(tuple(w[2:]))
        elif w[0] == "rtmap" and w[1] != "end":
            out["rtmap"].append(" ".join(w[1:]))
        elif w[0] == "ima" and len(w) >= 4:
            st = int(w[1])
            if w[2] == "count":
                out["ima"][st][0] = int(w[3])
            elif w[2] == "has":
                out["ima"][st][1].add(w[3])
        elif w[0] == "efivar" and w[1] == "read":
            out["efivar"] = " ".join(w[2:])
    _efi_chains[loader] = (b, out)
    return b, out


@case
def efi_rust_loader_stage2():
    """Booted through UEFI, the Rust loader takes the image; stage 2 is
    reached and uses the firmware's runtime services: it reads back the EFI
    variable stage 1 wrote."""
    b, out = efi_chain("rust")
    sane_boot(b)
    expect(b.first(r"KT: efi booted")[0] is not None, "stage 1 not booted through EFI", b)
    expect(b.has("efivar written"), "stage 1 could not write the EFI variable", b)
    expect(loader_of(b) == "rust", f"image loaded by {loader_of(b)}, wanted rust", b)
    expect(b.stage_reached() >= 2, "stage 2 not reached", b)
    expect(b.has(f"nonce {out['nonce']}") and b.has("initrd ok"), "stage 2 nonce or initrd check failed", b)
    expect(out.get("efivar") == out["nonce"],
           f"stage 2 read the EFI variable as {out.get('efivar')!r}, stage 1 wrote {out['nonce']!r}", b)
    t1, _ = b.first(r"KT: stage 1 reached")
    t2, _ = b.first(r"KT: stage 2 reached")
    print(f"# UEFI: stage 1 at {t1:.1f} s, stage 2 at {t2:.1f} s; EFI variable read back through runtime services",
          flush=True)


@case
def efi_differential():
    """Booted through UEFI, the C and Rust loaders give the same segments,
    boot_params, setup_data (SETUP_EFI byte for byte, the RNG seed by type)
    and the same EFI runtime map in stage 2."""
    (bc, c), (br, r) = efi_chain("c"), efi_chain("rust")
    for b in (bc, br):
        sane_boot(b)
        expect(b.stage_reached() >= 2, "stage 2 not reached", b)
    expect(loader_of(bc) == "c" and loader_of(br) == "rust",
           f"loaders used: {loader_of(bc)} and {loader_of(br)}")
    expect(c["segs"] and c["segs"] == r["segs"], f"segments differ:\n  C    {c['segs']}\n  Rust {r['segs']}")
    expect(len(c["bp"]) == 128, f"C chain: {len(c['bp'])} boot_params lines, expected 128", bc)
    d = bp_diff(c["bp"], r["bp"])
    expect(not d, f"boot_params bytes differ at {d[:16]}")
    types = sorted(t for t, *_ in c["sd"])
    expect(any(t in ("0x4", "4") for t in types), f"no SETUP_EFI entry in stage 2: {c['sd']}", bc)
    expect(sorted(c["sd"]) == sorted(r["sd"]), f"setup_data differ:\n  C    {c['sd']}\n  Rust {r['sd']}")
    expect(c["rtmap"] and c["rtmap"] == r["rtmap"],
           f"runtime maps differ:\n  C    {c['rtmap']}\n  Rust {r['rtmap']}")
    print(f"# UEFI differential: {len(c['segs'])} segments, 4096 boot_params bytes, setup_data "
          f"types {types}, {len(c['rtmap'])} runtime map entries identical", flush=True)


@case
def ima_kexec_buffer():
    """With IMA_KEXEC and ima_policy=tcb, stage 2 holds stage 1's
    measurements (the files stage 1 read, which stage 2 never opens), through
    the Rust loader as through C, with the same SETUP_IMA entry shape."""
    shapes = {}
    for loader in ("c", "rust"):
        b, out = efi_chain(loader)
        sane_boot(b)
        (n1, f1), (n2, f2) = out["ima"][1], out["ima"][2]
        expect(n1 is not None and n2 is not None, f"{loader}: IMA counts missing", b)
        expect(len(f1) == 3, f"{loader}: stage 1 measured {sorted(f1)}, expected the 3 files", b)
        expect(n2 >= n1, f"{loader}: {n2} measurements in stage 2 < {n1} in stage 1", b)
        expect(f1 <= f2, f"{loader}: stage 2 lacks stage 1's measurements {sorted(f1 - f2)}", b)
        ima = [e for e in out["sd"] if e[0] in ("0x8", "8")]
        expect(len(ima) == 1 and ima[0][1] == "16", f"{loader}: SETUP_IMA entries {ima}", b)
        shapes[loader] = (ima[0][0], ima[0][1])
        print(f"# IMA through {loader}: {n1} measurements in stage 1, {n2} in stage 2, "
              f"stage 1's files present", flush=True)
    expect(shapes["c"] == shapes["rust"], f"SETUP_IMA shapes differ: {shapes}")


SB_IMAGES = {"db_signed": "OK", "signed": "OK", "unsigned": "EPERM", "untrusted": "EPERM",
             "db_tampered": "EPERM", "kexec_load": "EACCES"}


def secboot(loader):
    n = kt.nonce()
    args = "kt.test=secboot"
    args += " kexec_rust_selftest.c_loader=Y" if loader == "c" else f" kt.go=1 kt.next_nonce={n}"
    b = kt.boot(f"secureboot_lockdown_{loader}", args, flavour="distro", firmware="secboot",
                kernel=firmware_image(), timeout=120,
                initrd=os.path.join(kt.guest_dir("distro"), "small.cpio"))
    sane_boot(b)
    res, msgs = {}, {}
    for _, m in b.markers():
        w = m.split(" ", 2)
        if w[0] == "sb" and len(w) == 3:
            res[w[1]] = w[2]
        elif w[0] == "sbmsg" and len(w) == 3:
            name, text = w[1], w[2]
            # The Rust loader parses the PE file itself: its messages carry
            # its prefix where C's come from PEFILE.
            msgs.setdefault(name, []).append(re.sub(r"^(kexec-bzImage64(-rs)?|PEFILE): ", "", text))
    return b, n, res, msgs


@case
def secureboot_lockdown():
    """OVMF with Secure Boot on and Debian's test key in db: the kernel is
    locked down, the db key is in its platform keyring; both loaders accept
    the db-signed image (no KEXEC_SIG_FORCE: lockdown enforces) and refuse
    the others with the same errno and messages; kexec_load(2) is refused
    (EACCES: IMA cannot appraise it under Secure Boot);
    the Rust loader's image boots, still under Secure Boot."""
    (bc, _, rc, mc), (br, n, rr, mr) = secboot("c"), secboot("rust")
    for b in (bc, br):
        expect(b.has("lockdown none [integrity] confidentiality"), "stage 1 not locked down", b)
        expect(b.has("secure boot enabled"), "stage 1 does not see Secure Boot", b)
        keys = [m for _, m in b.markers("keyring .platform")]
        expect(keys and keys[0].split()[2] != "empty", f"no key in the .platform keyring: {keys}", b)
        expect(b.first(r"KT: cert .*SnakeOil")[0] is not None, "the db key was not loaded", b)
    for name, want in SB_IMAGES.items():
        got = {}
        for loader, res in (("c", rc), ("rust", rr)):
            r = res.get(name, "?").split()[0]
            got[loader] = "OK" if r == "ok" else r.split("=")[-1]
        expect(got["c"] == got["rust"] == want, f"{name}: C {got['c']}, Rust {got['rust']}, expected {want}")
        expect(mc.get(name, []) == mr.get(name, []),
               f"{name}: messages differ:\n  C    {mc.get(name)}\n  Rust {mr.get(name)}")
    expect(any("impossible to appraise a kernel image without a file descriptor" in m
               for m in mr.get("kexec_load", [])), f"kexec_load: no IMA refusal: {mr.get('kexec_load')}", br)
    for name in ("unsigned", "untrusted", "db_tampered"):
        expect(any("Lockdown: kt_load: kexec of unsigned images is restricted" in m for m in mr.get(name, [])),
               f"{name}: no lockdown message: {mr.get(name)}", br)
    for b, loader in ((bc, "c"), (br, "rust")):
        expect(b.first(r"KT: sb kexec-tools rc=(?!0\b)")[0] is not None, "kexec -c -l was not refused", b)
        expect(loader_of(b) == loader, f"db-signed image loaded by {loader_of(b)}, wanted {loader}", b)
    expect(br.stage_reached() >= 2 and br.has(f"nonce {n}") and br.has("initrd ok"),
           "stage 2 not reached with the db-signed image", br)
    t2, _ = br.first(r"KT: stage 2 reached")
    after = [m for t, m in br.markers() if t >= t2]
    expect("lockdown none [integrity] confidentiality" in after and "secure boot enabled" in after,
           "stage 2 is not under Secure Boot lockdown", br)
    print(f"# Secure Boot: lockdown integrity; db_signed and signed load, unsigned/untrusted/tampered "
          f"EPERM, kexec_load(2) EACCES, same from both loaders; stage 2 at {t2:.1f} s still locked down",
          flush=True)


def uki_nonce(flavour):
    with open(os.path.join(kt.guest_dir(flavour), "images", "uki", "nonce")) as f:
        return f.read().strip()


def uki_stage2(b, flavour="main"):
    """The UKI loader took the image and stage 2 booted with the UKI's own
    command line (the nonce mkuki.py embedded) and initrd (payload check)."""
    sane_boot(b)
    expect(b.first(r"kexec-bzImage64-rs: UKI: \.linux 0x[0-9a-f]+ bytes")[0] is not None,
           "no UKI loader line: the UKI loader did not take the image", b)
    expect(b.stage_reached() >= 2, "stage 2 not reached", b)
    n = uki_nonce(flavour)
    expect(b.has(f"nonce {n}"), f"stage 2 did not print the embedded nonce {n}", b)
    expect(b.has("initrd ok"), "stage 2 did not find the embedded initrd's payload", b)


@case
def uki_boots():
    """A signed UKI (systemd-stub, objcopy, sbsign) kexecs into stage 2 with
    its embedded command line and initrd."""
    b = kt.boot("uki_boots", "kt.test=uki kt.uki=boot")
    uki_stage2(b)
    t, _ = b.first(r"KT: stage 2 reached")
    print(f"# UKI: stage 2 at {t:.1f} s with the embedded .cmdline (nonce) and .initrd (payload)", flush=True)


@case
def uki_extra_initrd():
    """An initrd passed with the UKI lands after the embedded one: stage 2
    has both the embedded payload and the caller's file."""
    x = kt.nonce()
    b = kt.boot("uki_extra_initrd", f"kt.test=uki kt.uki=extra kt.extra={x}")
    uki_stage2(b)
    expect(b.has(f"uki extra {x}"), f"stage 2 lacks the caller's initrd (/extra = {x})", b)


@case
def uki_ukify_layout():
    """A signed UKI laid out as systemd's ukify writes it (mkuki.py
    ukify_layout: no NUL after .cmdline, .sbat, .uname, .linux last with
    VirtualSize = the kernel's SizeOfImage, past its raw data) kexecs into
    stage 2 with its embedded command line and initrd."""
    b = kt.boot("uki_ukify_layout", "kt.test=uki kt.uki=ukify")
    uki_stage2(b)
    expect(b.has("uki layout ukify"), "stage 2 lacks kt.layout=ukify of the embedded command line", b)
    t, _ = b.first(r"KT: stage 2 reached")
    print(f"# ukify layout: stage 2 at {t:.1f} s with the embedded .cmdline (no NUL) and .initrd", flush=True)


@case
def uki_large_initrd():
    """A UKI with a 32 MiB embedded .initrd and an 8 MiB initrd of the
    caller's: both are joined, loaded and unpacked; stage 2 sees the
    embedded /uki_big (sha256 checked) and the caller's /caller_big and
    /extra."""
    x = kt.nonce()
    b = kt.boot("uki_large_initrd", f"kt.test=uki kt.uki=large kt.extra={x}", timeout=300)
    uki_stage2(b)
    expect(b.has("uki big ok"), "stage 2 lacks the embedded 32 MiB /uki_big (or its sha256 differs)", b)
    expect(b.has(f"uki extra {x}"), f"stage 2 lacks the caller's /extra = {x}", b)
    expect(b.has(f"uki caller_big {8 << 20}"), "stage 2 lacks the caller's 8 MiB /caller_big", b)
    t, _ = b.first(r"KT: stage 2 reached")
    print(f"# 32 MiB embedded + 8 MiB caller initrd: stage 2 at {t:.1f} s, both parts unpacked", flush=True)


def uki_rows(b):
    res, msgs = {}, {}
    for _, m in b.markers():
        w = m.split(" ", 2)
        if w[0] == "uki" and len(w) == 3 and w[1] not in ("stage", "extra", "layout", "big", "caller_big",
                                                           "caller_initrd"):
            r = w[2].split()[0]
            res[w[1]] = "OK" if r == "ok" else r.split("=")[-1]
        elif w[0] == "ukimsg" and len(w) == 3:
            msgs.setdefault(w[1], []).append(w[2])
    return res, msgs


_uki_boots = {}


def uki_matrix(flavour):
    """One boot loading the UKI images (kt.uki=matrix on main, debug on
    the debug kernel), cached."""
    if flavour not in _uki_boots:
        mode = "matrix" if flavour == "main" else "debug"
        b = kt.boot(f"uki_{mode}", f"kt.test=uki kt.uki={mode}", flavour=flavour, timeout=300)
        sane_boot(b)
        expect(b.has("uki end"), "the UKI loads did not finish", b)
        _uki_boots[flavour] = (b, *uki_rows(b))
    return _uki_boots[flavour]


@case
def uki_tampered_rejected():
    """One bit changed in .linux, .initrd or .cmdline of a signed UKI: refused
    under KEXEC_SIG_FORCE with the errno of a tampered bzImage."""
    b, res, msgs = uki_matrix("main")
    with open(os.path.join(kt.guest_dir("main"), "images", "sig", "MANIFEST")) as f:
        want = [l.split()[1] for l in f if l.split()[0] == "tampered"][0]
    expect(res.get("signed") == "OK", f"the signed UKI did not load: {res.get('signed')}", b)
    for s in ("linux", "initrd", "cmdline"):
        got = res.get(f"tampered_{s}")
        expect(got == want, f"tampered .{s}: {got}, a tampered bzImage gets {want}", b)
        expect(any("Enforced kernel signature verification failed" in m for m in msgs.get(f"tampered_{s}", [])),
               f"tampered .{s}: no enforcement message: {msgs.get(f'tampered_{s}')}", b)
    print(f"# tampered .linux, .initrd, .cmdline: {want}; unsigned UKI: {res.get('unsigned')}", flush=True)


@case
def uki_cmdline_policy():
    """A caller's command line next to the UKI's: refused (EPERM) while
    signatures are enforced (main kernel), appended otherwise (debug)."""
    b, res, msgs = uki_matrix("main")
    expect(res.get("signed_caller_cmdline") == "EPERM",
           f"caller's command line under enforcement: {res.get('signed_caller_cmdline')}, expected EPERM", b)
    expect(any("a caller's command line is refused while signatures are enforced" in m
               for m in msgs.get("signed_caller_cmdline", [])), "no policy message", b)
    bd, resd, msgsd = uki_matrix("debug")
    expect(resd.get("caller_cmdline") == "OK", f"caller's command line, not enforced: {resd.get('caller_cmdline')}", bd)
    final = [m for m in msgsd.get("caller_cmdline", []) if "Final command line is:" in m]
    expect(final and final[0].endswith("kt.test=uki kt.caller=1"),
           f"the caller's command line is not appended to the UKI's: {final}", bd)
    print("# enforced: EPERM; not enforced: appended after the UKI's .cmdline", flush=True)


@case
def uki_malformed_rejected():
    """Malformed UKIs (mkuki.py MANIFEST) on the debug kernel: each refused
    with its errno and one line saying why; no KASAN/UBSAN report."""
    b, res, msgs = uki_matrix("debug")
    rows = [l.rstrip("\n").split(" ", 2) for l in open(os.path.join(kt.guest_dir("debug"), "images", "uki", "MANIFEST"))]
    for name, errno, reason in rows:
        expect(res.get(name) == errno, f"{name}: {res.get(name)}, expected {errno}", b)
        expect(any(reason in m for m in msgs.get(name, [])), f"{name}: no '{reason}' line: {msgs.get(name)}", b)
        print(f"# {name}: {errno} ({reason})", flush=True)


@case
def uki_not_mine():
    """A plain bzImage and a file that is not PE: the UKI loader answers
    ENOEXEC, and the next loader takes the bzImage."""
    b, res, msgs = uki_matrix("debug")
    expect(res.get("plain_bzimage") == "OK", f"plain bzImage: {res.get('plain_bzimage')}", b)
    m = msgs.get("plain_bzimage", [])
    expect(any(x.startswith("kexec-bzImage64-rs: Loaded 64bit kernel") for x in m),
           f"the Rust bzImage loader did not take the plain bzImage: {m}", b)
    expect(not any("UKI" in x for x in m), f"the UKI loader said something about a bzImage: {m}", b)
    expect(res.get("not_pe") == "ENOEXEC", f"non-PE file: {res.get('not_pe')}, expected ENOEXEC", b)


@case
def uki_secureboot():
    """Under Secure Boot lockdown (no KEXEC_SIG_FORCE), a UKI signed with the
    db key (platform keyring only) loads and boots, still locked down."""
    b = kt.boot("uki_secureboot", "kt.test=uki kt.uki=secboot", flavour="distro", firmware="secboot",
                kernel=firmware_image(), timeout=120,
                initrd=os.path.join(kt.guest_dir("distro"), "small.cpio"))
    uki_stage2(b, "distro")
    t2, _ = b.first(r"KT: stage 2 reached")
    after = [m for t, m in b.markers() if t >= t2]
    expect("lockdown none [integrity] confidentiality" in after, "stage 2 is not locked down", b)


def sample_results(b):
    return {m.split(" ", 2)[1]: (m.split(" ", 2) + [""])[2] for _, m in b.markers("sample ")}


@case
def sample_loader_stage2():
    """The sample loader, a module loaded with insmod, loads its flat image
    and kexecs into it: the program prints the test's nonce."""
    n = kt.nonce()
    b = kt.boot("sample_loader_stage2", f"kt.test=sample kt.sample=stage2 kt.next_nonce={n}",
                flavour="debug", timeout=180)
    sane_boot(b)
    r = sample_results(b)
    expect(r.get("before_insmod", "").startswith("err=ENOEXEC"),
           f"before insmod the flat image gave {r.get('before_insmod')}, expected ENOEXEC", b)
    expect(r.get("insmod") == "rc=0", f"insmod: {r.get('insmod')}", b)
    expect(b.first(r"rust_kexec_loader: flat image: 0x[0-9a-f]+ bytes at 0x[0-9a-f]+, entry")[0] is not None,
           "the sample loader did not load the image", b)
    t, _ = b.first(r"KT: handoff")
    expect(t is not None, "no kexec", b)
    got = [line for tt, line in b.lines if tt >= t and f"KT: flat image running, nonce {n}" in line]
    expect(got, f"the flat program did not print nonce {n} after the kexec", b)
    print(f"# insmod, load, kexec; the flat program printed nonce {n}", flush=True)


@case
def sample_loader_unload():
    """rmmod of the sample while an image it loaded is pending is refused;
    after KEXEC_FILE_UNLOAD it succeeds, and its format is ENOEXEC again;
    no KASAN/kmemleak/lockdep report on the debug kernel."""
    b = kt.boot("sample_loader_unload", "kt.test=sample kt.sample=unload", flavour="debug", timeout=180)
    sane_boot(b)
    expect(b.has("sample end"), "the guest did not finish", b)
    r = sample_results(b)
    want = {"before_insmod": "err=ENOEXEC", "insmod": "rc=0", "pending": "ok", "unload": "rc=0",
            "rmmod": "rc=0", "after_rmmod": "err=ENOEXEC"}
    for k, v in want.items():
        expect(r.get(k, "").startswith(v), f"{k}: {r.get(k)}, expected {v}", b)
    expect(r.get("rmmod_pending", "rc=0") != "rc=0", "rmmod succeeded with an image pending", b)
    expect("still" not in r, "the module is still listed after rmmod", b)
    print(f"# rmmod with the image pending: {r['rmmod_pending']}; after unload: rc=0; then ENOEXEC", flush=True)


@case
def sample_loader_failed_load_rmmod():
    """A failed load through the sample loader drops the module reference
    its probe took: the module's refcnt is 0 after a load the sample
    refuses (EINVAL), after a load, a replacing load and an unload, after
    every allocation of a load failed in turn (fail-nth), and, with
    lockdown raised, after a load whose signature check fails (EPERM);
    then rmmod succeeds. No KASAN/kmemleak/lockdep report."""
    b = kt.boot("sample_loader_failed_load_rmmod", "kt.test=sample kt.sample=failed",
                flavour="debug", timeout=300)
    sane_boot(b)
    expect(b.has("sample end"), "the guest did not finish", b)
    r = sample_results(b)
    want = {"insmod": "rc=0", "refcnt_start": "0", "bad": "err=EINVAL", "refcnt_bad": "0",
            "good": "ok", "refcnt_loaded": "1", "replace": "ok", "refcnt_replaced": "1",
            "refcnt_unloaded": "0", "refcnt_faults": "0", "lockdown": "integrity",
            "bad_locked": "err=EPERM", "refcnt_bad_locked": "0", "rmmod": "rc=0"}
    for k, v in want.items():
        got = r.get(k, "")
        expect((got.split() or [""])[0] == v, f"{k}: {got!r}, expected {v!r}", b)
    expect("still" not in r, "the module is still listed after rmmod", b)
    f = [m for _, m in b.markers("faults sample points=")]
    expect(f, "no fault-injection summary", b)
    f = f[0]
    fr = dict(kv.split("=", 1) for kv in f.split()[2:])
    expect(int(fr["failed"]) > 0, f"no load failed under fault injection: {f}", b)
    expect(fr["stuck"] == "0", f"a failed load left an image loaded: {f}", b)
    print(f"# refcnt 0 after EINVAL, unload, {fr['failed']} injected failures "
          f"({fr['errnos']}) and a refused signature (EPERM); rmmod rc=0", flush=True)


@case
def registered_loader_lockdown():
    """Under lockdown (raised to integrity at run time) the kernel does not
    take a registered loader's word for a signature: the sample's
    verify_sig accepts its flat image, which has no signature the kernel
    can check, and the load is refused (EPERM) with the kernel's
    message; a bzImage signed with the built-in test key still loads
    through the built-in loader, an unsigned one is refused (EPERM)."""
    b = kt.boot("registered_loader_lockdown", "kt.test=sample kt.sample=lockdown",
                flavour="debug", timeout=180)
    sane_boot(b)
    expect(b.has("sample end"), "the guest did not finish", b)
    r = sample_results(b)
    want = {"insmod": "rc=0", "lockdown": "integrity", "flat_locked": "err=EPERM",
            "refcnt_flat_locked": "0", "signed_locked": "ok", "unsigned_locked": "err=EPERM",
            "refcnt_end": "0", "rmmod": "rc=0"}
    for k, v in want.items():
        got = r.get(k, "")
        expect((got.split() or [""])[0] == v, f"{k}: {got!r}, expected {v!r}", b)
    expect(any("registered loader" in m for _, m in b.markers("dmesg ")),
           "no kernel message for the refused registered loader's image", b)
    print(f"# lockdown integrity: flat image {r['flat_locked'].split()[0]}, "
          f"signed bzImage {r['signed_locked'].split()[0]}, unsigned bzImage "
          f"{r['unsigned_locked'].split()[0]}", flush=True)


@case
def kselftest_kexec_ktap():
    """The kexec selftest of the Rust loaders (tools/testing/selftests/
    kexec/test_kexec_rust.sh, installed as kselftest lays it out) run in the
    guest; its KTAP output parsed: every test ok, exit status 0."""
    b = kt.boot("kselftest_kexec_ktap", "kt.test=kselftest")
    sane_boot(b)
    text = [l for _, l in b.lines]
    try:
        start = text.index("TAP version 13")
    except ValueError:
        raise Fail("no KTAP header on the console")
    plan, results = None, []
    for line in text[start + 1:]:
        m = re.match(r"^1\.\.(\d+)", line)
        if m:
            plan = int(m.group(1))
        m = re.match(r"^(ok|not ok) (\d+) (.*)", line)
        if m:
            results.append((m.group(1), int(m.group(2)), m.group(3)))
        if line.startswith("# Totals:"):
            break
    expect(plan and len(results) == plan, f"KTAP plan {plan}, {len(results)} results", b)
    bad = [r for r in results if r[0] != "ok" or "# SKIP" in r[2]]
    expect(not bad, f"KTAP results not ok: {bad}", b)
    expect(b.has("kselftest rc=0"), "test_kexec_rust.sh exited non-zero", b)
    print(f"# KTAP: {plan} tests ok: " + "; ".join(r[2] for r in results), flush=True)


def main(argv):
    args, flavour, listing = argv[1:], None, False
    while args and args[0].startswith("--"):
        if args[0] == "--list":
            listing, args = True, args[1:]
        elif args[0] == "--flavour" and len(args) > 1:
            flavour, args = args[1], args[2:]
        else:
            print(__doc__, file=sys.stderr)
            return 2
    names = args or [c for c in CASES if flavour is None or flavour_of(c) == flavour]
    if listing:
        print("\n".join(names))
        return 0
    failed = 0
    for name in names:
        try:
            CASES[name]()
            print(f"ok - {name}", flush=True)
        except Fail as e:
            failed += 1
            print(f"not ok - {name}", flush=True)
            for line in str(e).splitlines():
                print(f"# {line}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
