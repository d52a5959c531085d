#!/usr/bin/env bash
# Queue-in-the-loop benchmark (issue 6): seeds a PostgreSQL database with the demo generator,
# then times the direct `batch` against the daily batch run through the job queue
# (`batch --queue --workers N`: planning job, chunks of about 500 subjects claimed with
# FOR UPDATE SKIP LOCKED, leases and heartbeats, one prepared platform per process). Before
# each run the stored results and gamification state are emptied, so both runs write the
# same rows into the same empty tables. Prints a table of wall times and the queue's
# overhead.
#
#   bench/queue.sh [LEARNERS ...]        default: 10000 100000
#   BENCH_WORKERS=2                      workers of the queued run
#   BENCH_RUNS=1                         runs of each kind (the median is reported)
#   BENCH_PG_ADMIN=postgres://postgres@127.0.0.1:5432/postgres
#   BENCH_KEEP_DB=1                      reuse an already seeded la_queue_bench_N database
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-10000 100000}")
read -r -a sizes <<<"${sizes[*]}"
workers=${BENCH_WORKERS:-2}
runs=${BENCH_RUNS:-1}
pg_admin=${BENCH_PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
pg_server=${pg_admin%/*}

cargo build --release -q -p learning-analytics
bin=${CARGO_TARGET_DIR:-target}/release/learning-analytics
export LA_LOG=${BENCH_LA_LOG:-warn}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

rows=()
for n in "${sizes[@]}"; do
    db="la_queue_bench_$n"
    url="$pg_server/$db"
    if [ -z "${BENCH_KEEP_DB:-}" ] || ! psql "$pg_admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
        psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
        echo "seeding $n learners into $db"
        LA_DATABASE_URL="$url" "$bin" seed-demo --learners "$n" >/dev/null
    fi
    reset() {
        psql "$url" -qc "TRUNCATE analytics_results, points_ledger, badge_awards, streak_state, recommendation_state, jobs, job_schedule_runs" >/dev/null
    }
    direct=() queued=() direct_rss=() queued_rss=()
    for _ in $(seq "$runs"); do
        reset
        out=$( { /usr/bin/time -f "time %e %M" env LA_DATABASE_URL="$url" "$bin" batch; } 2>&1) \
            || { echo "$out" >&2; exit 1; }
        echo "$out" | grep -E "Batch done|load" | sed 's/^/  direct: /'
        direct+=("$(awk '/^time/ {print $2}' <<<"$out")")
        direct_rss+=("$(awk '/^time/ {printf "%.0f", $3 / 1024}' <<<"$out")")
        reset
        out=$( { /usr/bin/time -f "time %e %M" env LA_DATABASE_URL="$url" "$bin" batch --queue --workers "$workers"; } 2>&1) \
            || { echo "$out" >&2; exit 1; }
        echo "$out" | grep -E "Queued batch done" | sed 's/^/  queued: /'
        queued+=("$(awk '/^time/ {print $2}' <<<"$out")")
        queued_rss+=("$(awk '/^time/ {printf "%.0f", $3 / 1024}' <<<"$out")")
        chunks=$(psql "$url" -tAc "SELECT COUNT(*) FROM jobs WHERE type = 'batch-analytics-chunk' AND status = 'completed'")
        results=$(psql "$url" -tAc "SELECT COUNT(*) FROM analytics_results")
    done
    d=$(printf '%s\n' "${direct[@]}" | median)
    q=$(printf '%s\n' "${queued[@]}" | median)
    overhead=$(awk -v d="$d" -v q="$q" 'BEGIN {printf "%+.1f s (%+.0f%%)", q - d, (q - d) * 100 / d}')
    rows+=("$(printf '| %7s | %s | %s | %s | %s | %s | %s | %s |' "$n" "$workers" "$chunks" \
        "$d ($(printf '%s\n' "${direct_rss[@]}" | median) MB)" \
        "$q ($(printf '%s\n' "${queued_rss[@]}" | median) MB)" "$overhead" "$results" "$runs")")
done
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; $(date -u +%F); PostgreSQL"
echo "| learners | workers | chunks | direct batch, s (peak RSS) | queued batch, s (peak RSS) | queue overhead | results | runs |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
