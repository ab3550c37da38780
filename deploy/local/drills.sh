#!/usr/bin/env bash
# Fault drills against the local cluster (deploy/local/cluster.sh up first), each under load
# through HAProxy (wrk, Debian's package): requests, answers by status (and 200s carrying GraphQL
# errors apart), socket errors, and the time to recover.
#
#   deploy/local/drills.sh [replica-kill] [pg-replica] [pg-replica-lag] [pg-primary] [redis] [publish]
#   (no argument: all six, in this order)
#
# Load: $DRILL_SECONDS seconds (default 20) of wrk with $DRILL_CONNECTIONS connections (default
# 16) on 2 threads; the fault comes $DRILL_FAULT_AT seconds in (default 5). Beside the load, a
# probe asks through HAProxy every 100 ms: "recovered" is the time from the fault to the end of
# the last run of failed probes (0 when none failed). Results also go to $DIR/drills.log.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
CLUSTER="$HERE/cluster.sh"
DIR="${CTIP_CLUSTER_DIR:-/tmp/ctip-local-cluster}"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
LB="http://127.0.0.1:58000"
WRITER="http://127.0.0.1:58080"
PUBLIC=(http://127.0.0.1:58081 http://127.0.0.1:58082 http://127.0.0.1:58083)
SECONDS_LOAD="${DRILL_SECONDS:-20}"
CONNECTIONS="${DRILL_CONNECTIONS:-16}"
FAULT_AT="${DRILL_FAULT_AT:-5}"
PROBE='{"query":"{ dataset { currentRelease { code } } }"}'
OUT="$DIR/drills.log"
mkdir -p "$DIR/drills"

now_ms() { date +%s%3N; }
say() { echo "$*" | tee -a "$OUT"; }

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Waits until the command succeeds (every 50 ms, at most $1 seconds); prints the ms it took.
time_until() {
    local limit="$1" start
    shift
    start=$(now_ms)
    while ! "$@" >/dev/null 2>&1; do
        if [ $(($(now_ms) - start)) -gt $((limit * 1000)) ]; then
            echo "never (>${limit}s)"
            return
        fi
        sleep 0.05
    done
    echo "$(($(now_ms) - start)) ms"
}

lb_state() { # the state HAProxy gives a server: UP, DOWN, ...
    curl -s "http://127.0.0.1:58404/stats;csv" | awk -F, -v s="$1" '$1=="replicas" && $2==s {print $18}'
}
lb_is() { [ "$(lb_state "$1")" = "$2" ]; }
ready_says() { curl -s -m 1 "$1/ready" | grep -q -- "$2"; }
all_ready_say() {
    local u
    for u in "${PUBLIC[@]}"; do ready_says "$u" "$1" || return 1; done
}

probe_loop() {
    local file="$1"
    while true; do
        printf '%s %s\n' "$(now_ms)" "$(curl -s -o /dev/null -m 2 -w '%{http_code}' \
            -H 'content-type: application/json' -d "$PROBE" "$LB/graphql")" >>"$file"
        sleep 0.1
    done
}

# The time from the fault to the end of the last run of failed probes.
recovery() {
    local file="$1" fault="$2"
    awk -v f="$fault" '
        $1 >= f && $2 != "200" { failed++; last = $1 }
        $1 >= f { n++ }
        END {
            if (failed == 0) printf "no failed probe (%d probes)", n;
            else printf "%d of %d probes failed; recovered %d ms after the fault", failed, n, last + 100 - f
        }' "$file"
}

# Runs one drill: load and probe, `$2` (a function) at FAULT_AT, then the figures.
drill() {
    local name="$1" fault_fn="$2"
    local load="$DIR/drills/$name.wrk" probes="$DIR/drills/$name.probes"
    : >"$probes"
    say ""
    say "== $name ($(date -u +%H:%M:%S) UTC; ${SECONDS_LOAD}s of load, ${CONNECTIONS} connections, fault at ${FAULT_AT}s)"
    wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_LOAD}s" --timeout 5s -s "$HERE/load.lua" "$LB" >"$load" 2>&1 &
    local wrk_pid=$!
    probe_loop "$probes" &
    local probe_pid=$!
    sleep "$FAULT_AT"
    local fault
    fault=$(now_ms)
    "$fault_fn"
    wait "$wrk_pid" || true
    kill "$probe_pid" 2>/dev/null || true
    wait "$probe_pid" 2>/dev/null || true
    say "load: $(grep '^RESULT' "$load" | cut -d' ' -f2-)"
    say "answers by status: $(grep '^STATUS' "$load" | cut -d' ' -f2-)"
    say "probe: $(recovery "$probes" "$fault")"
}

