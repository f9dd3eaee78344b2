#!/usr/bin/env bash
# Load benchmark of the sandbox, on loopback only; every step is bounded in time and the script
# stops everything it started.
#
#   bash bench/run.sh [REQUESTS] [DURATION] [CONNECTIONS] [--wiremock] [--no-callbacks] [--no-startup]
#                     [--no-paced]
#
# Measures with wrk (--latency), CONNECTIONS (32) connections for DURATION (10s) each:
#   1. signed STK push: unique pre-signed requests, callbacks to the built-in sink /__sandbox/sink/bench
#   2. signed send-money (remittance/internalBankTransfer): unique pre-signed requests, unique references
#   3. token issue (POST /authentication/api/v3/authenticate/merchant)
#   4. GET /__sandbox/health (the server's ceiling)
#   5. signed STK push again, on a fresh sandbox loading 1,000 magic-number scenario rules (matching
#      cost must not grow with the scenario files)
#   6. the same STK pushes on a fresh sandbox with signature checks off (what verification costs)
#   7. the same STK pushes at examples/verify_only.rs, an actix endpoint that only parses the body
#      and verifies its signature: the ceiling of any server that verifies, on these cores
# then signed STK pushes at fixed rates, each on a fresh sandbox warmed like the first (PACED_RATES,
# "2500 5000 7500" per second, plus 1.5 times WireMock's journal-off throughput when measured;
# 32 connections, DURATION each; examples/paced_load.rs), timed from when each request fell
# due, so a stall is charged to every request it holds up (wrk's closed loop sends less while the
# server is slow, which hides stalls and makes p99 at saturation a measure of queueing), each
# followed by its floor: the same rate with an unknown token, refused before any real work, which
# shows what the sockets, the client and the shared cores add by themselves. Beside the STK and
# send-money figures, the share of answers the sandbox itself timed within 1 ms and 5 ms (its
# request-duration histogram in /__sandbox/metrics);
# plus resident memory (idle, after a warm-up, at the end, and the peak VmHWM), the time from
# process start to the first healthy answer (best and median of 5 starts), and callback delivery
# throughput (bench/callbacks.sh). With --wiremock (or WIREMOCK=1) it also installs WireMock from
# npm under bench/.wiremock (a download, the first time), drives the same STK request file at a
# static stub, twice: with its journal off, then also with request logging and gzip off (its
# fastest), and prints both sandbox/WireMock throughput ratios, WireMock's memory and start time.
#
# REQUESTS is the number of pre-signed requests per signed kind (default 400000 STK pushes and
# 260000 transfers: a quarter more than 10 s of the unsigned stage and of send-money take on 2
# quiet cores, 31,900 and 20,100 a second); each wrk thread cycles through its
# half, so a run faster than REQUESTS/DURATION repeats references, and a warning says so (a repeat
# answers 400101 while the sandbox still remembers the reference, and passes as new once it has
# dropped it: it keeps the last `reference_limit`, 100,000). Signed request files are cached in
# bench/.cache (signing them takes about 6 minutes on 2 cores, once). The fixed-rate stage uses the STK file
# too, from its start for each rate (each rate has its own sandbox).
# Environment: BIN (the server to measure, target/release/jenga-sandbox: another build for a before and
# after), PORT (18181; the callback run uses PORT+2 and PORT+9), THREADS (wrk threads, 2),
# WIREMOCK=1, WIREMOCK_VERSION (3.13.2), WIREMOCK_WARMUP (30s: the JVM takes that long to reach
# its speed here), RUST_LOG (warn: the default `info` logs a line per request, a cost of its own).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

duration=10s connections=32 wiremock=${WIREMOCK:-0} callbacks=1 startup=1 paced=1
positional=()
for arg in "$@"; do
  case "$arg" in
    --wiremock) wiremock=1 ;;
    --no-callbacks) callbacks=0 ;;
    --no-startup) startup=0 ;;
    --no-paced) paced=0 ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0"; exit 0 ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) positional+=("$arg") ;;
  esac
