#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of the kexec QEMU tests.

Boots a guest under QEMU (TCG, serial console on stdio), stamps every console
line with the host time, stops at a hard time bound, and reads the guest's
"KT: ..." markers.  Used by the test suite (suite.py) and by `make run`.
"""

import os
import re
import secrets
import select
import signal
import subprocess
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), *[".."] * 5))
BUILD = os.path.join(TOP, "build")
RESULTS = os.path.join(BUILD, "results")
BASE_APPEND = "console=ttyS0 panic=-1 loglevel=7"


def kernel_path(flavour="main"):
    return os.path.join(BUILD, f"kernel-{flavour}", "arch/x86/boot/bzImage")


def guest_dir(flavour="main"):
    return os.path.join(BUILD, f"guest-{flavour}")


def nonce():
    return secrets.token_hex(8)


class Boot:
    """One QEMU run: its console lines (host time, text) and its markers."""

    def __init__(self, name, lines, timed_out, rc):
        self.name = name
        self.lines = lines
        self.timed_out = timed_out
        self.rc = rc

    def markers(self, prefix=""):
        out = []
        for t, line in self.lines:
            i = line.find("KT: ")
            if i >= 0 and line[i + 4:].startswith(prefix):
                out.append((t, line[i + 4:].strip()))
        return out

    def has(self, text):
        return any(m == text for _, m in self.markers())

    def first(self, regex):
        """(time, match) of the first console line matching regex."""
        r = re.compile(regex)
        for t, line in self.lines:
            m = r.search(line)
            if m:
                return t, m
        return None, None

    def all(self, regex):
        r = re.compile(regex)
        return [m for _, line in self.lines for m in [r.search(line)] if m]

    def stage_reached(self):
        stages = [int(m.group(1)) for m in self.all(r"KT: stage (\d+) reached")]
        return max(stages) if stages else 0

    def oops(self):
        return self.all(r"(BUG:|Oops|Kernel panic|KASAN|UBSAN|WARNING:|general protection)")

    def tail(self, n=40):
        return "\n".join(f"    [{t:8.3f}] {l}" for t, l in self.lines[-n:])


def boot(name, append, flavour="main", initrd=None, mem="512M", smp=1,
         timeout=180, extra=(), disk=True):
    """Boot kernel `flavour` with `append`; return a Boot.

    The guest ends itself (reset with -no-reboot); past `timeout` seconds it
    is killed and the Boot says so.
    """
    os.makedirs(RESULTS, exist_ok=True)
    initrd = initrd or os.path.join(guest_dir(flavour), "stage1.cpio")
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg",
           "-m", mem, "-smp", str(smp), "-no-reboot",
           "-display", "none", "-monitor", "none", "-serial", "stdio",
           "-kernel", kernel_path(flavour), "-initrd", initrd,
           "-append", f"{BASE_APPEND} {append}", *extra]
    if disk:
        img = os.path.join(guest_dir(flavour), "disk.img")
        cmd += ["-drive", f"file={img},if=virtio,format=raw,readonly=on"]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    lines, buf, timed_out = [], b"", False
    fd = proc.stdout.fileno()
    while True:
        left = timeout - (time.monotonic() - start)
        if left <= 0:
            timed_out = True
            break
        r, _, _ = select.select([fd], [], [], min(left, 1.0))
        if not r:
            if proc.poll() is not None:
                break
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buf += chunk
        now = time.monotonic() - start
        *done, buf = buf.split(b"\n")
        for l in done:
            lines.append((now, l.decode("utf-8", "replace").rstrip("\r")))
    if buf:
        lines.append((time.monotonic() - start, buf.decode("utf-8", "replace")))
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    rc = proc.wait()
    with open(os.path.join(RESULTS, f"{name}.log"), "w") as f:
        f.write(f"# {' '.join(cmd)}\n")
        for t, l in lines:
            f.write(f"[{t:8.3f}] {l}\n")
        if timed_out:
            f.write(f"# killed after {timeout} s\n")
    return Boot(name, lines, timed_out, rc)
