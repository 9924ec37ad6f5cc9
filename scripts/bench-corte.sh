#!/usr/bin/env bash
# Corte package benchmark (crates/prep-corte/benches/corte.rs): builds ONE signed package
# holding the three elections of a synthetic national night (presidencia, senadurías,
# diputaciones federales) in process, through the real code path, and prints the time of
# each phase, the files and bytes written; then the bytes an incremental corte changes after
# 1 % of actas arrived, spread across the country (random) and by whole districts (clustered).
#
#   scripts/bench-corte.sh            # 170,648 casillas per election, 3 timed runs
#   scripts/bench-corte.sh --smoke    # 3,000 casillas: proves the benchmark works
#   CASILLAS=50000 RUNS=5 scripts/bench-corte.sh
set -euo pipefail
bench=bench-corte
source "$(dirname "$0")/bench-lib.sh"

args=()
if bench_smoke "$@"; then
  args+=(--smoke)
else
  args+=(--casillas "${CASILLAS:-170648}" --runs "${RUNS:-3}")
fi
cargo bench --quiet -p prep-corte --bench corte -- "${args[@]}"