done
stk_requests=${positional[0]:-400000}
send_requests=${positional[0]:-260000}
duration=${positional[1]:-$duration}
connections=${positional[2]:-$connections}
threads=${THREADS:-2}
port=${PORT:-18181}
wm_port=$((port + 1))
base="http://127.0.0.1:$port"
export RUST_LOG=${RUST_LOG:-warn}
cache=bench/.cache
results=bench/results
mkdir -p "$cache" "$results"
out="$results/run-$(date +%Y%m%d-%H%M%S).txt"
# The processes started (stopped on exit), stop, wait_ready, field and fund_and_sign_in.
source bench/common.sh

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$port" "$wm_port"; do
  port_free "$p" || { echo "port $p is in use; set PORT to another base port" >&2; exit 1; }
done


proc_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# CPU time a process has used so far, all its threads, user plus system, in clock ticks (fields 14
# and 15 of /proc/PID/stat, counted after the command name, which may hold spaces).
clk_tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Microseconds of CPU per request: TICKS over REQUESTS.
per_request_us() {
  awk -v t="${1:-0}" -v n="${2:-0}" -v hz="$clk_tck" 'BEGIN {if (n > 0) printf "%.1f", t * 1e6 / hz / n; else printf "-"}'
}
mib() { awk -v k="${1:-0}" 'BEGIN {printf "%.1f MiB", k / 1024}'; }


# Waits (at most 20 s) until the sandbox has no callback queued or in flight.
settle() {
  local deadline=$((SECONDS + 20)) m
  while ((SECONDS < deadline)); do
    m=$(curl -sf "$base/__sandbox/metrics" || true)
    if grep -q '^jenga_sandbox_callbacks_queued 0$' <<<"$m" && grep -q '^jenga_sandbox_callbacks_in_flight 0$' <<<"$m"; then
      return 0
    fi
    sleep 0.2
  done
  echo "  (callbacks still queued after 20 s)"
}

metric() { curl -sf "$base/__sandbox/metrics" | awk -v n="$1" '$1 == n {print $2}'; }

# The sandbox's own timing of OPERATION (its request-duration histogram, every scenario and
# status summed): "answered-within-1ms answered-within-5ms answered".
server_timing() {
  curl -sf "$base/__sandbox/metrics" | awk -v op="operation=\"$1\"" '
    index($1, "jenga_sandbox_request_duration_seconds_bucket{") == 1 && index($1, op) {
      if (index($1, "le=\"0.001\"")) fast += $2
      else if (index($1, "le=\"0.005\"")) five += $2
      else if (index($1, "le=\"+Inf\"")) all += $2
    }
    END {printf "%d %d %d\n", fast, five, all}'
}
# Share of answers the sandbox timed within 1 ms and within 5 ms, between two server_timing readings:
# time spent inside the server, against the client's p50/p99 that adds sockets and scheduling.
server_share() {
  read -r f0 v0 a0 <<<"$1"
  read -r f1 v1 a1 <<<"$2"
  awk -v f=$((f1 - f0)) -v v=$((v1 - v0)) -v a=$((a1 - a0)) \
    'BEGIN {if (a > 0) printf "sandbox-timed: %.2f%% within 1 ms, %.2f%% within 5 ms", 100 * f / a, 100 * v / a}'
}

# A wrk duration (10s, 2m, 1h or plain seconds) in seconds, for the outer timeout.
to_secs() {
  case "$1" in
    *s) echo "${1%s}" ;;
    *m) echo $((${1%m} * 60)) ;;
    *h) echo $((${1%h} * 3600)) ;;
    *) echo "$1" ;;
  esac
}

