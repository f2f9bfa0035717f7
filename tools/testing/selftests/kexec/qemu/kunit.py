#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""In-kernel unit tests: boot once with kunit.enable=1 and read the KTAP.

Every KUnit case whose name mentions kexec becomes one TAP line here; the
rest of the kernel crate's doctests are counted in one summary line.
"""

import re
import sys

import kt


def main():
    b = kt.boot("kunit", "kunit.enable=1", timeout=300)
    results = []
    for _, line in b.lines:
        m = re.match(r"^\s*(?:\[[\s\d.]+\]\s*)?\s*(ok|not ok) \d+ (\S+)", line)
        if m:
            results.append((m.group(1) == "ok", m.group(2)))
    ours = [(ok, n) for ok, n in results if "kexec" in n]
    others = [(ok, n) for ok, n in results if "kexec" not in n and n.startswith("rust_doctest")]
    failed = 0
    if not ours:
        print("not ok - kunit: no kexec KUnit case ran")
        print(b.tail().replace("\n", "\n# ") if b.lines else "# no console output")
        failed += 1
    for ok, n in ours:
        print(f"{'ok' if ok else 'not ok'} - kunit: {n}")
        failed += not ok
    bad = [n for ok, n in others if not ok]
    print(f"{'not ok' if bad else 'ok'} - kunit: other kernel crate doctests "
          f"({len(others) - len(bad)}/{len(others)} passed{': ' + ', '.join(bad) if bad else ''})")
    if b.oops():
        print(f"not ok - kunit: console clean (found {b.oops()[0].group(0)})")
    return 1 if failed or bad else 0


if __name__ == "__main__":
    sys.exit(main())
