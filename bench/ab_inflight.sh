#!/usr/bin/env bash
# A/B of two gateway binaries with many slow calls in flight: one fake
# upstream answering every call after DELAY ms, both gateways started at once
# (SQLite ledger in a temporary data_dir), runs alternating A and B in
# rounds. Per run: calls OK, errors, p50/p99, CPU us per call (utime+stime
# of the gateway process over the run / (calls OK in the window + the N
# still in flight at its end, which complete before the run ends)), RSS and threads
# under load, and the load average.
#
#   bench/ab_inflight.sh A_BIN B_BIN [rounds=2] [levels="1000 10000"] [delay_ms=2000]
#
# DURATION=S sets each run's length (default 4x the delay; e.g.
# `DURATION=3 bench/ab_inflight.sh A B 3 16 0` is a fast-upstream A/B at 16 in
# flight). LOAD=path/to/llmgw_load and FAKE=path/to/fake_upstream_server override the
# tools (default: bazel-bin). Every process started here is killed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
a_bin=$1 b_bin=$2 rounds=${3:-2} levels=${4:-"1000 10000"} delay=${5:-2000}
load_bin=${LOAD:-bazel-bin/bench/llmgw_load}
fake_bin=${FAKE:-bazel-bin/tests/fake_upstream/fake_upstream_server}
tmp=$(mktemp -d /tmp/llmgw-abinflight.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
status_field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
tick_us=$((1000000 / $(getconf CLK_TCK)))
# Until the process's CPU time stops moving (its backlog drained), <= 30 s.
wait_idle() {
  local a b i
  a=$(cpu_ticks "$1")
  for ((i = 0; i < 60; i++)); do
    sleep 0.5
    b=$(cpu_ticks "$1")
    [[ $a == "$b" ]] && return 0
    a=$b
  done
}
wait_for() {
  local i
  for ((i = 0; i < 400; i++)); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.025; done
  echo "timed out waiting for '$2' in $1" >&2; return 1
}

"$fake_bin" --port=0 --max_threads=12000 >"$tmp/fake.out" 2>/dev/null &
pids+=($!)
wait_for "$tmp/fake.out" '"port"'
fake_port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$tmp/fake.out" | head -1)
curl -s -X POST "http://127.0.0.1:$fake_port/__fake/default" \
  -d "{\"kind\":\"ok\",\"delay_ms\":$delay}" >/dev/null

declare -A pid port
for name in A B; do
  bin=$a_bin; [[ $name == B ]] && bin=$b_bin
  mkdir -p "$tmp/$name"
  OPENAI_API_KEY=sk-bench OPENAI_API_BASE="http://127.0.0.1:$fake_port/v1" \
    "$bin" --host=127.0.0.1 --grpc_port=0 --metrics_port=0 \
    --data_dir="$tmp/$name" >"$tmp/$name.out" 2>/dev/null &
  pid[$name]=$!
  pids+=($!)
  wait_for "$tmp/$name.out" '"listening"'
  port[$name]=$(sed -n 's/.*"grpc_port":\([0-9]*\).*/\1/p' "$tmp/$name.out")
  echo "$name: $bin idle RSS $(status_field "${pid[$name]}" VmRSS) kB, $(status_field "${pid[$name]}" Threads) threads"
done

secs=${DURATION:-$((delay * 4 / 1000))}
((secs >= 1)) || secs=3
echo "| round | build | in flight | calls OK | errors | p50 s | p99 s | CPU us/call | RSS kB | threads | loadavg |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for ((r = 1; r <= rounds; r++)); do
  for n in $levels; do
    for name in A B; do
      p=${pid[$name]}
      t0=$(cpu_ticks "$p")
      "$load_bin" --target="127.0.0.1:${port[$name]}" --concurrency="$n" --channels=20 \
        --warmup=0s --duration="${secs}s" >"$tmp/load.out" 2>&1 &
      lp=$!
      pids+=("$lp")
      sleep $((secs * 3 / 4))
      rss=$(status_field "$p" VmRSS) thr=$(status_field "$p" Threads)
      la=$(cut -d' ' -f1 /proc/loadavg)
      wait "$lp" || true
      wait_idle "$p"
      t1=$(cpu_ticks "$p")
      out=$(tail -1 "$tmp/load.out")
      ok=$(sed -n 's/.*"ok":\([0-9]*\).*/\1/p' <<<"$out")
      req=$(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' <<<"$out")
      p50=$(sed -n 's/.*"latency_ms":{"p50":\([0-9.]*\).*/\1/p' <<<"$out")
      p99=$(sed -n 's/.*"latency_ms":{[^}]*"p99":\([0-9.]*\).*/\1/p' <<<"$out")
      awk -v r="$r" -v b="$name" -v n="$n" -v ok="${ok:-0}" -v req="${req:-0}" \
        -v p50="${p50:-0}" -v p99="${p99:-0}" -v cpu=$((t1 - t0)) -v tick="$tick_us" \
        -v rss="$rss" -v thr="$thr" -v la="$la" 'BEGIN {
        printf "| %d | %s | %d | %d | %d | %.2f | %.2f | %s | %s | %s | %s |\n", r, b, n, ok,
          req - ok, p50 / 1000, p99 / 1000, ok ? sprintf("%.0f", cpu * tick / (ok + n)) : "-",
          rss, thr, la }'
    done
  done
done
