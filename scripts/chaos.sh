#!/usr/bin/env bash
# kill -9 chaos on a real 4-node cluster under load (docs/reliability.md): KILLS random nodes
# are killed with SIGKILL at random moments and restarted from their data dirs while
# `shardnode load` pushes 20 transfers/s; the run fails unless no node's finalized checkpoint
# went back, no two nodes finalized conflicting checkpoints, every transaction an API called
# finalized is still finalized in the same block at every node, supply is conserved on every
# shard of every node, and the offline audit of every signing journal finds no slashable pair.
#
#   scripts/chaos.sh [KILLS=50] [SEED=1] [EPOCHS=KILLS/2+6]      (0.5 s slots, 8 per epoch)
#
# The cluster's directory (summary.json with every kill and check, node logs, journals) is
# printed first; OUT=DIR chooses it.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-50}
seed=${2:-1}
epochs=${3:-$((kills / 2 + 6))}
out=${OUT:-$(mktemp -d)/chaos-$kills-$seed}
cargo build --release --quiet
exec ./target/release/shardnode cluster --nodes 4 --epochs "$epochs" \
    --set slot_duration_ms=500 --chaos-kills "$kills" --chaos-seed "$seed" --tps 20 \
    --out "$out" --quiet
