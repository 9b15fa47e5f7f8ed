#!/usr/bin/env bash
# Checks the `name=value` lines an example client printed (file $1) against
# what the scripted gateway run (with_gateway.sh) must produce. Same contract
# for every language.
set -uo pipefail
file="$1"
fail=0
expect() {  # name regex
  local got
  got=$(grep -m1 "^$1=" "$file" | cut -d= -f2-)
  if [[ ! "$got" =~ ^$2$ ]]; then
    echo "FAIL: $1: got '$got', want /$2/" >&2
    fail=1
  fi
}
expect generate.text 'Echo: hello gateway'
expect generate.provider openai
expect generate.cost_nano_usd '[1-9][0-9]*'
expect stream.deltas '[1-9][0-9]*'
expect stream.text 'Echo: stream this'
expect stream.provider openai
expect status.state SERVING_STATE_SERVING
expect status.providers '(.*,)?openai(,.*)?'
expect budget.limit_nano_usd 1000000000
expect budget.spent_nano_usd '[1-9][0-9]*'
expect deadline.code DEADLINE_EXCEEDED
expect cancel.code CANCELLED
expect ratelimit.code UNAVAILABLE
expect ratelimit.reason ALL_ATTEMPTS_FAILED
expect ratelimit.domain llmgateway.v1
expect ratelimit.provider openai
expect ratelimit.retry_delay_s 7
expect ratelimit.trail 'openai/gpt-4o-mini:ATTEMPT_OUTCOME_RATE_LIMITED:429'
expect invalid.code INVALID_ARGUMENT
expect invalid.reason INVALID_REQUEST
expect invalid.domain llmgateway.v1
expect invalid.field max_tokens
if ((fail)); then
  echo "--- output" >&2
  cat "$file" >&2
  exit 1
fi
echo "PASS: $(grep -c = "$file") results as expected"
