#!/usr/bin/env bash
# Recount benchmark: `prep recount --check` against the Python reference recount
# (../shared/reference/tools/recount_reference.py) on the same synthetic national presidency
# file, in the same run. Prints both times (best of N runs) and the ratio. Then the cost of
# `--rules auto` on files the first profile (anexo13) does not reproduce, so auto must go past
# it: the same synthetic file with one summary field edited (no profile reproduces it: every
# profile is tried and the closest, anexo13, kept) and the real COAH_GOB_2017.csv (closest:
# iec-coahuila-2017, the last profile), each against a recount with the profile auto picks.
#
#   scripts/bench-recount.sh            # 170,648 actas (national), best of 5
#   scripts/bench-recount.sh --smoke    # 2,000 actas, one run: proves the benchmark works
#   CASILLAS=50000 RUNS=3 scripts/bench-recount.sh
set -euo pipefail
bench=bench-recount
source "$(dirname "$0")/bench-lib.sh"

casillas=${CASILLAS:-170648}
runs=${RUNS:-5}
if bench_smoke "$@"; then
  casillas=2000
  runs=1
fi
ref=../shared/reference/tools/recount_reference.py
if [[ ! -f $ref ]]; then
  echo "bench-recount: $ref is missing (../shared must be beside the repository)" >&2
  exit 1
fi
bench_require python3
bench_build_prep

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

# The synthetic file with ACTAS_ESPERADAS printed one higher: no profile reproduces it.
edited="$dir/edited.csv"
python3 - "$file" "$edited" <<'PY'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
at = next(i for i, l in enumerate(lines) if l.startswith(b"ACTAS_ESPERADAS"))
values = lines[at + 1].split(b",")
values[0] = str(int(values[0]) + 1).encode()
lines[at + 1] = b",".join(values)
open(sys.argv[2], "wb").write(b"\n".join(lines))
PY
coah=../shared/data/coahuila-2017/COAH_GOB_2017.csv
# Which profile auto keeps on each (the single-profile line recounts with that one), and that
# it went past anexo13: it must have tried more than one profile.
picked() { # profile auto keeps on "$1"
  { "$prep" recount --check --json "$1" || [[ $? == 1 ]]; } |
    python3 -c "import json,sys; r=json.load(sys.stdin); assert len(r['profiles_tried']) > 1, r['profiles_tried']; print(r['profile'])"
}
p_edited=$(picked "$edited")
p_coah=$(picked "$coah")
echo "   auto keeps $p_edited on the edited synthetic file, $p_coah on $coah"

best() { # best wall time in seconds of "$@" over $runs runs (exit 1, a failed check, is fine)
  local best="" start end t
  for _ in $(seq "$runs"); do
    start=$(date +%s.%N)
    "$@" >/dev/null || [[ $? == 1 ]]
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
bench_head 34 12 "recount of $casillas actas" "seconds"
bench_row 34 12 "prep recount --check" "$t_prep"
bench_row 34 12 "python3 recount_reference.py" "$t_py"
bench_row 34 12 "ratio (reference / prep)" "${ratio}x"

auto_line() { # title, file, profile auto keeps: auto and single-profile times and the ratio
  local a s
  a=$(best "$prep" recount --check --rules auto "$2")
  s=$(best "$prep" recount --check --rules "$3" "$2")
  bench_head 52 12 "$1" "seconds"
  bench_row 52 12 "prep recount --check --rules auto" "$a"
  bench_row 52 12 "prep recount --check --rules $3" "$s"
  bench_row 52 12 "ratio (auto / single profile)" "$(python3 -c "print(f'{$a / $s:.2f}')")x"
}
auto_line "auto past anexo13: $casillas actas, summary edited" "$edited" "$p_edited"
auto_line "auto past anexo13: COAH_GOB_2017.csv (3,628 actas)" "$coah" "$p_coah"
