#!/usr/bin/env bash
# Corte package benchmark: builds the signed package of a synthetic national night twice —
# at 99 % and at 100 % of actas captured (same seed, so the second corte adds exactly that 1 %)
# — and prints, per election, the build time, the bytes written, and the bytes of files the
# second package has that the first has not (what an incremental delivery sends).
#
#   scripts/bench-corte.sh            # 170,648 casillas, presidencia, senadurías, diputaciones
#   scripts/bench-corte.sh --smoke    # 3,000 casillas: proves the benchmark works
#   CASILLAS=50000 scripts/bench-corte.sh
set -euo pipefail
cd "$(dirname "$0")/.."

casillas=${CASILLAS:-170648}
if [[ "${1:-}" == "--smoke" ]]; then
  casillas=3000
fi
echo "== building prep (release)"
cargo build --release --quiet -p prep-cli
prep=$PWD/target/release/prep

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$prep" keys generate --out "$dir/keys" --unencrypted >/dev/null
for captured in 0.99 1; do
  echo "== synthesising $casillas casillas, $captured of actas captured"
  "$prep" synth --casillas "$casillas" --captured "$captured" --seed 2024 --out "$dir/db-$captured" --quiet
done

now() { date +%s.%N; }
printf '\n%-10s %10s %14s %8s %10s %16s %8s\n' election "build (s)" "bytes" files "build (s)" "changed bytes" "share"
printf '%-10s %10s %14s %8s %10s %16s %8s\n' "" "99 %" "" "" "100 %" "(new files)" ""
total_first=0
for e in PRES SEN DIP_FED; do
  for captured in 0.99 1; do
    start=$(now)
    "$prep" corte --from-database "$dir/db-$captured/${e}_2024.csv" \
      --candidaturas "$dir/db-$captured/${e}_Candidaturas_2024.csv" \
      --key "$dir/keys/prep.key" --out "$dir/pkg-$captured-$e" >/dev/null
    end=$(now)
    eval "t_${captured/./_}=$(python3 -c "print(f'{$end - $start:.2f}')")"
  done
  read -r bytes files changed <<<"$(python3 - "$dir/pkg-0.99-$e" "$dir/pkg-1-$e" <<'PY'
import os, sys
def walk(root):
    out = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            p = os.path.join(d, f)
            out[os.path.relpath(p, root)] = os.path.getsize(p)
    return out
a, b = walk(sys.argv[1]), walk(sys.argv[2])
changed = sum(size for path, size in b.items() if path not in a or path in ("json/main.json", "manifest.json", "manifest.json.minisig"))
print(sum(b.values()), len(b), changed)
PY
)"
  share=$(python3 -c "print(f'{100 * $changed / $bytes:.1f}%')")
  printf '%-10s %10s %14s %8s %10s %16s %8s\n' "$e" "$t_0_99" "$bytes" "$files" "$t_1" "$changed" "$share"
done
echo
echo "changed bytes: files of the 100 % package that the 99 % package does not have (content-addressed"
echo "names), plus the pointer, manifest and signature; the zipped CSV is among them (it changes)."
