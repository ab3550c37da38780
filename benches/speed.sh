#!/usr/bin/env bash
# Speed against the database's own limit, in one run (issue 11): for each request of the table,
#
#   pgbench   the SQL the server really runs for it (captured from PostgreSQL's log while the
#             server answers it once), replayed by pgbench: the database's limit for that request
#   uncached  ctip-api with the response cache off: every request runs its SQL and its
#             disclosure step
#   cached    ctip-api with the response cache on, GET with `Accept-Encoding: br, gzip`
#
# all at CONNECTIONS (32) connections, plus `GET /health` of the same server, the ratios the
# issue's targets are written in, the p50 of the three dashboard queries uncached at 4
# connections, the first request after a publication against the steady state (PUBLISH=1 and
# CTIP_K1: imports one count of 2026 and publishes a release on the bench database), and a soak at the cached rate (SOAK=600: seconds;
# RSS after warm-up and at the end).
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/speed_bench CTIP_K2=<64 hex> benches/speed.sh
#
# Make the scale data set first (more than 5 million finest cells, ~4 min):
#   CTIP_K1=<64 hex> ctip-api seed-demo --database-url "$DATABASE_URL" --scale 220 --from-year 2006 --to-year 2025
# Needs wrk and pgbench (Debian packages `wrk`, `postgresql-client`), read access to the
# PostgreSQL server log (PG_LOG, default: the Debian cluster's log) and a superuser (the capture
# sets log_min_duration_statement on the bench database for a moment, then resets it).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL}"
: "${CTIP_K2:?set CTIP_K2}"
export CTIP_K2
PORT="${PORT:-18191}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
PUBLISH="${PUBLISH:-0}"
SOAK="${SOAK:-0}"
BIN="${BIN:-${CARGO_TARGET_DIR:-target}/release/ctip-api}"
[ -x "$BIN" ] || cargo build --release --quiet
PG_LOG="${PG_LOG:-$(ls /var/log/postgresql/postgresql-*-main.log 2>/dev/null | head -1)}"
DB_NAME="${DATABASE_URL##*/}"
DB_NAME="${DB_NAME%%\?*}"
export CTIP_RATE_LIMIT_POINTS=0

WORK=$(mktemp -d)
SERVER=
start_server() {
  env "$@" "$BIN" serve --listen "127.0.0.1:$PORT" --log-filter warn >"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && return; sleep 0.1; done
  echo "server did not become ready: $(cat "$WORK/server.log")" >&2
  exit 1
}
stop_server() { [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }; SERVER=; }
trap 'stop_server; psql -q "$DATABASE_URL" -c "ALTER DATABASE \"$DB_NAME\" RESET log_min_duration_statement" 2>/dev/null || true; rm -rf "$WORK"' EXIT

urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
load() { cut -d' ' -f1 /proc/loadavg; }

declare -A Q=(
  [map]='{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: {period: "2024"}, groupBy: [REGION]) { rows { region { code name } value { value display ratePer100k } } total { display } } }'
  [series]='{ caseStatistics(metric: VICTIMS_IDENTIFIED, groupBy: [PERIOD], periodGranularity: MONTH) { rows { period { label } value { value display } } total { display } } }'
  [breakdown]='{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: {period: "2024"}, groupBy: [EXPLOITATION_FORM, DESTINATION]) { rows { exploitationForm destination value { value display } } total { display } } }'
  [catalogue]='{ campaigns(first: 50) { edges { node { slug name leadAgency { code name } activities(first: 100) { edges { node { code title leadAgency { code name } } } } } } } }'
)
declare -A LABEL=(
  [map]="province map of one year"
  [series]="national monthly series, all years"
  [catalogue]="campaigns with activities and lead agencies"
)
url() { echo "http://127.0.0.1:$PORT/graphql?query=$(urlencode "${Q[$1]}")"; }

# Requests per second, p50 (ms) and errors of wrk against a URL: "rps p50 errors".
bench() {
  local conns=$1 dur=$2; shift 2
  wrk -t2 -c"$conns" -d"${dur}s" --latency "$@" >"$WORK/wrk.txt"
  python3 - "$WORK/wrk.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", t)
p50 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
err = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, err.groups())) if err else 0)
print(f"{rps:.0f} {p50:.2f} {errors}")
PY
}

echo "ctip-api speed: $(date -u +%FT%TZ), database $DB_NAME, $CONNECTIONS connections, ${DURATION}s per run, load at start $(load)"

