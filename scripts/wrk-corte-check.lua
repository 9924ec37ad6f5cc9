-- wrk script: checks that no connection is ever served a corte older than one it has seen.
--
-- Every response of `prep node run` carries `X-Prep-Sequence: <n>`, the corte it was served
-- from. wrk gives each thread its own Lua state and does not say which connection a response
-- came on, so run it with as many connections as threads (`-t4 -c4`): then a thread's state is
-- its one connection's. Per thread it keeps the highest sequence seen and counts
--   older    responses whose sequence is lower than one already seen (a rollback or a mix),
--   errors   statuses other than 200 and 304,
--   missing  responses without the header (or with `none`, before any corte),
--   mismatch responses whose body names a `"sequence"` (the pointer `json/main.json`)
--            other than the header's.
-- Socket errors and timeouts are counted from wrk's own summary (`errors` includes them).
--
-- Requests rotate over the paths in CORTE_CHECK_PATHS (comma-separated, each starting with
-- `/`; default `/json/main.json,/index.html`), e.g. the pointer, a page and a data file.
--
--   CORTE_CHECK_PATHS=/json/main.json,/index.html,/json/index.json \
--     wrk -t4 -c4 -d30s -s scripts/wrk-corte-check.lua http://127.0.0.1:8080
--
-- done() prints one line a test or a script can parse:
--   CORTE-CHECK requests=N errors=E older=O missing=M mismatch=X max_seq=S min_seq=F

local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   paths = {}
   local list = os.getenv("CORTE_CHECK_PATHS") or "/json/main.json,/index.html"
   for p in string.gmatch(list, "[^,]+") do
      table.insert(paths, p)
   end
   if #paths == 0 then
      error("CORTE_CHECK_PATHS holds no path")
   end
   requests = {}
   for i, p in ipairs(paths) do
      requests[i] = wrk.format("GET", p)
   end
   next_path = id or 1
   responses = 0
   errors = 0
   older = 0
   missing = 0
   mismatch = 0
   max_seq = -1
   min_seq = -1
end

function request()
   local r = requests[next_path]
   next_path = next_path % #requests + 1
   return r
end

-- Header names arrive as the server wrote them; compare without case.
local function sequence_of(headers)
   for name, value in pairs(headers) do
      if string.lower(name) == "x-prep-sequence" then
         return tonumber(value)
      end
   end
   return nil
end

function response(status, headers, body)
   responses = responses + 1
   if status ~= 200 and status ~= 304 then
      errors = errors + 1
   end
   local seq = sequence_of(headers)
   if seq == nil then
      missing = missing + 1
      return
   end
   local named = body and string.match(body, '"sequence"%s*:%s*(%d+)')
   if named ~= nil and tonumber(named) ~= seq then
      mismatch = mismatch + 1
   end
   if seq < max_seq then
      older = older + 1
   end
   if seq > max_seq then
      max_seq = seq
   end
   if min_seq < 0 or seq < min_seq then
      min_seq = seq
   end
end

function done(summary, latency, requests)
   local n, e, o, m, x, hi, lo = 0, 0, 0, 0, 0, -1, -1
   for _, t in ipairs(threads) do
      n = n + t:get("responses")
      e = e + t:get("errors")
      o = o + t:get("older")
      m = m + t:get("missing")
      x = x + t:get("mismatch")
      local s = t:get("max_seq")
      if s > hi then hi = s end
      local f = t:get("min_seq")
      if f >= 0 and (lo < 0 or f < lo) then lo = f end
   end
   local socket = summary.errors
   e = e + socket.connect + socket.read + socket.write + socket.timeout
   io.write(string.format(
      "CORTE-CHECK requests=%d errors=%d older=%d missing=%d mismatch=%d max_seq=%d min_seq=%d\n",
      n, e, o, m, x, hi, lo))
end
