#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The QEMU end-to-end cases.  Prints TAP; `suite.py --list` names the cases.

    suite.py [CASE...]
"""

import os
import re
import sys

import kt

CASES = {}


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


def kexec_to_stage2(name, loader, extra="", loader_seen=None):
    n = kt.nonce()
    b = kt.boot(name, f"kt.test=kexec_stage2 kt.loader={loader} kt.next_nonce={n} {extra}")
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


@case
def kexec_purgatory_identical():
    """The Rust loader with kexec_load_purgatory() (kexec_rust_loader=2)
    builds the purgatory in Rust too, at the same address, and compares."""
    b = kexec_to_stage2("kexec_purgatory_identical", "rust-cpurg", loader_seen="rust")
    t, m = b.first(r"purgatory: Rust build (identical to|differs from) kexec_load_purgatory\(\)(.*)")
    expect(m is not None, "no purgatory comparison in the log", b)
    expect(m.group(1) == "identical to", f"purgatory differs:{m.group(2)}", b)
    print(f"# purgatory: Rust and C builds identical{m.group(2)}", flush=True)


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


@case
def kexec_malformed_errno():
    # On the debug kernel: signatures are checked but not enforced, so the
    # loaders' own checks decide, under KASAN and UBSAN.
    b = kt.boot("kexec_malformed_errno", "kt.test=malformed", flavour="debug", timeout=600)
    expect(not b.timed_out and b.has("malformed end"), "guest did not finish", b)
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


def sig_matrix(flavour):
    """One boot of `flavour` that pushes every signed-kexec image through both
    loaders; {name: (want, why, {loader: (result, [messages])})}."""
    if flavour in _sig_cache:
        return _sig_cache[flavour]
    b = kt.boot(f"kexec_sig_matrix_{flavour}", "kt.test=sig", flavour=flavour, timeout=300)
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
    sig_check(["unsigned", "untrusted", "tampered", "signed", "secdir_past_end", "garbage_pkcs7"],
              flavour="debug", forced=False)


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
    differ = [(n, c, r) for n, (c, r) in seen.items() if c != r]
    expect(not differ, f"{len(differ)} inputs where C and Rust differ, e.g. {differ[:8]}")
    none = [n for n, (c, r) in seen.items() if c == "none"]
    expect(not none, f"no result for {none[:5]}")
    from collections import Counter
    hist = Counter(c for c, _ in seen.values())
    print(f"# {len(seen)} inputs ({len(listed)} images), same result from both loaders: "
          f"{dict(sorted(hist.items()))}", flush=True)


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


def main(argv):
    if argv[1:2] == ["--list"]:
        print("\n".join(CASES))
        return 0
    names = argv[1:] or list(CASES)
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
