#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The whole suite.  Every case prints one TAP line; the summary
# "N passed, N failed" is the last line; build/results/test.tap keeps the TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
results=build/results
mkdir -p "$results"
tap=$results/test.tap
: >"$tap.body"

emit() { echo "$1" | tee -a "$tap.body"; }

# At low priority while the tests of the main kernel, mostly one QEMU
# thread, use the other core, one after the other: the debug kernel
# (KASAN, kmemleak, ...), the distro kernel, the exported patch series
# applied with git am to a pristine tree and built with the main
# configuration, and the kernel of kunit.py.  Each build's exit status
# goes to build/results/build-NAME.rc, its output to build-NAME.log.
main_frags=$(make -s -f Makefile -pn 2>/dev/null | sed -n 's/^MAIN_CONFIG := //p')
kunitconfig=$top/build/src/rust/kernel/kexec/.kunitconfig
rm -f "$results"/build-*.rc
step() { # NAME COMMAND...
	local name=$1
	shift
	nice -n 10 "$@" >"$results/build-$name.log" 2>&1
	echo $? >"$results/build-$name.rc"
}
(
	step debug make -s guest-debug
	step distro make -s guest-distro
	step export bash -c "scripts/patches.sh --check && KERNEL_SRC=$top/build/export-am scripts/kernel.sh export $main_frags"
	step kunit python3 build/src/tools/testing/kunit/kunit.py run --arch=x86_64 \
		--kunitconfig="$kunitconfig" --build_dir="$top/build/kunit" --jobs=2 \
		--make_options LLVM=1 --make_options RUSTC=/usr/bin/rustc \
		--make_options RUSTDOC=/usr/bin/rustdoc
) &
builds_pid=$!

# wait_build NAME: until build NAME has ended; its exit status.
wait_build() {
	while [ ! -f "$results/build-$1.rc" ] && kill -0 "$builds_pid" 2>/dev/null; do
		sleep 5
	done
	return "$(cat "$results/build-$1.rc" 2>/dev/null || echo 1)"
}

# flavour_cases FLAVOUR LOG: the flavour's cases once its kernel is built,
# or each case failed with the build log's tail.
flavour_cases() {
	if wait_build "$1"; then
		python3 tools/testing/selftests/kexec/qemu/suite.py --flavour "$1" | tee -a "$tap.body"
	else
		for c in $(python3 tools/testing/selftests/kexec/qemu/suite.py --list --flavour "$1"); do
			emit "not ok - $c (the $1 kernel did not build: $2)"
		done
		tail -20 "$2" | sed 's/^/# /'
	fi
}

# 1. Host tests: cargo test over the core-only parsers.
if [ -f tools/testing/selftests/kexec/host/Cargo.toml ]; then
	out=$results/host-cargo.log
	KEXEC_PURGATORY_RO=$top/build/kernel-main/arch/x86/purgatory/purgatory.ro \
		CARGO_TARGET_DIR=$top/build/host-target cargo test \
		--manifest-path tools/testing/selftests/kexec/host/Cargo.toml -- --test-threads=2 \
		>"$out" 2>&1
	rc=$?
	n=$(grep -cE '^test .* \.\.\. (ok|FAILED)$' "$out")
	if [ "$n" = 0 ]; then
		emit "not ok - host_cargo_test (no test ran, rc=$rc)"
		tail -20 "$out" | sed 's/^/# /'
	fi
	grep -E '^test .* \.\.\. (ok|FAILED)$' "$out" | while read -r _ name _ res; do
		if [ "$res" = ok ]; then emit "ok - host: $name"; else emit "not ok - host: $name"; fi
	done
	[ $rc = 0 ] || grep -A5 -E '^---- ' "$out" | sed 's/^/# /'
fi

# 2. Coverage-guided fuzzing of the same parsers, 30 s a target.
CARGO_BUILD_JOBS=2 scripts/fuzz.sh "${FUZZ_SECONDS:-30}" | tee -a "$tap.body"

# 3. In-kernel unit tests (Rust doctests under KUnit) in one boot.
python3 tools/testing/selftests/kexec/qemu/kunit.py | tee -a "$tap.body"

# 4. QEMU end to end: the main kernel's cases, then the debug kernel's, then
# the distro kernel's (through UEFI firmware).
python3 tools/testing/selftests/kexec/qemu/suite.py --flavour main | tee -a "$tap.body"
flavour_cases debug "$results/build-debug.log"
flavour_cases distro "$results/build-distro.log"

# 5. The kernel's ways: the exported series applies and builds; kunit.py
# runs the in-kernel tests; checkpatch (on that series), rustfmt, clippy,
# rustdoc.
log=$results/build-export.log
if wait_build export && [ -f build/kernel-export/arch/x86/boot/bzImage ] &&
	grep -q ' kexec_bzimage64_rust_ops$' build/kernel-export/System.map &&
	grep -q ' kexec_uki64_rust_ops$' build/kernel-export/System.map; then
	emit "ok - patches_apply_build ($(grep -o '[0-9]* patches in build/patches' "$log"), $(grep -o 'git am applied [0-9]* commits' "$log"); $(grep -o 'bzImage ready.*' "$log"))"
else
	emit "not ok - patches_apply_build (log: $log)"
	tail -20 "$log" | sed 's/^/# /'
fi
log=$results/build-kunit.log
wait_build kunit
rc=$?
summary=$(grep -o 'Testing complete\. Ran [0-9]* tests: .*' "$log")
nkexec=$(grep -c '\[PASSED\] rust_doctest_kernel_kexec' "$log")
if [ $rc = 0 ] && [ "$nkexec" -gt 0 ] && ! grep -q 'FAILED\|CRASHED' "$log"; then
	emit "ok - kunit_py_kexec ($summary; $nkexec of them kexec doctests)"
else
	emit "not ok - kunit_py_kexec (${summary:-no summary}; log: $log)"
	grep -E 'FAILED|CRASHED|rror' "$log" | head -20 | sed 's/^/# /'
fi
wait "$builds_pid"
scripts/style.sh | tee -a "$tap.body"

passed=$(grep -c '^ok ' "$tap.body")
failed=$(grep -c '^not ok ' "$tap.body")
{
	echo "TAP version 13"
	echo "1..$((passed + failed))"
	awk '/^(not )?ok / { n++; sub(/^ok /, "ok " n " "); sub(/^not ok /, "not ok " n " ") } { print }' "$tap.body"
} >"$tap"
rm -f "$tap.body"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
