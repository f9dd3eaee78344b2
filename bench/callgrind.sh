#!/usr/bin/env bash
# Instructions per signed STK push, counted by valgrind's callgrind: unlike CPU time, the count
# does not move with the machine's load, so it shows what a change to the push's path saves.
#
#   bash bench/callgrind.sh [PUSHES]
#
# Builds the release binary, runs it under `valgrind --tool=callgrind` on loopback, warms it with
# 900 pushes, zeroes the counters, then sends PUSHES (3000) pre-signed pushes at 300 a second over
# 8 connections (examples/paced_load.rs), each with its callback to the built-in sink, and stops
# the sandbox (which delivers what is still queued). Prints the instructions per push, in all and
# outside RSA verification, and the functions that cost most per push, with their callees. Note:
# valgrind hides the CPU's `mulx`, so aws-lc verifies on its generic path here (about 277,000
# instructions a push rather than what the CPU spends natively).
# Environment: BIN (target/release/jenga-sandbox), PORT (18184).
set -euo pipefail
cd "$(dirname "$0")/.."
pushes=${1:-3000}
port=${PORT:-18184}
base=http://127.0.0.1:$port
export RUST_LOG=warn
source bench/common.sh
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }

cargo build --release --quiet --bin jenga-sandbox --example presign --example paced_load
bin=$(realpath "${BIN:-target/release/jenga-sandbox}")
ex=target/release/examples
mkdir -p bench/.cache bench/results
stamp=$(sha1sum <examples/presign.rs | cut -c1-8)
warm_file=bench/.cache/cg-warm-900-$port-$stamp.tsv
push_file=bench/.cache/cg-stk-$pushes-$port-$stamp.tsv
[[ -s $warm_file ]] || "$ex/presign" 900 "$warm_file" "$base/__sandbox/sink/warm" --kind stk --prefix CW
[[ -s $push_file ]] || "$ex/presign" "$pushes" "$push_file" "$base/__sandbox/sink/bench" --kind stk --prefix CG

out=bench/results/callgrind-$(date +%Y%m%d-%H%M%S).out
valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" --bind "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
pids+=("$server")
wait_ready "$base/__sandbox/health" 120
fund_and_sign_in
paced() { "$ex/paced_load" --url "$base" --requests "$1" --token "$token" --rate 300 --secs "$2" --connections 8 | tail -n1; }
paced "$warm_file" 3 >/dev/null
callgrind_control -z "$server" >/dev/null
secs=$(((pushes + 299) / 300))
echo "  $(paced "$push_file" "$secs" | cut -d' ' -f1-6)"
kill -INT "$server"
wait "$server" 2>/dev/null || true

total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
rsa=$(callgrind_annotate --inclusive=yes "$out" 2>/dev/null |
  awk '/verify_rsa_signature/ {gsub(",", "", $1); print $1; exit}')
echo "== instructions per push ($pushes pushes; $out)"
awk -v t="$total" -v r="${rsa:-0}" -v n="$pushes" 'BEGIN {
  printf "  in all: %d\n  outside RSA verification: %d\n", t / n, (t - r) / n }'
echo "== the sandbox's functions per push, callees included"
callgrind_annotate --inclusive=yes "$out" 2>/dev/null | grep 'jenga_sandbox::' | head -n 20 |
  awk -v n="$pushes" '{c = $1; gsub(",", "", c); sub(/.*\?\?\?:/, ""); sub(/ \[.*/, ""); printf "  %8d  %s\n", c / n, $0}'
