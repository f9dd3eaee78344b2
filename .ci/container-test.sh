#!/usr/bin/env bash
# Builds the container image and uses it as a user's CI would: health without a token, a v3 token,
# a signed STK push whose callback lands in the built-in sink, and a `docker stop` that flushes a
# queued callback and exits 0 within 10 s. Prints the image size, the build time, the time from
# `docker run` to healthy and the stop time.
#
# A machine without a container daemon gets a private one from ../shared/tools/container-host
# (a sibling of the clone); CONTAINER_HOST names another copy of that tool.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {   # installs the Debian package $2 when command $1 is missing (CI starts on a clean machine)
    command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$2"; }
}
need curl curl
need python3 python3

if ! docker version >/dev/null 2>&1; then
    tool=${CONTAINER_HOST:-../shared/tools/container-host}
    [ -x "$tool" ] || { echo "$0: no Docker daemon, and no $tool to start one (set CONTAINER_HOST)" >&2; exit 1; }
    daemon_env=$("$tool" start)
    eval "$daemon_env"
fi

IMAGE=jenga-sandbox
NAME=jenga-sandbox-ci-$$
WORK=$(mktemp -d)
RECEIVER_PID=
cleanup() {
    status=$?
    if [ "$status" != 0 ] && docker container inspect "$NAME" >/dev/null 2>&1; then
        echo "--- container log ---" >&2
        docker logs "$NAME" >&2 || true
    fi
    docker rm -f "$NAME" >/dev/null 2>&1 || true
    [ -z "$RECEIVER_PID" ] || kill "$RECEIVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "container-test: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }
# Bounded wait: runs "$@" every 0.2 s until it succeeds or $WAIT_S seconds have passed.
WAIT_S=30
wait_for() {
    local deadline=$(( $(date +%s) + WAIT_S ))
    until "$@"; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}
json() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }

# --- build -------------------------------------------------------------------------------------
# SOURCE_ID names the sources, so that a layer cache never serves a binary built from others (the
# layer cache of Debian's Docker 20.10 was seen to reuse the build step after a source edit).
source_id=$(git rev-parse HEAD 2>/dev/null || echo none)-$( (git diff HEAD 2>/dev/null || true) | sha256sum | cut -c1-16)
started=$(now_ms)
docker build -q --build-arg SOURCE_ID="$source_id" -t "$IMAGE" . >/dev/null
echo "image build: $(( ($(now_ms) - started) / 1000 )) s"
docker image ls "$IMAGE"
if docker run --rm --entrypoint sh "$IMAGE" -c 'command -v cargo || command -v rustc || command -v gcc'; then
    fail "the image holds build tools"
fi

# --- run ---------------------------------------------------------------------------------------
# A receiver on the host, on the daemon's bridge (containers have no other route out), to see a
# callback still queued at `docker stop` delivered before the container exits.
GATEWAY=$(docker network inspect bridge -f '{{(index .IPAM.Config 0).Gateway}}')
cat >"$WORK/receiver.py" <<'EOF'
import http.server, sys
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with open(sys.argv[3], "ab") as out:
            out.write(body + b"\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer((sys.argv[1], 0), Receiver)
with open(sys.argv[2], "w") as port_file:
    port_file.write(str(server.server_port))
server.serve_forever()
EOF
python3 "$WORK/receiver.py" "$GATEWAY" "$WORK/receiver.port" "$WORK/received" &
RECEIVER_PID=$!
wait_for test -s "$WORK/receiver.port" || fail "the callback receiver did not start"
RECEIVER="http://$GATEWAY:$(cat "$WORK/receiver.port")/callback"

ADMIN_TOKEN=ci-admin-token
started=$(now_ms)
docker run -d --name "$NAME" -p 127.0.0.1::8080 -e JENGA_SANDBOX_ADMIN_TOKEN="$ADMIN_TOKEN" "$IMAGE" >/dev/null
BASE="http://$(docker port "$NAME" 8080/tcp | head -n 1)"
wait_for curl -fs -o /dev/null "$BASE/__sandbox/health" || fail "$BASE/__sandbox/health did not answer 200"
echo "docker run to health answering: $(( $(now_ms) - started )) ms"
healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$NAME")" = healthy ]; }
wait_for healthy || fail "docker never reported the container healthy"
echo "docker run to docker's healthy: $(( $(now_ms) - started )) ms"

