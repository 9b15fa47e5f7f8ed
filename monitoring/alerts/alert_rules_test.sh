#!/usr/bin/env bash
# promtool check rules + promtool test rules on the gateway's alert rules.
set -euo pipefail
PROMTOOL=${PROMTOOL:-/usr/bin/promtool}
if [[ ! -x "$PROMTOOL" ]]; then
  echo "FAIL: $PROMTOOL not found: run scripts/install-deps.sh (apt prometheus)" >&2
  exit 1
fi
dir=$(dirname "$(readlink -f "$0")")
# Runfiles keep the source layout: copy both files next to each other in a
# scratch dir so rule_files resolves the same way as in the repository.
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/alerts.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$dir/llmgw.rules.yml" "$dir/llmgw.rules.test.yml" "$work/"
cd "$work"
"$PROMTOOL" check rules llmgw.rules.yml
"$PROMTOOL" test rules llmgw.rules.test.yml
