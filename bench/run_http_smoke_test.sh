#!/usr/bin/env bash
# Smoke test of bench/run_http.sh (the HTTP front benchmark): 1 s per mode
# with 2 connections, unary and streamed, against the real gateway and fake
# upstream from this build. Fails when wrk is missing (run
# scripts/install-deps.sh), when no request completed, or when any reply was
# non-2xx or not what the mode expects.
set -euo pipefail
root=$TEST_SRCDIR/$TEST_WORKSPACE
export LLMGW_GATEWAY_BIN=$root/service/llm_gateway
export LLMGW_FAKE_UPSTREAM_BIN=$root/tests/fake_upstream/fake_upstream_server
out=$(bash "$root/bench/run_http.sh" 1 2 2>&1) || { echo "$out"; exit 1; }
echo "$out"
for mode in unary stream; do
  line=$(grep "^mode=$mode " <<<"$out") || { echo "no $mode line"; exit 1; }
  n=$(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' <<<"$line")
  ((n > 0)) || { echo "$mode: no request completed"; exit 1; }
  grep -q '"non2xx":0,"bad":0,"socket_errors":0' <<<"$line" ||
    { echo "$mode: failed replies"; exit 1; }
done
echo "PASS"
