#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Coverage-guided fuzzing of the core-only kexec parsers on the host.
#
#   scripts/fuzz.sh SECONDS [TARGET...]      (targets: bzimage pe purgatory uki)
#
# Installs what it needs (idempotent), builds the libFuzzer targets of
# tools/testing/selftests/kexec/fuzz/ with ASan and sanitizer coverage on
# the stable toolchain (RUSTC_BOOTSTRAP=1), writes the seeds, runs each
# target for SECONDS and prints one TAP line per target:
#
#   ok - fuzz_<target> (<N> execs in <S> s)
#   not ok - fuzz_<target> (...)      followed by "# " lines
#
# Kept between runs under build/: fuzz/corpus/<target> (the corpus),
# fuzz/artifacts/<target> (crash-*, timeout-*, oom-* inputs),
# fuzz/logs/<target>.{build,run}.log, and the cargo target dir fuzz-target/.
# Exits non-zero when any target fails, cannot be built or cannot be run.
# Environment: CARGO_BUILD_JOBS (default 1), FUZZ_BUILD_TIMEOUT (1800 s),
# FUZZ_INPUT_TIMEOUT (10 s, libFuzzer's -timeout for one input).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

FUZZ_DIR=tools/testing/selftests/kexec/fuzz
ALL_TARGETS=(bzimage pe purgatory uki)
TRIPLE=x86_64-unknown-linux-gnu
OUT=build/fuzz
# A first build compiles libFuzzer (C++) and the crate on one core.
BUILD_TIMEOUT=${FUZZ_BUILD_TIMEOUT:-1800}
# One input running longer than this is a finding (libFuzzer's -timeout).
INPUT_TIMEOUT=${FUZZ_INPUT_TIMEOUT:-10}

usage() {
	echo "usage: scripts/fuzz.sh SECONDS [TARGET...]   (targets: ${ALL_TARGETS[*]})" >&2
	exit 2
}

[ $# -ge 1 ] || usage
secs=$1
shift
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || usage
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
for t in "${targets[@]}"; do
	[[ " ${ALL_TARGETS[*]} " == *" $t "* ]] || { echo "fuzz: unknown target '$t'" >&2; usage; }
done

mkdir -p "$OUT/logs" "$OUT/seeds"
failed=0

# The TAP line of a target that never ran, with the log's last lines.
fail_target() { # target reason log
	echo "not ok - fuzz_$1 ($2)"
	[ -n "${3:-}" ] && [ -f "$3" ] && {
		echo "# log: $3"
		grep -v '^[[:space:]]*$' "$3" | tail -15 | sed 's/^/# /'
	}
	failed=$((failed + 1))
}

# --- install (idempotent; only checks when everything is there) ----------

export PATH="$HOME/.cargo/bin:$PATH"
setup_log=$OUT/logs/setup.log
: >"$setup_log"

setup() {
	if ! command -v cargo >/dev/null 2>&1 || ! command -v rustc >/dev/null 2>&1; then
		echo "fuzz: cargo/rustc not found (rustup toolchain expected in ~/.cargo/bin)" >>"$setup_log"
		return 1
	fi
	# ASan's runtime ships in rust-std for this target.
	local sysroot
	sysroot=$(rustc --print sysroot) || return 1
	if ! ls "$sysroot/lib/rustlib/$TRIPLE/lib/"librustc-*_rt.asan.a >/dev/null 2>&1; then
		echo "fuzz: no ASan runtime in $sysroot/lib/rustlib/$TRIPLE/lib" >>"$setup_log"
		return 1
	fi
	# libfuzzer-sys compiles libFuzzer with the system C++ compiler.
	if ! command -v c++ >/dev/null 2>&1 && ! command -v g++ >/dev/null 2>&1; then
		echo "fuzz: installing g++" >>"$setup_log"
		export DEBIAN_FRONTEND=noninteractive
		{ timeout 600 apt-get update -qq &&
			timeout 900 apt-get install -y -qq --no-install-recommends g++; } >>"$setup_log" 2>&1 ||
			{ echo "fuzz: apt-get install g++ failed" >>"$setup_log"; return 1; }
	fi
	if ! command -v python3 >/dev/null 2>&1; then
		echo "fuzz: python3 not found (seed generator)" >>"$setup_log"
		return 1
	fi
	# Fetch the crates (libfuzzer-sys and what it needs) once.
	timeout -k 10 600 cargo fetch --manifest-path "$FUZZ_DIR/Cargo.toml" >>"$setup_log" 2>&1 ||
		{ echo "fuzz: cargo fetch failed" >>"$setup_log"; return 1; }
}

if ! setup; then
	for t in "${targets[@]}"; do fail_target "$t" "setup failed" "$setup_log"; done
	exit 1
fi

# --- build ----------------------------------------------------------------

# What cargo-fuzz passes, spelled out: sanitizer coverage for libFuzzer's
# feedback (inline 8-bit counters, PC table, compare tracing) and ASan. The
# explicit --target keeps these flags off build scripts.
unset CARGO_ENCODED_RUSTFLAGS
export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="-Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
-Cllvm-args=-sanitizer-coverage-stack-depth \
-Zsanitizer=address \
-Cforce-frame-pointers=yes \
--cfg fuzzing"
export CARGO_TARGET_DIR=$top/build/fuzz-target
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}

build() { # target -> 0 when the binary is there; sets build_secs
	local t0=$SECONDS rc
	timeout -k 10 "$BUILD_TIMEOUT" cargo build --release --target "$TRIPLE" \
		--manifest-path "$FUZZ_DIR/Cargo.toml" --bin "$1" >"$OUT/logs/$1.build.log" 2>&1 &&
		[ -x "$CARGO_TARGET_DIR/$TRIPLE/release/$1" ]
	rc=$?
	build_secs=$((SECONDS - t0))
	return $rc
}

