#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The kernel's own checks on our code, one TAP line each (run by test.sh
# once the main kernel is built):
#   style_checkpatch  scripts/checkpatch.pl --strict on every patch of the
#                     exported series (scripts/patches.sh), or of patches/
#                     before it is made: no error, and no warning but those
#                     the admin guide lists ("Kernel checks")
#   style_rustfmt     make rustfmtcheck, and rustfmt --check with the tree's
#                     .rustfmt.toml on the overlay's Rust files (the
#                     kernel's target finds files with `find -type f`,
#                     which skips the overlay's links)
#   style_clippy      make CLIPPY=1 of the kernel crate and the loader files,
#                     main configuration, in build/kernel-clippy: no warning
#                     in our files
#   docs_rustdoc      make rustdoc: no warning (the kernel builds Rust with
#                     -Wmissing_docs, so every public item is documented;
#                     the examples run as KUnit doctests)
# Logs in build/results/style-*.log.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
src=$top/build/src
res=$top/build/results
mkdir -p "$res"
kmake=(make -C "$src" LLVM=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
	RUSTFMT=/usr/bin/rustfmt CLIPPY_DRIVER=/usr/bin/clippy-driver -j"$(nproc)")
ours_re='(rust/kernel/kexec|arch/x86/kernel/kexec_|rust/helpers/kexec)'

# Warnings checkpatch gives that the admin guide justifies ("Kernel
# checks"): by type, anywhere, and in the selftests patch only.
allowed='LONG_LINE_COMMENT|LONG_LINE_STRING|AVOID_EXTERNS|VOLATILE|FILE_PATH_CHANGES|COMMIT_LOG_LONG_LINE'
allowed_selftests='LONG_LINE|REPEATED_WORD|EMBEDDED_FUNCTION_NAME'

# result NAME OK DETAIL LOG
result() {
	if [ "$2" = 0 ]; then
		echo "ok - $1 ($3)"
	else
		echo "not ok - $1 ($3)"
		[ -n "${4:-}" ] && grep -E "$ours_re|ERROR|WARNING|^error|^warning" "$4" | head -20 | sed 's/^/# /'
	fi
}

# checkpatch on the exported series (make patches: every new file is in
# it) when there is one, else on patches/; from a directory outside the
# repository (inside a git work tree checkpatch reads them differently).
log=$res/style-checkpatch.log
tmp=$(mktemp -d)
if ls build/patches/0*.patch >/dev/null 2>&1; then
	cp build/patches/0*.patch "$tmp/"
	what="the exported series"
else
	cp patches/*.patch "$tmp/"
	what="patches/"
fi
for p in "$tmp"/*.patch; do
	perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types "$p" |
		sed "s|^$tmp/||"
done >"$log" 2>&1
npatches=$(ls "$tmp"/*.patch | wc -l)
rm -rf "$tmp"
errors=$(grep -c ': ERROR:' "$log")
unlisted=$(grep ': WARNING:' "$log" | grep -vE ": WARNING:($allowed):" |
	grep -vE "selftests-kexec.*: WARNING:($allowed_selftests):" | tee "$res/style-checkpatch-unlisted.log" | wc -l)
listed=$(($(grep -c ': WARNING:' "$log") - unlisted))
checks=$(grep -c ': CHECK:' "$log")
result style_checkpatch $((errors + unlisted)) \
	"$npatches patches of $what: $errors errors, $listed warnings of the listed kinds, $unlisted others, $checks checks" \
	"$res/style-checkpatch-unlisted.log"

# rustfmt.
log=$res/style-rustfmt.log
{
	"${kmake[@]}" O="$top/build/kernel-main" rustfmtcheck &&
		/usr/bin/rustfmt --check --edition 2021 --config-path "$src/.rustfmt.toml" \
			$(git ls-files arch rust samples | grep '\.rs$')
} >"$log" 2>&1
rc=$?
result style_rustfmt $rc "make rustfmtcheck and $(git ls-files arch rust samples | grep -c '\.rs$') overlay files" "$log"

# clippy, in a tree of its own so that the test kernel's objects stay as
# rustc built them.
log=$res/style-clippy.log
obj=$top/build/kernel-clippy
mkdir -p "$obj"
cmp -s "$top/build/kernel-main/.config" "$obj/.config" ||
	cp "$top/build/kernel-main/.config" "$obj/.config"
"${kmake[@]}" O="$obj" olddefconfig >/dev/null 2>&1
# Touch our files' objects out of date: clippy only lints what it builds.
rm -f "$obj/rust/kernel.o" "$obj"/arch/x86/kernel/kexec_{bzimage64,handoff64}.o
"${kmake[@]}" O="$obj" CLIPPY=1 rust/kernel.o \
	arch/x86/kernel/kexec_bzimage64.o arch/x86/kernel/kexec_handoff64.o >"$log" 2>&1
rc=$?
n=$(grep -A3 -E '^(warning|error)' "$log" | grep -cE -- "--> .*$ours_re")
[ $rc = 0 ] && [ "$n" = 0 ]
result style_clippy $? "kernel crate and loader files: $n warnings in our files (build rc $rc)" "$log"

# rustdoc.
log=$res/style-rustdoc.log
"${kmake[@]}" O="$top/build/kernel-main" rustdoc >"$log" 2>&1
rc=$?
n=$(grep -cE '^(warning|error)' "$log")
[ $rc = 0 ] && [ "$n" = 0 ]
result docs_rustdoc $? "make rustdoc: $n warnings (build rc $rc)" "$log"
