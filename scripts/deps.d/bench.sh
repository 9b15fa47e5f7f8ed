#!/usr/bin/env bash
# bench/compare's tools: nginx (neutral upstream), h2load (HTTP load), perf,
# valgrind (profiles), and Portkey's open-source gateway (npm, pinned) under
# ${LLMGW_TOOLS_DIR:-/opt/llmgw}/npm/bench. Idempotent.
set -euo pipefail
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO=sudo
missing=()
for pair in nginx:nginx-light h2load:nghttp2-client perf:linux-perf \
  valgrind:valgrind; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if ((${#missing[@]})); then
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}" ||
    { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; }
fi
# Installing nginx may start the system service on :80; bench/compare runs its
# own instance on an ephemeral loopback port and never needs that one.
dir="${LLMGW_TOOLS_DIR:-/opt/llmgw}/npm/bench"
want="1.15.2"
have=$(node -p "require('$dir/node_modules/@portkey-ai/gateway/package.json').version" 2>/dev/null || true)
if [[ $have != "$want" ]]; then
  mkdir -p "$dir"
  [[ -f $dir/package.json ]] || echo '{"name":"llmgw-bench-tools","private":true}' >"$dir/package.json"
  npm install --prefix "$dir" --no-audit --no-fund "@portkey-ai/gateway@$want" >&2
fi
