-- wrk script for scripts/bench-historial.sh: every request is WRK_METHOD (default GET) of the
-- URL's path, and done() prints one line a script can parse (latencies in microseconds;
-- `errors` counts socket errors, timeouts and statuses >= 400), tagged WRK_LABEL:
--   <label> requests=N seconds=S rps=R p50_us=A p99_us=B max_us=C errors=E
--
--   WRK_LABEL=LIVE wrk -t1 -c4 -d10s -s scripts/wrk-historial.lua http://127.0.0.1:8080/json/main.json
--
-- (Not for HEAD: wrk then waits for a body that never comes.)

local method = os.getenv("WRK_METHOD") or "GET"
local label = os.getenv("WRK_LABEL") or "WRK"

function init(args)
   wrk.method = method
   req = wrk.format()
end

function request()
   return req
end

function done(summary, latency, requests)
   local e = summary.errors
   local errors = e.connect + e.read + e.write + e.status + e.timeout
   local seconds = summary.duration / 1e6
   io.write(string.format(
      "%s requests=%d seconds=%.2f rps=%.0f p50_us=%d p99_us=%d max_us=%d errors=%d\n",
      label, summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50), latency:percentile(99), latency.max, errors))
end
