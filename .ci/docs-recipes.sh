#!/usr/bin/env bash
# Runs the CI recipes of docs/ci.md as the page states them: each ```sh block after a
# `<!-- ci-recipe: NAME -->` marker is read from the page and run, so the page cannot drift from
# what works. Also starts the image with the GitHub service container's health options.
# Needs the image `jenga-sandbox` (.ci/container-test.sh builds it) and the binary in target/debug.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGE=docs/ci.md

command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends curl; }
if ! docker version >/dev/null 2>&1; then
    tool=${CONTAINER_HOST:-../shared/tools/container-host}
    [ -x "$tool" ] || { echo "$0: no Docker daemon, and no $tool to start one (set CONTAINER_HOST)" >&2; exit 1; }
    daemon_env=$("$tool" start)
    eval "$daemon_env"
fi
export PATH="$PWD/target/debug:$PATH"
command -v jenga-sandbox >/dev/null || cargo build --locked

# The recipes write their files here, as they do under a GitHub runner.
RUNNER_TEMP=$(mktemp -d)
chmod 755 "$RUNNER_TEMP"   # the container's unprivileged user reads the config file
export RUNNER_TEMP
cleanup() {
    docker rm -f jenga-sandbox jenga-sandbox-service >/dev/null 2>&1 || true
    [ -z "${JENGA_SANDBOX_PID:-}" ] || kill "$JENGA_SANDBOX_PID" 2>/dev/null || true
    rm -rf "$RUNNER_TEMP"
}
trap cleanup EXIT
fail() { echo "docs-recipes: $*" >&2; exit 1; }

recipe() {   # the ```sh block after the marker of recipe $1
    awk -v marker="<!-- ci-recipe: $1 -->" '
        $0 == marker { found = 1; next }
        found && !inside && /^```sh$/ { inside = 1; next }
        inside && /^```$/ { exit }
        inside { print }' "$PAGE"
}
run_recipe() {
    local text
    text=$(recipe "$1")
    [ -n "$text" ] || fail "no recipe '$1' in $PAGE"
    echo "--- $PAGE: $1"
    eval "$text"
}
status_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# A reset between tests, as the page gives it, and the admin rule.
check_running() {   # check_running NEEDS_TOKEN
    [ "$(curl -fsS "$JENGA_BASE_URL/__sandbox/health")" = '{"status":"ok"}' ] || fail "health at $JENGA_BASE_URL"
    [ "$(status_of -X POST -H "Authorization: Bearer $JENGA_ADMIN_TOKEN" "$JENGA_BASE_URL/__sandbox/reset")" = 200 ] ||
        fail "reset with the admin token"
    local expected=200
    [ "$1" = no ] || expected=401
    [ "$(status_of "$JENGA_BASE_URL/__sandbox/requests")" = "$expected" ] || fail "the admin API without a token"
}

docker rm -f jenga-sandbox jenga-sandbox-service >/dev/null 2>&1 || true
run_recipe docker-run
check_running yes
run_recipe docker-run-stop
docker container inspect jenga-sandbox >/dev/null 2>&1 && fail "the container is still there"

# The service container's `options:` as GitHub passes them to `docker create`.
options=$(awk '/^        options: >-$/ { inside = 1; next } inside && /^          / { print; next } inside { exit }' "$PAGE" | tr '\n' ' ')
[ -n "$options" ] || fail "no service options in $PAGE"
echo "--- $PAGE: service options: $options"
eval "docker run -d --name jenga-sandbox-service $options -p 127.0.0.1::8080 jenga-sandbox" >/dev/null
timeout 60 sh -c 'until [ "$(docker inspect -f "{{.State.Health.Status}}" jenga-sandbox-service)" = healthy ]; do sleep 1; done' ||
    fail "the service container never became healthy"
docker rm -f jenga-sandbox-service >/dev/null

run_recipe shell
JENGA_ADMIN_TOKEN=unused-on-loopback
check_running no
run_recipe shell-stop
JENGA_SANDBOX_PID=
echo "docs/ci.md recipes passed"