# --- seeds ----------------------------------------------------------------

seeds_log=$OUT/logs/seeds.log
rm -rf "$OUT/seeds"
if ! python3 "$FUZZ_DIR/seeds.py" "$OUT/seeds" >"$seeds_log" 2>&1; then
	for t in "${targets[@]}"; do fail_target "$t" "seed generation failed" "$seeds_log"; done
	exit 1
fi

# --- run ------------------------------------------------------------------

# Rust panics abort (libfuzzer-sys); ASan reports abort too. Leaks count.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:symbolize=1}
export RUST_BACKTRACE=1
command -v llvm-symbolizer >/dev/null 2>&1 && export ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer)

# The first lines of the report in a libFuzzer log: for a Rust panic its
# message and the backtrace frames outside std/core/libFuzzer (function,
# then file:line); for a sanitizer or libFuzzer report (timeout, OOM,
# leak) its first lines.
report() { # log
	awk '
		/panicked at/ && !p { p = 1; inmsg = 1 }
		p && inmsg {
			if (/^stack backtrace:/) { inmsg = 0; next }
			if (m < 6) { print; m++ }
			next
		}
		p && /^ *[0-9]+: / {
			want_at = 0
			if ($0 ~ /(core::|std::|alloc::|__rustc|libfuzzer_sys::|rust_fuzzer_test_input|_ZN6fuzzer|fuzzer::|__sanitizer|__asan|__libc|_start|<unknown>|: main$)/) next
			if (f < 6) { print; f++; want_at = 1 }
			next
		}
		p && want_at && /^ +at / { print; want_at = 0; next }
		!p && !a && (/==[0-9]+== ?ERROR/ || /^ERROR: libFuzzer/ || /ALARM: working on the last Unit/) { a = 1 }
		a && n < 8 && !/^[[:space:]]*$/ { print; n++ }
	' "$1" | sed 's/^/# /'
}

run() { # target
	local t=$1 bin=$CARGO_TARGET_DIR/$TRIPLE/release/$1
	local corpus=$OUT/corpus/$t art=$OUT/artifacts/$t log=$OUT/logs/$t.run.log
	mkdir -p "$corpus" "$art" "$OUT/seeds/$t"
	# Hard limit: libFuzzer stops itself at max_total_time; this catches a
	# hang outside its control (startup, a stuck exit).
	local hard=$((secs + 30 + secs / 5))
	local t0 t1 rc
	t0=$(date +%s%N)
	timeout -k 10 "$hard" "$bin" \
		-max_total_time="$secs" -print_final_stats=1 -timeout="$INPUT_TIMEOUT" -rss_limit_mb=2048 \
		-artifact_prefix="$art/" "$corpus" "$OUT/seeds/$t" >"$log" 2>&1 </dev/null
	rc=$?
	t1=$(date +%s%N)
	local el execs artifact
	el=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	execs=$(grep -a 'stat::number_of_executed_units:' "$log" | tail -1 | awk '{print $2}')
	artifact=$(grep -ao 'Test unit written to [^ ]*' "$log" | tail -1 | sed 's/^Test unit written to //')

	if [ "$rc" = 0 ] && [ -z "$artifact" ] && [ -n "$execs" ]; then
		echo "ok - fuzz_$t ($execs execs in $el s)"
		local n cov
		n=$(find "$corpus" -type f | wc -l)
		cov=$(grep -aoE '(pulse|DONE) +cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 | sed -E 's/^(pulse|DONE) +//')
		echo "# corpus $corpus: $n inputs${cov:+, $cov}; build ${build_secs:-?} s"
		return 0
	fi

	local why
	case $rc in
	124 | 137) why="hung" ;;
	*) if [ -n "$artifact" ]; then
		why=$(basename "$artifact") # crash-, timeout-, oom-, leak-<sha1>
		why=${why%%-*}
	else
		why="libFuzzer exit $rc"
	fi ;;
	esac
	if [ "$why" = hung ]; then
		echo "not ok - fuzz_$t (hung: killed at the ${hard} s limit, ${execs:-?} execs)"
	else
		echo "not ok - fuzz_$t ($why after ${execs:-?} execs in $el s)"
	fi
	[ -n "$artifact" ] && echo "# crash file: $artifact"
	echo "# log: $log"
	if grep -qaE 'panicked at|==[0-9]+== ?ERROR|^ERROR: libFuzzer|ALARM: working on the last Unit|out-of-memory' "$log"; then
		report "$log"
	else
		grep -v '^[[:space:]]*$' "$log" | tail -10 | sed 's/^/# /'
	fi
	failed=$((failed + 1))
	return 1
}

for t in "${targets[@]}"; do
	build "$t"
	rc=$?
	if [ "$rc" != 0 ]; then
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			fail_target "$t" "build timed out after ${BUILD_TIMEOUT} s" "$OUT/logs/$t.build.log"
		else
			# The compiler's first error says most.
			echo "not ok - fuzz_$t (build failed)"
			echo "# log: $OUT/logs/$t.build.log"
			if grep -q '^error' "$OUT/logs/$t.build.log"; then
				grep -A8 -m3 '^error' "$OUT/logs/$t.build.log" | head -20 | sed 's/^/# /'
			else
				tail -15 "$OUT/logs/$t.build.log" | sed 's/^/# /'
			fi
			failed=$((failed + 1))
		fi
		continue
	fi
	run "$t"
done

[ "$failed" = 0 ]
