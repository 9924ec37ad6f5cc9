#!/usr/bin/env bash
# The live corte under a flood of the audit history (issue 13): a node holding a corte with a
# large zipped CSV database answers `json/main.json` to wrk alone (unloaded), then again while
# FLOOD more connections send `HEAD /historial/1/<the zip>` as fast as they are answered.
# Prints each run's p50/p99 and the ratio of the loaded p99 to the unloaded one.
#
# Goal (issue 13): the live `json/main.json` p99 under the flood within 2x its unloaded value.
# The node is pinned to CPU 0 and both wrk to CPU 1 (taskset), as in bench-node-vs-nginx.sh.
#
#   scripts/bench-historial.sh            # 170,648 casillas, 10 s per run
#   scripts/bench-historial.sh --smoke    # 2,000 casillas, 2 s per run: it works
#   CASILLAS=20000 SECONDS_PER_RUN=20 FLOOD=8 LIVE_CONNECTIONS=4 scripts/bench-historial.sh
#   PREP=/path/to/prep scripts/bench-historial.sh   # measure that build of prep
set -euo pipefail
bench=bench-historial
source "$(dirname "$0")/bench-lib.sh"

casillas=${CASILLAS:-170648}
seconds=${SECONDS_PER_RUN:-10}
flood=${FLOOD:-8}
live=${LIVE_CONNECTIONS:-4}
if bench_smoke "$@"; then
  casillas=2000
  seconds=2
fi
bench_require wrk taskset python3 curl
bench_two_cpus "node on one, wrk on the other"
# PREP names another build of prep to measure (then nothing is built).
if [[ -n "${PREP:-}" ]]; then
  prep=$PREP
else
  bench_build_prep
fi

