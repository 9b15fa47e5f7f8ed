#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test. Ends with
# the line "N passed, N failed" and exits non-zero if any test failed.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh || exit 1

log=$(mktemp)
bazel test //... "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log")
failed=$(grep -cE '^//[^ ]+ +(FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD)' "$log")
rm -f "$log"
if [[ $status -ne 0 && $failed -eq 0 ]]; then
  # The build itself failed before tests could run.
  failed=1
fi
echo "${passed} passed, ${failed} failed"
exit "$status"
