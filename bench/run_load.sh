#!/usr/bin/env bash
# Short load run: the gateway (optimized build) in front of the fake OpenAI
# upstream, both on loopback, driven by llmgw_load, which checks every reply's
# gRPC status. Prints one JSON line per run.
#
#   bench/run_load.sh [duration_seconds] [concurrency...]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
shift || true
levels=("$@")
((${#levels[@]})) || levels=(1 16 64)

bazel build //service:llm_gateway //tests/fake_upstream:fake_upstream_server \
  //bench:llmgw_load >&2
tmp=$(mktemp -d)
cleanup() { kill "${fake_pid:-}" "${gw_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

bazel-bin/tests/fake_upstream/fake_upstream_server --port=0 >"$tmp/fake.out" 2>/dev/null &
fake_pid=$!
for _ in $(seq 100); do [[ -s $tmp/fake.out ]] && break; sleep 0.05; done
base=$(sed -n 's/.*"base_url":"\([^"]*\)".*/\1/p' "$tmp/fake.out" | head -1)

OPENAI_API_KEY=sk-bench OPENAI_API_BASE=$base \
  bazel-bin/service/llm_gateway --host=127.0.0.1 --grpc_port=0 --metrics_port=0 \
  >"$tmp/gw.out" 2>"$tmp/gw.err" &
gw_pid=$!
for _ in $(seq 100); do [[ -s $tmp/gw.out ]] && break; sleep 0.05; done
port=$(sed -n 's/.*"grpc_port":\([0-9]*\).*/\1/p' "$tmp/gw.out")

for c in "${levels[@]}"; do
  for mode in "" "--stream"; do
    bazel-bin/bench/llmgw_load --target="127.0.0.1:$port" --concurrency="$c" \
      --duration="${duration}s" $mode
  done
done
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$gw_pid/status")
threads=$(awk '/Threads/ {print $2}' "/proc/$gw_pid/status")
echo "{\"gateway_peak_rss_kb\":$rss_kb,\"gateway_threads\":$threads}"
