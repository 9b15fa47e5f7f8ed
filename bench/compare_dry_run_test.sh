#!/usr/bin/env bash
# Smoke test of bench/compare: fails (naming scripts/install-deps.sh) when a
# tool is missing or the generated nginx config does not parse.
set -euo pipefail
script=bench/compare
[[ -x $script ]] || script=$TEST_SRCDIR/$TEST_WORKSPACE/bench/compare
out=$("$script" --dry-run 2>&1) || { echo "$out"; exit 1; }
echo "$out"
grep -q "dry run OK" <<<"$out"
