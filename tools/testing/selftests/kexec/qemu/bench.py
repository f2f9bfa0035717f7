#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make bench`: the Rust and C code side by side, in one run.

1. The purgatory's digest on the host: the C purgatory's sha256.o (as Kbuild
   built it for the purgatory) against the Rust purgatory's portable and
   SHA-NI engines, over 1, 16, 64 and 256 MiB (tools/testing/selftests/
   kexec/bench).
2. In the guest (TCG), one boot per initrd size (0, 16, 64, 256 MiB) and
   purgatory (C, Rust): kexec_file_load latency and the MemAvailable a
   loaded image takes, C and Rust loader interleaved; Debian's own vmlinuz
   of the base version (fetched with apt-get download, re-signed with the
   test key) loaded the same way; then one kexec, timed from the console:
   reboot(LINUX_REBOOT_CMD_KEXEC) to machine_kexec()'s hand-off line
   (shutdown), to the next kernel's banner (relocation, purgatory,
   decompression), to its /init (the new kernel's own boot).
3. kexec against a cold boot of the same kernel through UEFI firmware.
4. The earlier side-by-side: ROUNDS loads per loader in one boot, and the
   Rust hand-off preparation against C's.
5. The purgatory engines at a real hand-off: C, Rust portable and Rust
   SHA-NI on one CPU model (-cpu max, SHA masked for the portable engine),
   kexecs with a 256 MiB initrd taking turns (BENCH_ONLY=engines runs only
   this part).

Prints a table with every figure and ratio, writes build/results/bench.csv
and build/results/bench.png (matplotlib) and build/results/bench.md (the
table the README shows). A measurement, never a pass/fail test.
"""

import csv
import datetime
import glob
import os
import platform
import shutil
import statistics
import subprocess
import sys

import kt

SIZES = [0, 16, 64, 256]
DIGEST_MIB = [1, 16, 64, 256]
DEBIAN_PKG = "linux-image-6.12.117+deb12-amd64"
BENCH_DIR = os.path.join(kt.BUILD, "bench")
KERNEL_DIR = os.path.join(kt.BUILD, "kernel-main")

rows = []
md = []


def record(section, item, variant, value, unit):
    rows.append((section, item, variant, value, unit))


def out(line=""):
    print(line, flush=True)
    md.append(line)


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for l in f:
            if l.startswith("model name"):
                return l.split(":", 1)[1].strip()
    return platform.processor()


def host_digest():
    """Runs the digest bench; {mib: {engine: MB/s}}."""
    o = os.path.join(KERNEL_DIR, "arch/x86/purgatory/sha256.o")
    if not os.path.exists(o):
        print(f"bench: {o} missing (the main kernel builds it with the test switches)")
        return None
    with open(os.path.join(KERNEL_DIR, ".config")) as f:
        opt = "s" if "CONFIG_CC_OPTIMIZE_FOR_SIZE=y" in f.read() else "2"
    manifest = os.path.join(kt.TOP, "tools/testing/selftests/kexec/bench/Cargo.toml")
    target = os.path.join(kt.BUILD, "bench-target")
    env = dict(os.environ, KT_C_SHA256_O=o, CARGO_PROFILE_RELEASE_OPT_LEVEL=opt,
               CARGO_TARGET_DIR=target)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--manifest-path", manifest],
                   env=env, check=True)
    r = subprocess.run([os.path.join(target, "release/kexec-digest-bench"), *map(str, DIGEST_MIB)],
                       check=True, capture_output=True, text=True)
    res = {}
    for l in r.stdout.splitlines():
        w = l.split()
        if len(w) == 4 and w[0] == "digest":
            res.setdefault(int(w[1]), {})[w[2]] = float(w[3])
    return res, opt


def debian_vmlinuz():
    """Debian's vmlinuz of the base version, re-signed with the test key;
    None (and why) when it cannot be fetched."""
    signed = os.path.join(BENCH_DIR, "vmlinuz-debian")
    if os.path.exists(signed):
        return signed, None
    os.makedirs(BENCH_DIR, exist_ok=True)
    if not glob.glob(os.path.join(BENCH_DIR, f"{DEBIAN_PKG}_*.deb")):
        r = subprocess.run(["apt-get", "download", "-q", DEBIAN_PKG], cwd=BENCH_DIR,
                           capture_output=True, text=True)
        if r.returncode != 0:
            return None, f"apt-get download {DEBIAN_PKG} failed: {r.stderr.strip()[-200:]}"
    deb = glob.glob(os.path.join(BENCH_DIR, f"{DEBIAN_PKG}_*.deb"))[0]
    ver = DEBIAN_PKG.removeprefix("linux-image-")
    tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", deb], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", BENCH_DIR, f"./boot/vmlinuz-{ver}"], input=tar, check=True)
    orig = os.path.join(BENCH_DIR, "boot", f"vmlinuz-{ver}")
    # Debian signs it with its own key; the test kernel trusts the test key.
    unsigned = os.path.join(BENCH_DIR, "vmlinuz-debian.unsigned")
    shutil.copy(orig, unsigned)
    subprocess.run(["sbattach", "--remove", unsigned], capture_output=True)
    keys = os.path.join(kt.BUILD, "keys")
    subprocess.run(["sbsign", "--key", f"{keys}/trusted.key", "--cert", f"{keys}/trusted.crt",
                    "--output", signed, unsigned], check=True, capture_output=True)
    return signed, None


def stage1_with(vmlinuz):
    """stage1.cpio followed by a newc archive with /bench/vmlinuz-debian."""
    base = os.path.join(kt.guest_dir(), "stage1.cpio")
    if not vmlinuz:
        return base
    root = os.path.join(BENCH_DIR, "root")
    os.makedirs(os.path.join(root, "bench"), exist_ok=True)
    shutil.copy(vmlinuz, os.path.join(root, "bench", "vmlinuz-debian"))
    extra = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root, check=True,
                           input=b"bench\nbench/vmlinuz-debian\n", capture_output=True).stdout
    path = os.path.join(BENCH_DIR, "stage1-bench.cpio")
    with open(base, "rb") as src, open(path, "wb") as dst:
        dst.write(src.read())
        dst.write(extra)
    return path


def first_time(b, pred, after=0.0):
    return next((t for t, l in b.lines if t >= after and pred(l)), None)


def phases(b):
    """Host-clock times of one kexec: (shutdown, jump, boot) in seconds, and
    the cold boot (QEMU start to the first /init) of the same boot."""
    t_init1 = first_time(b, lambda l: "KT: stage 1 reached" in l)
    t_exec = first_time(b, lambda l: l.endswith("KT: handoff"))
    if t_exec is None or t_init1 is None:
        return None
    t_ctl = first_time(b, lambda l: "hand-off: " in l and " segments, entry" in l, t_exec)
    t_ban = first_time(b, lambda l: "Linux version" in l, t_exec)
    t_init2 = first_time(b, lambda l: "KT: stage 2 reached" in l, t_exec)
    if None in (t_ctl, t_ban, t_init2):
        return None
    return {"shutdown": t_ctl - t_exec, "jump": t_ban - t_ctl, "boot": t_init2 - t_ban,
            "banner": t_ban - t_exec, "reboot_to_init": t_init2 - t_exec, "cold_to_init": t_init1}


def guest_sweep(rounds, vmlinuz):
    """{mib or "debian": {"loads": {loader: [us]}, "held": {loader: [kB]},
    "handoff": {purgatory: phases}}}."""
    res = {}
    initrd = stage1_with(vmlinuz)
    for mib in SIZES:
        res[mib] = {"loads": {}, "held": {}, "handoff": {}}
        for purg in ("rust", "c"):
            n = kt.nonce()
            r = rounds if purg == "rust" else 0
            deb = " kt.debian=1" if (vmlinuz and mib == 0 and purg == "rust") else ""
            b = kexec_boot(f"bench_{mib}_{purg}",
                           f"kt.mib={mib} kt.purgatory={purg} kt.rounds={r} kt.next_nonce={n}{deb}",
                           mem="2G", timeout=1200, initrd=initrd)
            for _, m in b.markers("bench load "):
                w = m.split()
                if len(w) == 6:
                    tag, loader = w[2], w[3]
                    us, held = int(w[4].split("=")[1]), int(w[5].split("=")[1])
                    key = int(tag[6:]) if tag.startswith("initrd") else tag
                    res.setdefault(key, {"loads": {}, "held": {}, "handoff": {}})
                    res[key]["loads"].setdefault(loader, []).append(us)
                    res[key]["held"].setdefault(loader, []).append(held)
            ph = phases(b)
            if ph is None or not b.has(f"nonce {n}"):
                print(f"bench: the kexec with {mib} MiB through the {purg} purgatory did not "
                      f"reach stage 2; console tail:\n{b.tail()}")
                return None
            res[mib]["handoff"][purg] = ph
    return res


# The purgatory engines at a real hand-off: one CPU model for all three
# (QEMU's TCG offers the SHA extensions with -cpu max from 10.0 on), SHA
# masked for the portable engine; C's purgatory does not look at them.
ENGINES = [("c", "c", "max"), ("rust_portable", "rust", "max,sha-ni=off"),
           ("rust_sha_ni", "rust", "max")]
ENGINE_MIB = 256


def engine_rounds(rounds):
    """{variant: [relocate+purgatory+decompress seconds]}: `rounds` kexecs
    with a 256 MiB initrd per variant, the variants taking turns (the order
    rotates every round), so that a slow spell of the shared host hits all
    three alike."""
    res = {v: [] for v, _, _ in ENGINES}
    for r in range(rounds):
        for k in range(len(ENGINES)):
            variant, purg, cpu = ENGINES[(r + k) % len(ENGINES)]
            n = kt.nonce()
            b = kexec_boot(f"bench_engine_{variant}_{r}",
                           f"kt.mib={ENGINE_MIB} kt.purgatory={purg} kt.rounds=0 kt.next_nonce={n}",
                           mem="2G", timeout=1200, extra=["-cpu", cpu])
            ph = phases(b)
            if ph is None or not b.has(f"nonce {n}"):
                print(f"bench: the {variant} kexec did not reach stage 2; console tail:\n{b.tail()}")
                return None
            res[variant].append(ph["jump"])
    return res


def engines_table(rounds):
    res = engine_rounds(rounds)
    if res is None:
        return False
    out(f"Purgatory engines at the hand-off in the guest: {ENGINE_MIB} MiB initrd, -cpu max "
        f"(SHA-NI masked for the portable engine), {rounds} kexecs each, taking turns; "
        "ms from machine_kexec()'s hand-off line to the next banner (relocation, digest, "
        "decompression). Under TCG an emulated SHA instruction is no faster than the portable "
        "code: the host table above measures the engines' speed, this one that both work.")
    out()
    out("| engine | median ms | min ms | max ms | /C (median) |")
    out("|---|---:|---:|---:|---:|")
    mc = statistics.median(res["c"])
    for variant, _, _ in ENGINES:
        v = res[variant]
        m = statistics.median(v)
        for x in v:
            record("engine_guest", f"{ENGINE_MIB}MiB", variant, 1000 * x, "ms")
        out(f"| {variant} | {1000 * m:.0f} | {1000 * min(v):.0f} | {1000 * max(v):.0f} | {m / mc:.3f} |")
    out()
    return True


def kexec_boot(name, args, **kw):
    """One boot of guest/tests/bench_handoff.sh, ended a second after the
    next kernel's /init started."""
    return kt.boot(name, f"kt.test=bench_handoff {args}", stop_on=r"KT: stage 2 reached",
                   stop_grace=1, **kw)


def uefi_cold_vs_kexec():
    n = kt.nonce()
    b = kexec_boot("bench_uefi", f"kt.mib=0 kt.purgatory=rust kt.next_nonce={n}",
                   flavour="distro", firmware="uefi",
                   kernel=os.path.join(kt.guest_dir("distro"), "firmware.efi"),
                   initrd=os.path.join(kt.guest_dir("distro"), "small.cpio"), timeout=300)
    ph = phases(b)
    if ph is None or not b.has(f"nonce {n}"):
        print(f"bench: the UEFI boot did not reach stage 2; console tail:\n{b.tail()}")
        return None
    return ph


def loader_rounds(rounds):
    """The side-by-side of earlier versions: load latency with the C loader,
    the Rust loader, and the Rust loader with the C hand-off preparation."""
    b = kt.boot("bench", f"kt.test=bench kt.rounds={rounds}", timeout=900)
    t = {"c": [], "rust": [], "rust_choff": []}
    for _, m in b.markers("bench "):
        w = m.split()
        if len(w) == 3 and w[1] in t:
            t[w[1]].append(int(w[2]))
    if not all(t.values()) or not b.has("bench end"):
        print("bench: the guest did not finish; console tail:\n" + b.tail())
        return None
    return {k: statistics.median(v) / 1000 for k, v in t.items()}, len(t["c"])


def plot(sweep, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a, h) = plt.subplots(1, 2, figsize=(11, 4.2))
    for loader, style in (("c", "o--"), ("rust", "s-")):
        ys = [statistics.median(sweep[m]["loads"][loader]) / 1000 for m in SIZES]
        a.plot(SIZES, ys, style, label=f"{'C' if loader == 'c' else 'Rust'} loader")
    a.set_xlabel("initrd (MiB)")
    a.set_ylabel("kexec_file_load (ms)")
    a.set_title("Load latency (TCG guest)")
    a.legend()
    for purg, style in (("c", "o--"), ("rust", "s-")):
        ys = [1000 * sweep[m]["handoff"][purg]["banner"] for m in SIZES]
        h.plot(SIZES, ys, style, label=f"{'C' if purg == 'c' else 'Rust'} purgatory")
    h.set_xlabel("initrd (MiB)")
    h.set_ylabel("reboot(KEXEC) to next banner (ms)")
    h.set_title("Hand-off (TCG guest, portable digest)")
    h.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv):
    rounds = int(argv[1]) if len(argv) > 1 else 10
    os.makedirs(kt.RESULTS, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out(f"make bench, {now}: host {cpu_name()}, {os.cpu_count()} CPUs; guests QEMU TCG")
    out()

    d = host_digest()
    if d:
        res, opt = d
        out(f"Purgatory SHA-256 on the host, MB/s (best of 3-5; C and Rust at -O{opt}, the main kernel's level)")
        out()
        out("| MiB | C purgatory | Rust portable | Rust SHA-NI | portable/C | SHA-NI/C | memory read |")
        out("|---:|---:|---:|---:|---:|---:|---:|")
        for mib in DIGEST_MIB:
            e = res.get(mib, {})
            c, p, s, r = e.get("c"), e.get("rust_portable"), e.get("rust_sha_ni"), e.get("read")
            for name, v in (("c", c), ("rust_portable", p), ("rust_sha_ni", s), ("read", r)):
                if v is not None:
                    record("digest_host", f"{mib}MiB", name, v, "MB/s")
            out(f"| {mib} | {c:.0f} | {p:.0f} | {f'{s:.0f}' if s else 'n/a'} | {p / c:.2f} | "
                f"{f'{s / c:.2f}' if s else 'n/a'} | {r:.0f} |")
        out()

    if os.environ.get("BENCH_ONLY") == "engines":
        ok = engines_table(max(3, rounds // 3))
        finish_outputs()
        return 0 if ok else 1

    vmlinuz, why = debian_vmlinuz()
    if why:
        out(f"Debian vmlinuz: skipped ({why})")
    sweep = guest_sweep(max(3, rounds // 3), vmlinuz)
    if sweep is None:
        return 1
    out("kexec_file_load in the guest (signed kernel + initrd), median ms; MemAvailable taken by the loaded image, MiB")
    out()
    out("| image | C ms | Rust ms | Rust/C | C MiB held | Rust MiB held |")
    out("|---|---:|---:|---:|---:|---:|")
    tags = [f"initrd{m}" for m in SIZES] + (["debian"] if vmlinuz else [])
    for tag in tags:
        ent = sweep.get(tag) if tag == "debian" else sweep.get(int(tag[6:]))
        if not ent or not ent["loads"].get("c") or not ent["loads"].get("rust"):
            out(f"| {tag} | failed | | | | |")
            continue
        mc = statistics.median(ent["loads"]["c"]) / 1000
        mr = statistics.median(ent["loads"]["rust"]) / 1000
        hc = statistics.median(ent["held"]["c"]) / 1024
        hr = statistics.median(ent["held"]["rust"]) / 1024
        what = "Debian vmlinuz, no initrd" if tag == "debian" else f"main kernel + {tag[6:]} MiB initrd"
        for v, loader in ((mc, "c"), (mr, "rust")):
            record("load_guest", tag, loader, v, "ms")
        for v, loader in ((hc, "c"), (hr, "rust")):
            record("held_guest", tag, loader, v, "MiB")
        out(f"| {what} | {mc:.1f} | {mr:.1f} | {mr / mc:.3f} | {hc:.1f} | {hr:.1f} |")
    out()
    out("Hand-off in the guest, ms (host clock on the console; QEMU's default CPU has no SHA-NI, so the Rust purgatory runs its portable engine)")
    out()
    out("| initrd MiB | purgatory | shutdown | relocate+purgatory+decompress | new kernel to /init | reboot to banner | Rust/C (to banner) |")
    out("|---:|---|---:|---:|---:|---:|---:|")
    for mib in SIZES:
        hc, hr = sweep[mib]["handoff"]["c"], sweep[mib]["handoff"]["rust"]
        for purg, h in (("c", hc), ("rust", hr)):
            for k in ("shutdown", "jump", "boot", "banner"):
                record("handoff_guest", f"{mib}MiB_{k}", purg, 1000 * h[k], "ms")
            ratio = f"{hr['banner'] / hc['banner']:.3f}" if purg == "rust" else ""
            out(f"| {mib} | {'C' if purg == 'c' else 'Rust'} | {1000 * h['shutdown']:.0f} | "
                f"{1000 * h['jump']:.0f} | {1000 * h['boot']:.0f} | {1000 * h['banner']:.0f} | {ratio} |")
    out()

    u = uefi_cold_vs_kexec()
    s0 = sweep[0]["handoff"]["rust"]
    out("kexec against a cold boot of the same kernel, to its /init, ms")
    out()
    out("| machine | cold boot | kexec | kexec/cold |")
    out("|---|---:|---:|---:|")
    out(f"| SeaBIOS, main kernel | {1000 * s0['cold_to_init']:.0f} | {1000 * s0['reboot_to_init']:.0f} | "
        f"{s0['reboot_to_init'] / s0['cold_to_init']:.3f} |")
    record("cold_vs_kexec", "seabios_main", "cold", 1000 * s0["cold_to_init"], "ms")
    record("cold_vs_kexec", "seabios_main", "kexec", 1000 * s0["reboot_to_init"], "ms")
    if u:
        out(f"| UEFI (OVMF), distro kernel | {1000 * u['cold_to_init']:.0f} | {1000 * u['reboot_to_init']:.0f} | "
            f"{u['reboot_to_init'] / u['cold_to_init']:.3f} |")
        record("cold_vs_kexec", "uefi_distro", "cold", 1000 * u["cold_to_init"], "ms")
        record("cold_vs_kexec", "uefi_distro", "kexec", 1000 * u["reboot_to_init"], "ms")
    out()

    lr = loader_rounds(rounds)
    if lr:
        m, n = lr
        out(f"{n} + {n} loads interleaved in one boot (signed image + initrd), median ms")
        out()
        out("| C loader | Rust loader | Rust/C | Rust loader, C hand-off preparation | Rust/C hand-off preparation |")
        out("|---:|---:|---:|---:|---:|")
        out(f"| {m['c']:.1f} | {m['rust']:.1f} | {m['rust'] / m['c']:.3f} | {m['rust_choff']:.1f} | "
            f"{m['rust'] / m['rust_choff']:.3f} |")
        for k, v in m.items():
            record("load_rounds", "initrd0", k, v, "ms")
        out()

    engines_table(max(3, rounds // 3))
    png = os.path.join(kt.RESULTS, "bench.png")
    plot(sweep, png)
    finish_outputs(png)
    return 0


def finish_outputs(png=None):
    """bench.csv and bench.md (and the plot's name, when there is one)."""
    csv_path = os.path.join(kt.RESULTS, "bench.csv")
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["section", "item", "variant", "value", "unit"])
        w.writerows(rows)
    with open(os.path.join(kt.RESULTS, "bench.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"bench: {csv_path}, {png or 'no plot'}, {os.path.join(kt.RESULTS, 'bench.md')}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
