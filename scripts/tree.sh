#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Lay out the kernel tree in build/src: Debian's linux-source-6.12, the
# repository's new in-tree files linked over it, and patches/series applied.
# Re-running is cheap: the tarball is unpacked once, the overlay links are
# refreshed, and patches are only re-applied when the series changed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/src
tarball=/usr/src/linux-source-6.12.tar.xz
# Top-level directories of the repository that are part of the kernel tree.
overlay_dirs=(arch rust samples Documentation tools kernel include)

die() { echo "tree: $*" >&2; exit 1; }

if [ ! -f "$src/Makefile" ]; then
	[ -f "$tarball" ] || die "$tarball missing (package linux-source-6.12)"
	echo "tree: unpacking $tarball"
	rm -rf "$top/build/src.tmp"
	mkdir -p "$top/build/src.tmp"
	tar -xf "$tarball" -C "$top/build/src.tmp" --strip-components=1 ||
		die "unpacking $tarball failed"
	mv "$top/build/src.tmp" "$src"
fi

base=$(make -s -C "$src" kernelversion 2>/dev/null) || die "cannot read the base version"
echo "tree: base linux $base (Debian linux-source-6.12)"

# Overlay: link every tracked (or new, not ignored) file under the overlay dirs.
cd "$top"
new_list=$(mktemp)
for d in "${overlay_dirs[@]}"; do
	[ -d "$d" ] || continue
	git ls-files --cached --others --exclude-standard -- "$d"
done | sort -u >"$new_list"
old_list=$top/build/overlay.list
if [ -f "$old_list" ]; then
	comm -23 "$old_list" "$new_list" | while read -r f; do
		[ -L "$src/$f" ] && rm -f "$src/$f"
	done
fi
while read -r f; do
	[ -f "$f" ] || continue
	if [ -e "$src/$f" ] && [ ! -L "$src/$f" ]; then
		die "overlay file $f exists upstream: change it through patches/ instead"
	fi
	mkdir -p "$(dirname "$src/$f")"
	ln -sfn "$top/$f" "$src/$f"
done <"$new_list"
mv "$new_list" "$old_list"

# Patches: revert what was applied if the series changed, then apply.
applied=$top/build/applied-patches
want=$(cd patches 2>/dev/null && cat series 2>/dev/null | grep -v '^\s*#' | grep -v '^\s*$' |
	while read -r p _; do echo "$p $(sha256sum "$p" | cut -c1-16)"; done || true)
have=$(cat "$applied/series" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
	if [ -n "$have" ]; then
		echo "tree: patch series changed, reverting the applied series"
		echo "$have" | tac | while read -r p _; do
			patch -s -d "$src" -p1 -R <"$applied/$p" >/dev/null ||
				die "could not revert $p; remove build/src and re-run"
		done
	fi
	rm -rf "$applied"
	mkdir -p "$applied"
	if [ -n "$want" ]; then
		echo "$want" | while read -r p _; do
			echo "tree: applying $p"
			patch -s -d "$src" -p1 --forward --dry-run <"patches/$p" >/dev/null ||
				die "patch $p does not apply to linux $base"
			patch -s -d "$src" -p1 --forward --no-backup-if-mismatch <"patches/$p" ||
				die "patch $p does not apply to linux $base"
			cp "patches/$p" "$applied/$p"
			echo "$p $(sha256sum "patches/$p" | cut -c1-16)" >>"$applied/series"
		done
	fi
fi
echo "$base" >"$top/build/base-version"
