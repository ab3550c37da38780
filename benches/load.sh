#!/usr/bin/env bash
# Load test of the three dashboard queries with wrk (Debian package `wrk`), against a release
# build serving DATABASE_URL. Prints the first-request latency after a restart ("cold") and wrk's
# latency distribution and throughput with the server warm. The response cache and the rate
# limit are off: every request runs its GROUP BY (benches/cache-load.sh measures the cache).
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ctip_bench CTIP_K2=<64 hex> benches/load.sh
#
# Make the scale data set first (more than 5 million finest cells):
#   CTIP_K1=<64 hex> ctip-api seed-demo --database-url "$DATABASE_URL" --scale 220 --from-year 2006 --to-year 2025
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL}"
: "${CTIP_K2:?set CTIP_K2}"
PORT="${PORT:-18181}"
DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-4}"
BIN=target/release/ctip-api
export CTIP_RESPONSE_CACHE_BYTES=0 CTIP_RATE_LIMIT_POINTS=0
[ -x "$BIN" ] || cargo build --release --quiet

declare -A QUERIES=(
  [province_map_one_year]='{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: {period: "2024"}, groupBy: [REGION]) { rows { region { code name } value { value display ratePer100k } } total { display } } }'
  [national_monthly_all_years]='{ caseStatistics(metric: VICTIMS_IDENTIFIED, groupBy: [PERIOD], periodGranularity: MONTH) { rows { period { label } value { value display } } total { display } } }'
  [breakdown_form_destination_one_year]='{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: {period: "2024"}, groupBy: [EXPLOITATION_FORM, DESTINATION]) { rows { exploitationForm destination value { value display } } total { display } } }'
)

urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

start_server() {
  "$BIN" serve --listen "127.0.0.1:$PORT" --log-filter warn >/tmp/ctip-load-server.log 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && return; sleep 0.1; done
  echo "server did not become ready" >&2; exit 1
}
stop_server() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
trap stop_server EXIT

echo "database: ${DATABASE_URL%%:*}; wrk ${DURATION}, ${CONNECTIONS} connections, 2 threads"
for name in province_map_one_year national_monthly_all_years breakdown_form_destination_one_year; do
  url="http://127.0.0.1:$PORT/graphql?query=$(urlencode "${QUERIES[$name]}")"
  start_server
  cold=$(curl -s -o /tmp/ctip-load-body.json -w '%{time_total}' "$url")
  grep -q '"errors"' /tmp/ctip-load-body.json && { echo "$name failed: $(head -c 300 /tmp/ctip-load-body.json)"; exit 1; }
  second=$(curl -s -o /dev/null -w '%{time_total}' "$url")
  echo "== $name: cold first request $(python3 -c "print(round($cold*1000,1))") ms, second $(python3 -c "print(round($second*1000,1))") ms"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$url" | grep -E 'Latency|50%|75%|90%|99%|Requests/sec|Non-2xx'
  stop_server
done
