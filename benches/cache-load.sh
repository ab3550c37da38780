#!/usr/bin/env bash
# The response cache under a dashboard workload, measured in one run with wrk (Debian package
# `wrk`): the same requests against a release build serving DATABASE_URL, four ways in turn,
#
#   uncached  the response cache off: every request runs its SQL and its disclosure step
#   memory    the default: each process keeps answers in memory
#   redis     answers only in Redis (memory tier of 1 byte): what a replica gets from the others
#   restart   memory and Redis, on a fresh process while Redis is warm: a new replica joining
#
# and prints throughput, latency and the cache's own count of hits and misses (from /metrics).
#
# The workload is what public dashboards send: the province map of a year, the breakdown of a
# year by exploitation form and destination (both for each of 20 years), and the national monthly
# series of each of 9 metrics, each in Vietnamese and English: 98 distinct requests, chosen at
# random, over GET. Rate limiting is off (one client would spend its budget in a second).
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ctip_bench CTIP_K2=<64 hex> benches/cache-load.sh
#
# Make the scale data set first (see docs/benchmarks.md); REDIS_URL defaults to the local Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL}"
: "${CTIP_K2:?set CTIP_K2}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
PORT="${PORT:-18182}"
METRICS_PORT="${METRICS_PORT:-$((PORT + 1))}"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-8}"
BIN=target/release/ctip-api
[ -x "$BIN" ] || cargo build --release --quiet
export CTIP_RATE_LIMIT_POINTS=0
PREFIX="ctip-bench:$(date +%s%N)"

WORK=$(mktemp -d)
trap 'stop_server; rm -rf "$WORK"' EXIT

python3 - "$WORK/workload.lua" <<'PY'
import sys, urllib.parse
q = []
for year in range(2006, 2026):
    q.append('{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: {period: "%d"}, groupBy: [REGION]) '
             '{ rows { region { code name } value { value display ratePer100k } } total { display } } }' % year)
    q.append('{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: {period: "%d"}, groupBy: [EXPLOITATION_FORM, DESTINATION]) '
             '{ rows { exploitationForm destination value { value display } } total { display } } }' % year)
for metric in ["CASES_DETECTED", "CASES_PROSECUTED", "SUSPECTS_ARRESTED", "SUSPECTS_PROSECUTED",
               "SUSPECTS_CONVICTED", "VICTIMS_IDENTIFIED", "VICTIMS_RESCUED", "VICTIMS_SUPPORTED",
               "HOTLINE_REPORTS"]:
    q.append('{ caseStatistics(metric: %s, groupBy: [PERIOD], periodGranularity: MONTH) '
             '{ rows { period { label } value { value display } } total { display } } }' % metric)
paths = ["/graphql?query=" + urllib.parse.quote(x, safe="") for x in q]
with open(sys.argv[1], "w") as f:
    f.write("local paths = {\n")
    for p in paths:
        f.write('  "%s",\n' % p)
    f.write("}\nlocal langs = { \"vi\", \"en\" }\n")
    f.write("""
math.randomseed(os.time())
request = function()
  local p = paths[math.random(#paths)]
  local headers = { ["Accept-Language"] = langs[math.random(2)] }
  return wrk.format("GET", p, headers)
end
""")
PY

SERVER=
start_server() {
  env "$@" "$BIN" serve --listen "127.0.0.1:$PORT" --metrics-listen "127.0.0.1:$METRICS_PORT" \
    --log-filter warn >"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && return; sleep 0.1; done
  echo "server did not become ready: $(cat "$WORK/server.log")" >&2; exit 1
}
stop_server() { [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }; SERVER=; }

# The count of one outcome of ctip_response_cache_lookups_total, over every operation label.
lookups() {
  curl -s "http://127.0.0.1:$METRICS_PORT/metrics" |
    awk -v o="outcome=\"$1\"" 'index($0, "ctip_response_cache_lookups_total{") == 1 && index($0, o) { s += $NF } END { printf "%d", s }'
}

measure() {
  local name=$1
  shift
  start_server "$@"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/workload.lua" "http://127.0.0.1:$PORT" >"$WORK/wrk.txt"
  local local_hits shared_hits misses bypass total
  local_hits=$(lookups local); shared_hits=$(lookups shared); misses=$(lookups miss); bypass=$(lookups bypass)
  total=$((local_hits + shared_hits + misses + bypass))
  echo "== $name"
  grep -E 'Requests/sec|Non-2xx|Socket errors|^ +(50|90|99)%' "$WORK/wrk.txt" | sed 's/^ */   /'
  if [ "$total" -gt 0 ]; then
    python3 -c "l,s,m,b=$local_hits,$shared_hits,$misses,$bypass; t=l+s+m+b; print(f'   cache lookups {t}: memory {l}, redis {s}, miss {m}, bypass {b}; hit ratio {(l+s)/t:.2%}')"
  else
    echo "   cache off: every request ran its SQL"
  fi
  stop_server
}

echo "database: ${DATABASE_URL%%:*}; wrk ${DURATION}, ${CONNECTIONS} connections, 2 threads; 98 distinct requests"
measure uncached CTIP_RESPONSE_CACHE_BYTES=0
measure memory
measure redis CTIP_RESPONSE_CACHE_BYTES=1 CTIP_REDIS_URL="$REDIS_URL" CTIP_RESPONSE_CACHE_PREFIX="$PREFIX"
measure restart CTIP_REDIS_URL="$REDIS_URL" CTIP_RESPONSE_CACHE_PREFIX="$PREFIX"
