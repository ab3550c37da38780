#!/usr/bin/env bash
# Starts ctip-api (debug build) on a throwaway SQLite database and runs the graphql-http
# GraphQL-over-HTTP audit suite against it (fails on any MUST or SHOULD audit), then checks that
# schema.graphql is what clients get by introspection (graphql-js, schema.mjs).
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"
npm ci --silent --no-audit --no-fund

work="$(mktemp -d)"
port="${CTIP_AUDIT_PORT:-18931}"
export DATABASE_URL="sqlite://$work/audit.db?mode=rwc"
# A throwaway serving key: the audit reads no statistics.
export CTIP_K2="$(printf '%064d' 7)"
export CTIP_LISTEN="127.0.0.1:$port"
export RUST_LOG=warn
bin="$root/target/debug/ctip-api"
"$bin" migrate
"$bin" serve &
server=$!
trap 'kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.2
done
node audit.mjs "http://127.0.0.1:$port/graphql"
node schema.mjs "http://127.0.0.1:$port/graphql" "$root/schema.graphql"
