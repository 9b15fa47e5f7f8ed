#!/usr/bin/env bash
# Measures what the Deployment's requests/limits are sized from: the
# gateway's RSS idle and under load, and the CPU it uses under load, in front
# of the fake OpenAI upstream on loopback, driven by //bench:llmgw_load.
#
#   k8s/measure_footprint.sh [duration_seconds] [concurrency]
# Prints one JSON line.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
conc=${2:-64}
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
sleep 2
idle_rss=$(awk '/VmRSS/ {print $2}' "/proc/$gw_pid/status")
ticks() { awk '{print $14 + $15}' "/proc/$gw_pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks); s0=$(date +%s.%N)
bazel-bin/bench/llmgw_load --target="127.0.0.1:$port" --concurrency="$conc" \
  --duration="${duration}s" > "$tmp/unary.json"
bazel-bin/bench/llmgw_load --target="127.0.0.1:$port" --concurrency="$conc" \
  --duration="${duration}s" --stream > "$tmp/stream.json"
t1=$(ticks); s1=$(date +%s.%N)
peak_rss=$(awk '/VmHWM/ {print $2}' "/proc/$gw_pid/status")
cpu=$(echo "($t1 - $t0) / $hz / ($s1 - $s0)" | bc -l)
echo "{\"idle_rss_kb\":$idle_rss,\"loaded_peak_rss_kb\":$peak_rss,\"loaded_cpu_cores\":$(printf '%.3f' "$cpu"),\"concurrency\":$conc,\"unary\":$(cat "$tmp/unary.json" | tail -1),\"stream\":$(cat "$tmp/stream.json" | tail -1)}"
