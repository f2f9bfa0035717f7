# SPDX-License-Identifier: GPL-2.0
# kexec-rs driver.  Two commands matter: `make run` and `make test`.
# This file is not part of the kernel tree; it builds one in build/.

SHELL := /bin/bash
QEMU := tools/testing/selftests/kexec/qemu
# Kconfig fragments (config/*.config) of the main test kernel.
MAIN_CONFIG := base rust loader
# Loader used by `make run`: rust or c.
LOADER ?= rust

.PHONY: all run test bench deps tree kernel guest host-test clean distclean

all: guest

deps:
	@scripts/deps.sh

tree: deps
	@scripts/tree.sh

kernel: tree
	@scripts/kernel.sh main $(MAIN_CONFIG)

guest: kernel
	@$(QEMU)/mkinitramfs.sh build/guest-main build/kernel-main/arch/x86/boot/bzImage

# Build, boot, kexec into a second kernel, print what happened.
run: guest
	@python3 $(QEMU)/run.py $(LOADER)

# Every test: host parser tests, in-kernel KUnit, QEMU end to end.
test: guest
	@scripts/test.sh

clean:
	rm -rf build/kernel-* build/guest-* build/results build/host-target

distclean:
	rm -rf build
