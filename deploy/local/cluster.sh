#!/usr/bin/env bash
# A whole deployment on one machine, of real processes: a PostgreSQL primary and a streaming
# replica (initdb, pg_basebackup), Redis, a writer and three public replicas of ctip-api, and
# HAProxy in front of the public replicas, checking each one's /ready.
#
#   deploy/local/cluster.sh up        start everything (the first time: make the databases, the
#                                     keys and the demo data)
#   deploy/local/cluster.sh status    what runs, each replica's /ready, HAProxy's view
#   deploy/local/cluster.sh down      stop everything it started, and only that (pid files)
#   deploy/local/cluster.sh start|stop NAME   one component: pg-primary, pg-replica, redis,
#                                     writer, public1..public3, haproxy (the drills use these)
#
# Everything lives under $CTIP_CLUSTER_DIR (default /tmp/ctip-local-cluster): data folders, logs,
# pid files, the disclosure keys. Ports are its own (never PostgreSQL's 5432 or Redis's 6379):
#   PostgreSQL primary 55432, replica 55433; Redis 56379; writer 58080 (metrics 59080);
#   public replicas 58081-58083 (metrics 59081-59083); HAProxy 58000, its stats 58404.
# The binary: $CTIP_BIN, else target/release/ctip-api, else target/debug/ctip-api (under
# $CARGO_TARGET_DIR when set); `status` says which.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="${CTIP_CLUSTER_DIR:-/tmp/ctip-local-cluster}"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
PG_PRIMARY_PORT=55432
PG_REPLICA_PORT=55433
REDIS_PORT=56379
WRITER_PORT=58080
PUBLIC_PORTS=(58081 58082 58083)
LB_PORT=58000
LB_STATS_PORT=58404
DB_NAME=ctip
PRIMARY_URL="postgres://postgres@127.0.0.1:$PG_PRIMARY_PORT/$DB_NAME"
REPLICA_URL="postgres://postgres@127.0.0.1:$PG_REPLICA_PORT/$DB_NAME"
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"

ctip_bin() {
    local target="${CARGO_TARGET_DIR:-$ROOT/target}"
    for b in "${CTIP_BIN:-}" "$target/release/ctip-api" "$target/debug/ctip-api"; do
        if [ -n "$b" ] && [ -x "$b" ]; then
            echo "$b"
            return
        fi
    done
    echo "no ctip-api binary: cargo build --release (or set CTIP_BIN)" >&2
    exit 1
}

# PostgreSQL refuses to run as root: as root, its commands run as the postgres user.
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

log() { echo "[cluster] $*"; }

# True when the pid file names a live process whose command line mentions $2.
alive() {
    local pidfile="$1" marker="$2" pid
    [ -f "$pidfile" ] || return 1
    pid="$(head -n1 "$pidfile")"
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$marker"
}

wait_for() {
    local what="$1" tries="$2"
    shift 2
    for _ in $(seq 1 "$tries"); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    echo "$what did not come up; see the logs under $DIR/log" >&2
    return 1
}

pg_conf() {
    local data="$1" port="$2"
    cat >>"$data/postgresql.conf" <<EOF
# ctip local cluster
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$DIR/run'
wal_level = replica
max_wal_senders = 5
hot_standby = on
hot_standby_feedback = on
fsync = off
EOF
}

init_primary() {
    local data="$DIR/pg-primary"
    [ -f "$data/PG_VERSION" ] && return
    log "initdb $data"
    as_pg "$PGBIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >"$DIR/log/initdb.log"
    pg_conf "$data" "$PG_PRIMARY_PORT"
    echo "host replication postgres 127.0.0.1/32 trust" >>"$data/pg_hba.conf"
}

init_replica() {
    local data="$DIR/pg-replica"
    [ -f "$data/PG_VERSION" ] && return
    log "pg_basebackup of the primary into $data (a streaming replica)"
    as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PRIMARY_PORT" -U postgres -D "$data" -R -X stream -c fast
    # The copy carries the primary's settings; the replica has its own port.
    echo "port = $PG_REPLICA_PORT" >>"$data/postgresql.auto.conf"
}

start_pg() {
    local name="$1" port="$2"
    local data="$DIR/$name"
    if as_pg "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then return; fi
    as_pg "$PGBIN/pg_ctl" -D "$data" -l "$DIR/log/$name.log" -w -t 60 start >/dev/null
    log "$name on 127.0.0.1:$port"
}

stop_pg() {
    local name="$1"
    local data="$DIR/$name"
    [ -f "$data/postmaster.pid" ] || return 0
    as_pg "$PGBIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    log "$name stopped"
}

