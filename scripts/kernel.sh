#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build one kernel flavour: scripts/kernel.sh NAME FRAGMENT...
# The objects go to build/kernel-NAME (O=), the config is tinyconfig plus the
# fragments, and every option a fragment asks for is checked in the result.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
name=$1; shift
# KERNEL_SRC: another source tree (the exported series applied, for
# patches_apply_build); build/src by default.
src=${KERNEL_SRC:-$top/build/src}
obj=$top/build/kernel-$name
export PATH="$HOME/.cargo/bin:$PATH"
kmake=(make -C "$src" O="$obj" LLVM=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
	-j"$(nproc)")

die() { echo "kernel-$name: $*" >&2; exit 1; }

mkdir -p "$obj/fragments"
frags=()
for f in "$@"; do
	[ -f "$top/config/$f.config" ] || die "no fragment config/$f.config"
	sed "s|@BUILD@|$top/build|g" "$top/config/$f.config" >"$obj/fragments/$f.config"
	frags+=("$obj/fragments/$f.config")
done

# Regenerate the config only when a fragment changed.
sig=$(cat "${frags[@]}" | sha256sum | cut -c1-16)
if [ ! -f "$obj/.config" ] || [ "$(cat "$obj/.config.frags" 2>/dev/null)" != "$sig" ]; then
	echo "kernel-$name: configuring (tinyconfig + $*)"
	"${kmake[@]}" -s tinyconfig >/dev/null
	KCONFIG_CONFIG="$obj/.config" "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" \
		"$obj/.config" "${frags[@]}" >"$obj/merge.log" 2>&1 || die "merge_config failed"
	"${kmake[@]}" -s olddefconfig >/dev/null
	# What the fragments ask for, the later fragment winning as in merge_config.
	want=$(for f in "${frags[@]}"; do
		sed -nE 's/^(CONFIG_[A-Za-z0-9_]+)=(.*)$/\1 \2/p; s/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1 n/p' "$f" |
			sed "s|\$| $(basename "$f")|"
	done | awk '{ v[$1] = $2; src[$1] = $3; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
		END { for (i = 0; i < n; i++) print order[i], v[order[i]], src[order[i]] }')
	bad=0
	while read -r opt val src; do
		got=$(grep -E "^$opt=" "$obj/.config" | cut -d= -f2- || true)
		[ -n "$got" ] || got=n
		if [ "$got" != "$val" ]; then
			echo "kernel-$name: $opt: asked $val in $src, got $got" >&2
			bad=1
		fi
	done <<<"$want"
	[ $bad = 0 ] || die "options above did not stick (dependencies missing?)"
	echo "$sig" >"$obj/.config.frags"
fi

start=$(date +%s)
modules=
grep -q '^CONFIG_MODULES=y' "$obj/.config" && modules=modules
"${kmake[@]}" bzImage $modules >"$obj/build.log" 2>&1 || {
	grep -E "error|Error|warning: unused" "$obj/build.log" | head -40 >&2
	tail -20 "$obj/build.log" >&2
	die "build failed (log: build/kernel-$name/build.log)"
}
echo "kernel-$name: bzImage ready ($(stat -c %s "$obj/arch/x86/boot/bzImage") bytes, $(( $(date +%s) - start )) s)"
