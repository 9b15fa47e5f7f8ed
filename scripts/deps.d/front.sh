#!/usr/bin/env bash
# The HTTP front's test tools: the official openai npm SDK (pinned), and wrk
# for the HTTP benchmark.
set -euo pipefail
source "$(dirname "$0")/../lib/deps.bash"
apt_ensure deps.d/front wrk
npm_ensure front openai@6.9.1
