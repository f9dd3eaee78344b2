#!/usr/bin/env bash
# Runs every fuzz target one after another for SECONDS_PER_TARGET (default 60) and prints, per
# target, the seconds run and libFuzzer's executions. Needs cargo-fuzz
# (`cargo install cargo-fuzz --locked`); the nightly-only flags it passes are allowed on a
# stable toolchain with RUSTC_BOOTSTRAP=1. A target that crashes leaves its input in
# fuzz/artifacts/TARGET/ and makes the script exit non-zero once every target has run.
set -uo pipefail
seconds="${1:-60}"
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
cargo fuzz build || exit 1
mkdir -p logs
failed=0
summary=()
for target in form field_paths canonical scenario_file; do
    mkdir -p "corpus/$target"
    log="logs/$target.log"
    echo "== $target: ${seconds} s (log: fuzz/$log)"
    # The seeds directory comes second, so new inputs go to corpus/ only.
    cargo fuzz run "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 >"$log" 2>&1
    status=$?
    executions=$(grep -o '^stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    done_line=$(grep -o '^Done [0-9]* runs in [0-9]* second' "$log" | tail -1)
    if [ "$status" -ne 0 ]; then
        failed=1
        grep -m1 -A3 'panicked at\|ERROR: AddressSanitizer\|ERROR: libFuzzer' "$log"
        summary+=("$target: CRASHED after ${executions:-?} executions (exit $status); input in fuzz/artifacts/$target/")
    else
        summary+=("$target: ${executions:-?} executions (${done_line:-no final line})")
    fi
done
echo "== executions per target (${seconds} s each)"
printf '%s\n' "${summary[@]}"
exit "$failed"
