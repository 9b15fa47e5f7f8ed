#!/usr/bin/env bash
# Metrics, dashboards and alerts (monitoring/): what their tests need.
#   apt: prometheus (server + promtool), libbenchmark-dev (the metrics micro
#        benchmark).
#   npm: @grafana/schema + typescript, pinned (dashboard type check).
set -euo pipefail
source "$(dirname "$0")/../lib/deps.bash"
apt_ensure deps.d/observe prometheus libbenchmark-dev
npm_ensure observe @grafana/schema@13.2.3 typescript@5.9.3
