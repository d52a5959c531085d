#!/usr/bin/env bash
# Load benchmark of a cached analytics read: builds the release binary, starts it on a fresh
# SQLite data directory (the demo organisation is seeded on first start), logs in as the demo
# learner, warms GET /api/v1/learner/analytics/velocity/{userId} until it is served from the
# cache, then runs wrk at each connection count and prints requests/s, p50, p99 and errors
# (one row per run and the median of the runs).
#
#   bench/load.sh
#   BENCH_CONNECTIONS="64 256"   connection counts
#   BENCH_RUNS=3                 runs per connection count (the table adds their median)
#   BENCH_DURATION=15s           length of each run
#   BENCH_THREADS=2              wrk threads
#   BENCH_LA_LOG=warn            LA_LOG of the server (unset: the service's default filter)
#   BENCH_PORT=18080             port to listen on (127.0.0.1)
#   BENCH_BIN=path               a prebuilt server binary (default: build the release one)
#
# The server runs with LA_RATE_LIMIT_MULTIPLIER=100000: the analytics limit of api.md 3.4
# (100 requests per hour per user and route) is a product rule and would otherwise turn this
# into a benchmark of 429 answers. The benchmark measures serving, not the limit.
set -euo pipefail
cd "$(dirname "$0")/.."

connections=${BENCH_CONNECTIONS:-"64 256"}
runs=${BENCH_RUNS:-3}
duration=${BENCH_DURATION:-15s}
threads=${BENCH_THREADS:-2}
port=${BENCH_PORT:-18080}
multiplier=100000
base="http://127.0.0.1:$port"

for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "bench/load.sh needs $tool" >&2; exit 1; }
done
if ! command -v wrk >/dev/null; then
    echo "installing wrk (Debian package)" >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y -q wrk >/dev/null; else sudo apt-get install -y -q wrk >/dev/null; fi
fi

if [ -n "${BENCH_BIN:-}" ]; then
    bin=$BENCH_BIN
else
    cargo build --release -q -p learning-analytics
    bin=${CARGO_TARGET_DIR:-target}/release/learning-analytics
fi

work=$(mktemp -d -t la-load-XXXX)
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

server_env=(LA_DATA_DIR="$work" LA_LISTEN="127.0.0.1:$port" LA_ENV=development
    LA_SEED_DEMO=true LA_RATE_LIMIT_MULTIPLIER=$multiplier)
[ -n "${BENCH_LA_LOG:-}" ] && server_env+=(LA_LOG="$BENCH_LA_LOG")
# Logs go to a file, as they would go to a collector in production.
env "${server_env[@]}" "$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 600); do
    curl -fs "$base/api/health" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { echo "the server exited:" >&2; tail -n 20 "$work/server.log" >&2; exit 1; }
    sleep 0.1
done
curl -fs "$base/api/health" >/dev/null || { echo "the server did not become healthy" >&2; exit 1; }

login=$(curl -fs -H 'content-type: application/json' \
    -d '{"email":"learner@demo.local","password":"demo-password"}' "$base/api/v1/auth/login")
token=$(jq -er .token <<<"$login")
user=$(jq -er .user.id <<<"$login")
path="/api/v1/learner/analytics/velocity/$user"

# The first read computes the organisation's analytics; wait until one is served cached.
warm=
for _ in $(seq 1 120); do
    body=$(curl -fs -H "authorization: Bearer $token" -H 'x-active-role: learner' "$base$path" || true)
    if grep -q '"cached":true' <<<"$body"; then
        warm=1
        break
    fi
    sleep 0.5
done
[ -n "$warm" ] || { echo "the velocity read never answered 200 with \"cached\":true" >&2; exit 1; }

# Headers for every request; done() prints one machine-readable line (latencies in µs).
# wrk counts responses with status >= 400 as `status` errors, plus socket errors.
cat >"$work/bench.lua" <<EOF
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["X-Active-Role"] = "learner"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
EOF

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

rows=()
for c in $connections; do
    rps_list=() p50_list=() p99_list=() err_list=()
    for run in $(seq 1 "$runs"); do
        line=$(wrk -t"$threads" -c"$c" -d"$duration" --latency -s "$work/bench.lua" "$base$path" | grep '^RESULT')
        read -r _ requests micros p50 p99 status_errors socket_errors <<<"$line"
        rps=$(awk -v r="$requests" -v d="$micros" 'BEGIN {printf "%.0f", r / (d / 1e6)}')
        p50_ms=$(awk -v v="$p50" 'BEGIN {printf "%.2f", v / 1000}')
        p99_ms=$(awk -v v="$p99" 'BEGIN {printf "%.2f", v / 1000}')
        errors="$status_errors/$socket_errors"
        rows+=("$(printf '| %5s | run %-6s | %10s | %8s | %8s | %11s |' "$c" "$run" "$rps" "$p50_ms" "$p99_ms" "$errors")")
        rps_list+=("$rps") p50_list+=("$p50_ms") p99_list+=("$p99_ms") err_list+=("$((status_errors + socket_errors))")
    done
    rows+=("$(printf '| %5s | **median** | %10s | %8s | %8s | %11s |' "$c" \
        "$(printf '%s\n' "${rps_list[@]}" | median)" \
        "$(printf '%s\n' "${p50_list[@]}" | median)" \
        "$(printf '%s\n' "${p99_list[@]}" | median)" \
        "$(printf '%s\n' "${err_list[@]}" | median)")")
done

# The server must have stayed healthy and the load must not have been refused by the limit.
curl -fs "$base/api/health" >/dev/null || echo "WARNING: the server is not healthy after the runs" >&2

echo
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem/ {print $2}') GiB; $(date -u +%F)"
echo "load generator (wrk, $threads threads) and server share these cores"
echo "GET $path (cached velocity, learner token + X-Active-Role), $duration per run, SQLite"
echo "server: LA_LOG=${BENCH_LA_LOG:-<default: info,sqlx=warn,tower_http=info>}, JSON logs to a file"
echo "rate limits: LA_RATE_LIMIT_MULTIPLIER=$multiplier, so the 100/hour/route analytics limit does"
echo "  not turn this into a 429 benchmark (the limit is a product rule; this measures serving)"
echo "errors: responses with status >= 400 / socket errors (connect, read, write, timeout)"
echo
echo "| conns | run        | requests/s | p50 (ms) | p99 (ms) | errors      |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