# 1. The SQL each request runs, from PostgreSQL's log: one request each on a server without the
# response cache, between marker statements. The catalogue's limit is its flat join.
psql -q "$DATABASE_URL" -c "ALTER DATABASE \"$DB_NAME\" SET log_min_duration_statement = 0"
start_server CTIP_RESPONSE_CACHE_BYTES=0
curl -sf -o /dev/null "$(url map)"  # the first request reads the reference data
log_from=$(stat -c %s "$PG_LOG")
for name in map series; do
  psql -qAt "$DATABASE_URL" -c "SELECT 'ctip-speed-mark-$name'" >/dev/null
  curl -sf -o "$WORK/$name.json" "$(url "$name")"
  grep -q '"errors"' "$WORK/$name.json" && { echo "$name failed: $(head -c 300 "$WORK/$name.json")"; exit 1; }
done
psql -qAt "$DATABASE_URL" -c "SELECT 'ctip-speed-mark-end'" >/dev/null
stop_server
psql -q "$DATABASE_URL" -c "ALTER DATABASE \"$DB_NAME\" RESET log_min_duration_statement"
sleep 0.5
tail -c +"$((log_from + 1))" "$PG_LOG" >"$WORK/pg.log"
python3 - "$WORK" <<'PY'
import re, sys
work = sys.argv[1]
lines = open(f"{work}/pg.log", errors="replace").read().splitlines()
segments, current, pending = {}, None, None
for i, line in enumerate(lines):
    m = re.search(r"ctip-speed-mark-(\w+)", line)
    if m and ("statement:" in line or "execute" in line):
        current = m.group(1)
        segments.setdefault(current, [])
        continue
    m = re.search(r"LOG:\s+duration: [\d.]+ ms\s+execute [^:]*: (.*)$", line)
    if m and current and current != "end":
        sql = m.group(1)
        params = {}
        if i + 1 < len(lines) and "DETAIL:  parameters:" in lines[i + 1]:
            for n, v in re.findall(r"\$(\d+) = ('(?:[^']|'')*'|NULL)", lines[i + 1]):
                params[int(n)] = v
        for n in sorted(params, reverse=True):
            sql = sql.replace(f"${n}", params[n])
        segments[current].append(sql)
for name in ("map", "series"):
    stmts = segments.get(name, [])
    if len(stmts) != 1:
        sys.exit(f"{name}: expected exactly one statement, the log holds {len(stmts)}: {stmts}")
    open(f"{work}/{name}.sql", "w").write(stmts[0] + ";\n")
    print(f"   {name}: {stmts[0][:160]}…")
PY
cat >"$WORK/catalogue.sql" <<'SQL'
SELECT c.slug, c.name_vi, la.code, la.name_vi, a.code, a.title_vi, aa.code, aa.name_vi
FROM campaign c
LEFT JOIN agency la ON la.id = c.lead_agency_id
LEFT JOIN activity a ON a.campaign_id = c.id AND NOT a.retired
LEFT JOIN agency aa ON aa.id = a.lead_agency_id
WHERE NOT c.retired
ORDER BY c.start_date, c.id, a.id;
SQL

declare -A LIMIT UNCACHED CACHED
for name in map series catalogue; do
  LIMIT[$name]=$(pgbench -n -M prepared -c "$CONNECTIONS" -j 2 -T "$DURATION" -f "$WORK/$name.sql" "$DATABASE_URL" 2>&1 |
    sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\)/\1/p' | cut -d. -f1)
  echo "   pgbench $name: ${LIMIT[$name]} per s (load $(load))"
done

# 2. Uncached, and the dashboard p50 at 4 connections.
start_server CTIP_RESPONSE_CACHE_BYTES=0
for name in map series breakdown catalogue; do curl -sf -o /dev/null "$(url "$name")"; done
for name in map series catalogue; do
  UNCACHED[$name]=$(bench "$CONNECTIONS" "$DURATION" "$(url "$name")")
  echo "   uncached $name: ${UNCACHED[$name]} (rps p50 errors; load $(load))"
done
declare -A P50
for name in map series breakdown; do
  P50[$name]=$(bench 4 "$DURATION" "$(url "$name")" | cut -d' ' -f2)
  echo "   uncached p50 at 4 connections, $name: ${P50[$name]} ms (load $(load))"
done
stop_server

# 3. Cached, and /health of the same server.
start_server
for name in map series catalogue; do curl -sf -o /dev/null -H 'Accept-Encoding: br, gzip' "$(url "$name")"; done
for name in map series catalogue; do
  CACHED[$name]=$(bench "$CONNECTIONS" "$DURATION" -H 'Accept-Encoding: br, gzip' "$(url "$name")")
  echo "   cached $name: ${CACHED[$name]} (load $(load))"
done
HEALTH=$(bench "$CONNECTIONS" "$DURATION" "http://127.0.0.1:$PORT/health")
echo "   /health: $HEALTH (load $(load))"

