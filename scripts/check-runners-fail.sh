#!/usr/bin/env bash
# Proves the conformance runners can fail: each mutation of a scratch copy of the vectors must
# make `cargo test --release -p <crate> --test conformance` exit non-zero.
# Usage: scripts/check-runners-fail.sh [consensus|beacon]   (from the workspace root)
set -u
crate=${1:-consensus}
src=${SHARDNODE_VECTORS:-../shared/vectors}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
bin=$(cargo test --release -p "$crate" --test conformance --no-run --message-format=json 2>/dev/null \
  | grep -o '"executable":"[^"]*conformance[^"]*"' | head -1 | cut -d'"' -f4)
[ -x "$bin" ] || { echo "cannot build the $crate runner"; exit 2; }

fresh() { rm -rf "$scratch/v"; cp -r "$src" "$scratch/v"; chmod -R u+w "$scratch/v"; }
expect_fail() {
  local what=$1
  if SHARDNODE_VECTORS="$scratch/v" "$bin" >"$scratch/out" 2>&1; then
    echo "NOT DETECTED: $what"; status=1
  else
    echo "detected: $what -> $(grep -m1 -E 'FAILED|never read|unknown' "$scratch/out" | cut -c1-150)"
  fi
}
status=0
if [ "$crate" = consensus ]; then
  fresh; f=$(ls -d "$scratch"/v/general/phase0/bls/verify/small/*/ | head -1)data.yaml
  sed -i 's/^output: true/output: false/; t; s/^output: false/output: true/' "$f"; expect_fail "flipped bls verify output"
  fresh; f=$(ls -d "$scratch"/v/minimal/phase0/shuffling/core/shuffle/*_100/ | head -1)mapping.yaml
  python3 - "$f" <<'PY'
import sys,re; p=sys.argv[1]; s=open(p).read()
m=re.search(r'mapping: \[(\d+), (\d+)', s); s=s.replace(m.group(0), f'mapping: [{m.group(2)}, {m.group(1)}',1); open(p,'w').write(s)
PY
  expect_fail "swapped two shuffling entries"
  fresh; f="$scratch/v/minimal/phase0/ssz_static/Validator/ssz_random/case_0/roots.yaml"
  sed -i 's/0x7/0x8/' "$f"; expect_fail "changed ssz_static root"
  fresh; f="$scratch/v/minimal/phase0/ssz_static/Checkpoint/ssz_random/case_0/value.yaml"
  sed -i 's/epoch: [0-9]*/epoch: 1/' "$f"; expect_fail "changed ssz_static value.yaml"
  fresh; f=$(ls -d "$scratch"/v/general/phase0/ssz_generic/uints/valid/uint_64_random_* | head -1)/value.yaml
  echo "'12345'" > "$f"; expect_fail "changed ssz_generic value"
  fresh; touch "$scratch/v/general/phase0/bls/sign/small/$(ls "$src/general/phase0/bls/sign/small" | head -1)/extra.yaml"; expect_fail "unread extra file"
  fresh; mkdir -p "$scratch/v/general/phase0/bls/new_handler/small/case0"; echo 'x: 1' > "$scratch/v/general/phase0/bls/new_handler/small/case0/data.yaml"; expect_fail "unknown handler folder"
  fresh; mkdir -p "$scratch/v/minimal/phase0/fork_choice/x/y/z"; expect_fail "unknown runner folder"
fi
exit $status
