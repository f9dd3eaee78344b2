# Shared by the benchmark scripts, which source it after setting `base` (the sandbox's URL): the
# processes a script starts (listed in `pids`, stopped when it exits), waiting for a server,
# reading a field of a result line, and signing in.

pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

# Stops one process we started: SIGTERM, then SIGKILL after 10 s.
stop() {
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

wait_ready() { # URL, seconds
  local deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null "$1"; do
    ((SECONDS < deadline)) || { echo "not ready: $1" >&2; return 1; }
    sleep 0.05
  done
}

# field LINE NAME: the value of NAME=VALUE in a result line.
field() { sed -E "s/.*[[:space:]]$2=([^[:space:]]+).*/\1/" <<<"$1"; }

# fund_and_sign_in: funds the account the STK pushes credit and sets `token` for the default merchant.
fund_and_sign_in() {
  curl -sf -X PUT "$base/__sandbox/accounts/0170194290581" -H 'Content-Type: application/json' \
    -d '{"balance": "999999999.00"}' >/dev/null
  token=$(curl -sf -X POST "$base/authentication/api/v3/authenticate/merchant" -H 'Api-Key: SANDBOX-API-KEY' \
    -H 'Content-Type: application/json' -d '{"merchantCode":"9999999999","consumerSecret":"sandbox-secret"}' |
    sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
  [[ -n $token ]] || { echo "no token" >&2; exit 1; }
}
