-- wrk script for benchmarks/cds_hooks.py: POSTs the prepared CDS Hooks bodies in turn.
-- Arguments after "--": the folder of bodies (1.json, 2.json, ...) and their count.
local bodies = {}
local count = 0
local next_body = 0

init = function(args)
  local folder, n = args[1], tonumber(args[2])
  for i = 1, n do
    local f = assert(io.open(folder .. "/" .. i .. ".json", "rb"))
    bodies[i] = f:read("*a")
    f:close()
  end
  count = n
end

request = function()
  next_body = next_body % count + 1
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, bodies[next_body])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %.3f %d\n",
    summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.status + e.connect + e.read + e.write + e.timeout))
end
