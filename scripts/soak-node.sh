#!/usr/bin/env bash
# Crash soak for the difusor node: runs the SIGKILL test (crates/prep-cli/tests/it/node_crash.rs)
# for many more kills than CI does, a number of times with fresh random seeds. Each run kills
# `prep node run` at random moments while packages arrive and switch; after every restart the
# node must serve one complete, verified corte and `prep node check` must find the history
# intact. A failing run prints its PREP_CRASH_SEED: rerun with it to replay the same kills.
#
#   scripts/soak-node.sh                 # 5 runs of 500 kills each
#   RUNS=20 ROUNDS=2000 scripts/soak-node.sh
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-5}
rounds=${ROUNDS:-500}
echo "== building the crash test"
cargo test --quiet -p prep-cli --test it --no-run
for run in $(seq 1 "$runs"); do
  seed=${PREP_CRASH_SEED:-$(( (RANDOM << 30) ^ (RANDOM << 15) ^ RANDOM | 1 ))}
  echo "== run $run of $runs: $rounds kills, PREP_CRASH_SEED=$seed"
  out=$(mktemp)
  if ! PREP_CRASH_ROUNDS=$rounds PREP_CRASH_SEED=$seed \
    cargo test --quiet -p prep-cli --test it -- node_crash:: --nocapture >"$out" 2>&1; then
    cat "$out"
    echo "soak: run $run FAILED; replay with PREP_CRASH_ROUNDS=$rounds PREP_CRASH_SEED=$seed" >&2
    exit 1
  fi
  grep -E '^crash test: .* cortes' "$out"
  rm -f "$out"
done
echo "soak: $runs runs of $rounds kills passed"
