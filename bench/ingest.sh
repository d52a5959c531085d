#!/usr/bin/env bash
# Push-ingestion benchmark: records per second of `POST /api/v1/ingest/{entity}`'s use case
# (parse, map ids, validate, bulk look-ups, change-counting upsert) for batches of new
# assessment-attempts and content-interactions, and for re-sending a batch unchanged, on
# fresh SQLite and PostgreSQL databases (release build; median of several runs); then the
# sustained rate of several pushers at once (all new records over the wall time).
#
#   bench/ingest.sh [BATCH [RUNS]]        default: 5000 7
#   BENCH_BACKENDS="sqlite postgres"      which databases (PostgreSQL on 127.0.0.1:5432)
#   BENCH_PUSHERS="2 3"                   concurrent pushers for the sustained rows (each RUNS×2 batches)
#   BENCH_PG_ADMIN=postgres://postgres@127.0.0.1:5432/postgres
set -euo pipefail
cd "$(dirname "$0")/.."
batch=${1:-5000}
runs=${2:-7}
backends=${BENCH_BACKENDS:-"sqlite postgres"}
pushers=${BENCH_PUSHERS:-"2 3"}
pg_admin=${BENCH_PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
pg_server=${pg_admin%/*}
work=$(mktemp -d -t la-ingest-bench-XXXX)
trap 'rm -rf "$work"' EXIT

cargo build --release -q -p la-storage --example ingest_bench
bin=${CARGO_TARGET_DIR:-target}/release/examples/ingest_bench

rows=()
sustained=()
fresh_url() {
    if [ "$1" = sqlite ]; then
        rm -f "$work"/ingest.db*
        echo "sqlite:$work/ingest.db"
    else
        psql "$pg_admin" -qc "DROP DATABASE IF EXISTS la_ingest_bench" \
            -c "CREATE DATABASE la_ingest_bench" >/dev/null
        echo "$pg_server/la_ingest_bench"
    fi
}
for backend in $backends; do
    url=$(fresh_url "$backend")
    while read -r name entity n r new resent; do
        rows+=("$(printf '| %-8s | %-20s | %5s | %4s | %12s | %12s |' \
            "$name" "$entity" "$n" "$r" "$new" "$resent")")
    done < <("$bin" "$url" "$batch" "$runs")
    for p in $pushers; do
        url=$(fresh_url "$backend")
        while read -r name entity n r np rate; do
            sustained+=("$(printf '| %-8s | %-20s | %5s | %7s | %4s | %12s |' \
                "$name" "$entity" "$n" "$np" "$r" "$rate")")
        done < <("$bin" "$url" "$batch" $((runs * 2)) "$p")
    done
    [ "$backend" = postgres ] && psql "$pg_admin" -qc "DROP DATABASE IF EXISTS la_ingest_bench" >/dev/null
done
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; $(date -u +%F)"
echo "| backend  | entity               | batch | runs | new rec/s    | resent rec/s |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "| backend  | entity               | batch | pushers | runs | sustained new rec/s |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${sustained[@]}"
