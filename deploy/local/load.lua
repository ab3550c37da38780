-- wrk script of the drills: POSTs dashboard-like queries and counts the answers by HTTP status,
-- and 200s carrying GraphQL errors apart. Three of four requests are three cacheable variants
-- (the caches hold them); every fourth has an operation name of its own, so that no cache has
-- its answer and it reads the database (a public read: the streaming replica).
local threads = {}
local bodies = {
  '{"query":"{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { period: \\"2024\\" }) { total { display } release { code } } }"}',
  '{"query":"{ caseStatistics(metric: CASES_DETECTED, filter: { period: \\"2025\\" }) { total { display } release { code } } }"}',
  '{"query":"{ dataset { currentRelease { code } } regions(first: 20) { edges { node { code name } } } }"}',
}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  graphql_errors = 0
  n = 0
end

local uncached = 'query U%d_%d { region(code: \\"VN-P63-10\\") { name caseTotal(metric: VICTIMS_IDENTIFIED, period: \\"2024\\") { display } } }'

function request()
  n = n + 1
  local body
  if n % 4 == 0 then
    body = '{"query":"' .. string.format(uncached, math.random(1, 1000000000), n) .. '"}'
  else
    body = bodies[(n % #bodies) + 1]
  end
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 200 and body and body:find('"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
  end
end

function done(summary, latency, requests)
  local total, gql = {}, 0
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do
      total[k] = (total[k] or 0) + v
    end
    gql = gql + t:get("graphql_errors")
  end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d seconds=%.1f socket_errors=connect:%d,read:%d,write:%d,timeout:%d graphql_errors=%d p50_ms=%.1f p99_ms=%.1f\n",
    summary.requests, summary.duration / 1e6, e.connect, e.read, e.write, e.timeout, gql,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  local keys = {}
  for k in pairs(total) do table.insert(keys, k) end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do table.insert(parts, k .. ":" .. total[k]) end
  io.write("STATUS " .. table.concat(parts, ",") .. "\n")
end