# 4. The first request after a publication, against the steady state (uncached map).
FIRST=""
if [ "$PUBLISH" = 1 ]; then
  stop_server
  start_server CTIP_RESPONSE_CACHE_BYTES=0
  curl -sf -o /dev/null "$(url map)"
  STEADY=$(bench 4 "$DURATION" "$(url map)" | cut -d' ' -f2)
  : "${CTIP_K1:?PUBLISH=1 writes a count: set CTIP_K1}"
  month="2026-$(printf %02d $((RANDOM % 12 + 1)))"
  printf 'metric,region,month,sex,age_group,exploitation_form,destination,count\nVICTIMS_IDENTIFIED,VN-P34-15,%s,FEMALE,ADULT,SEXUAL,CN,%d\n' \
    "$month" $((RANDOM % 50 + 1)) >"$WORK/one.csv"
  "$BIN" import counts "$WORK/one.csv" --source synthetic-demo --database-url "$DATABASE_URL" >/dev/null
  "$BIN" release publish --database-url "$DATABASE_URL" --notes "speed benchmark" >/dev/null
  sleep 2.5  # the release check: the server sees the new version on its next request
  FIRST=$(curl -s -o /dev/null -w '%{time_total}' "$(url map)")
  FIRST=$(python3 -c "print(round($FIRST * 1000, 1))")
  AFTER=$(bench 4 "$DURATION" "$(url map)" | cut -d' ' -f2)
  echo "   after a publication: first request ${FIRST} ms; steady p50 before ${STEADY} ms, after ${AFTER} ms (load $(load))"
  stop_server
  start_server
fi

# 5. A soak at the cached rate: errors, and RSS after warm-up against RSS at the end.
if [ "$SOAK" -gt 0 ]; then
  python3 - "$WORK/soak.lua" "$(url map)" "$(url series)" "$(url catalogue)" <<'PY'
import sys
paths = [u[u.index("/graphql"):] for u in sys.argv[2:]]
with open(sys.argv[1], "w") as f:
    f.write("local paths = {" + ",".join('"%s"' % p for p in paths) + "}\n")
    f.write('request = function() return wrk.format("GET", paths[math.random(#paths)], { ["Accept-Encoding"] = "br, gzip" }) end\n')
PY
  bench "$CONNECTIONS" 30 -s "$WORK/soak.lua" "http://127.0.0.1:$PORT" >/dev/null
  RSS_WARM=$(awk '/VmRSS/ { print $2 }' "/proc/$SERVER/status")
  SOAKED=$(bench "$CONNECTIONS" "$SOAK" -s "$WORK/soak.lua" "http://127.0.0.1:$PORT")
  RSS_END=$(awk '/VmRSS/ { print $2 }' "/proc/$SERVER/status")
  echo "   soak ${SOAK}s: $SOAKED (rps p50 errors); RSS ${RSS_WARM} kB after warm-up, ${RSS_END} kB at the end (load $(load))"
fi
stop_server

python3 - "$CONNECTIONS" "$HEALTH" "${LIMIT[map]}" "${UNCACHED[map]}" "${CACHED[map]}" \
  "${LIMIT[series]}" "${UNCACHED[series]}" "${CACHED[series]}" \
  "${LIMIT[catalogue]}" "${UNCACHED[catalogue]}" "${CACHED[catalogue]}" \
  "${P50[map]}" "${P50[series]}" "${P50[breakdown]}" "$FIRST" "${STEADY:-}" <<'PY'
import sys
a = sys.argv[1:]
conns, health = a[0], float(a[1].split()[0])
rows = [("province map of one year", a[2:5], 0.5), ("national monthly series, all years", a[5:8], 0.7),
        ("campaigns with activities and lead agencies", a[8:11], None)]
print()
print(f"| request ({conns} connections) | database limit (pgbench) | ctip-api uncached | ratio | target | ctip-api cached | cached / health |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for name, (limit, unc, cac), target in rows:
    limit = float(limit); u = float(unc.split()[0]); c = float(cac.split()[0])
    t = f"≥ {target}" if target else "≥ 1,600 per s"
    print(f"| {name} | {limit:,.0f} per s | {u:,.0f} per s | {u / limit:.2f} | {t} | {c:,.0f} per s | {c / health:.2f} (≥ 0.5) |")
print(f"| `GET /health` | | | | | {health:,.0f} per s | |")
print()
print(f"p50 uncached at 4 connections (target < 20 ms): map {a[11]} ms, series {a[12]} ms, breakdown {a[13]} ms")
if a[14]:
    print(f"first request after a publication: {a[14]} ms; steady-state p50 {a[15]} ms (target: within twice)")
PY