fault_replica_kill() {
    local pid
    pid="$(head -n1 "$DIR/run/public1.pid")"
    kill -9 "$pid"
    say "killed public1 (pid $pid) with SIGKILL"
    say "HAProxy marked public1 DOWN after: $(time_until 30 lb_is public1 DOWN)"
    sleep 2
    local t0
    t0=$(now_ms)
    "$CLUSTER" start public1 >/dev/null
    say "public1 restarted: ready $(($(now_ms) - t0)) ms after the start; HAProxy UP $(time_until 30 lb_is public1 UP) later"
}

fault_pg_replica() {
    "$CLUSTER" stop pg-replica >/dev/null
    say "stopped the PostgreSQL replica (fast shutdown)"
    say "every public replica reads from the primary after: $(time_until 30 all_ready_say 'reads from the primary')"
    sleep 4
    "$CLUSTER" start pg-replica >/dev/null
    say "started the PostgreSQL replica again; every public replica reads from it after: $(time_until 60 all_ready_say 'reads from 127.0.0.1:55433')"
}

# Writes a draft count through the writer every 100 ms: "<ms> ok|failed" lines.
write_loop() {
    local file="$1" key body
    key="$(cat "$DIR/admin.key")"
    body='{"query":"mutation { upsertCounts(source: \"synthetic-demo\", counts: [{ metric: VICTIMS_IDENTIFIED, region: \"VN-P63-10\", month: \"2025-06\", count: 12 }]) { unchanged } }"}'
    while true; do
        if writer_gql "$key" "$body" | grep -q '"upsertCounts"'; then
            echo "$(now_ms) ok" >>"$file"
        else
            echo "$(now_ms) failed" >>"$file"
        fi
        sleep 0.1
    done
}

# The streaming replica stops replaying (pg_wal_replay_pause) while the primary keeps writing:
# its lag grows past the public replicas' bound (2 s), and they read from the primary until it
# replays again.
fault_pg_replica_lag() {
    local ticks=1 t0
    psql -h 127.0.0.1 -p 55432 -U postgres -q -d postgres -c "CREATE TABLE IF NOT EXISTS drill_tick (at timestamptz)"
    psql -h 127.0.0.1 -p 55433 -U postgres -q -d postgres -c "SELECT pg_wal_replay_pause()" >/dev/null
    t0=$(now_ms)
    say "paused the replica's replay"
    # WAL for the replica to fall behind on: a row a second on the primary (another database).
    (while true; do
        psql -h 127.0.0.1 -p 55432 -U postgres -q -d postgres -c "INSERT INTO drill_tick VALUES (now())" >/dev/null
        sleep 0.2
    done) &
    ticks=$!
    say "every public replica reads from the primary after: $(time_until 30 all_ready_say 'reads from the primary') (bound 2000 ms, checked every 500 ms)"
    sleep 2
    psql -h 127.0.0.1 -p 55433 -U postgres -q -d postgres -c "SELECT pg_wal_replay_resume()" >/dev/null
    say "resumed the replay $(($(now_ms) - t0)) ms after the pause; every public replica reads from the replica again after: $(time_until 30 all_ready_say 'reads from 127.0.0.1:55433')"
    kill "$ticks" 2>/dev/null || true
    wait "$ticks" 2>/dev/null || true
}

fault_pg_primary() {
    local t0 writes="$DIR/drills/pg-primary.writes"
    : >"$writes"
    write_loop "$writes" &
    local writes_pid=$!
    sleep 1
    t0=$(now_ms)
    as_pg "$PGBIN/pg_ctl" -D "$DIR/pg-primary" -m fast -w -t 60 restart >/dev/null
    say "restarted the PostgreSQL primary (fast): $(($(now_ms) - t0)) ms"
    say "the writer answers /ready after: $(time_until 60 curl -fsS -m 1 "$WRITER/ready")"
    say "the replica streams again after: $(time_until 60 streaming)"
    sleep 2
    kill "$writes_pid" 2>/dev/null || true
    wait "$writes_pid" 2>/dev/null || true
    say "writes through the writer meanwhile: $(awk -v f="$t0" '
        $1 >= f { n++ } $1 >= f && $2 == "failed" { failed++; last = $1 }
        END { if (failed == 0) printf "none of %d failed", n;
              else printf "%d of %d failed, the last %d ms after the restart began", failed, n, last - f }' "$writes")"
}

fault_redis() {
    "$CLUSTER" stop redis >/dev/null
    say "stopped Redis"
    sleep 3
    "$CLUSTER" start redis >/dev/null
    say "started Redis again"
}

