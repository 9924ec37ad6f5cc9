#!/usr/bin/env bash
# Recount benchmark: `prep recount --check` against the Python reference recount
# (../shared/reference/tools/recount_reference.py) on the same synthetic national presidency
# file, in the same run. Prints both times (best of N runs) and the ratio.
#
#   scripts/bench-recount.sh            # 170,648 actas (national), best of 5
#   scripts/bench-recount.sh --smoke    # 2,000 actas, one run: proves the benchmark works
#   CASILLAS=50000 RUNS=3 scripts/bench-recount.sh
set -euo pipefail
cd "$(dirname "$0")/.."

casillas=${CASILLAS:-170648}
runs=${RUNS:-5}
if [[ "${1:-}" == "--smoke" ]]; then
  casillas=2000
  runs=1
fi
ref=../shared/reference/tools/recount_reference.py
if [[ ! -f $ref ]]; then
  echo "bench-recount: $ref is missing (../shared must be beside the repository)" >&2
  exit 1
fi
command -v python3 >/dev/null || { echo "bench-recount: python3 is missing" >&2; exit 1; }

echo "== building prep (release)"
cargo build --release --quiet -p prep-cli
prep=target/release/prep

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "== synthesising a presidency database of $casillas casillas"
"$prep" synth --casillas "$casillas" --elections pres --seed 2024 --out "$dir" >/dev/null
file=$(ls "$dir"/PRES_*.csv | grep -v Candidaturas | head -n 1)
size=$(stat -c %s "$file")
rows=$(($(wc -l <"$file") - 7))
echo "   $file: $size bytes, ~$rows acta rows"

# The recount must agree with the summary synth wrote, or the timing means nothing.
"$prep" recount --check "$file" >/dev/null

best() { # best wall time in seconds of "$@" over $runs runs
  local best="" start end t
  for _ in $(seq "$runs"); do
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    t=$(python3 -c "print(f'{$end - $start:.4f}')")
    if [[ -z $best ]] || python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then best=$t; fi
  done
  echo "$best"
}

echo "== timing (best of $runs)"
t_prep=$(best "$prep" recount --check "$file")
t_py=$(best python3 "$ref" "$file")
ratio=$(python3 -c "print(f'{$t_py / $t_prep:.1f}')")
printf '\n%-34s %12s\n' "recount of $casillas actas" "seconds"
printf '%-34s %12s\n' "prep recount --check" "$t_prep"
printf '%-34s %12s\n' "python3 recount_reference.py" "$t_py"
printf '%-34s %11sx\n' "ratio (reference / prep)" "$ratio"