# run_wrk LABEL SCRIPT URL DURATION [ENV=VALUE...]: runs wrk, keeps its output, stores the WRK_RESULT line in R_<LABEL>,
# with `cpu_ticks=`: the CPU the server under test (`measured`, a pid) used meanwhile, wrk's own left out.
measured=""
run_wrk() {
  local label=$1 script=$2 url=$3 secs=$4
  shift 4
  local log="$results/wrk-$label.txt" before
  before=$(cpu_ticks "$measured")
  env BENCH_DIR=bench THREADS="$threads" "$@" timeout $(($(to_secs "$secs") + 30)) \
    wrk -t"$threads" -c"$connections" -d"$secs" --timeout 5s --latency -s "$script" "$url" >"$log" 2>&1 || {
    echo "wrk failed for $label:" >&2; cat "$log" >&2; return 1; }
  wrk_cpu_end=$(cpu_ticks "$measured")
  local line
  line="$(grep '^WRK_RESULT' "$log" | tail -n1) cpu_ticks=$((wrk_cpu_end - before))"
  printf -v "R_$label" '%s' "$line"
  echo "  $label: $(sed -E 's/^WRK_RESULT //' <<<"$line") cpu_us_per_request=$(per_request_us "$(field "$line" cpu_ticks)" "$(field "$line" requests)")"
}
# Server CPU per answered request of a run_wrk result, in µs.
cpu_us() { per_request_us "$(field "$1" cpu_ticks)" "$(field "$1" requests)"; }

load_start=$(cut -d' ' -f1 /proc/loadavg)
echo "== build (release)"
cargo build --release --quiet --bin jenga-sandbox --example presign --example startup_probe --example callback_bench \
  --example paced_load --example verify_only
bin=$(realpath "${BIN:-target/release/jenga-sandbox}")
ex=target/release/examples

# Pre-signed request files, cached by kind, count, port and the presign source.
stamp=$(cat examples/presign.rs | sha1sum | cut -c1-8)
presign() { # FILE N [args...]
  local file=$1 n=$2
  shift 2
  if [[ ! -s $file ]] || [[ $(wc -l <"$file") -ne $n ]]; then
    "$ex/presign" "$n" "$file" "$@"
  fi
}
echo "== pre-signing requests (cached in $cache)"
stk_file="$cache/stk-$stk_requests-$port-$stamp.tsv"
warm_file="$cache/warm-12000-$port-$stamp.tsv"
send_file="$cache/send-$send_requests-$stamp.tsv"
presign "$stk_file" "$stk_requests" "$base/__sandbox/sink/bench" --kind stk --prefix BN
presign "$warm_file" 12000 "$base/__sandbox/sink/warm" --kind stk --prefix WU
presign "$send_file" "$send_requests" --kind send --prefix SM

startup_best=- startup_median=- startup_rss=0
if ((startup)); then
  echo "== start to first healthy answer (5 starts)"
  "$ex/startup_probe" --runs 5 --path /__sandbox/health -- "$bin" --bind '127.0.0.1:{port}' \
    | tee "$results/startup.txt" | sed 's/^/  /'
  s=$(grep '^STARTUP' "$results/startup.txt")
  startup_best=$(field "$s" best_ms) startup_median=$(field "$s" median_ms) startup_rss=$(field "$s" rss_kib)
fi

# start_server LOG HEALTH_PATH COMMAND...: starts COMMAND on $base and waits until HEALTH_PATH
# answers; sets `server`.
start_server() {
  local log=$1 health=$2
  shift 2
  "$@" >"$log" 2>&1 &
  server=$!
  measured=$server
  pids+=("$server")
  wait_ready "$base$health" 20
}
# start_sandbox LOG [ARGS...]: starts the sandbox on $base and waits until it is healthy.
start_sandbox() {
  local log=$1
  shift
  start_server "$log" /__sandbox/health "$bin" --bind "127.0.0.1:$port" "$@"
}

# start_warmed NAME [SANDBOX ARGS...]: a fresh sandbox (its log in sandbox-NAME.log), funded,
# signed in and warmed like the first.
start_warmed() {
  local name=$1
  shift
  start_sandbox "$results/sandbox-$name.log" "$@"
  fund_and_sign_in
  run_wrk "warm_${name//-/_}" bench/stk.lua "$base" 2s TOKEN="$token" REQUESTS="$warm_file" >/dev/null
  settle
}