writer_gql() { # key, JSON body
    curl -s -H 'content-type: application/json' -H "authorization: Bearer $1" -d "$2" "$WRITER/graphql"
}

current_code() {
    curl -s -H 'content-type: application/json' -d "$PROBE" "$1/graphql" |
        sed -n 's/.*"currentRelease":{"code":"\([^"]*\)".*/\1/p'
}

fault_publish() {
    local key month sub
    key="$(cat "$DIR/admin.key")"
    # A new month's count for the draft, then the release, both through the writer.
    month="2025-0$(( (RANDOM % 6) + 1 ))"
    writer_gql "$key" "{\"query\":\"mutation { upsertCounts(source: \\\"synthetic-demo\\\", counts: [{ metric: VICTIMS_IDENTIFIED, region: \\\"VN-P63-10\\\", month: \\\"$month\\\", count: $((RANDOM % 50 + 10)) }]) { inserted updated } }\"}" >/dev/null
    sub="$DIR/drills/subscriber.out"
    node --experimental-websocket --no-warnings "$HERE/subscriber.mjs" "ws://127.0.0.1:58082/graphql" 30000 >"$sub" 2>&1 &
    local sub_pid=$!
    for _ in $(seq 1 100); do grep -q ready "$sub" && break; sleep 0.05; done
    local t0 answer code old
    rm -f "$DIR"/drills/served.*
    old="$(current_code "${PUBLIC[0]}")"
    t0=$(now_ms)
    # Each public replica asked directly, all at once, from before the publication until it serves
    # another release than the one it served before (which one is checked below).
    local u i=0
    for u in "${PUBLIC[@]}"; do
        i=$((i + 1))
        (
            for _ in $(seq 1 1000); do
                c="$(current_code "$u")"
                if [ -n "$c" ] && [ "$c" != "$old" ]; then echo "$(($(now_ms) - t0)) $c" >"$DIR/drills/served.$i"; exit; fi
                sleep 0.02
            done
        ) &
    done
    answer="$(writer_gql "$key" '{"query":"mutation { publishRelease(notes: \"drill\") { code } }"}')"
    code="$(echo "$answer" | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')"
    say "published $code through the writer in $(($(now_ms) - t0)) ms"
    [ -n "$code" ] || { say "publication failed: $answer"; kill "$sub_pid" 2>/dev/null; return; }
    wait_served() { for i in 1 2 3; do [ -f "$DIR/drills/served.$i" ] || return 1; done; }
    for _ in $(seq 1 400); do wait_served && break; sleep 0.05; done
    i=0
    for u in "${PUBLIC[@]}"; do
        i=$((i + 1))
        if [ -f "$DIR/drills/served.$i" ]; then
            read -r ms c <"$DIR/drills/served.$i"
            if [ "$c" = "$code" ]; then
                say "$u serves $code $ms ms after the publication was sent"
            else
                say "$u served $c, not $code, $ms ms after the publication was sent"
            fi
        else
            say "$u does not serve $code after 20 s"
        fi
    done
    wait "$sub_pid" || true
    local heard
    heard="$(sed -n 's/.*"at_ms":\([0-9]*\).*/\1/p' "$sub")"
    if [ -n "$heard" ]; then
        say "a subscriber on public2 heard of $code $((heard - t0)) ms after the publication was sent"
    else
        say "the subscriber on public2 heard nothing: $(cat "$sub")"
    fi
}

serves() { [ "$(current_code "$1")" = "$2" ]; }
streaming() {
    psql -h 127.0.0.1 -p 55432 -U postgres -tAq -c \
        "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'" postgres | grep -q 1
}

run() {
    case "$1" in
        replica-kill) drill replica-kill fault_replica_kill ;;
        pg-replica) drill pg-replica fault_pg_replica ;;
        pg-replica-lag) drill pg-replica-lag fault_pg_replica_lag ;;
        pg-primary) drill pg-primary fault_pg_primary ;;
        redis) drill redis fault_redis ;;
        publish) drill publish fault_publish ;;
        *) echo "unknown drill $1" >&2; exit 2 ;;
    esac
}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
curl -fsS "$LB/ready" >/dev/null || { echo "the cluster is not up: $CLUSTER up" >&2; exit 1; }
say ""
say "# drills on $(hostname), $(date -u '+%Y-%m-%d %H:%M') UTC, binary $("$CLUSTER" status | sed -n 's/^binary: //p')"
if [ $# -eq 0 ]; then set -- replica-kill pg-replica pg-replica-lag pg-primary redis publish; fi
for d in "$@"; do run "$d"; done
