#!/usr/bin/env bash
# Runs the README's "Run it on PostgreSQL" commands as written, against the PostgreSQL of CI, so
# that the section and the code cannot drift apart. The block marked `readme-test: run` is taken
# from README.md and run in this shell; only its settings block is replaced by the settings
# below (a database, ports and a key directory of its own). Everything it starts is stopped, and
# its database dropped, when it ends, whatever happened.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
export PG=${CTIP_README_PG:-postgres://postgres@127.0.0.1:5432}
export DB=ctip_readme_ci
export KEYS_DIR=$work/keys
export WRITER=127.0.0.1:18580 PUBLIC=127.0.0.1:18581
export USER=readme-ci

cleanup() {
    local status=$? pids
    if [ "$status" -ne 0 ]; then
        for log in writer.log public.log; do
            if [ -f "$log" ]; then echo "== $log"; tail -n 40 "$log"; fi
        done
    fi
    pids=$(jobs -p)
    if [ -n "$pids" ]; then
        # shellcheck disable=SC2086
        kill -TERM $pids 2>/dev/null || true
        wait $pids 2>/dev/null || true
    fi
    psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
    # The replicas' logs, which the README writes where its commands run, are this run's own.
    for log in $made_logs; do rm -f "$log"; done
    rm -rf "$work"
}
made_logs=""
for log in writer.log public.log; do
    [ -e "$log" ] || made_logs="$made_logs $log"
done
trap cleanup EXIT

# The block after the marker, between its ``` fences.
block() {
    awk -v marker="<!-- readme-test: $1" '
        index($0, marker) == 1 { found = 1; next }
        found && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }
    ' README.md
}
commands=$(block run)
if [ -z "$commands" ]; then
    echo "README.md has no block marked readme-test: run" >&2
    exit 1
fi
for needed in "cargo install" "ctip-api migrate" "ctip-api keys init" "ctip-api sources create" \
    "--dry-run" "ctip-api release publish" "ctip-api serve"; do
    grep -qF -- "$needed" <<<"$commands" || { echo "the README block lacks: $needed" >&2; exit 1; }
done

# `cargo install --path .` as written builds a release binary; here it installs the debug build
# CI has just made (same code, same lock file), into this run's own directory on the PATH.
mkdir -p "$work/root/bin"
export PATH=$work/root/bin:$PATH
cargo() {
    if [ "$1" = install ]; then
        command cargo "$@" --debug --quiet --root "$work/root"
    else
        command cargo "$@"
    fi
}

psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS $DB"
echo "== README: Run it on PostgreSQL"
out=$work/out.txt
# Each command is echoed as it runs; its output goes to the log and is checked below. The block
# runs in this shell (not a pipe's subshell), so the replicas it starts are this shell's jobs.
set -x
eval "$commands" > >(tee "$out")
set +x
sleep 1 # tee writes what is left
echo

# The public replica served the release just published, through the disclosure policy, and
# holds no K1: it refuses to write counts.
export RUST_LOG=warn # logs go to stdout: only the commands' own output below
release=$(ctip-api release list | awk -F'\t' 'NR == 2 { print $1 }')
grep -qF "\"release\":{\"code\":\"$release\"}" "$out" || {
    echo "the public replica did not serve release $release" >&2
    exit 1
}
grep -Eq '"total":\{"display":"[0-9]+"\}' "$out" || { echo "no total served" >&2; exit 1; }
key=$(ctip-api keys create --role EDITOR --name "readme check" --source example-2024 | tail -n 1)
write='{"query":"mutation { importCounts(source: \"example-2024\", csv: \"x\", dryRun: true) { accepted } }"}'
for replica in "$WRITER" "$PUBLIC"; do
    curl -sS "http://$replica/graphql" -H 'content-type: application/json' \
        -H "authorization: Bearer $key" -d "$write" >"$work/$replica.json"
done
grep -q '"accepted":false' "$work/$WRITER.json" || { cat "$work/$WRITER.json"; exit 1; }
grep -q '"code":"FORBIDDEN"' "$work/$PUBLIC.json" || { cat "$work/$PUBLIC.json"; exit 1; }
echo "README walkthrough: two replicas serve release $release; only the writer can write"