start_redis() {
    alive "$DIR/run/redis.pid" "$REDIS_PORT" && return
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save "" --appendonly no \
        --dir "$DIR/run" --pidfile "$DIR/run/redis.pid" --logfile "$DIR/log/redis.log"
    wait_for redis 50 redis-cli -p "$REDIS_PORT" ping
    log "redis on 127.0.0.1:$REDIS_PORT"
}

stop_pidfile() {
    local name="$1" pidfile="$2" marker="$3" sig="${4:-TERM}"
    if alive "$pidfile" "$marker"; then
        local pid
        pid="$(head -n1 "$pidfile")"
        kill "-$sig" "$pid"
        for _ in $(seq 1 100); do
            [ -d "/proc/$pid" ] || break
            sleep 0.1
        done
        log "$name stopped"
    fi
    rm -f "$pidfile"
}

# The database, the keys, the demo data and an ADMIN key for the drills: once.
prepare_data() {
    local bin="$1"
    if [ ! -f "$DIR/keys.env" ]; then
        "$bin" keys init --keys-file "$DIR/keys.env" >/dev/null
        grep '^CTIP_K2=' "$DIR/keys.env" >"$DIR/k2.env"
        chmod 600 "$DIR/k2.env"
    fi
    if [ ! -f "$DIR/seeded" ]; then
        psql -h 127.0.0.1 -p "$PG_PRIMARY_PORT" -U postgres -q -c "CREATE DATABASE $DB_NAME" postgres
        log "demo data into the primary (years ${CTIP_DEMO_FROM:-2023}-2025)"
        CTIP_KEYS_FILE="$DIR/keys.env" "$bin" seed-demo --database-url "$PRIMARY_URL" \
            --from-year "${CTIP_DEMO_FROM:-2023}" >"$DIR/log/seed.log" 2>&1
        "$bin" keys create --role ADMIN --name local-cluster-drills --operator cluster.sh \
            --database-url "$PRIMARY_URL" 2>/dev/null | tail -n1 >"$DIR/admin.key"
        chmod 600 "$DIR/admin.key"
        touch "$DIR/seeded"
    fi
}

port_of() {
    case "$1" in
        writer) echo "$WRITER_PORT" ;;
        public[1-3]) echo "${PUBLIC_PORTS[$((${1#public} - 1))]}" ;;
    esac
}

# Serving processes. The writer holds K1 and K2 and reads the primary; a public replica holds K2
# only and reads the streaming replica (the primary while the replica lags more than 2 s).
start_ctip() {
    local name="$1" bin
    bin="$(ctip_bin)"
    local pidfile="$DIR/run/$name.pid" port
    port="$(port_of "$name")"
    alive "$pidfile" "127.0.0.1:$port" && return
    local metrics keys args=()
    case "$name" in
        writer)
            keys="$DIR/keys.env"
            ;;
        public[1-3])
            keys="$DIR/k2.env"
            args+=(--read-database-url "$REPLICA_URL" --max-replica-lag-ms 2000 --replica-check-ms 500)
            ;;
        *) echo "unknown process $name" >&2; exit 2 ;;
    esac
    metrics=$((port + 1000))
    # One client (the load generator) sends everything here: budgets large enough not to refuse
    # it, still charged (and shared through Redis) on every request.
    CTIP_KEYS_FILE="$keys" RUST_LOG="${RUST_LOG:-info}" CTIP_LOG_FORMAT=json \
        setsid "$bin" serve --listen "127.0.0.1:$port" --metrics-listen "127.0.0.1:$metrics" \
        --database-url "$PRIMARY_URL" --redis-url "$REDIS_URL" \
        --rate-limit-points 1000000000 --trusted-proxies 127.0.0.1 \
        --release-check-ms 1000 --shutdown-grace-seconds 5 \
        "${args[@]}" >>"$DIR/log/$name.log" 2>&1 &
    echo $! >"$pidfile"
    wait_for "$name" 150 curl -fsS "http://127.0.0.1:$port/ready"
    log "$name on 127.0.0.1:$port (metrics 127.0.0.1:$metrics)"
}

