#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make bench`: the Rust and C code side by side, in one run.

Load latency: one boot loads the same signed kernel and initrd in turn with
the C loader, the Rust loader, and the Rust loader with the C preparation of
the hand-off (the c_handoff test switch), ROUNDS times each. Hand-off: one kexec
through each loader, and one with the C hand-off preparation, from
reboot(LINUX_REBOOT_CMD_KEXEC) to the second kernel's banner. Prints medians
and Rust/C ratios; it is a measurement, never a pass/fail test.
"""

import statistics
import sys

import kt


def main(argv):
    rounds = int(argv[1]) if len(argv) > 1 else 20
    b = kt.boot("bench", f"kt.test=bench kt.rounds={rounds}", timeout=900)
    t = {"c": [], "rust": [], "rust_choff": []}
    for _, m in b.markers("bench "):
        w = m.split()
        if len(w) == 3 and w[1] in t:
            t[w[1]].append(int(w[2]))
    if not all(t.values()) or not b.has("bench end"):
        print("bench: the guest did not finish; console tail:\n" + b.tail())
        return 1
    mc, mr = statistics.median(t["c"]), statistics.median(t["rust"])
    print(f"kexec_file_load, {len(t['c'])} + {len(t['rust'])} loads interleaved (TCG, signed image + initrd):")
    print(f"  C    median {mc / 1000:8.1f} ms  (min {min(t['c']) / 1000:.1f})")
    print(f"  Rust median {mr / 1000:8.1f} ms  (min {min(t['rust']) / 1000:.1f})")
    print(f"  Rust/C ratio {mr / mc:.3f}")
    mh = statistics.median(t["rust_choff"])
    print(f"Rust loader with the C hand-off preparation: median {mh / 1000:.1f} ms; "
          f"Rust/C hand-off preparation and checks ratio {mr / mh:.3f}")
    hand = {}
    for loader, extra in (("c", ""), ("rust", ""), ("choff", "kt.handoff=c")):
        n = kt.nonce()
        ld = "rust" if loader == "choff" else loader
        hb = kt.boot(f"bench_handoff_{loader}", f"kt.test=kexec_stage2 kt.loader={ld} kt.next_nonce={n} {extra}")
        h = next((tm for tm, m in hb.markers() if m == "handoff"), None)
        banners = [tm for tm, l in hb.lines if "Linux version" in l]
        if h is None or len(banners) < 2 or not hb.has(f"nonce {n}"):
            print(f"bench: hand-off through {loader} did not reach stage 2")
            return 1
        hand[loader] = banners[1] - h
    print("hand-off, reboot(KEXEC) to the second kernel's banner (host clock, TCG, one each):")
    print(f"  C loader {1000 * hand['c']:.0f} ms, Rust loader {1000 * hand['rust']:.0f} ms, "
          f"Rust/C ratio {hand['rust'] / hand['c']:.3f}")
    print(f"  Rust loader with the C hand-off {1000 * hand['choff']:.0f} ms; "
          f"Rust/C hand-off ratio {hand['rust'] / hand['choff']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
