#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make run`: boot the kernel, kexec_file_load it again, kexec, report.

    run.py [c|rust]
"""

import os
import sys

import kt
import suite


def main(argv):
    loader = argv[1] if len(argv) > 1 else "rust"
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
