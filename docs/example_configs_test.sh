#!/usr/bin/env bash
# Every gateway config shown in the docs (a ```yaml block whose first key is a
# top-level key of the config file) passes `llm_gateway --check_config` with
# an empty environment, so a documented example cannot drift from the schema.
set -uo pipefail
R="${TEST_SRCDIR}/${TEST_WORKSPACE}"
gateway="$R/service/llm_gateway"
T="${TEST_TMPDIR:-$(mktemp -d)}"
fail() { echo "FAIL: $*"; exit 1; }
[[ -x "$gateway" ]] || fail "no gateway binary at $gateway"

count=0
for md in "$R"/docs/*.md "$R"/README.md; do
  files=$(awk -v DIR="$T" -v NAME="$(basename "$md" .md)" \
    -f "$R/docs/extract_yaml_configs.awk" "$md")
  for cfg in $files; do
    out=$(env -i PATH=/usr/bin:/bin "$gateway" --check_config --config="$cfg" 2>&1)
    rc=$?
    [[ $rc -eq 0 && "$out" == OK ]] ||
      fail "$(basename "$md") example $(basename "$cfg"): --check_config exit $rc: $out"
    echo "$(basename "$md") $(basename "$cfg"): OK"
    count=$((count + 1))
  done
done
((count >= 3)) || fail "found only $count example configs in the docs (extractor broken?)"

# The check can fail: a typo in a documented key is refused.
printf 'providers:\n  openai:\n    modle: x\n' >"$T/typo.yaml"
out=$(env -i PATH=/usr/bin:/bin "$gateway" --check_config --config="$T/typo.yaml" 2>&1)
[[ $? -eq 2 && "$out" == *"providers.openai.modle: unknown key"* ]] ||
  fail "a config typo was not refused: $out"
echo "PASS: $count documented configs"