echo "== sandbox on $base (RUST_LOG=$RUST_LOG)"
start_sandbox "$results/sandbox.log"
sleep 0.5
rss_idle=$(proc_kib "$server" VmRSS)
fund_and_sign_in

echo "== warm-up: 2 s of signed STK pushes"
run_wrk warm bench/stk.lua "$base" 2s TOKEN="$token" REQUESTS="$warm_file"
settle
rss_warm=$(proc_kib "$server" VmRSS)

echo "== measuring, $connections connections, $duration each"
delivered_before=$(metric jenga_sandbox_callbacks_delivered_total)
timing_before=$(server_timing stk_push)
run_wrk stk bench/stk.lua "$base" "$duration" TOKEN="$token" REQUESTS="$stk_file"
share_stk=$(server_share "$timing_before" "$(server_timing stk_push)")
# Every bounded store is full now (references, transactions, journal, sink and callback log;
# see the warning below otherwise), and the last second's callbacks wait out their first delay.
rss_saturated=$(proc_kib "$server" VmRSS)
queued_saturated=$(metric jenga_sandbox_callbacks_queued)
wrk_end=$wrk_cpu_end
settle
# A push's CPU includes delivering its callback, which happens a second later: the pushes' CPU
# is counted until every callback is in the sink.
R_stk="${R_stk% cpu_ticks=*} cpu_ticks=$(( $(field "$R_stk" cpu_ticks) + $(cpu_ticks "$server") - wrk_end ))"
rss_settled=$(proc_kib "$server" VmRSS)
hwm_saturated=$(proc_kib "$server" VmHWM)
delivered_stk=$(( $(metric jenga_sandbox_callbacks_delivered_total) - delivered_before ))
echo "  (callbacks delivered to the sink for that stage: $delivered_stk; $share_stk;" \
  "CPU per push with its callback $(per_request_us "$(field "$R_stk" cpu_ticks)" "$(field "$R_stk" requests)") µs;" \
  "RSS $(mib "$rss_saturated") with $queued_saturated callbacks queued, $(mib "$rss_settled") settled, peak $(mib "$hwm_saturated"))"
timing_before=$(server_timing send_within_equity)
run_wrk send bench/send_money.lua "$base" "$duration" TOKEN="$token" REQUESTS="$send_file"
share_send=$(server_share "$timing_before" "$(server_timing send_within_equity)")
echo "  ($share_send)"
run_wrk token bench/token.lua "$base" "$duration"
run_wrk health bench/health.lua "$base" "$duration"
rss_end=$(proc_kib "$server" VmRSS)
hwm=$(proc_kib "$server" VmHWM)
stop "$server"

# The same STK pushes on a fresh sandbox that also loads 1,000 magic-number rules (mobile numbers
# the pushes do not use): what a team's growing scenario files cost each request.
rules_dir="$cache/scenarios-1000"
if [[ ! -s $rules_dir/magic.yaml ]]; then
  mkdir -p "$rules_dir"
  awk 'BEGIN {
    print "scenarios:"
    for (i = 0; i < 1000; i++)
      printf "  - name: magic-%d\n    effects: {stk_push: {error: 106201}}\n    match: [{operation: stk_push, fields: {payment.mobileNumber: \"2547%08d\"}}]\n", i, i
  }' >"$rules_dir/magic.yaml"
fi
# fresh_stage LABEL TITLE [SANDBOX ARGS...]: the STK file on a fresh sandbox started with ARGS.
fresh_stage() {
  local label=$1 title=$2
  shift 2
  echo "== $title ($duration)"
  start_warmed "$label" "$@"
  run_wrk "$label" bench/stk.lua "$base" "$duration" TOKEN="$token" REQUESTS="$stk_file"
  stop "$server"
}
fresh_stage rules "signed STK pushes with 1,000 scenario rules loaded" --scenarios "$rules_dir"
# What signature verification costs: the same pushes with the checks off, as a load test of one's
# own service might run them.
fresh_stage unsigned "STK pushes with signature checks off" --signature-mode off
# What any server that verifies reaches here: the same pushes at an actix endpoint that only parses the
# body and checks its signature (no token, journal, ledger, scenario or callback).
echo "== the same pushes at examples/verify_only.rs, parse and verify only ($duration)"
start_server "$results/verify-only.log" /health "$ex/verify_only" --bind "127.0.0.1:$port"
run_wrk verifyonlywarm bench/stk.lua "$base" 2s TOKEN=- REQUESTS="$warm_file" >/dev/null
run_wrk verifyonly bench/stk.lua "$base" "$duration" TOKEN=- REQUESTS="$stk_file"
stop "$server"

