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


def kexec_to_stage2(name, loader, extra=""):
    n = kt.nonce()
    b = kt.boot(name, f"kt.test=kexec_stage2 kt.loader={loader} kt.next_nonce={n} {extra}")
    expect(not b.timed_out, "guest timed out", b)
    oops = b.oops()
    expect(not oops, f"oops/warning on the console: {oops[0].group(0) if oops else ''}", b)
    expect(b.markers("load ok"), "kexec_file_load failed", b)
    expect(loader_of(b) == loader, f"image loaded by {loader_of(b)}, wanted {loader}", b)
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
    path = os.path.join(kt.guest_dir(), "images", "bad", "MANIFEST")
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
    b = kt.boot("kexec_malformed_errno", "kt.test=malformed", timeout=300)
    expect(not b.timed_out and b.has("malformed end"), "guest did not finish", b)
    oops = b.oops()
    expect(not oops, f"oops/warning: {oops[0].group(0) if oops else ''}", b)
    res, msgs = {}, {}
    for _, m in b.markers():
        w = m.split(" ", 3)
        if w[0] == "bad" and len(w) >= 4:
            res[(w[1], w[2])] = w[3].split()[0]
        elif w[0] == "badmsg":
            txt = w[3]
            for prefix in ("kexec-bzImage64-rs: ", "kexec-bzImage64: "):
                if txt.startswith(prefix):
                    msgs.setdefault((w[1], w[2], prefix), []).append(txt[len(prefix):])
    n = 0
    for name, want, why in manifest():
        rc, rr = res.get((name, "c")), res.get((name, "rust"))
        expect(rc is not None and rr is not None, f"{name}: no result")
        rc_e = "OK" if rc == "ok" else rc.split("=")[1]
        rr_e = "OK" if rr == "ok" else rr.split("=")[1]
        expect(rc_e == rr_e, f"{name} ({why}): C gives {rc_e}, Rust gives {rr_e}")
        if want != "OK_OR_ERR":
            expect(rc_e == want, f"{name} ({why}): C gives {rc_e}, expected {want}")
        cm = msgs.get((name, "c", "kexec-bzImage64: "), [])
        rm = msgs.get((name, "rust", "kexec-bzImage64-rs: "), [])
        cm_err = [x for x in cm if not x.startswith(("Loaded", "E820", "0000", "Final"))]
        rm_err = [x for x in rm if not x.startswith(("Loaded", "E820", "0000", "Final"))]
        expect(cm_err == rm_err, f"{name}: messages differ: C {cm_err} Rust {rm_err}")
        if rc_e != "OK":
            expect(rm_err, f"{name}: the Rust loader printed no reason", b)
        n += 1
    print(f"# {n} malformed inputs, same errno and message from both loaders", flush=True)


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
