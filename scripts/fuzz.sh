#!/usr/bin/env bash
# Runs every fuzz target (or those named) with the structured mutator for SECONDS each and
# prints the table of docs/reliability.md, with the run's wall time and peak RSS.
#   scripts/fuzz.sh [SECONDS] [TARGET...]        e.g. scripts/fuzz.sh 60
#   SAVE=1 scripts/fuzz.sh 60                     also keep new inputs in fuzz/corpus
# Exit status 1 if any target had a finding (inputs saved under fuzz/findings/).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
shift || true
args=(run --seconds "$seconds")
if [ "$#" -gt 0 ]; then
  for t in "$@"; do args+=(--target "$t"); done
fi
if [ "${SAVE:-0}" = 1 ]; then args+=(--save); fi
cargo build --release -q -p shardnode-fuzz
/usr/bin/time -f "wall %e s, peak RSS %M KiB" ./target/release/shardnode-fuzz "${args[@]}"
