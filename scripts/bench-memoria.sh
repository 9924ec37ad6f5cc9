#!/usr/bin/env bash
# Memoria técnica benchmark: `prep memoria` and GoAccess on the same generated combined log
# (many distinct visitors, crawlers, errors, an election-night peak), in the same run. Prints
# lines/s for both and the ratio, and fails unless total requests, unique visitors and 404s
# are equal.
#
#   scripts/bench-memoria.sh            # 2,000,000 lines
#   scripts/bench-memoria.sh --smoke    # 20,000 lines: proves the benchmark works
#   LINES=500000 scripts/bench-memoria.sh
set -euo pipefail
bench=bench-memoria
source "$(dirname "$0")/bench-lib.sh"

lines=${LINES:-2000000}
if bench_smoke "$@"; then
  lines=20000
fi
command -v goaccess >/dev/null || { echo "bench-memoria: goaccess is missing (apt-get install goaccess)" >&2; exit 1; }
bench_require python3
bench_build_prep

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
log=$dir/access.log
"$prep" memoria generate-log --lines "$lines" --seed 2024 --out "$log" 2>/dev/null
echo "== $log: $lines lines, $(stat -c %s "$log") bytes"

now() { date +%s.%N; }
t0=$(now)
"$prep" memoria --logs "$log" --no-pdf --out "$dir/memoria" \
  --election 2024-06-02T18:00:00-06:00..2024-06-03T18:00:00-06:00 \
  --baseline 2024-05-27T00:00:00-06:00..2024-06-01T00:00:00-06:00 >/dev/null
t1=$(now)
goaccess "$log" --log-format=COMBINED -o "$dir/goaccess.json" >/dev/null 2>&1
t2=$(now)

python3 - "$dir/memoria/memoria.json" "$dir/goaccess.json" "$lines" "$t0" "$t1" "$t2" <<'PY'
import json, sys
ours, theirs = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
lines = int(sys.argv[3]); t0, t1, t2 = map(float, sys.argv[4:7])
pairs = [
    ("total requests", ours["totals"]["lines"], theirs["general"]["total_requests"]),
    ("valid requests", ours["totals"]["hits"], theirs["general"]["valid_requests"]),
    ("unique visitors", ours["totals"]["unique_visitors"], theirs["general"]["unique_visitors"]),
    ("not found (404)", ours["totals"]["not_found"], theirs["not_found"]["metadata"]["hits"]["total"]["value"]),
]
ok = True
for name, a, b in pairs:
    mark = "equal" if a == b else "DIFFERENT"
    ok &= a == b
    print(f"   {name:16} prep {a:>10}  goaccess {b:>10}  {mark}")
ps, gs = t1 - t0, t2 - t1
print(f"prep memoria: {ps:8.3f} s  {lines / ps:>12,.0f} lines/s")
print(f"goaccess:     {gs:8.3f} s  {lines / gs:>12,.0f} lines/s")
print(f"ratio:        {gs / ps:8.1f}x (goal: at least 10x)")
sys.exit(0 if ok else 1)
PY