wm_ratio="" wm_fastest_ratio="" wm_cpu_ratio="" wm_fastest_cpu_ratio="" R_wiremock="" R_wmfastest="" wm_best=- wm_median=- wm_rss_start=0 wm_rss_end=0 wm_hwm=0
if ((wiremock)); then
  version=${WIREMOCK_VERSION:-3.13.2}
  jar=$(ls bench/.wiremock/node_modules/wiremock/build/wiremock-standalone-*.jar 2>/dev/null | head -n1 || true)
  if [[ -z $jar ]]; then
    echo "== installing WireMock $version from npm into bench/.wiremock"
    command -v npm >/dev/null && command -v java >/dev/null || { echo "WireMock needs npm and Java 11+" >&2; exit 1; }
    mkdir -p bench/.wiremock
    timeout 300 npm install --prefix bench/.wiremock --no-audit --no-fund --loglevel=error "wiremock@$version" >/dev/null
    jar=$(ls bench/.wiremock/node_modules/wiremock/build/wiremock-standalone-*.jar | head -n1)
  fi
  wm_root=bench/.wiremock/root
  mkdir -p "$wm_root/mappings" "$wm_root/__files"
  cat >"$wm_root/mappings/stk.json" <<'JSON'
{
  "request": {"method": "POST", "urlPath": "/v3-apis/payment-api/v3.0/stkussdpush/initiate"},
  "response": {
    "status": 200,
    "headers": {"Content-Type": "application/json"},
    "body": "{\"status\":true,\"code\":-1,\"message\":\"Transaction has been successfully acknowledged, await final transaction status on callback\",\"reference\":\"x\",\"transactionId\":\"x\"}"
  }
}
JSON
  # Two settings: the journal off (the comparison as the target states it), then also request
  # logging and gzip off, WireMock's fastest for a load test (about 40% more throughput in
  # alternating runs here, though WireMock's speed swings more than that from run to run).
  wm_args=(-jar "$root/$jar" --bind-address 127.0.0.1 --no-request-journal --disable-banner --root-dir "$root/$wm_root")
  wm_fastest=(--disable-request-logging --disable-gzip)
  echo "== WireMock $(basename "$jar" .jar): start to ready (GET /__admin/health, 3 starts)"
  "$ex/startup_probe" --runs 3 --path /__admin/health --timeout-secs 60 -- java "${wm_args[@]}" --port '{port}' \
    | tee "$results/wiremock-startup.txt" | sed 's/^/  /'
  s=$(grep '^STARTUP' "$results/wiremock-startup.txt")
  wm_best=$(field "$s" best_ms) wm_median=$(field "$s" median_ms) wm_rss_start=$(field "$s" rss_kib)
  wm_warmup=${WIREMOCK_WARMUP:-30s}
  # wiremock_run LABEL [EXTRA ARGS...]: a fresh WireMock, warmed, then measured like the sandbox.
  wiremock_run() {
    local label=$1
    shift
    java "${wm_args[@]}" "$@" --port "$wm_port" >"$results/$label.log" 2>&1 &
    wm=$!
    measured=$wm
    pids+=("$wm")
    wait_ready "http://127.0.0.1:$wm_port/__admin/health" 60
    echo "== WireMock ${*:-(journal off)}: $wm_warmup warm-up (JIT), then $duration"
    run_wrk "${label}warm" bench/stk.lua "http://127.0.0.1:$wm_port" "$wm_warmup" TOKEN="$token" REQUESTS="$warm_file"
    run_wrk "$label" bench/stk.lua "http://127.0.0.1:$wm_port" "$duration" TOKEN="$token" REQUESTS="$stk_file"
  }
  wiremock_run wiremock
  wm_rss_end=$(proc_kib "$wm" VmRSS)
  wm_hwm=$(proc_kib "$wm" VmHWM)
  stop "$wm"
  wiremock_run wmfastest "${wm_fastest[@]}"
  stop "$wm"
  ratio() { awk -v a="$(field "$R_stk" rps)" -v b="$(field "$1" rps)" 'BEGIN {printf "%.2f", a / b}'; }
  wm_ratio=$(ratio "$R_wiremock") wm_fastest_ratio=$(ratio "$R_wmfastest")
  # Server CPU per request, the sandbox's signed push (its callback included) over WireMock's
  # static answer: what each server spends, whatever wrk takes of the shared cores.
  cpu_ratio() {
    awk -v a="$(cpu_us "$R_stk")" -v b="$(cpu_us "$1")" 'BEGIN {if (a > 0 && b > 0) printf "%.2f", a / b; else printf "-"}'
  }
  wm_cpu_ratio=$(cpu_ratio "$R_wiremock") wm_fastest_cpu_ratio=$(cpu_ratio "$R_wmfastest")
  echo "  server CPU per request, sandbox signed push / WireMock static answer: $wm_cpu_ratio (journal off), $wm_fastest_cpu_ratio (fastest)"
  # What the CPU target (0.6 times WireMock's answer) leaves for the sandbox's own work once the
  # body is parsed and its signature verified, as the verify-only endpoint measures that.
  budget() {
    awk -v w="$(cpu_us "$1")" -v v="$(cpu_us "$R_verifyonly")" 'BEGIN {if (w > 0 && v > 0) printf "%.1f", 0.6 * w - v; else printf "-"}'
  }
  echo "  0.6 x WireMock's CPU per answer, less parse-and-verify: $(budget "$R_wiremock") µs (journal off), $(budget "$R_wmfastest") µs (fastest) for the rest of a push"
