#!/usr/bin/env bash
# The import benchmark of docs/benchmarks.md: `ctip-api import counts` of a generated file of
# 1,000,000 lines (every line a new cell of VICTIMS_IDENTIFIED, 2015–2024, in the 63 provinces of
# the time), into the draft of an otherwise empty database, on SQLite and on PostgreSQL, each
# measured whole-process with /usr/bin/time -v. Run from the repository root after
# `cargo build --release`; BIN names another binary, PG another PostgreSQL server.
set -euo pipefail
BIN=${BIN:-target/release/ctip-api}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
LINES=${LINES:-1000000}
work=$(mktemp -d)
trap 'psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS ctip_import_bench" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

provinces="01 02 04 06 08 10 11 12 14 15 17 19 20 22 24 25 26 27 30 31 33 34 35 36 37 38 40 42 44 45
46 48 49 51 52 54 56 58 60 62 64 66 67 68 70 72 74 75 77 79 80 82 83 84 86 87 89 91 92 93 94 95 96"
awk -v lines="$LINES" -v provinces="$provinces" 'BEGIN {
    print "metric,region,month,sex,age_group,exploitation_form,destination,count"
    np = split(provinces, p, /[ \n]+/)
    ns = split("FEMALE MALE UNKNOWN", sex, " ")
    na = split("UNDER_16 AGE_16_17 ADULT UNKNOWN", age, " ")
    nf = split("SEXUAL FORCED_LABOUR FORCED_MARRIAGE CHILD_SALE ORGAN_REMOVAL FORCED_CRIMINALITY OTHER UNKNOWN", form, " ")
    nd = split("CN KH LA", dest, " ")
    n = 0
    for (d = 1; d <= nd; d++) for (f = 1; f <= nf; f++) for (a = 1; a <= na; a++)
    for (s = 1; s <= ns; s++) for (y = 2015; y <= 2024; y++) for (m = 1; m <= 12; m++)
    for (i = 1; i <= np; i++) {
        if (n++ >= lines) exit
        printf "VICTIMS_IDENTIFIED,VN-P63-%s,%d-%02d,%s,%s,%s,%s,%d\n", p[i], y, m, sex[s], age[a], form[f], dest[d], 1 + (n % 7)
    }
}' > "$work/counts.csv"
echo "generated $(($(wc -l < "$work/counts.csv") - 1)) lines, $(du -m "$work/counts.csv" | cut -f1) MB"

run() {
    local name=$1 url=$2
    export DATABASE_URL=$url CTIP_KEYS_FILE=$work/keys-$name.env RUST_LOG=warn
    "$BIN" keys init --keys-file "$CTIP_KEYS_FILE" >/dev/null
    "$BIN" migrate
    "$BIN" sources create bench --kind DATASET --publisher bench --title "generated benchmark file" --synthetic >/dev/null
    echo "== $name"
    /usr/bin/time -v "$BIN" import counts "$work/counts.csv" --source bench 2>"$work/time-$name.txt" | tail -n 1
    grep -E "Elapsed \(wall|Maximum resident" "$work/time-$name.txt"
}
run sqlite "sqlite://$work/bench.db?mode=rwc"
psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS ctip_import_bench" -c "CREATE DATABASE ctip_import_bench"
run postgresql "$PG/ctip_import_bench"
