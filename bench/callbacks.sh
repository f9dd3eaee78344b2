#!/usr/bin/env bash
# Callback delivery throughput, on loopback only; bounded in time, stops what it started.
#
#   bash bench/callbacks.sh [PUSHES] [--no-table]
#
# Starts the sandbox with `callbacks: {first_delay_ms: 0, max_in_flight: 256}`, and
# examples/callback_bench.rs, which runs a minimal receiver (actix-web, one worker) and fires
# PUSHES (20000) pre-signed STK pushes, 32 at a time, whose callBackUrl is that receiver. It
# counts deliveries/s at the receiver and times /__sandbox/health every 10 ms meanwhile.
# Then the same again with every callback held (first_delay_ms: one hour) and released at once
# by `POST /__sandbox/clock/advance`: delivery alone, without pushes competing for the cores.
# That run raises callbacks.log_limit to BURST_LOG_LIMIT (50000): with the default 10000, once
# more than 10000 callbacks are pending every new push scans the whole callback log (found
# with perf; 20000 held pushes then take over a minute), which is not what this measures.
# Environment: PORT (18183; the receiver listens on PORT+7), CONCURRENCY (32), RUST_LOG (warn),
# BURST_LOG_LIMIT (50000; 10000 shows the slow path).
set -euo pipefail
cd "$(dirname "$0")/.."
pushes=20000 table=1
for arg in "$@"; do
  case "$arg" in
    --no-table) table=0 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) pushes=$arg ;;
  esac
done
port=${PORT:-18183}
receiver=$((port + 7))
base="http://127.0.0.1:$port"
export RUST_LOG=${RUST_LOG:-warn}
cache=bench/.cache results=bench/results
mkdir -p "$cache" "$results"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$port" "$receiver"; do
  port_free "$p" || { echo "port $p is in use; set PORT to another base port" >&2; exit 1; }
done

cargo build --release --quiet --bin jenga-sandbox --example presign --example callback_bench
bin=target/release/jenga-sandbox
ex=target/release/examples
stamp=$(sha1sum <examples/presign.rs | cut -c1-8)
file="$cache/callbacks-$pushes-$receiver-$stamp.tsv"
if [[ ! -s $file ]] || [[ $(wc -l <"$file") -ne $pushes ]]; then
  "$ex/presign" "$pushes" "$file" "http://127.0.0.1:$receiver/callback" --kind stk --prefix CB
fi

server=""
trap '[[ -n $server ]] && kill "$server" 2>/dev/null || true' EXIT
stop_server() {
  kill "$server" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$server" 2>/dev/null || true
  server=""
}

run_mode() { # MODE FIRST_DELAY_MS [MORE CONFIG LINES]
  local mode=$1 config="$results/callbacks-$1.yaml"
  printf 'callbacks:\n  first_delay_ms: %s\n  max_in_flight: 256\n%s' "$2" "${3:-}" >"$config"
  "$bin" --bind "127.0.0.1:$port" --config "$config" >"$results/callbacks-$mode-sandbox.log" 2>&1 &
  server=$!
  local deadline=$((SECONDS + 20))
  until curl -sf -o /dev/null "$base/__sandbox/health"; do
    ((SECONDS < deadline)) || { echo "sandbox not ready" >&2; exit 1; }
    sleep 0.05
  done
  local status=0
  timeout 150 "$ex/callback_bench" --base "$base" --requests "$file" --receiver-port "$receiver" \
    --mode "$mode" --concurrency "${CONCURRENCY:-32}" --timeout-secs 60 --advance-secs 3700 || status=$?
  echo "peak RSS of the sandbox: $(awk '$1 == "VmHWM:" {printf "%.1f MiB", $2 / 1024}' "/proc/$server/status")"
  stop_server
  ((status == 0)) || echo "($mode: not every callback arrived, exit $status)"
}

# Not in a pipeline, so the EXIT trap sees the server's pid.
run_mode concurrent 0 >"$results/callbacks-concurrent.txt"
cat "$results/callbacks-concurrent.txt"
run_mode burst 3600000 "  log_limit: ${BURST_LOG_LIMIT:-50000}
" >"$results/callbacks-burst.txt"
cat "$results/callbacks-burst.txt"

if ((table)); then
  echo
  echo "| callbacks ($pushes STK pushes) | deliveries/s | best 1 s | delivered | pushes/s | push p50 / p99 | health p50 / p99 while delivering |"
  echo "|---|---|---|---|---|---|---|"
  field() { sed -E "s/.*[[:space:]]$2=([^[:space:]]+).*/\1/" <<<"$1"; }
  for mode in concurrent burst; do
    c=$(grep '^CALLBACKS' "$results/callbacks-$mode.txt" || true)
    [[ -n $c ]] || continue
    [[ $mode == concurrent ]] && label="while pushing (first_delay_ms 0)" || label="held, then released at once (clock advance; log_limit ${BURST_LOG_LIMIT:-50000})"
    printf '| %s | %s | %s | %s/%s | %s | %s / %s ms | %s / %s ms |\n' "$label" "$(field "$c" rate)" \
      "$(field "$c" best_window)" "$(field "$c" received)" "$(field "$c" expected)" "$(field "$c" push_rps)" \
      "$(field "$c" push_p50_ms)" "$(field "$c" push_p99_ms)" "$(field "$c" health_p50_ms)" "$(field "$c" health_p99_ms)"
  done
fi
