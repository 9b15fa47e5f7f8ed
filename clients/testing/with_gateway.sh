#!/usr/bin/env bash
# Runs a command against a real gateway binary in front of the fake upstream,
# both on loopback ephemeral ports, then stops both (by pid).
#
#   with_gateway.sh GATEWAY_BIN FAKE_BIN -- COMMAND [ARGS...]
#
# The command sees LLMGW_ADDR (host:port of the gateway's gRPC port) and
# FAKE_URL (the fake's root URL, for /__fake/* control calls). The gateway
# has an OpenAI provider (key sk-test-key-0123456789) pointed at the fake, a
# budget of 1 USD per hour and resilience off (one attempt per target, so the
# scripted failures are deterministic).
set -euo pipefail
gateway_bin=$(realpath "$1")
fake_bin=$(realpath "$2")
shift 3

work="${TEST_TMPDIR:-$(mktemp -d)}/with_gateway"
rm -rf "$work" && mkdir -p "$work"
fake_pid=""
gateway_pid=""
cleanup() {
  [[ -n "$gateway_pid" ]] && kill "$gateway_pid" 2>/dev/null && wait "$gateway_pid" 2>/dev/null
  [[ -n "$fake_pid" ]] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
  true
}
trap cleanup EXIT

# Waits for a file to hold a line matching $2; prints the line.
wait_line() {
  for _ in $(seq 1 200); do
    if line=$(grep -m1 "$2" "$1" 2>/dev/null); then
      echo "$line"
      return 0
    fi
    sleep 0.05
  done
  echo "FAIL: no '$2' in $1:" >&2
  cat "$1" >&2
  return 1
}

"$fake_bin" --formats=openai >"$work/fake.out" 2>"$work/fake.err" &
fake_pid=$!
fake_line=$(wait_line "$work/fake.out" '"fake_upstream"')
fake_port=$(sed -E 's/.*"port":([0-9]+).*/\1/' <<<"$fake_line")
export FAKE_URL="http://127.0.0.1:${fake_port}"

OPENAI_API_KEY=sk-test-key-0123456789 OPENAI_API_BASE="${FAKE_URL}/v1" \
  LLMGW_HOURLY_BUDGET=1.00 LLMGW_RESILIENCE=off \
  "$gateway_bin" --host=127.0.0.1 --grpc_port=0 --metrics_port=-1 \
  --data_dir="$work" >"$work/gateway.out" 2>"$work/gateway.err" &
gateway_pid=$!
gw_line=$(wait_line "$work/gateway.out" '"listening"')
grpc_port=$(sed -E 's/.*"grpc_port":([0-9]+).*/\1/' <<<"$gw_line")
export LLMGW_ADDR="127.0.0.1:${grpc_port}"
echo "gateway at $LLMGW_ADDR, fake upstream at $FAKE_URL"

# The scripted upstream: the example's first two generations are answered
# normally, the next two hang (deadline, cancellation), then rate limits.
curl -sf -X POST "$FAKE_URL/__fake/behaviors" -H 'content-type: application/json' \
  -d '[{"kind":"ok"},{"kind":"ok"},{"kind":"hang","duration_ms":3000},
       {"kind":"hang","duration_ms":3000},
       {"kind":"http_error","status":429,"headers":{"Retry-After":"7"},"times":5}]' \
  >/dev/null

set +e
"$@"
rc=$?
set -e
if ((rc != 0)); then
  echo "--- gateway stderr (last 30 lines)" >&2
  tail -30 "$work/gateway.err" >&2
fi
exit $rc
