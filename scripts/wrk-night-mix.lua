-- wrk script: an election night's mix of requests, for scripts/bench-node-vs-nginx.sh.
--
-- NIGHT_MIX_FILE names a file of request paths, one a line (each starting with `/`), already
-- weighted: a path that should be asked for twice as often appears twice. Every request picks
-- a line at random, so the same file gives the same mix to every server loaded with it. All
-- requests carry NIGHT_MIX_ACCEPT_ENCODING as `Accept-Encoding` (default `gzip`).
--
--   NIGHT_MIX_FILE=paths.txt wrk -t1 -c64 -d10s -s scripts/wrk-night-mix.lua http://127.0.0.1:8080
--
-- done() prints one line a script can parse (latencies in microseconds; `errors` counts socket
-- errors, timeouts and statuses >= 400):
--   NIGHT-MIX requests=N seconds=S rps=R p50_us=A p99_us=B max_us=C errors=E bytes=K

function init(args)
   local name = os.getenv("NIGHT_MIX_FILE")
   if name == nil then
      error("NIGHT_MIX_FILE is not set")
   end
   local file = io.open(name, "r")
   if file == nil then
      error("cannot read NIGHT_MIX_FILE " .. name)
   end
   local encoding = os.getenv("NIGHT_MIX_ACCEPT_ENCODING") or "gzip"
   local headers = { ["Accept-Encoding"] = encoding }
   requests = {}
   for line in file:lines() do
      if string.sub(line, 1, 1) == "/" then
         table.insert(requests, wrk.format("GET", line, headers))
      end
   end
   file:close()
   if #requests == 0 then
      error("NIGHT_MIX_FILE " .. name .. " holds no path")
   end
   count = #requests
end

function request()
   return requests[math.random(count)]
end

function done(summary, latency, requests)
   local e = summary.errors
   local errors = e.connect + e.read + e.write + e.status + e.timeout
   local seconds = summary.duration / 1e6
   io.write(string.format(
      "NIGHT-MIX requests=%d seconds=%.2f rps=%.0f p50_us=%d p99_us=%d max_us=%d errors=%d bytes=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50), latency:percentile(99), latency.max, errors, summary.bytes))
end
