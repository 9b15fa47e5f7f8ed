#!/usr/bin/env bash
# Memory and threads of the gateway with N slow LLM calls in flight: the fake
# upstream answers every call after DELAY ms; llmgw_load keeps N calls open.
# Prints the gateway's thread count and RSS at idle and under load.
#
#   bench/run_inflight.sh [in_flight=1000] [delay_ms=3000]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
delay=${2:-3000}
bazel build //service:llm_gateway //tests/fake_upstream:fake_upstream_server \
  //bench:llmgw_load >&2
tmp=$(mktemp -d)
cleanup() { kill "${fake_pid:-}" "${gw_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
ulimit -n 65536 || true

bazel-bin/tests/fake_upstream/fake_upstream_server --port=0 >"$tmp/fake.out" 2>/dev/null &
fake_pid=$!
for _ in $(seq 100); do [[ -s $tmp/fake.out ]] && break; sleep 0.05; done
fake_port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$tmp/fake.out" | head -1)
curl -s -X POST "http://127.0.0.1:$fake_port/__fake/default" \
  -d "{\"kind\":\"ok\",\"delay_ms\":$delay}" >/dev/null

OPENAI_API_KEY=sk-bench OPENAI_API_BASE="http://127.0.0.1:$fake_port/v1" \
  bazel-bin/service/llm_gateway --host=127.0.0.1 --grpc_port=0 --metrics_port=0 \
  >"$tmp/gw.out" 2>/dev/null &
gw_pid=$!
for _ in $(seq 100); do [[ -s $tmp/gw.out ]] && break; sleep 0.05; done
port=$(sed -n 's/.*"grpc_port":\([0-9]*\).*/\1/p' "$tmp/gw.out")

stat() { awk '/^(VmRSS|Threads)/ {printf "%s=%s ", $1, $2}' "/proc/$gw_pid/status"; }
echo "idle: $(stat)"
bazel-bin/bench/llmgw_load --target="127.0.0.1:$port" --concurrency="$n" \
  --warmup=0s --duration="$((delay * 3 / 1000))s" --channels=20 >"$tmp/load.out" &
load_pid=$!
sleep "$((delay / 1000 + 1))"
echo "with $n calls in flight: $(stat)"
wait "$load_pid" || true
cat "$tmp/load.out"
echo "after: $(stat)"
