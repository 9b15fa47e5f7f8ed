#!/usr/bin/env bash
# HTTP mode: wrk against the gateway's OpenAI-compatible front
# (POST /v1/chat/completions) in front of the fake OpenAI upstream, all on
# loopback, unary and streamed (`stream: true`, SSE). For each mode and
# connection count it prints one line: requests, req/s, non-2xx, bad replies
# (a 2xx whose body is not a chat.completion, or a stream without
# `data: [DONE]`), p50/p99 and the gateway's CPU per call from /proc/PID/stat
# (utime+stime before and after), plus the load average.
#
#   bench/run_http.sh [duration_seconds] [connections...]
#   LLMGW_BENCH_MODES="unary stream" (default both)
#   LLMGW_GATEWAY_BIN / LLMGW_FAKE_UPSTREAM_BIN: prebuilt binaries (the
#   smoke test passes its runfiles); otherwise they are built with bazel.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
shift || true
levels=("$@")
((${#levels[@]})) || levels=(16 64)
read -r -a modes <<<"${LLMGW_BENCH_MODES:-unary stream}"
wrk_bin=${LLMGW_WRK:-/usr/bin/wrk}
[[ -x $wrk_bin ]] || { echo "wrk missing at $wrk_bin: run scripts/install-deps.sh" >&2; exit 1; }

gw_bin=${LLMGW_GATEWAY_BIN:-}
fake_bin=${LLMGW_FAKE_UPSTREAM_BIN:-}
if [[ -z $gw_bin || -z $fake_bin ]]; then
  bazel build //service:llm_gateway //tests/fake_upstream:fake_upstream_server >&2
  gw_bin=bazel-bin/service/llm_gateway
  fake_bin=bazel-bin/tests/fake_upstream/fake_upstream_server
fi
tmp=$(mktemp -d)
cleanup() {
  [[ -n ${fake_pid:-} ]] && kill "$fake_pid" 2>/dev/null
  [[ -n ${gw_pid:-} ]] && kill "$gw_pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"$fake_bin" --port=0 >"$tmp/fake.out" 2>/dev/null &
fake_pid=$!
for _ in $(seq 200); do [[ -s $tmp/fake.out ]] && break; sleep 0.05; done
base=$(sed -n 's/.*"base_url":"\([^"]*\)".*/\1/p' "$tmp/fake.out" | head -1)
[[ -n $base ]] || { echo "fake upstream did not start" >&2; exit 1; }

OPENAI_API_KEY=sk-bench OPENAI_API_BASE=$base \
  "$gw_bin" --host=127.0.0.1 --grpc_port=0 --metrics_port=-1 \
  --http_port=0 >"$tmp/gw.out" 2>"$tmp/gw.err" &
gw_pid=$!
for _ in $(seq 200); do [[ -s $tmp/gw.out ]] && break; sleep 0.05; done
port=$(sed -n 's/.*"http_port":\([0-9]*\).*/\1/p' "$tmp/gw.out")
[[ -n $port && $port != 0 ]] || { echo "gateway did not start:" >&2; cat "$tmp/gw.err" >&2; exit 1; }

# $1 = "true" or "false" (stream). Every thread counts replies that are not
# what the mode expects; done() sums them over threads.
write_lua() {
  local expect='"object":"chat.completion"'
  [[ $1 == true ]] && expect='data: [DONE]'
  cat >"$tmp/post_$1.lua" <<LUA
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = '{"model":"gpt-4o-mini","stream":$1,"messages":[{"role":"user","content":"bench"}],"max_tokens":16}'
local threads = {}
setup = function(thread) table.insert(threads, thread) end
bad = 0
response = function(status, headers, body)
  if status < 300 and not string.find(body, '$expect', 1, true) then bad = bad + 1 end
end
done = function(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + (t:get("bad") or 0) end
  io.write(string.format('{"requests":%d,"non2xx":%d,"bad":%d,"socket_errors":%d,"p50_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, summary.errors.status, b,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50)/1000, latency:percentile(99)/1000))
end
LUA
}
write_lua false
write_lua true

ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' "/proc/$gw_pid/stat"; }
echo "date=$(date -u +%FT%TZ) nproc=$(nproc)"
for mode in "${modes[@]}"; do
  stream=false
  [[ $mode == stream ]] && stream=true
  for c in "${levels[@]}"; do
    before=$(cpu)
    out=$("$wrk_bin" -t1 -c"$c" -d"${duration}s" --latency -s "$tmp/post_$stream.lua" \
      "http://127.0.0.1:$port/v1/chat/completions")
    after=$(cpu)
    line=$(echo "$out" | tail -1)
    rps=$(echo "$out" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
    n=$(echo "$line" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p')
    echo "mode=$mode connections=$c rps=$rps $line" \
      "cpu_us_per_call=$(((after - before) * 1000000 / ticks / (n > 0 ? n : 1)))" \
      "loadavg=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
  done
done
