#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the build and the QEMU tests need, if it is missing.
# Idempotent: when everything is present it only checks and returns.
set -euo pipefail

PKGS=(
	linux-source-6.12 xz-utils
	rustc-web rust-web-src rust-web-clippy rustfmt-web
	clang lld llvm libclang-dev
	flex bison bc libelf-dev libssl-dev cpio kmod openssl python3 make gcc
	qemu-system-x86 ovmf systemd-boot-efi binutils busybox-static kexec-tools makedumpfile sbsigntool e2fsprogs
)
# `make bench` only (scripts/deps.sh bench): the plot.
BENCH_PKGS=(python3-matplotlib)
BINDGEN_VERSION=0.70.1

[ "${1:-}" = bench ] && PKGS+=("${BENCH_PKGS[@]}")
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || { echo "deps: apt-get update failed" >&2; exit 1; }
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		{ echo "deps: apt-get install failed for: ${missing[*]}" >&2; exit 1; }
fi

bindgen_ok() {
	command -v bindgen >/dev/null 2>&1 &&
		bindgen --version 2>/dev/null | grep -q "bindgen $BINDGEN_VERSION"
}
export PATH="$HOME/.cargo/bin:$PATH"
if ! bindgen_ok; then
	echo "deps: installing bindgen-cli $BINDGEN_VERSION"
	cargo install --quiet --locked bindgen-cli --version "$BINDGEN_VERSION" ||
		{ echo "deps: cargo install bindgen-cli $BINDGEN_VERSION failed" >&2; exit 1; }
	bindgen_ok || { echo "deps: bindgen $BINDGEN_VERSION not found after install" >&2; exit 1; }
fi

[ -x /usr/bin/rustc ] || { echo "deps: /usr/bin/rustc missing (rustc-web)" >&2; exit 1; }
[ -f /usr/src/linux-source-6.12.tar.xz ] ||
	{ echo "deps: /usr/src/linux-source-6.12.tar.xz missing" >&2; exit 1; }
echo "deps: ok"
