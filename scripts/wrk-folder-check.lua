-- wrk script: reads a publication folder (plain files behind a web server, fed by
-- `prep deliver` into the folder) as a citizen's browser does, and checks that no reader is
-- ever given a mixed corte.
--
-- Each connection walks the chain a browser follows, over and over:
--   1. /json/main.json            the pointer: its "sequence" and the "index" it names;
--   2. /<index>                   the corte's index, which must be there (200);
--   3. /<the first file the index names>  (a `json/….json` path in its body), which must be
--      there too; skipped when the index names none.
-- wrk gives each thread its own Lua state and does not say which connection a response came
-- on, so run it with as many connections as threads (`-t2 -c2`): then a thread's state is
-- its one connection's. Per thread it counts
--   older    pointers whose sequence is lower than one that connection already saw,
--   missing  a file the pointer (or its index) names that was not served (any status but 200)
--            — a reader given a pointer before the files it names: a mixed corte,
--   errors   a pointer not answered 200, or one without a sequence and an index.
-- Socket errors and timeouts are counted from wrk's own summary (`errors` includes them).
--
--   wrk -t2 -c2 -d30s -s scripts/wrk-folder-check.lua http://127.0.0.1:8080
--
-- done() prints one line a test or a script can parse:
--   FOLDER-CHECK requests=N chains=C errors=E older=O missing=M max_seq=S min_seq=F

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   pointer = wrk.format("GET", "/json/main.json")
   -- What the next request is: the pointer, or a file of the chain it started.
   following = nil
   after = nil
   responses = 0
   chains = 0
   errors = 0
   older = 0
   missing = 0
   max_seq = -1
   min_seq = -1
end

function request()
   if following ~= nil then
      return wrk.format("GET", "/" .. following)
   end
   return pointer
end

local function from_pointer(status, body)
   if status ~= 200 or body == nil then
      errors = errors + 1
      return
   end
   local seq = tonumber(string.match(body, '"sequence"%s*:%s*(%d+)') or "")
   local index = string.match(body, '"index"%s*:%s*"([^"]+)"')
   if seq == nil or index == nil then
      errors = errors + 1
      return
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
   chains = chains + 1
   following = index
   after = "index"
end

function response(status, headers, body)
   responses = responses + 1
   if following == nil then
      from_pointer(status, body)
      return
   end
   if status ~= 200 then
      missing = missing + 1
      following = nil
      return
   end
   if after == "index" then
      following = body and string.match(body, '"(json/[^"]+%.json)"')
      after = "file"
   else
      following = nil
   end
end

function done(summary, latency, requests)
   local n, c, e, o, m, hi, lo = 0, 0, 0, 0, 0, -1, -1
   for _, t in ipairs(threads) do
      n = n + t:get("responses")
      c = c + t:get("chains")
      e = e + t:get("errors")
      o = o + t:get("older")
      m = m + t:get("missing")
      local s = t:get("max_seq")
      if s > hi then hi = s end
      local f = t:get("min_seq")
      if f >= 0 and (lo < 0 or f < lo) then lo = f end
   end
   local socket = summary.errors
   e = e + socket.connect + socket.read + socket.write + socket.timeout
   io.write(string.format(
      "FOLDER-CHECK requests=%d chains=%d errors=%d older=%d missing=%d max_seq=%d min_seq=%d\n",
      n, c, e, o, m, hi, lo))
end
