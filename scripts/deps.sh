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
	ovmf systemd-boot-efi binutils busybox-static kexec-tools makedumpfile sbsigntool e2fsprogs
)
# `make bench` only (scripts/deps.sh bench): the plot.
BENCH_PKGS=(python3-matplotlib)
BINDGEN_VERSION=0.70.1
# QEMU from Debian's bookworm-backports (10.0): its TCG offers the SHA
# extensions (-cpu max), which bookworm's 7.2 refuses, so that the Rust
# purgatory's SHA-NI engine runs in the guests.
QEMU_SUITE=bookworm-backports
QEMU_MIN=10
BACKPORTS_LIST=/etc/apt/sources.list.d/kexec-rs-backports.sources

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

qemu_ok() {
	local v
	v=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null) || return 1
	v=${v#*:}
	[ "${v%%.*}" -ge "$QEMU_MIN" ] 2>/dev/null
}
if ! qemu_ok; then
	export DEBIAN_FRONTEND=noninteractive
	if [ ! -f "$BACKPORTS_LIST" ]; then
		# The archive of the machine's own bookworm entry, and its key.
		uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 2>/dev/null |
			awk '$2 == "bookworm" && $3 == "main" { print $1; exit }')
		[ -n "$uri" ] || { echo "deps: no bookworm main entry in the apt sources" >&2; exit 1; }
		key=$(grep -rhs '^Signed-By:' /etc/apt/sources.list.d/*.sources | awk '{ print $2; exit }')
		echo "deps: adding $QEMU_SUITE from $uri ($BACKPORTS_LIST)"
		{
			echo "Types: deb"
			echo "URIs: $uri"
			echo "Suites: $QEMU_SUITE"
			echo "Components: main"
			[ -n "$key" ] && echo "Signed-By: $key"
		} >"$BACKPORTS_LIST"
		apt-get update -qq || { echo "deps: apt-get update failed" >&2; exit 1; }
	fi
	echo "deps: installing qemu-system-x86 from $QEMU_SUITE"
	apt-get install -y -qq --no-install-recommends -t "$QEMU_SUITE" qemu-system-x86 >/dev/null ||
		{ echo "deps: apt-get install -t $QEMU_SUITE qemu-system-x86 failed" >&2; exit 1; }
	qemu_ok || { echo "deps: qemu-system-x86 $QEMU_MIN or newer not installed" >&2; exit 1; }
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
