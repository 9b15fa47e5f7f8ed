#!/usr/bin/env bash
# The HTTP front: llhttp's C sources (Debian's node-llhttp, compiled in-tree
# through WORKSPACE @llhttp), the official openai npm SDK (pinned) for the SDK
# test, and wrk + h2load (nghttp2-client) for the HTTP benchmark.
set -euo pipefail
source "$(dirname "$0")/../lib/deps.bash"
apt_ensure deps.d/front node-llhttp wrk nghttp2-client
npm_ensure front openai@6.9.1
