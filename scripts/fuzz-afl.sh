#!/usr/bin/env bash
# Coverage-guided fuzzing of one target with AFL++ (cargo afl, stable toolchain): builds the
# harness in fuzz/afl (instrumented), starts from fuzz/corpus/TARGET, runs SECONDS, and prints
# AFL's totals (execs, paths, crashes, hangs) and its peak RSS. Needs `cargo install cargo-afl`
# and `cargo afl config --build` once.
#   scripts/fuzz-afl.sh TARGET SECONDS [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
target="$1"
seconds="$2"
out="${3:-/tmp/shardnode-afl/$target}"
(cd fuzz/afl && cargo afl build --release -q)
rm -rf "$out"
mkdir -p "$out"
export SHARDNODE_FUZZ_TARGET="$target"
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_QUIET=1
# Each input runs in a fresh fork of the harness: -t is the per-input hang bound (ms), -m the
# memory limit (MiB) past which an input counts as a crash.
/usr/bin/time -f "wall %e s, afl-fuzz peak RSS %M KiB" \
  cargo afl fuzz -V "$seconds" -t 10000 -m 2048 -i "fuzz/corpus/$target" -o "$out" \
  fuzz/afl/target/release/shardnode-fuzz-afl > "$out/afl.log" 2>&1 || true
stats="$out/default/fuzzer_stats"
if [ ! -f "$stats" ]; then
  echo "afl-fuzz did not run; its log:"; tail -20 "$out/afl.log"; exit 1
fi
grep -E "^(execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|peak_rss_mb|bitmap_cvg|run_time)" "$stats"
crashes=$(awk -F: '/^saved_crashes/ {gsub(/ /,"",$2); print $2}' "$stats")
hangs=$(awk -F: '/^saved_hangs/ {gsub(/ /,"",$2); print $2}' "$stats")
tail -1 "$out/afl.log"
[ "$crashes" = 0 ] && [ "$hangs" = 0 ]
