#!/usr/bin/env bash
# Memory under a long load: drives REQUESTS (1,000,000) STK pushes through one sandbox, in wrk
# runs of 10 s, and samples its resident memory after each run. Every push is accepted (unique
# references), journaled, recorded as a transaction and answered by a callback to the built-in
# sink, so every bounded store fills to its limit (journal_limit, callbacks.log_limit,
# sink_limit, transaction_limit, reference_limit) and then stays there.
#
#   bash bench/soak.sh [REQUESTS] [CONNECTIONS] [--dead-receiver | --sign-ins]
#
# --dead-receiver: the callbacks go to a loopback port nobody listens on, so each one stays
#   queued through its retries, the queue fills to callbacks.queue_limit and new callbacks are
#   dropped (counted in jenga_sandbox_callbacks_dropped_total).
# --sign-ins: the requests are v3 sign-ins (bench/token.lua), as from a client that signs in
#   before every call; the remembered tokens fill to token_limit (100,000). Each sign-in signs
#   an RS512 JWT, so they run at about 2,000 a second: 300,000 pass the limit well within 40 runs.
#
# The sandbox runs with --signature-mode off, so the requests need no pre-signing (signatures
# are verified and dropped; they keep no memory). Loopback only; stops by itself, at the latest
# after 40 runs. Environment: PORT (18185), THREADS (wrk threads, 2).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=pushes
positional=()
for arg in "$@"; do
  case "$arg" in
    --dead-receiver) mode=dead-receiver ;;
    --sign-ins) mode=sign-ins ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) positional+=("$arg") ;;
  esac
done
total=${positional[0]:-1000000}
connections=${positional[1]:-32}
threads=${THREADS:-2}
port=${PORT:-18185}
base="http://127.0.0.1:$port"
results=bench/results
mkdir -p "$results"
out="$results/soak-$(date +%Y%m%d-%H%M%S).txt"
export RUST_LOG=${RUST_LOG:-warn}

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
for p in "$port" "$((port + 1))"; do
  (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && { echo "port $p is in use; set PORT" >&2; exit 1; }
done
case $mode in
  pushes) callback="$base/__sandbox/sink/soak" script=bench/soak.lua operation=stk_push ;;
  dead-receiver) callback="http://127.0.0.1:$((port + 1))/cb" script=bench/soak.lua operation=stk_push ;;
  sign-ins) callback="" script=bench/token.lua operation=authenticate ;;
esac

cargo build --release --quiet --bin jenga-sandbox
target/release/jenga-sandbox --bind "127.0.0.1:$port" --signature-mode off >"$results/soak-sandbox.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
deadline=$((SECONDS + 20))
until curl -sf -o /dev/null "$base/__sandbox/health"; do
  ((SECONDS < deadline)) || { echo "the sandbox did not start" >&2; exit 1; }
  sleep 0.05
done
curl -sf -X PUT "$base/__sandbox/accounts/0170194290581" -H 'Content-Type: application/json' \
  -d '{"balance": "999999999.00"}' >/dev/null
token=$(curl -sf -X POST "$base/authentication/api/v3/authenticate/merchant" -H 'Api-Key: SANDBOX-API-KEY' \
  -H 'Content-Type: application/json' -d '{"merchantCode":"9999999999","consumerSecret":"sandbox-secret"}' |
  sed -E 's/.*"accessToken":"([^"]+)".*/\1/')

kib() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$server/status"; }
accepted() {
  curl -sf "$base/__sandbox/metrics" |
    awk -v op="operation=\"$operation\"" '/^jenga_sandbox_requests_total\{/ && index($1, op) && /status="200"/ {n += $2} END {printf "%d", n}'
}
metric() { curl -sf "$base/__sandbox/metrics" | awk -v n="$1" '$1 == n {print $2}'; }

{
  echo "## jenga-sandbox soak ($mode), $(date -u +%Y-%m-%dT%H:%MZ): $total requests, wrk -t$threads -c$connections, 10 s runs"
  echo
  echo "| run | $operation answered 200 | requests/s | p99 | RSS | peak RSS | callbacks queued | dropped |"
  echo "|---|---|---|---|---|---|---|---|"
} | tee "$out"
letters=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn
done_count=0 run=0 samples=()
while ((done_count < total && run < ${#letters})); do
  letter=${letters:run:1}
  line=$(BENCH_DIR=bench TOKEN="$token" RUN="$letter" CALLBACK="$callback" \
    timeout 60 wrk -t"$threads" -c"$connections" -d10s --timeout 5s -s "$script" "$base" | grep '^WRK_RESULT')
  run=$((run + 1))
  done_count=$(accepted)
  rss=$(kib VmRSS)
  samples+=("$rss")
  rps=$(sed -E 's/.* rps=([^ ]+).*/\1/' <<<"$line")
  p99=$(sed -E 's/.* p99_ms=([^ ]+).*/\1/' <<<"$line")
  printf '| %d | %d | %.0f | %s ms | %.1f MiB | %.1f MiB | %s | %s |\n' "$run" "$done_count" "$rps" "$p99" \
    "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" "$(awk -v k="$(kib VmHWM)" 'BEGIN {print k / 1024}')" \
    "$(metric jenga_sandbox_callbacks_queued)" "$(metric jenga_sandbox_callbacks_dropped_total)" | tee -a "$out"
done
# Bounded: over the second half of the runs, resident memory grew by at most 10%.
half=$((${#samples[@]} / 2))
verdict=$(awk -v a="${samples[$half]}" -v b="${samples[-1]}" 'BEGIN {
  g = (b - a) / a * 100; printf "%s: %.1f MiB at run %d, %.1f MiB at the end (%+.1f%%)", (g <= 10 ? "bounded" : "GROWING"), a / 1024, '"$((half + 1))"', b / 1024, g }')
{ echo; echo "$verdict"; } | tee -a "$out"
echo "(this table in $out)"
[[ $verdict == bounded* ]]
