#!/usr/bin/env bash
# Batch benchmark: seeds demo organisations of the given sizes into fresh SQLite and
# PostgreSQL databases, runs `learning-analytics batch` on each and prints a table with the
# wall time of the full batch (load, compute, write), learners per second and peak memory.
#
#   bench/batch.sh [LEARNERS ...]        default: 10000 100000
#   BENCH_BACKENDS="sqlite postgres"     which databases (PostgreSQL on 127.0.0.1:5432)
#   BENCH_PG_ADMIN=postgres://postgres@127.0.0.1:5432/postgres
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-10000 100000}")
read -r -a sizes <<<"${sizes[*]}"
backends=${BENCH_BACKENDS:-"sqlite postgres"}
pg_admin=${BENCH_PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
pg_server=${pg_admin%/*}
work=$(mktemp -d -t la-bench-XXXX)
trap 'rm -rf "$work"' EXIT

cargo build --release -q -p learning-analytics
bin=${CARGO_TARGET_DIR:-target}/release/learning-analytics
export LA_DATA_DIR="$work" LA_LOG=warn

rows=()
for n in "${sizes[@]}"; do
    for backend in $backends; do
        if [ "$backend" = sqlite ]; then
            url="sqlite:$work/bench-$n.db"
        else
            db="la_bench_$n"
            psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
            url="$pg_server/$db"
        fi
        seed=$( { /usr/bin/time -f "%e" env LA_DATABASE_URL="$url" "$bin" seed-demo --learners "$n" >/dev/null; } 2>&1 | tail -n 1)
        # Let the seed's writes settle before the batch's clock starts (README, Performance,
        # session 15: started straight after its seed, one run took 176 s instead of 102 s).
        if [ "$backend" = postgres ]; then psql "$url" -qc CHECKPOINT >/dev/null; fi
        sync
        sleep 20
        out=$( { /usr/bin/time -f "time %e %M" env LA_DATABASE_URL="$url" "$bin" batch; } 2>&1)
        wall=$(awk '/^time/ {print $2}' <<<"$out")
        rss_mb=$(awk '/^time/ {printf "%.0f", $3 / 1024}' <<<"$out")
        stages=$(grep -o 'load [0-9.]* s, compute [0-9.]* s, write [0-9.]* s' <<<"$out" | tr -d ',')
        results=$(grep -o -- '-> [0-9]* subjects, [0-9]* results' <<<"$out")
        per_s=$(awk -v n="$n" -v w="$wall" 'BEGIN {printf "%.0f", n / w}')
        rows+=("$(printf '| %-8s | %7s | %8s | %9s | %-40s | %8s | %8s | %s |' \
            "$backend" "$n" "$seed" "$wall" "$stages" "$per_s" "$rss_mb" "$results")")
        [ "$backend" = postgres ] && psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db" >/dev/null
    done
done
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; $(date -u +%F)"
echo "| backend  | learners | seed (s) | batch (s) | stages                                   | learners/s | peak MB | output |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
