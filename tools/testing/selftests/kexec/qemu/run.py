#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make run`: boot the kernel, kexec_file_load it again, kexec, report.

    run.py [c|rust] [--kdump]

With --kdump (`make run KDUMP=1`) the second kernel is a crash kernel: the
first one boots with crashkernel=, loads it with KEXEC_FILE_ON_CRASH,
writes a marker to its log and panics; the crash kernel reads the marker
back from /proc/vmcore with Debian's vmcore-dmesg.
"""

import os
import sys

import kt
import suite


def kdump(loader):
    n, marker = kt.nonce(), kt.nonce()
    b = kt.boot("run_kdump", f"crashkernel=256M kt.test=kdump kt.final={loader} kt.hotplug=0 "
                f"kt.next_nonce={n} kt.marker={marker}", mem="1G", smp=2)
    with open(os.path.join(kt.BUILD, "base-version")) as f:
        base = f.read().strip()
    st = suite.by_stage(b)
    s1, s2 = st.get(1, []), st.get(2, [])
    final = suite.loads(s1, f"kdfinal {loader}")
    load = next((m for m in s1 if m.startswith("kdfinal load ")), "not reached")
    panic_t = next((t for t, m in b.markers("kdump crash")), None)
    stage2_t = next((t for t, m in b.markers("stage 2 reached")), None)
    vd = next((m for m in s2 if m.startswith("vmcore-dmesg rc=")), None)
    vm = next((m for m in s2 if m.startswith("vmcore elf=")), None)
    print(f"base kernel     : linux {base} (Debian linux-source-6.12)")
    print(f"crash kernel    : loaded by {'rust' if final and final[0]['rust'] else 'c' if final else 'none'}"
          f" (from the KEXEC_FILE_DEBUG lines), {load[len('kdfinal '):]}")
    if final:
        print(f"segments        : " + ", ".join(f"{m:#x}+{sz:#x}" for m, sz, _ in final[0]["segs"]))
    if panic_t is not None and stage2_t is not None:
        print(f"panic -> /init  : {1000 * (stage2_t - panic_t):.0f} ms (host clock, TCG)")
    print(f"crash kernel    : {'reached' if s2 else 'not reached'}"
          f"{' (nonce ' + n + ' seen)' if ('nonce ' + n) in s2 else ''}")
    print(f"/proc/vmcore    : {vm[len('vmcore '):] if vm else 'not read'}")
    print(f"vmcore-dmesg    : {vd[len('vmcore-dmesg '):] if vd else 'not run'} (marker kt-marker-{marker})")
    print(f"console log     : {os.path.relpath(os.path.join(kt.RESULTS, 'run_kdump.log'), kt.TOP)}")
    ok = bool(s2) and vd is not None and "marker=0" not in vd and "rc=0" in vd
    if not ok:
        print("run: the marker was not read back from the vmcore; console tail:")
        print(b.tail())
    return 0 if ok else 1


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    loader = args[0] if args else "rust"
    if "--kdump" in argv:
        return kdump(loader)
    n = kt.nonce()
    b = kt.boot("run", f"kt.test=kexec_stage2 kt.loader={loader} kt.next_nonce={n}")
    with open(os.path.join(kt.BUILD, "base-version")) as f:
        base = f.read().strip()
    load = b.markers("load ")
    handoff_t = next((t for t, m in b.markers() if m == "handoff"), None)
    linux = [t for t, l in b.lines if "Linux version" in l]
    stage2_t = next((t for t, m in b.markers() if m.startswith("stage 2 reached")), None)
    stage = b.stage_reached()

    print(f"base kernel     : linux {base} (Debian linux-source-6.12)")
    print(f"loader asked    : {loader}")
    print(f"loader used     : {suite.loader_of(b) or 'none'}"
          f" ({'from the KEXEC_FILE_DEBUG lines in dmesg'})")
    print(f"kexec_file_load : {load[0][1] if load else 'not reached'}")
    _, ck = b.first(r"\] kexec: hand-off checked: (.*)$")
    _, ho = b.first(r"\] kexec: hand-off: (\d+ segments, .*)$")
    print(f"hand-off path   : {'Rust (' + ho.group(1) + ')' if ho else 'C (no Rust hand-off line)'}")
    if ck:
        print(f"checked at load : {ck.group(1)}")
    if handoff_t is not None and len(linux) > 1:
        print(f"hand-off        : {1000 * (linux[1] - handoff_t):.0f} ms from reboot(KEXEC)"
              f" to the second kernel's banner (host clock, TCG)")
    if handoff_t is not None and stage2_t is not None:
        print(f"stage 2 /init   : {1000 * (stage2_t - handoff_t):.0f} ms after reboot(KEXEC)")
    print(f"stage reached   : {stage}{' (nonce ' + n + ' seen)' if b.has('nonce ' + n) else ''}"
          f"{', initrd ok' if b.has('initrd ok') else ''}")
    print(f"console log     : {os.path.relpath(os.path.join(kt.RESULTS, 'run.log'), kt.TOP)}")
    ok = stage >= 2 and b.has("nonce " + n) and b.has("initrd ok")
    if not ok:
        print("run: stage 2 not reached; console tail:")
        print(b.tail())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
