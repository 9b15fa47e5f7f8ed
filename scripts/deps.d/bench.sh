#!/usr/bin/env bash
# bench/compare's tools: nginx (neutral upstream), h2load (HTTP load), perf,
# valgrind (profiles), and Portkey's open-source gateway (npm, pinned).
# Installing nginx may start the system service on :80; bench/compare runs its
# own instance on an ephemeral loopback port and never needs that one.
set -euo pipefail
source "$(dirname "$0")/../lib/deps.bash"
apt_ensure deps.d/bench nginx-light nghttp2-client linux-perf valgrind
npm_ensure bench @portkey-ai/gateway@1.15.2
