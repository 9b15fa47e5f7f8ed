#!/usr/bin/env bash
# buf lint and buf breaking (against the committed baseline image) on the
# public API, with the pinned buf from npm. Fails when buf is missing.
set -euo pipefail
BUF="${LLMGW_TOOLS_DIR:-/opt/llmgw}/npm/clients/node_modules/.bin/buf"
if [[ ! -x "$BUF" ]]; then
  echo "FAIL: $BUF not found: run scripts/install-deps.sh" >&2
  exit 1
fi
# A real copy (buf does not need the runfiles' symlinks) of the module.
work="${TEST_TMPDIR:-$(mktemp -d)}/bufmod"
rm -rf "$work" && mkdir -p "$work"
cp -L buf.yaml "$work/"
(cd proto && find -L . -name '*.proto' | while read -r f; do
  mkdir -p "$work/proto/$(dirname "$f")"
  cp -L "$f" "$work/proto/$f"
done)
baseline="$PWD/proto/api-baseline.binpb"
cd "$work"
echo "buf $("$BUF" --version): lint"
"$BUF" lint
echo "buf breaking --against proto/api-baseline.binpb"
"$BUF" breaking --against "$baseline"
# The checks must be able to fail: a renumbered field is a breaking change.
sed -i 's/  string provider = 1;/  string provider = 99;/' proto/llmgateway/v1/gateway.proto
if "$BUF" breaking --against "$baseline" >/dev/null 2>&1; then
  echo "FAIL: buf breaking accepted a renumbered field" >&2
  exit 1
fi
echo "PASS"
