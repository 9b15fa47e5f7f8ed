#!/bin/sh
# The HTTP front's test tools: the official openai npm SDK (pinned), and wrk
# for the HTTP benchmark. Idempotent.
set -eu
DIR="${LLMGW_TOOLS_DIR:-/opt/llmgw}/npm/front"
OPENAI_VERSION=6.9.1
if [ ! -f "$DIR/node_modules/openai/package.json" ] ||
   ! grep -q "\"version\": \"$OPENAI_VERSION\"" "$DIR/node_modules/openai/package.json"; then
  mkdir -p "$DIR"
  (cd "$DIR" && [ -f package.json ] || echo '{"private":true}' > package.json)
  (cd "$DIR" && npm install --no-audit --no-fund --save-exact "openai@$OPENAI_VERSION")
fi
if ! command -v wrk >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get install -y --no-install-recommends wrk
fi
