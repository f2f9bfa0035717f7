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
import socket
import subprocess
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), *[".."] * 5))
BUILD = os.path.join(TOP, "build")
RESULTS = os.path.join(BUILD, "results")
BASE_APPEND = "console=ttyS0 panic=-1 loglevel=7"


def kernel_path(flavour="main"):
    return os.path.join(BUILD, f"kernel-{flavour}", "arch/x86/boot/bzImage")


def guest_dir(flavour="main"):
    return os.path.join(BUILD, f"guest-{flavour}")


# Debian's ovmf (scripts/deps.sh installs it).  "uefi": the plain 4 MiB
# build with a blank variable store; "secboot": the Secure Boot build (SMM),
# with the store that has Debian's test key in PK, KEK and db and Secure
# Boot on.  Each boot gets a fresh copy of the store.
OVMF = "/usr/share/OVMF"
FIRMWARE = {
    "uefi": ("OVMF_CODE_4M.fd", "OVMF_VARS_4M.fd"),
    "secboot": ("OVMF_CODE_4M.snakeoil.fd", "OVMF_VARS_4M.snakeoil.fd"),
}


def firmware_args(name, firmware):
    """QEMU arguments booting through OVMF (-kernel goes through the
    firmware, which starts the kernel's EFI stub as an EFI application)."""
    code, varstore = FIRMWARE[firmware]
    vars_copy = os.path.join(RESULTS, f"{name}.vars.fd")
    with open(os.path.join(OVMF, varstore), "rb") as src, open(vars_copy, "wb") as dst:
        dst.write(src.read())
    args = ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF}/{code}",
            "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}"]
    if firmware == "secboot":
        args += ["-global", "driver=cfi.pflash01,property=secure,value=on",
                 "-global", "ICH9-LPC.disable_s3=1"]
    return args


def nonce():
    return secrets.token_hex(8)


class Boot:
    """One QEMU run: its console lines (host time, text) and its markers."""

    def __init__(self, name, lines, timed_out, rc, monitor=(), stopped=None):
        self.name = name
        self.lines = lines
        self.timed_out = timed_out
        self.rc = rc
        # [(time, marker, HMP command, reply)]: what the host did (on_marker).
        self.monitor = list(monitor)
        # (time, line) of the console line that matched stop_on, if any.
        self.stopped = stopped

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


class Monitor:
    """QEMU's human monitor (HMP) on a unix socket."""

    PROMPT = b"(qemu) "
    ESC = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

    def __init__(self, path, timeout=10):
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        end = time.monotonic() + timeout
        while True:
            try:
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        self._read()  # the banner, up to the first prompt

    def _read(self):
        buf, end = b"", time.monotonic() + self.timeout
        while not buf.endswith(self.PROMPT):
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no HMP prompt after {self.timeout} s: {buf[-200:]!r}")
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError(f"HMP socket closed: {buf[-200:]!r}")
                buf += chunk
        return buf[:-len(self.PROMPT)]

    def hmp(self, cmd):
        """Run one HMP command; its reply ("" when it succeeded silently)."""
        self.sock.sendall(cmd.encode() + b"\n")
        text = self.ESC.sub("", self._read().decode("utf-8", "replace")).replace("\r", "")
        # HMP echoes the command line (with terminal escapes) first.
        lines = text.split("\n")
        if lines and cmd in lines[0]:
            lines = lines[1:]
        return "\n".join(lines).strip()

    def close(self):
        self.sock.close()


