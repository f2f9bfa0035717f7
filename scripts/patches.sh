#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The work as a series a maintainer can `git am` (make patches):
#
#   scripts/patches.sh            writes build/patches/*.patch (and a cover
#                                 letter) against the pristine base
#   scripts/patches.sh --check    also applies them with `git am` to a
#                                 fresh tree of the pristine base,
#                                 build/export-am (for patches_apply_build)
#
# The pristine base is Debian's linux-source-6.12 unpacked into a git
# repository once (build/pristine).  The series is patches/series, each
# patch followed by the new files it needs (added to its commit), in an
# order where each commit builds: the kexec_file core API (0007) comes
# before the abstractions that use it.  The harness and host tests under
# tools/testing/selftests/kexec/ end the series.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tarball=/usr/src/linux-source-6.12.tar.xz
base=$top/build/pristine
work=$top/build/export
out=$top/build/patches
ident=(-c "user.name=Seed 7327ec3a maintainers"
	-c "user.email=maintainers@users.noreply.r-seed-7327ec3a.example")

die() { echo "patches: $*" >&2; exit 1; }

if [ ! -d "$base/.git" ]; then
	echo "patches: unpacking $tarball into a git repository (once)"
	rm -rf "$base.tmp"
	mkdir -p "$base.tmp"
	tar -xf "$tarball" -C "$base.tmp" --strip-components=1
	version=$(make -s -C "$base.tmp" kernelversion)
	git -C "$base.tmp" init -q
	# Debian's tree ignores everything at its top level (.gitignore): force.
	git -C "$base.tmp" add -A -f
	git "${ident[@]}" -C "$base.tmp" commit -q -m "Linux $version (Debian linux-source-6.12)"
	mv "$base.tmp" "$base"
fi

# fresh DIR: a work tree of the pristine base at DIR.
fresh() {
	rm -rf "$1"
	git -C "$base" worktree prune
	git -C "$base" worktree add -q --detach "$1" HEAD
}

# What the commit message of a patch says about the new files added to it.
files_note() {
	case "$1" in
	0003) echo "Add the abstractions themselves: rust/kernel/kexec.rs (Image, Load, the
Loader trait and its kexec_file_ops adapter, Registration and
module_kexec_loader!), the core-only parsers under rust/kernel/kexec/
(bzImage setup header and boot_params, PE signature wrapper, purgatory
ELF, loaded-image checks, Unified Kernel Images; also built and fuzzed on
the host), the x86 parts (boot_params, e820, EFI state, the hand-off's
page tables) and rust/helpers/kexec.c for the inline functions they call.
rust/kernel/kexec/.kunitconfig runs their doctests with kunit.py." ;;
	0004) echo "Add the loader, arch/x86/kernel/kexec_bzimage64.rs, written on the safe
abstractions only (no unsafe), and the test switches of
arch/x86/kernel/kexec_rust_selftest.c." ;;
	0005) echo "Add arch/x86/kernel/kexec_handoff64.rs, the hand-off policy: what the
identity map covers and what is checked at load." ;;
	0008) echo "Add samples/rust/rust_kexec_loader.rs itself." ;;
	0011) echo "Add arch/x86/purgatory/purgatory_rust.rs (the check, CR0/CR4, the serial
report) and arch/x86/purgatory/sha256_rust.rs (the SHA-NI and portable
digest, also built and tested on the host)." ;;
	0009) echo "Add Documentation/admin-guide/kexec-rust.rst itself." ;;
	esac
}

# Which new files go with which patch (the rest: the selftests commit).
files_for() {
	case "$1" in
	0003) echo rust/kernel/kexec.rs rust/kernel/kexec rust/helpers/kexec.c ;;
	0004) echo arch/x86/kernel/kexec_bzimage64.rs arch/x86/kernel/kexec_rust_selftest.c ;;
	0005) echo arch/x86/kernel/kexec_handoff64.rs ;;
	0008) echo samples/rust/rust_kexec_loader.rs ;;
	0011) echo arch/x86/purgatory/purgatory_rust.rs arch/x86/purgatory/sha256_rust.rs ;;
	0009) echo Documentation/admin-guide/kexec-rust.rst ;;
	esac
}
order=(0001 0002 0012 0007 0003 0004 0005 0006 0011 0008 0009)
# After the selftests commit, which adds what they build.
after=(0010)

