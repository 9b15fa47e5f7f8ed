#!/usr/bin/env bash
# Runs the Node example (@grpc/grpc-js + @grpc/proto-loader, pinned in
# scripts/deps.d/clients.sh) against a real gateway and the fake upstream, and
# checks every result (testing/check_output.sh).
set -euo pipefail
modules="${LLMGW_TOOLS_DIR:-/opt/llmgw}/npm/clients/node_modules"
for m in @grpc/grpc-js @grpc/proto-loader protobufjs; do
  if [[ ! -f "$modules/$m/package.json" ]]; then
    echo "FAIL: $modules/$m is missing: run scripts/install-deps.sh" >&2
    exit 1
  fi
done
if ! command -v node >/dev/null; then
  echo "FAIL: node is missing: run scripts/install-deps.sh" >&2
  exit 1
fi
# A real copy of the protos (proto-loader resolves imports by path).
protos="$TEST_TMPDIR/proto"
mkdir -p "$protos"
cp -rL proto/. "$protos/"
NODE_PATH="$modules" clients/testing/with_gateway.sh service/llm_gateway \
  tests/fake_upstream/fake_upstream_server -- \
  node clients/node/example.js "" "$protos" | tee "$TEST_TMPDIR/out.txt"
clients/testing/check_output.sh "$TEST_TMPDIR/out.txt"
