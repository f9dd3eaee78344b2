#!/usr/bin/env bash
# Runs every fuzz target one after another for SECONDS_PER_TARGET (default 60) and prints, per
# target, the seconds run and libFuzzer's executions. Needs cargo-fuzz
# (`cargo install cargo-fuzz --locked`); the nightly-only flags it passes are allowed on a
# stable toolchain with RUSTC_BOOTSTRAP=1. Stops at the first crash, leaving its input in
# fuzz/artifacts/TARGET/.
set -euo pipefail
seconds="${1:-60}"
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
targets=(form field_paths canonical scenario_file)
cargo fuzz build
mkdir -p logs
summary=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    log="logs/$target.log"
    echo "== $target: ${seconds} s"
    status=0
    cargo fuzz run "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 >"$log" 2>&1 || status=$?
    runs=$(grep -o '^Done [0-9]* runs in [0-9]* second' "$log" | tail -1 | awk '{print $2 " runs in " $5 " s"}')
    last=$(grep -o '^#[0-9]*' "$log" | tail -1)
    if [ "$status" -ne 0 ]; then
        tail -40 "$log"
        echo "== $target FAILED (exit $status); the input is in fuzz/artifacts/$target/"
        exit "$status"
    fi
    summary+=("$target: ${runs:-?} (last status line $last)")
done
echo "== executions per target"
printf '%s\n' "${summary[@]}"
