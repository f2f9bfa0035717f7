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

# The debug kernel (KASAN, kmemleak, ...) and then the distro kernel build
# at low priority while the tests of the main kernel, mostly one QEMU
# thread, use the other core.  Each build's exit status goes to a file.
debug_log=$results/build-debug.log
distro_log=$results/build-distro.log
rm -f "$results"/build-{debug,distro}.rc
(
	nice -n 10 make -s guest-debug >"$debug_log" 2>&1
	echo $? >"$results/build-debug.rc"
	nice -n 10 make -s guest-distro >"$distro_log" 2>&1
	echo $? >"$results/build-distro.rc"
) &
builds_pid=$!

# flavour_cases FLAVOUR LOG: the flavour's cases once its kernel is built,
# or each case failed with the build log's tail.
flavour_cases() {
	while [ ! -f "$results/build-$1.rc" ] && kill -0 "$builds_pid" 2>/dev/null; do
		sleep 5
	done
	if [ "$(cat "$results/build-$1.rc" 2>/dev/null)" = 0 ]; then
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

# 2b. The kernel's own checks: checkpatch, rustfmt, clippy, rustdoc.
scripts/style.sh | tee -a "$tap.body"

# 3. In-kernel unit tests (Rust doctests under KUnit) in one boot.
python3 tools/testing/selftests/kexec/qemu/kunit.py | tee -a "$tap.body"

# 4. QEMU end to end: the main kernel's cases, then the debug kernel's, then
# the distro kernel's (through UEFI firmware).
python3 tools/testing/selftests/kexec/qemu/suite.py --flavour main | tee -a "$tap.body"
flavour_cases debug "$debug_log"
flavour_cases distro "$distro_log"
wait "$builds_pid"

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