fresh "$work"
for n in "${order[@]}"; do
	p=$(grep "^$n-" patches/series) || die "no patch $n in patches/series"
	git "${ident[@]}" -C "$work" am -q "$top/patches/$p" || die "git am $p failed"
	f=$(files_for "$n")
	if [ -n "$f" ]; then
		# shellcheck disable=SC2086
		git ls-files $f | while read -r file; do
			mkdir -p "$work/$(dirname "$file")"
			cp "$file" "$work/$file"
		done
		git -C "$work" add -A -f
		# The note goes before the Signed-off-by trailer.
		git -C "$work" log -1 --format=%B | awk -v note="$(files_note "$n")" '
			/^Signed-off-by:/ && !done { print note; print ""; done = 1 } { print }' |
			git "${ident[@]}" -C "$work" commit -q --amend -F -
	fi
done
git ls-files tools/testing/selftests/kexec | while read -r file; do
	mkdir -p "$work/$(dirname "$file")"
	cp "$file" "$work/$file"
done
git -C "$work" add -A -f
git "${ident[@]}" -C "$work" commit -q -s -F - <<'EOF'
selftests/kexec: QEMU, host and fuzz tests of the Rust loaders

Add what tests the Rust kexec loaders, next to the existing kexec
selftests:

- host/: the core-only parsers (bzImage, PE, purgatory, entry list, UKI)
  built for the host with cargo, and their tests;
- fuzz/: libFuzzer targets over the same files;
- qemu/: a harness that boots test kernels under QEMU (SeaBIOS and OVMF,
  with and without Secure Boot), kexecs from stage to stage and checks
  what each stage got: the Rust and C loaders side by side, signed,
  unsigned and malformed images, kdump, UKIs, the sample loader module;
- test_kexec_rust.sh: a kselftest of the Rust loaders on the running
  kernel, in KTAP (the next patch runs it with the others).
EOF
for n in "${after[@]}"; do
	p=$(grep "^$n-" patches/series) || die "no patch $n in patches/series"
	git "${ident[@]}" -C "$work" am -q "$top/patches/$p" || die "git am $p failed"
done

rm -rf "$out"
git -C "$work" format-patch -q --zero-commit --cover-letter -o "$out" "$(git -C "$base" rev-parse HEAD)"..HEAD
# The cover letter's subject and blurb.
cover=$out/0000-cover-letter.patch
python3 - "$cover" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("*** SUBJECT HERE ***", "kexec: Rust image loaders for kexec_file_load() on x86_64")
s = s.replace("*** BLURB HERE ***", """\
This series adds a second implementation of the x86_64 bzImage loader of
kexec_file_load(2), in Rust, listed before the C one, and a loader for
Unified Kernel Images (one signature over kernel, initrd and command
line). Both are written on safe abstractions in the kernel crate; the
parsers of image data use core only and are tested and fuzzed on the host.
The hand-off (machine_kexec_prepare(), the control page) is prepared in
Rust too, with the loaded image checked at load, where a refusal leaves
the machine usable; machine_kexec() itself neither allocates nor fails.

Loaders can also live in modules (patch 4), with a sample (patch 10).
The purgatory's digest check can be built in Rust too (patch 9), on the
SHA extensions where the CPU has them. Patch 3 lets a loader read whether
kexec signatures are enforced, including when IMA's architecture policy
turned enforcement on at run time.

Tested under QEMU: BIOS and UEFI guests, Secure Boot lockdown with the
platform keyring, IMA, kdump, KASAN/kmemleak/lockdep, and differential
tests against the C loader (same segments, same boot_params bytes, same
errors for the same bad input). Documentation/admin-guide/kexec-rust.rst
says where the Rust loader differs from C (it refuses at load images that
cannot boot).""")
open(p, "w").write(s)
PY
n=$(ls "$out"/0*.patch | grep -vc 0000-cover-letter)
echo "patches: $n patches in build/patches (base $(git -C "$base" log -1 --format=%s))"

if [ "${1:-}" = --check ]; then
	fresh "$top/build/export-am"
	# shellcheck disable=SC2046
	git "${ident[@]}" -C "$top/build/export-am" am -q $(ls "$out"/*.patch | grep -v 0000-cover-letter) ||
		die "git am of the series failed"
	echo "patches: git am applied $(git -C "$top/build/export-am" rev-list --count HEAD ^"$(git -C "$base" rev-parse HEAD)") commits to build/export-am"
fi