# --- probes and tokens ---------------------------------------------------------------------------
[ "$(curl -fsS "$BASE/__sandbox/health" | json '["status"]')" = ok ] || fail "health is not ok"
[ "$(curl -s -o /dev/null -w '%{http_code}' -I "$BASE/__sandbox/health")" = 200 ] || fail "HEAD health is not 200"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/__sandbox/requests")" = 401 ] || fail "the admin API is open"
docker logs "$NAME" 2>/dev/null | grep -x "jenga-sandbox listening on http://0.0.0.0:8080" >/dev/null || fail "no listening line"

TOKEN=$(curl -fsS "$BASE/authentication/api/v3/authenticate/merchant" -H 'Api-Key: SANDBOX-API-KEY' \
    -H 'Content-Type: application/json' -d '{"merchantCode":"9999999999","consumerSecret":"sandbox-secret"}' |
    json '["accessToken"]')
[ -n "$TOKEN" ] || fail "no access token"

# --- a signed STK push, its callback in the sink --------------------------------------------------
# Signed by the image's own binary with the test key; the callback goes to the sink at the
# container's own address, as a test suite without a receiver of its own would do.
push() {   # push REFERENCE CALLBACK_URL
    cat >"$WORK/stk-$1.json" <<EOF
{"merchant": {"accountNumber": "0170194290581", "countryCode": "KE", "name": "Sportify Ltd"},
 "payment": {"ref": "$1", "amount": "5.00", "currency": "KES", "telco": "Equitel",
             "mobileNumber": "254764555291", "date": "2024-08-13", "callBackUrl": "$2", "pushType": "STK"}}
EOF
    chmod -R a+rX "$WORK"
    local signature
    signature=$(docker run --rm -v "$PWD/fixtures/keys:/keys:ro" -v "$WORK:/work:ro" "$IMAGE" \
        sign --key /keys/sandbox-private.pem --operation stk_push --body "/work/stk-$1.json" | tail -n 1)
    curl -sS --fail-with-body "$BASE/v3-apis/payment-api/v3.0/stkussdpush/initiate" -H "Authorization: Bearer $TOKEN" \
        -H "Signature: $signature" -H 'Content-Type: application/json' --data-binary "@$WORK/stk-$1.json"
}
push CTR000000001 "http://127.0.0.1:8080/__sandbox/sink/ci" >/dev/null
sink_has_callback() {
    curl -fsS -H "Authorization: Bearer $ADMIN_TOKEN" "$BASE/__sandbox/sink/ci" | grep -q CTR000000001
}
wait_for sink_has_callback || fail "the callback did not reach the sink"
echo "signed STK push: callback received in the sink"

# --- stop ----------------------------------------------------------------------------------------
# The second push's callback is due a second later (the default first delay): `docker stop` comes
# first, so it is delivered during shutdown.
push CTR000000002 "$RECEIVER" >/dev/null
started=$(now_ms)
docker stop -t 10 "$NAME" >/dev/null
stop_ms=$(( $(now_ms) - started ))
exit_code=$(docker inspect -f '{{.State.ExitCode}}' "$NAME")
echo "docker stop: $stop_ms ms, exit code $exit_code"
[ "$exit_code" = 0 ] || fail "exit code $exit_code after docker stop"
[ "$stop_ms" -lt 10000 ] || fail "docker stop took $stop_ms ms"
grep -q CTR000000002 "$WORK/received" 2>/dev/null || fail "the queued callback was not delivered at shutdown"
echo "container test passed"
