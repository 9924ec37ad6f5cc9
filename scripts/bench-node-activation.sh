#!/usr/bin/env bash
# Difusor node activation benchmark: cuts two chained cortes of a synthetic national
# presidency (99 % and 100 % of actas captured, same seed) and times, on a running
# `prep node run`, how long each takes from its delivery into the inbox (rename) to the first
# response served from it: the first corte stores every file, the second only what changed.
# Then the node is restarted and the time to serve again (load and verify the active corte)
# is measured. Goal (BRIEF.md section 5 / issue 4): a national-size corte active in under 2 s.
#
#   scripts/bench-node-activation.sh           # 170,648 casillas
#   scripts/bench-node-activation.sh --smoke   # 3,000 casillas: proves the benchmark works
#   CASILLAS=50000 scripts/bench-node-activation.sh
set -euo pipefail
bench=bench-node-activation
source "$(dirname "$0")/bench-lib.sh"

casillas=${CASILLAS:-170648}
if bench_smoke "$@"; then
  casillas=3000
fi
bench_build_prep

dir=$(mktemp -d)
node_pid=
watcher=
cleanup() {
  if [[ -n "$node_pid" ]]; then kill "$node_pid" 2>/dev/null || true; fi
  if [[ -n "$watcher" ]]; then kill "$watcher" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
"$prep" keys generate --out "$dir/keys" --unencrypted >/dev/null
for captured in 0.99 1; do
  echo "== synthesising $casillas casillas, $captured of actas captured"
  "$prep" synth --casillas "$casillas" --captured "$captured" --seed 2024 --out "$dir/db-$captured" --quiet
done
# The second corte is dated after the synthetic night (which ends by 03/06/2024 20:00): corte
# times must move forward.
corte_2="2024-06-04T00:00:00-06:00"
"$prep" corte --from-database "$dir/db-0.99/PRES_2024.csv" --key "$dir/keys/prep.key" \
  --out "$dir/pkg-1" --sequence 1 >/dev/null
"$prep" corte --from-database "$dir/db-1/PRES_2024.csv" --key "$dir/keys/prep.key" \
  --out "$dir/pkg-2" --sequence 2 --previous "$dir/pkg-1" --at "$corte_2" >/dev/null
files=$(find "$dir/pkg-1" -type f | wc -l)
bytes=$(du -sb "$dir/pkg-1" | cut -f1)
echo "== package: $files files, $bytes bytes"

mkdir -p "$dir/node/inbox"
cat >"$dir/node/node.toml" <<TOML
public_key_file = "$dir/keys/prep.pub"
inbox = "inbox"
data = "data"
listen = "127.0.0.1:0"
accept_first = true
poll_interval_ms = 10
TOML

start_node() {
  bench_start_node "$dir/node"
}

# Starts polling /healthz for corte $1 in the background (python started before the clock
# runs); `served_after VAR T` then waits for it and sets VAR to the seconds from T to the first
# answer.
watch_for() {
  rm -f "$dir/ready" "$dir/served"
  python3 - "$addr" "$1" "$dir/ready" >"$dir/served" <<'PY' &
import sys, time, urllib.request
addr, seq, ready = sys.argv[1], sys.argv[2], sys.argv[3]
open(ready, "w").close()
start = time.monotonic()
while True:
    if time.monotonic() - start > 120:
        sys.exit(f"corte {seq} was not served within 120 s")
    try:
        with urllib.request.urlopen(f"http://{addr}/healthz", timeout=5) as r:
            if r.read().decode().strip().endswith(f"corte {seq}"):
                break
    except Exception:
        pass
    time.sleep(0.005)
print(f"{time.time():.3f}")
PY
  watcher=$!
  until [[ -e "$dir/ready" ]]; do sleep 0.01; done
}
served_after() {
  if ! wait "$watcher"; then
    cat "$dir/node/err" >&2
    echo "== the node's last events:" >&2
    tail -5 "$dir/node/data/events.jsonl" >&2 || true
    ls -la "$dir/node/inbox" "$dir/node/data/incoming" >&2 || true
    exit 1
  fi
  printf -v "$1" '%s' "$(python3 -c "print(f'{$(cat "$dir/served") - $2:.2f}')")"
}

deliver() {
  bench_stage "$dir/pkg-$1" "$dir/node/inbox" "$1"
  sync
  delivered_at=$(date +%s.%N)
  mv "$dir/node/inbox/.tmp-$1" "$dir/node/inbox/corte-$1"
}

start_node
watch_for 1
deliver 1
served_after t1 "$delivered_at"
watch_for 2
deliver 2
served_after t2 "$delivered_at"
kill "$node_pid"; wait "$node_pid" 2>/dev/null || true
start_ts=$(date +%s.%N)
start_node
watch_for 2
served_after t3 "$start_ts"
kill "$node_pid"; wait "$node_pid" 2>/dev/null || true
node_pid=

bench_head 44 8 "national presidency, $casillas casillas" "seconds"
bench_row 44 8 "first corte active (every file stored)" "$t1"
bench_row 44 8 "next corte active (only changed files)" "$t2"
bench_row 44 8 "restart until served (load and verify)" "$t3"
"$prep" node history --config "$dir/node/node.toml" | tail -1
# Where each activation's time went, from the node's accept events.
python3 - "$dir/node/data/events.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") == "accept":
        print(f"corte {e['sequence']}: checked in {e.get('verify_ms')} ms, stored in "
              f"{e.get('store_ms')} ms, built for serving in {e.get('build_ms')} ms (beside the store)")
PY
