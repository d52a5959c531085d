#!/usr/bin/env bash
# Push-ingestion benchmark: records per second of `POST /api/v1/ingest/{entity}`'s use case
# (parse, map ids, validate, bulk look-ups, change-counting upsert) for batches of new
# assessment-attempts and content-interactions, and for re-sending a batch unchanged, on
# fresh SQLite and PostgreSQL databases (release build; median of several runs).
#
#   bench/ingest.sh [BATCH [RUNS]]        default: 5000 7
#   BENCH_BACKENDS="sqlite postgres"      which databases (PostgreSQL on 127.0.0.1:5432)
#   BENCH_PG_ADMIN=postgres://postgres@127.0.0.1:5432/postgres
set -euo pipefail
cd "$(dirname "$0")/.."
batch=${1:-5000}
runs=${2:-7}
backends=${BENCH_BACKENDS:-"sqlite postgres"}
pg_admin=${BENCH_PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
pg_server=${pg_admin%/*}
work=$(mktemp -d -t la-ingest-bench-XXXX)
trap 'rm -rf "$work"' EXIT

cargo build --release -q -p la-storage --example ingest_bench
bin=${CARGO_TARGET_DIR:-target}/release/examples/ingest_bench

rows=()
for backend in $backends; do
    if [ "$backend" = sqlite ]; then
        url="sqlite:$work/ingest.db"
    else
        db=la_ingest_bench
        psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
        url="$pg_server/$db"
    fi
    while read -r name entity n r new resent; do
        rows+=("$(printf '| %-8s | %-20s | %5s | %4s | %12s | %12s |' \
            "$name" "$entity" "$n" "$r" "$new" "$resent")")
    done < <("$bin" "$url" "$batch" "$runs")
    [ "$backend" = postgres ] && psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db" >/dev/null
done
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; $(date -u +%F)"
echo "| backend  | entity               | batch | runs | new rec/s    | resent rec/s |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