def boot(name, append, flavour="main", initrd=None, mem="512M", smp=1,
         timeout=180, extra=(), disk=True, on_marker=None, stop_on=None, stop_grace=3,
         firmware=None, kernel=None):
    """Boot kernel `flavour` with `append`; return a Boot.

    The guest ends itself (reset with -no-reboot); past `timeout` seconds it
    is killed and the Boot says so.  `mem` is QEMU's -m argument, so it may
    carry hot-plug room: "512M,slots=2,maxmem=2G".

    on_marker: {marker: action}: the first time the guest prints a
    "KT: marker..." line (the marker text starts with `marker`), the host
    runs the action on a QEMU HMP monitor (a unix socket in build/results,
    only then; otherwise there is no monitor): a list of HMP commands, or a
    callable taking the hmp(cmd) function.  Commands and replies end up in
    Boot.monitor and the log.  The guest sees the effect itself (it polls).
    stop_on: a regex; `stop_grace` seconds after a console line matches it
    the boot ends (Boot.stopped says which line), e.g. a refused kexec that
    would otherwise hang until `timeout`.
    firmware: None (SeaBIOS, the kernel started through the boot protocol),
    "uefi" or "secboot" (OVMF, see FIRMWARE).  kernel: the image to boot
    instead of the flavour's bzImage.
    """
    os.makedirs(RESULTS, exist_ok=True)
    initrd = initrd or os.path.join(guest_dir(flavour), "stage1.cpio")
    monitor, mon_path, mon_dir = ["-monitor", "none"], None, None
    if on_marker:
        mon_path = os.path.join(RESULTS, f"{name}.mon")
        if len(mon_path) >= 100:  # sun_path is 108 bytes
            mon_dir = tempfile.mkdtemp(prefix="kt-")
            mon_path = os.path.join(mon_dir, "mon")
        if os.path.exists(mon_path):
            os.unlink(mon_path)
        monitor = ["-monitor", f"unix:{mon_path},server=on,wait=off"]
    machine = "q35,smm=on" if firmware == "secboot" else "q35"
    fw = firmware_args(name, firmware) if firmware else []
    cmd = ["qemu-system-x86_64", "-machine", machine, "-accel", "tcg",
           "-m", mem, "-smp", str(smp), "-no-reboot",
           "-display", "none", *monitor, "-serial", "stdio", *fw,
           "-kernel", kernel or kernel_path(flavour), "-initrd", initrd,
           "-append", f"{BASE_APPEND} {append}", *extra]
    if disk:
        img = os.path.join(guest_dir(flavour), "disk.img")
        cmd += ["-drive", f"file={img},if=virtio,format=raw,readonly=on"]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    lines, buf, timed_out = [], b"", False
    pending = dict(on_marker or {})
    mon, events, stop_re, stopped = None, [], stop_on and re.compile(stop_on), None

    def act(marker, action):
        nonlocal mon
        t = time.monotonic() - start

        def hmp(c):
            nonlocal mon
            try:
                if mon is None:
                    mon = Monitor(mon_path)
                reply = mon.hmp(c)
            except (OSError, TimeoutError) as e:
                reply = f"(monitor error: {e})"
            events.append((t, marker, c, reply))
            return reply
        if callable(action):
            action(hmp)
        else:
            for c in action:
                hmp(c)

    fd = proc.stdout.fileno()
    while True:
        now = time.monotonic() - start
        left = timeout - now
        if stopped and now >= stopped[0] + stop_grace:
            break
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
            line = l.decode("utf-8", "replace").rstrip("\r")
            lines.append((now, line))
            if stop_re and not stopped and stop_re.search(line):
                stopped = (now, line)
            i = line.find("KT: ")
            if pending and i >= 0:
                text = line[i + 4:].strip()
                for marker in [m for m in pending if text.startswith(m)]:
                    act(marker, pending.pop(marker))
    if buf:
        lines.append((time.monotonic() - start, buf.decode("utf-8", "replace")))
    if mon is not None:
        mon.close()
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    rc = proc.wait()
    if mon_path and os.path.exists(mon_path):
        os.unlink(mon_path)
    if mon_dir:
        os.rmdir(mon_dir)
    with open(os.path.join(RESULTS, f"{name}.log"), "w") as f:
        f.write(f"# {' '.join(cmd)}\n")
        for t, l in lines:
            f.write(f"[{t:8.3f}] {l}\n")
        for t, marker, c, reply in events:
            f.write(f"# [{t:8.3f}] on 'KT: {marker}': (qemu) {c} -> {reply or 'ok'}\n")
        if stopped:
            f.write(f"# stopped {stop_grace} s after [{stopped[0]:8.3f}] {stopped[1]}\n")
        if timed_out:
            f.write(f"# killed after {timeout} s\n")
    return Boot(name, lines, timed_out, rc, events, stopped)
