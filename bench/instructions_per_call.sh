#!/usr/bin/env bash
# Instructions per call of one gateway binary, counted by valgrind's
# callgrind: a deterministic figure, unlike CPU time on a shared 2-core
# machine, so a change of a few percent shows in one run. The gateway runs
# under callgrind (no data_dir: the stderr audit log) in front of bench/
# compare's nginx; after a 3 s warm-up the counters are zeroed, llmgw_load
# keeps 4 calls in flight for SECONDS, the counters are dumped and divided by
# the calls that completed. Prints "calls N  instructions/call I  profile F";
# read F with callgrind_annotate --inclusive=yes.
#
#   bench/instructions_per_call.sh GW_BIN [seconds=10] [--stream]
#
# Needs valgrind and nginx (apt). LOAD=path/to/llmgw_load overrides the load
# generator (default: bazel-bin). Every process started here is killed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
gw_bin=$(realpath "$1") secs=${2:-10} mode=${3:-}
load_bin=${LOAD:-bazel-bin/bench/llmgw_load}
command -v valgrind >/dev/null || { echo "needs valgrind (apt install valgrind)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/llmgw-instr.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# bench/compare's nginx function: its heredoc ends at "CONF", the function
# at the next line.
eval "$(sed -n '/^write_nginx_conf() {/,/^CONF$/p' bench/compare; echo '}')"
ng_port=$(free_port)
write_nginx_conf "$tmp/nginx" "$ng_port"
nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" >/dev/null 2>&1 &
pids+=($!)
gw_port=$(free_port)
OPENAI_API_KEY=sk-bench OPENAI_API_BASE="http://127.0.0.1:$ng_port/v1" \
  valgrind --tool=callgrind --callgrind-out-file="$tmp/callgrind.%p" \
  "$gw_bin" --host=127.0.0.1 --grpc_port="$gw_port" --metrics_port=0 \
  >"$tmp/gw.out" 2>"$tmp/gw.err" &
vg=$!
pids+=($vg)
for _ in $(seq 300); do grep -q listening "$tmp/gw.out" && break; sleep 0.1; done
grep -q listening "$tmp/gw.out" || { echo "gateway did not start" >&2; exit 1; }
# The warm-up's errors (a call slowed past its deadline by callgrind) only
# delay the start; the measured run's are reported.
"$load_bin" --target="127.0.0.1:$gw_port" --concurrency=4 --duration=3s $mode \
  >/dev/null || true
callgrind_control -z "$vg" >/dev/null 2>&1
if ! out=$("$load_bin" --target="127.0.0.1:$gw_port" --concurrency=4 \
      --duration="${secs}s" $mode); then
  echo "llmgw_load reported failed calls: $out" >&2
  tail -5 "$tmp/gw.err" >&2
  exit 1
fi
callgrind_control -d "$vg" >/dev/null 2>&1
sleep 1
calls=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ok"])' "$out")
profile=$(ls -t "$tmp"/callgrind.*.1 | head -1)
total=$(callgrind_annotate "$profile" 2>/dev/null |
        awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}')
echo "calls $calls  instructions/call $((total / calls))  profile $profile"
