#!/usr/bin/env bash
# Does an open dashboard slow the API? Signed STK pushes with wrk, alternating runs on fresh
# warmed sandboxes: alone, then while a dashboard follows /__sandbox/events. On loopback only;
# every step is bounded in time and the script stops everything it started.
#
#   bash bench/dashboard.sh [REQUESTS] [DURATION] [CONNECTIONS] [--page]
#
# The dashboard is, by default, what the page asks of the server: an event stream, and on every
# event the requests view fetched again (GET /__sandbox/requests?limit=200, as the page does).
# With --page it is the page itself, in headless Chromium (tests/ui/watch.mjs; `npm ci` in
# tests/ui first), which also takes CPU from the two that wrk and the server share.
# REQUESTS (default 250000) pre-signed pushes are cached in bench/.cache as bench/run.sh does;
# each run starts a fresh sandbox, so the same file serves every run. ROUNDS (2) pairs of runs.
# Environment: PORT (18181), THREADS (2), ROUNDS (2), RUST_LOG (warn).
set -euo pipefail
cd "$(dirname "$0")/.."

page=0
positional=()
for arg in "$@"; do
  case "$arg" in
    --page) page=1 ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0"; exit 0 ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) positional+=("$arg") ;;
  esac
done
requests=${positional[0]:-250000}
duration=${positional[1]:-10s}
connections=${positional[2]:-32}
threads=${THREADS:-2}
rounds=${ROUNDS:-2}
port=${PORT:-18181}
base="http://127.0.0.1:$port"
export RUST_LOG=${RUST_LOG:-warn}
cache=bench/.cache
results=bench/results
mkdir -p "$cache" "$results"
out="$results/dashboard-$(date +%Y%m%d-%H%M%S).txt"

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
if ((page)); then
  [[ -d tests/ui/node_modules/playwright-core ]] || { echo "--page needs: (cd tests/ui && npm ci)" >&2; exit 1; }
fi

source bench/common.sh

echo "== build (release)"
cargo build --release --quiet --bin jenga-sandbox --example presign
bin=target/release/jenga-sandbox

# The same cache names as bench/run.sh, so either script reuses the other's files.
stamp=$(sha1sum <examples/presign.rs | cut -c1-8)
stk_file="$cache/stk-$requests-$port-$stamp.tsv"
warm_file="$cache/warm-12000-$port-$stamp.tsv"
presign() { # FILE N [args...]
  local file=$1 n=$2
  shift 2
  if [[ ! -s $file ]] || [[ $(wc -l <"$file") -ne $n ]]; then
    target/release/examples/presign "$n" "$file" "$@"
  fi
}
echo "== pre-signing requests (cached in $cache)"
presign "$stk_file" "$requests" "$base/__sandbox/sink/bench" --kind stk --prefix BN
presign "$warm_file" 12000 "$base/__sandbox/sink/warm" --kind stk --prefix WU

run_wrk() { # LABEL FILE DURATION: prints the WRK_RESULT line
  env BENCH_DIR=bench THREADS="$threads" TOKEN="$token" REQUESTS="$2" \
    timeout 120 wrk -t"$threads" -c"$connections" -d"$3" --timeout 5s --latency -s bench/stk.lua "$base" \
    >"$results/wrk-dashboard-$1.txt" 2>&1
  grep '^WRK_RESULT' "$results/wrk-dashboard-$1.txt" | tail -n1
}

# A fresh sandbox, funded, signed in and warmed for 2 s; sets `server` and `token`.
start_warmed() {
  "$bin" --bind "127.0.0.1:$port" >"$results/sandbox-dashboard-$1.log" 2>&1 &
  server=$!
  pids+=("$server")
  wait_ready "$base/__sandbox/health" 20
  fund_and_sign_in
  run_wrk "warm-$1" "$warm_file" 2s >/dev/null
}

# What an open page asks of the server: the event stream (its reader's id in `stream`), and the
# requests view fetched again on each event (by `follower`), counted in $results/dashboard-fetches.
follow() {
  : >"$results/dashboard-fetches"
  local fifo="$results/dashboard-events.fifo"
  rm -f "$fifo"
  mkfifo "$fifo"
  curl -sN --max-time 300 "$base/__sandbox/events" >"$fifo" &
  stream=$!
  pids+=("$stream")
  while IFS= read -r line; do
    if [[ $line == "event: change"* ]]; then
      curl -s -o /dev/null "$base/__sandbox/requests?limit=200" && echo >>"$results/dashboard-fetches"
    fi
  done <"$fifo" &
  follower=$!
  pids+=("$follower")
}

lines=()
for round in $(seq 1 "$rounds"); do
  for mode in alone dashboard; do
    label="$mode-$round"
    start_warmed "$label"
    watcher=""
    if [[ $mode == dashboard ]]; then
      if ((page)); then
        node tests/ui/watch.mjs "$base" "$(( ${duration%s} + 5 ))" >"$results/watch-$label.txt" 2>&1 &
        watcher=$!
        pids+=("$watcher")
        timeout 30 bash -c "until grep -q WATCHING '$results/watch-$label.txt'; do sleep 0.1; done"
      else
        follow
        watcher=$follower
      fi
    fi
    result=$(run_wrk "$label" "$stk_file" "$duration")
    extra=""
    if [[ -n $watcher ]]; then
      if ((page)); then
        wait "$watcher" || true
        extra=" page_fetches=$(field "$(grep WATCH_RESULT "$results/watch-$label.txt")" fetches)"
      else
        # The stream's end ends its reader.
        stop "$stream"
        wait "$follower" || true
        extra=" view_fetches=$(wc -l <"$results/dashboard-fetches")"
      fi
    fi
    echo "  $label: $(sed -E 's/^WRK_RESULT //' <<<"$result")$extra"
    lines+=("$mode $result$extra")
    stop "$server"
  done
done

{
  echo
  echo "## signed STK push with and without a dashboard open, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, wrk -t$threads -c$connections -d$duration"
  echo
  if ((page)); then
    echo "dashboard: the page in headless Chromium on the requests view (tests/ui/watch.mjs)"
  else
    echo "dashboard: /__sandbox/events followed, the requests view fetched again on every event"
  fi
  echo
  echo "| run | requests/s | p50 | p99 | max | errors | dashboard fetches |"
  echo "|---|---|---|---|---|---|---|"
  for l in "${lines[@]}"; do
    mode=${l%% *}
    fetches=$(grep -oE '(page|view)_fetches=[0-9]+' <<<"$l" | cut -d= -f2 || true)
    printf '| %s | %.0f | %s ms | %s ms | %s ms | %s | %s |\n' "$mode" "$(field "$l" rps)" "$(field "$l" p50_ms)" \
      "$(field "$l" p99_ms)" "$(field "$l" max_ms)" "$(( $(field "$l" non2xx) + $(field "$l" socket_errors) ))" "${fetches:--}"
  done
} | tee "$out"
