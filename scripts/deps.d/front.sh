#!/usr/bin/env bash
# The HTTP front: llhttp's C sources (Debian's node-llhttp, compiled in-tree
# as the WORKSPACE repository @llhttp), the official openai npm SDK (pinned)
# for the SDK test, and wrk for the HTTP benchmark (bench/run_http.sh).
set -euo pipefail
source "$(dirname "$0")/../lib/deps.bash"
apt_ensure deps.d/front node-llhttp wrk
npm_ensure front openai@6.9.1
