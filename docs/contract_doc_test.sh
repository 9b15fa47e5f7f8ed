#!/usr/bin/env bash
# The rich-contract docs cannot drift from the code:
#  - every error reason the dispatcher sets (a quoted UPPER_SNAKE literal in
#    dispatch/*.cc, tests excluded) is in docs/clients.md's reasons table;
#  - every catalog feature name (registry/chat_content.cc kFeatureNames)
#    is documented in docs/contract.md and docs/configuration.md;
#  - every rich-contract message and enum named below exists in
#    gateway.proto and is explained in docs/contract.md;
#  - contract.md's support table is filled in (no placeholder left).
set -uo pipefail
R="${TEST_SRCDIR}/${TEST_WORKSPACE}"
fail() { echo "FAIL: $*"; exit 1; }
contract="$R/docs/contract.md"
clients="$R/docs/clients.md"
configuration="$R/docs/configuration.md"
proto="$R/proto/llmgateway/v1/gateway.proto"
for f in "$contract" "$clients" "$configuration" "$proto"; do
  [[ -f "$f" ]] || fail "missing $f"
done

reasons=$(cat "$R"/dispatch/*.cc | grep -v '^\s*//' |
  grep -ohE '"[A-Z][A-Z_]{4,}"' | tr -d '"' | sort -u |
  grep -vE '^(ATTEMPT_OUTCOME_|[A-Z]+_API_KEYS?|[A-Z]+_MODEL)$')
n=0
for reason in $reasons; do
  grep -q "| \`$reason\` |" "$clients" ||
    fail "reason $reason (set in dispatch/) is not in docs/clients.md's reasons table"
  n=$((n + 1))
done
((n >= 5)) || fail "found only $n reasons in dispatch/*.cc (extraction broken?)"

features=$(grep -oE '\{ModelFeature::k[A-Za-z]+, "[a-z_]+"\}' "$R/registry/chat_content.cc" |
  sed -E 's/.*"(.*)".*/\1/')
[[ $(wc -w <<<"$features") -ge 6 ]] || fail "feature names not found: $features"
for feature in $features; do
  grep -q "\`$feature\`" "$contract" || fail "feature $feature not in contract.md"
  grep -q "\`$feature\`" "$configuration" || fail "feature $feature not in configuration.md"
done

for name in ContentPart ImagePart ToolCall Tool ToolChoice ResponseFormat \
  ToolCallDelta TextDelta StreamSummary EmbedRequest EmbedResponse Embedding \
  EmbedInputType Usage; do
  grep -qE "^(message|enum) $name \{" "$proto" || fail "$name is not in gateway.proto"
  grep -q "\`$name\`\|\`$name " "$contract" || fail "$name is not explained in contract.md"
done

grep -q "SUPPORT_TABLE_PENDING" "$contract" && fail "contract.md's support table is a placeholder"
echo "PASS: $n reasons, $(wc -w <<<"$features") features, contract messages documented"
