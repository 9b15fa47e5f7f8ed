#!/usr/bin/env bash
# HTTP mode: wrk against the gateway's OpenAI-compatible front
# (POST /v1/chat/completions, non-streamed) in front of the fake OpenAI
# upstream, all on loopback. Prints wrk's summary with its latency
# percentiles, the non-2xx count, and the gateway's CPU per call from
# /proc/PID/stat (utime+stime before and after).
#
#   bench/run_http.sh [duration_seconds] [connections...]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
shift || true
levels=("$@")
((${#levels[@]})) || levels=(16 64)
command -v wrk >/dev/null || { echo "wrk missing: run scripts/install-deps.sh" >&2; exit 1; }

bazel build //service:llm_gateway //tests/fake_upstream:fake_upstream_server >&2
tmp=$(mktemp -d)
cleanup() { kill "${fake_pid:-}" "${gw_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

bazel-bin/tests/fake_upstream/fake_upstream_server --port=0 >"$tmp/fake.out" 2>/dev/null &
fake_pid=$!
for _ in $(seq 100); do [[ -s $tmp/fake.out ]] && break; sleep 0.05; done
base=$(sed -n 's/.*"base_url":"\([^"]*\)".*/\1/p' "$tmp/fake.out" | head -1)

OPENAI_API_KEY=sk-bench OPENAI_API_BASE=$base \
  bazel-bin/service/llm_gateway --host=127.0.0.1 --grpc_port=0 --metrics_port=-1 \
  --http_port=0 >"$tmp/gw.out" 2>"$tmp/gw.err" &
gw_pid=$!
for _ in $(seq 100); do [[ -s $tmp/gw.out ]] && break; sleep 0.05; done
port=$(sed -n 's/.*"http_port":\([0-9]*\).*/\1/p' "$tmp/gw.out")

cat >"$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"bench"}],"max_tokens":16}'
done = function(summary, latency, requests)
  io.write(string.format('{"requests":%d,"non2xx":%d,"p50_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, summary.errors.status, latency:percentile(50)/1000,
    latency:percentile(99)/1000))
end
LUA
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' "/proc/$gw_pid/stat"; }
for c in "${levels[@]}"; do
  before=$(cpu)
  out=$(wrk -t1 -c"$c" -d"${duration}s" --latency -s "$tmp/post.lua" \
    "http://127.0.0.1:$port/v1/chat/completions")
  after=$(cpu)
  echo "$out" | grep -E "Requests/sec|Non-2xx"
  line=$(echo "$out" | tail -1)
  n=$(echo "$line" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p')
  echo "connections=$c $line cpu_us_per_call=$(( (after - before) * 1000000 / ticks / (n > 0 ? n : 1) ))"
done
