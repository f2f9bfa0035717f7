# SPDX-License-Identifier: GPL-2.0
# kexec-rs driver.  Two commands matter: `make run` and `make test`.
# This file is not part of the kernel tree; it builds one in build/.

SHELL := /bin/bash
QEMU := tools/testing/selftests/kexec/qemu
# Kconfig fragments (config/*.config) of the two test kernels:
# main: the Rust loader, KUnit, memory hotplug, kdump, signed kexec with
#       KEXEC_SIG_FORCE (the images it kexecs are signed with the test key,
#       its bzImage is a PE);
# debug: KASAN, kmemleak, UBSAN, lockdep, the lockdown LSM (off at boot);
#       signed kexec not forced, no EFI
#       or ACPI (it loads images made from the main kernel's bzImage, and
#       kexecs only into the sample loader's flat image); the sample
#       loader as a module.
MAIN_CONFIG := base rust kunit loader pefile hotplug kdump sig sigforce
DEBUG_CONFIG := base rust loader sig debug faults samples
# distro: Debian's 6.12 options for kexec (config/distro.config: UEFI,
#       lockdown under Secure Boot, platform keyring, IMA_KEXEC, kdump),
#       signed kexec not forced; booted through OVMF by the efi_* cases.
DISTRO_CONFIG := base rust loader pefile sig distro
# Loader used by `make run`: rust or c.
LOADER ?= rust
# Loads per loader in `make bench`'s one-boot side-by-side (the initrd
# sweep does a third as many).
BENCH_ROUNDS ?= 12

.PHONY: all run test bench deps tree keys kernel guest kernel-debug guest-debug kernel-distro guest-distro patches fuzz clean distclean

all: guest

deps:
	@scripts/deps.sh

tree: deps
	@scripts/tree.sh

keys: deps
	@scripts/keys.sh

kernel: tree keys
	@scripts/kernel.sh main $(MAIN_CONFIG)

guest: kernel
	@$(QEMU)/mkinitramfs.sh build/guest-main build/kernel-main/arch/x86/boot/bzImage \
		--sig build/keys

kernel-debug: tree keys
	@scripts/kernel.sh debug $(DEBUG_CONFIG)

# The debug guest never boots the images it loads: they are made from the
# main kernel's bzImage, a PE file that can be signed.
guest-debug: kernel-debug kernel
	@$(QEMU)/mkinitramfs.sh build/guest-debug build/kernel-main/arch/x86/boot/bzImage \
		--sig build/keys --corpus \
		--module build/kernel-debug/samples/rust/rust_kexec_loader.ko

kernel-distro: tree keys
	@scripts/kernel.sh distro $(DISTRO_CONFIG)

# The distro guest boots through UEFI firmware: its bzImage is also signed
# with the key OVMF's Secure Boot variable store trusts (Debian's ovmf test
# key, build/keys/db: scripts/keys.sh), for the firmware and for the
# platform keyring.
guest-distro: kernel-distro
	@$(QEMU)/mkinitramfs.sh build/guest-distro build/kernel-distro/arch/x86/boot/bzImage \
		--sig build/keys --db build/keys/db

# Build, boot, kexec into a second kernel, print what happened.  KDUMP=1:
# the second kernel is a crash kernel, reached by a panic.
run: guest
	@python3 $(QEMU)/run.py $(LOADER) $(if $(KDUMP),--kdump)

# The whole work as a git format-patch series against the pristine base
# (build/patches), see the README.
patches: tree
	@scripts/patches.sh

# Every test: host parser tests, in-kernel KUnit, QEMU end to end.  The
# debug kernel builds in the background while the main kernel's tests run.
test: guest
	@scripts/test.sh

# Coverage-guided fuzzing of the core-only parsers on the host, each target
# for FUZZ_SECONDS (scripts/fuzz.sh; corpus and crashes in build/fuzz/).
FUZZ_SECONDS ?= 300
fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS)

# Rust vs C, side by side, as ratios: the purgatory's digest on the host,
# load latency, memory and hand-off time by initrd size in the guest,
# Debian's vmlinuz, kexec against a cold UEFI boot (bench.py).  Table on
# stdout, build/results/bench.{csv,png,md}.  Debian's python3, which has
# the python3-matplotlib that deps.sh installs.
bench: guest guest-distro
	@scripts/deps.sh bench
	@/usr/bin/python3 $(QEMU)/bench.py $(BENCH_ROUNDS)

clean:
	rm -rf build/kernel-* build/guest-* build/results build/host-target* build/keys

distclean:
	rm -rf build
