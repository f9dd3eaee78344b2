#!/usr/bin/env bash
# Load benchmark of signed STK pushes: token check, signature verification over unique
# pre-signed requests, scenario choice, journal and callback enqueue (callbacks go to the
# built-in sink). Loopback only; stops by itself.
#   bash bench/run.sh [REQUESTS] [DURATION] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-60000}
duration=${2:-10s}
connections=${3:-32}
port=${PORT:-18181}
base="http://127.0.0.1:$port"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)"; exit 1; }
cargo build --release --quiet --bin jenga-sandbox --example presign
./target/release/examples/presign "$requests" bench/stk-requests.tsv "$base/__sandbox/sink/bench"
RUST_LOG=${RUST_LOG:-warn} ./target/release/jenga-sandbox --bind "127.0.0.1:$port" >/tmp/jenga-bench.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "$base/__sandbox/health" >/dev/null && break; sleep 0.05; done
token=$(curl -sf -X POST "$base/authentication/api/v3/authenticate/merchant" -H 'Api-Key: SANDBOX-API-KEY' \
  -H 'Content-Type: application/json' -d '{"merchantCode":"9999999999","consumerSecret":"sandbox-secret"}' |
  sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
echo "signed STK push, $connections connections, $duration:"
TOKEN=$token REQUESTS=bench/stk-requests.tsv THREADS=2 wrk -t2 -c"$connections" -d"$duration" --latency -s bench/stk.lua "$base"
echo "resident memory after the run: $(ps -o rss= -p $server) KiB"
echo "/__sandbox/health, $connections connections, $duration:"
wrk -t2 -c"$connections" -d"$duration" --latency "$base/__sandbox/health"