fi

# Fixed rates: each on a fresh sandbox warmed like the first, so every rate starts from the same
# state and the request file (unique references) serves each one from its start. With WireMock
# measured, a rate of 1.5 times its throughput is added: the target's "1.5× WireMock, p99 ≤ 5 ms".
paced_lines=() wm_paced_rate=""
if ((paced)); then
  rates=${PACED_RATES:-2500 5000 7500}
  if [[ -n $R_wiremock ]]; then
    wm_paced_rate=$(awk -v r="$(field "$R_wiremock" rps)" 'BEGIN {printf "%d", r * 1.5 + 0.999}')
    rates=$(tr ' ' '\n' <<<"$rates $wm_paced_rate" | sort -n | uniq | tr '\n' ' ')
  fi
  secs=$(to_secs "$duration")
  # paced_run LABEL TOKEN: the STK file at $rate for $secs; prints the PACED line, keeps the output.
  paced_run() {
    timeout $((secs + 60)) "$ex/paced_load" --url "$base" --requests "$stk_file" --token "$2" --rate "$rate" \
      --secs "$secs" --connections "$connections" | tee "$results/$1.txt" | grep '^PACED' || {
      echo "paced_load failed at $rate/s (see $results/$1.txt)" >&2; exit 1; }
  }
  echo "== fixed rates ($rates/s): signed STK pushes, each on a fresh warmed sandbox, $connections connections, $duration each"
  for rate in $rates; do
    start_warmed "paced-$rate"
    timing_before=$(server_timing stk_push)
    line=$(paced_run "paced-$rate" "$token")
    share=$(server_share "$timing_before" "$(server_timing stk_push)")
    echo "  $rate/s: $(sed -E 's/^PACED //' <<<"$line") ($share)"
    share=${share// /_}
    paced_lines+=("$line share=${share:--}")
    # The floor at this rate: the same requests with an unknown token, refused (401) before any
    # signature, scenario or ledger work. What remains is the sockets, HTTP, the client and the
    # scheduler of a machine the client shares with the server.
    line=$(paced_run "paced-floor-$rate" not-a-token)
    echo "  $rate/s floor (unknown token, 401): $(sed -E 's/^PACED //' <<<"$line")"
    paced_lines+=("$line floor=1")
    stop "$server"
  done
fi

cb_concurrent="" cb_burst=""
if ((callbacks)); then
  echo "== callback deliveries (bench/callbacks.sh)"
  PORT=$((port + 2)) bash bench/callbacks.sh --no-table | tee "$results/callbacks.txt" | sed 's/^/  /'
  cb_concurrent=$(grep '^CALLBACKS mode=concurrent' "$results/callbacks.txt" || true)
  cb_burst=$(grep '^CALLBACKS mode=burst' "$results/callbacks.txt" || true)
fi

# ---- the table
row() { # LABEL RESULT [NOTE]
  local r=$2
  printf '| %s | %s | %s µs | %s ms | %s ms | %s ms | %s | %s |\n' "$1" \
    "$(awk -v x="$(field "$r" rps)" 'BEGIN {printf "%.0f", x}')" "$(cpu_us "$r")" \
    "$(field "$r" p50_ms)" "$(field "$r" p99_ms)" "$(field "$r" max_ms)" \
    "$(( $(field "$r" non2xx) + $(field "$r" socket_errors) ))" "${3:-}"
}
{
  echo
  echo "## jenga-sandbox benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, wrk -t$threads -c$connections -d$duration"
  echo
  echo "wrk and the server share the machine's cores; 1-minute load average before the run: $load_start (anything else busy skews every number)."
  echo
  echo "Server CPU per request: the server's user plus system time (/proc/PID/stat, every thread) over the stage, divided by the requests answered; wrk's own CPU is left out. A push's includes delivering its callback."
  echo
  echo "| benchmark | requests/s | server CPU per request | p50 | p99 | max | errors | note |"
  echo "|---|---|---|---|---|---|---|---|"
  row "signed STK push" "$R_stk" "$(field "$R_stk" requests) requests; $delivered_stk callbacks to the sink; $share_stk"
  row "signed STK push, 1,000 scenario rules loaded" "$R_rules" "magic mobile numbers the pushes do not use"
  row "STK push, signature checks off (--signature-mode off)" "$R_unsigned" "the same requests; against the first row, what RSA verification costs"
  row "parse and verify only (examples/verify_only.rs)" "$R_verifyonly" "the same requests at an endpoint doing nothing else; any verifying server's ceiling here"
  row "signed send-money (internalBankTransfer)" "$R_send" "$(field "$R_send" requests) requests; $share_send"
  row "token issue (v3 authenticate)" "$R_token" "RS512 JWT per token"
  row "GET /__sandbox/health" "$R_health" "ceiling"
  if [[ -n $R_wiremock ]]; then
    row "WireMock static STK stub, journal off" "$R_wiremock" "same STK request file, after $wm_warmup warm-up"
    echo "| **sandbox / WireMock, STK push** | **$wm_ratio×** | **$wm_cpu_ratio×** | | | | | |"
    row "WireMock static STK stub, journal, request logging and gzip off" "$R_wmfastest" "its fastest; after $wm_warmup warm-up"
    echo "| **sandbox / fastest WireMock, STK push** | **$wm_fastest_ratio×** | **$wm_fastest_cpu_ratio×** | | | | | |"
  fi
  if ((${#paced_lines[@]})); then
    echo
    echo "| signed STK push at a fixed rate (timed from when due) | achieved requests/s | p50 | p90 | p99 | max | errors | note |"
    echo "|---|---|---|---|---|---|---|---|"
    for p in "${paced_lines[@]}"; do
      r=$(field "$p" rate)
      if [[ $p == *" floor=1"* ]]; then
        label="$r/s floor: the same requests, unknown token"
        errors=$(field "$p" errors)
        note="$(field "$p" non2xx) of $(field "$p" requests) refused (401) as intended: no signature, scenario or ledger work"
      else
        [[ $r == "$wm_paced_rate" ]] && label="**$r/s (1.5 × WireMock, journal off)**" || label="$r/s"
        label="$label, $(field "$p" connections) connections"
        errors=$(( $(field "$p" non2xx) + $(field "$p" errors) ))
        note=$(field "$p" share | tr _ ' ')
      fi
      printf '| %s | %.0f | %s ms | %s ms | %s ms | %s ms | %s | %s |\n' "$label" "$(field "$p" rps)" \
        "$(field "$p" p50_ms)" "$(field "$p" p90_ms)" "$(field "$p" p99_ms)" "$(field "$p" max_ms)" "$errors" "$note"
    done
  fi
  echo
  echo "| memory and start-up | sandbox${R_wiremock:+ | WireMock} |"
  echo "|---|---${R_wiremock:+|---}|"
  echo "| start to first healthy answer, best / median | $startup_best / $startup_median ms${R_wiremock:+ | $wm_best / $wm_median ms} |"
  echo "| RSS when first healthy | $(mib "$startup_rss")${R_wiremock:+ | $(mib "$wm_rss_start")} |"
  echo "| RSS idle, before load | $(mib "$rss_idle")${R_wiremock:+ | } |"
  echo "| RSS after warm-up (2 s of STK pushes) | $(mib "$rss_warm")${R_wiremock:+ | } |"
  echo "| **RSS right after the saturating STK stage, every bounded store full** ($queued_saturated callbacks queued) | **$(mib "$rss_saturated")**${R_wiremock:+ | } |"
  echo "| RSS once those callbacks are delivered; peak so far (VmHWM) | $(mib "$rss_settled"); $(mib "$hwm_saturated")${R_wiremock:+ | } |"
  echo "| RSS at the end (after send-money, tokens, health) | $(mib "$rss_end")${R_wiremock:+ | $(mib "$wm_rss_end")} |"
  echo "| peak RSS (VmHWM) | $(mib "$hwm")${R_wiremock:+ | $(mib "$wm_hwm")} |"
  if [[ -n $cb_concurrent$cb_burst ]]; then
    echo
    echo "| callbacks (bench/callbacks.sh, 20,000 STK pushes) | deliveries/s | best 1 s | delivered | pushes/s | push p50 / p99 | health p50 / p99 while delivering |"
    echo "|---|---|---|---|---|---|---|"
    for c in "$cb_concurrent" "$cb_burst"; do
      [[ -n $c ]] || continue
      m=$(field "$c" mode)
      [[ $m == concurrent ]] && label="while pushing (first_delay_ms 0)" || label="held, then released at once (clock advance; log_limit ${BURST_LOG_LIMIT:-50000})"
      printf '| %s | %s | %s | %s/%s | %s | %s / %s ms | %s / %s ms |\n' "$label" "$(field "$c" rate)" \
        "$(field "$c" best_window)" "$(field "$c" received)" "$(field "$c" expected)" "$(field "$c" push_rps)" \
        "$(field "$c" push_p50_ms)" "$(field "$c" push_p99_ms)" "$(field "$c" health_p50_ms)" "$(field "$c" health_p99_ms)"
    done
  fi
  for kind in stk rules unsigned send; do
    r=R_$kind
    [[ $kind == send ]] && available=$send_requests || available=$stk_requests
    sent=$(field "${!r}" requests)
    if ((sent > available)); then
      echo
      echo "Warning: the $kind stage sent $sent requests from a file of $available, so references repeated; pass a larger REQUESTS."
    fi
    n=$(field "${!r}" non2xx)
    if ((n > 0)); then
      echo
      echo "Warning: $n $kind answers were not 2xx."
    fi
  done
  pushes=$(( 12000 + $(field "$R_stk" requests) ))
  if ((pushes < 100000)); then
    echo
    echo "Warning: $pushes pushes before the memory reading, fewer than reference_limit (100,000): the used-reference store was not full; run longer."
  fi
} | tee "$out"
echo
echo "(wrk output in $results/, this table in $out)"