write_haproxy_cfg() {
    cat >"$DIR/haproxy.cfg" <<EOF
global
    maxconn 4096
    log stdout format raw local0 notice
defaults
    mode http
    option forwardfor
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    # WebSockets (graphql-transport-ws subscriptions) stay open.
    timeout tunnel 1h
    option redispatch
    retries 2
    retry-on conn-failure empty-response response-timeout
frontend public
    bind 127.0.0.1:$LB_PORT
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /ready
    http-check expect status 200
    default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2
    server public1 127.0.0.1:${PUBLIC_PORTS[0]} check
    server public2 127.0.0.1:${PUBLIC_PORTS[1]} check
    server public3 127.0.0.1:${PUBLIC_PORTS[2]} check
listen stats
    bind 127.0.0.1:$LB_STATS_PORT
    stats enable
    stats uri /stats
EOF
}

start_haproxy() {
    alive "$DIR/run/haproxy.pid" "$DIR/haproxy.cfg" && return
    write_haproxy_cfg
    haproxy -c -q -f "$DIR/haproxy.cfg"
    haproxy -D -f "$DIR/haproxy.cfg" -p "$DIR/run/haproxy.pid" >>"$DIR/log/haproxy.log" 2>&1
    wait_for haproxy 50 curl -fsS "http://127.0.0.1:$LB_PORT/ready"
    log "haproxy on 127.0.0.1:$LB_PORT (stats http://127.0.0.1:$LB_STATS_PORT/stats)"
}

start_one() {
    case "$1" in
        pg-primary) start_pg pg-primary "$PG_PRIMARY_PORT" ;;
        pg-replica) start_pg pg-replica "$PG_REPLICA_PORT" ;;
        redis) start_redis ;;
        writer | public[1-3]) start_ctip "$1" ;;
        haproxy) start_haproxy ;;
        *) echo "unknown component $1" >&2; exit 2 ;;
    esac
}

stop_one() {
    case "$1" in
        pg-primary | pg-replica) stop_pg "$1" ;;
        redis) stop_pidfile redis "$DIR/run/redis.pid" "$REDIS_PORT" ;;
        writer | public[1-3]) stop_pidfile "$1" "$DIR/run/$1.pid" "127.0.0.1:$(port_of "$1")" ;;
        haproxy) stop_pidfile haproxy "$DIR/run/haproxy.pid" "$DIR/haproxy.cfg" ;;
        *) echo "unknown component $1" >&2; exit 2 ;;
    esac
}

up() {
    command -v haproxy >/dev/null || { echo "haproxy is missing: apt-get install haproxy" >&2; exit 1; }
    local bin
    bin="$(ctip_bin)"
    mkdir -p "$DIR/log" "$DIR/run"
    if [ "$(id -u)" = 0 ]; then chown postgres "$DIR" "$DIR/run" "$DIR/log"; chmod 755 "$DIR"; fi
    init_primary
    start_pg pg-primary "$PG_PRIMARY_PORT"
    init_replica
    start_pg pg-replica "$PG_REPLICA_PORT"
    start_redis
    prepare_data "$bin"
    start_ctip writer
    for i in 1 2 3; do start_ctip "public$i"; done
    start_haproxy
    log "up: http://127.0.0.1:$LB_PORT/ (public, through HAProxy), writer http://127.0.0.1:$WRITER_PORT/"
}

down() {
    [ -d "$DIR" ] || { log "nothing under $DIR"; return; }
    stop_one haproxy
    for i in 3 2 1; do stop_one "public$i"; done
    stop_one writer
    stop_one redis
    stop_one pg-replica
    stop_one pg-primary
    log "down (data kept under $DIR; remove it for a fresh start)"
}

status() {
    echo "binary: $(ctip_bin)"
    for pg in pg-primary pg-replica; do
        if [ -f "$DIR/$pg/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$DIR/$pg" status >/dev/null 2>&1; then
            echo "$pg: running"
        else
            echo "$pg: stopped"
        fi
    done
    if alive "$DIR/run/redis.pid" "$REDIS_PORT"; then echo "redis: running"; else echo "redis: stopped"; fi
    local name port
    for name in writer public1 public2 public3; do
        port="$(port_of "$name")"
        if alive "$DIR/run/$name.pid" "127.0.0.1:$port"; then
            echo "$name: running, /ready: $(curl -s -m 2 "http://127.0.0.1:$port/ready" || echo unreachable)"
        else
            echo "$name: stopped"
        fi
    done
    if alive "$DIR/run/haproxy.pid" "$DIR/haproxy.cfg"; then
        echo "haproxy: running"
        curl -s "http://127.0.0.1:$LB_STATS_PORT/stats;csv" | awk -F, '$1=="replicas" {print "  " $2 ": " $18}'
    else
        echo "haproxy: stopped"
    fi
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    start) start_one "$2" ;;
    stop) stop_one "$2" ;;
    *)
        sed -n '2,20p' "$0"
        exit 2
        ;;
esac
