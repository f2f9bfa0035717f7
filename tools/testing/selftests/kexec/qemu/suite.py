#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The QEMU end-to-end cases.  Prints TAP; `suite.py --list` names the cases.

    suite.py [CASE...]
"""

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