dir=$(mktemp -d)
node_pid=
flood_pid=
cleanup() {
  if [[ -n "$flood_pid" ]]; then kill "$flood_pid" 2>/dev/null || true; fi
  if [[ -n "$node_pid" ]]; then kill "$node_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

echo "== synthesising $casillas casillas (presidency) and cutting one corte"
"$prep" keys generate --out "$dir/keys" --unencrypted >/dev/null
"$prep" synth --casillas "$casillas" --captured 0.99 --seed 2024 --elections pres \
  --out "$dir/db" --quiet
"$prep" corte --from-database "$dir/db/PRES_2024.csv" --key "$dir/keys/prep.key" \
  --out "$dir/pkg" --sequence 1 >/dev/null
zip=$(find "$dir/pkg" -type f -name '*.zip' -printf '%s %P\n' | sort -n | tail -1)
[[ -n "$zip" ]] || { echo "bench-historial: the corte holds no zip" >&2; exit 1; }
zip_bytes=${zip%% *}
zip_path=${zip#* }
echo "== package: $(find "$dir/pkg" -type f | wc -l) files; the zip $zip_path, $zip_bytes bytes"

mkdir -p "$dir/node/inbox"
cat >"$dir/node/node.toml" <<TOML
public_key_file = "$dir/keys/prep.pub"
inbox = "inbox"
data = "data"
listen = "127.0.0.1:0"
accept_first = true
poll_interval_ms = 50
TOML
bench_start_node "$dir/node" taskset -c 0
bench_deliver "$dir/pkg" "$dir/node/inbox" corte
for ((i = 0; ; i++)); do
  [[ "$(curl -s "http://$addr/healthz" || true)" == "ok: serving corte 1" ]] && break
  kill -0 "$node_pid" 2>/dev/null || { cat "$dir/node/err" >&2; exit 1; }
  ((i < 1200)) || { echo "bench-historial: corte 1 not served within 2 min" >&2; exit 1; }
  sleep 0.1
done
historial="http://$addr/historial/1/$zip_path"
# The flood's target answers, with the zip's size (and a GET of it is the signed zip).
length=$(curl -sfI "$historial" | tr -d '\r' | sed -n 's/^content-length: //Ip')
[[ "$length" == "$zip_bytes" ]] || {
  echo "bench-historial: HEAD $historial: content-length '$length', not $zip_bytes" >&2
  exit 1
}
cmp <(curl -sf "$historial") "$dir/pkg/$zip_path" || {
  echo "bench-historial: GET $historial is not the corte's zip" >&2
  exit 1
}

# `wrk LABEL METHOD CONNECTIONS SECONDS URL`: one run, its parseable line on stdout.
run_wrk() {
  WRK_LABEL=$1 WRK_METHOD=$2 taskset -c 1 wrk -t1 -c"$3" -d"$4s" --timeout 10s \
    -s scripts/wrk-historial.lua "$5" >"$dir/$1.out" 2>&1 ||
    { cat "$dir/$1.out" >&2; exit 1; }
  grep "^$1 " "$dir/$1.out" || { cat "$dir/$1.out" >&2; exit 1; }
}
echo "== live json/main.json alone: wrk -t1 -c$live -d${seconds}s"
unloaded=$(run_wrk UNLOADED GET "$live" "$seconds" "http://$addr/json/main.json")
echo "$unloaded"
echo "== the same while $flood connections flood HEAD /historial/1/$zip_path"
# wrk waits for a body after HEAD (its parser does not know the method): the flood is a small
# asyncio client instead, each connection keep-alive, one request at a time. It shares CPU 1
# with the measuring wrk at the lowest priority (nice 19), so that what is measured is the
# node, not the two clients' turns on one CPU.
cat >"$dir/flood.py" <<'PY'
import asyncio, sys, time
host, port, path, connections, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
request = f"HEAD {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
latencies, errors = [], 0
async def client(deadline):
    global errors
    reader, writer = await asyncio.open_connection(host, port)
    while time.monotonic() < deadline:
        start = time.monotonic()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        latencies.append(time.monotonic() - start)
        if not head.startswith(b"HTTP/1.1 200"):
            errors += 1
    writer.close()
async def main():
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(client(deadline) for _ in range(connections)))
start = time.monotonic()
asyncio.run(main())
took = time.monotonic() - start
latencies.sort()
at = lambda q: int(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1e6) if latencies else 0
print(f"FLOOD requests={len(latencies)} seconds={took:.2f} rps={len(latencies) / took:.0f} "
      f"p50_us={at(0.5)} p99_us={at(0.99)} max_us={at(1.0)} errors={errors}")
PY
taskset -c 1 nice -n 19 python3 "$dir/flood.py" "${addr%:*}" "${addr##*:}" "/historial/1/$zip_path" \
  "$flood" "$((seconds + 2))" >"$dir/FLOOD.out" 2>&1 &
flood_pid=$!
sleep 1
loaded=$(run_wrk LOADED GET "$live" "$seconds" "http://$addr/json/main.json")
echo "$loaded"
wait "$flood_pid" || { cat "$dir/FLOOD.out" >&2; exit 1; }
flood_pid=
flooded=$(grep '^FLOOD ' "$dir/FLOOD.out") || { cat "$dir/FLOOD.out" >&2; exit 1; }
echo "$flooded"
kill -0 "$node_pid" 2>/dev/null || { cat "$dir/node/err" >&2; exit 1; }

python3 - "$casillas" "$zip_bytes" "$flood" "$live" "$seconds" "$unloaded" "$loaded" "$flooded" <<'PY'
import sys
casillas, zip_bytes, flood, live, seconds = sys.argv[1:6]
def parse(line):
    return {k: float(v) for k, v in (f.split("=") for f in line.split()[1:])}
unloaded, loaded, flooded = (parse(a) for a in sys.argv[6:9])
for name, r in (("unloaded", unloaded), ("loaded", loaded)):
    if r["requests"] == 0 or r["errors"] > 0:
        sys.exit(f"bench-historial: the {name} run of json/main.json: {r}")
if flooded["requests"] == 0 or flooded["errors"] > 0:
    sys.exit(f"bench-historial: the HEAD flood was not answered: {flooded}")
ms = lambda us: us / 1000
print(f"\nnational presidency, {casillas} casillas; zip {int(zip_bytes):,} bytes; "
      f"node on CPU 0, wrk on CPU 1; json/main.json by wrk -c{live} -d{seconds}s")
print(f"{'json/main.json':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
print(f"{'alone':<34} {unloaded['rps']:>9.0f} {ms(unloaded['p50_us']):>8.3f} {ms(unloaded['p99_us']):>8.3f}")
print(f"{f'with {flood} HEAD /historial/ clients':<34} {loaded['rps']:>9.0f} {ms(loaded['p50_us']):>8.3f} {ms(loaded['p99_us']):>8.3f}")
print(f"HEAD flood meanwhile: {flooded['rps']:.0f} req/s, p99 {ms(flooded['p99_us']):.3f} ms")
ratio = loaded["p99_us"] / max(unloaded["p99_us"], 1)
print(f"p99 ratio loaded/alone: {ratio:.2f}x (goal <= 2x: {'met' if ratio <= 2 else 'NOT met'})")
PY
