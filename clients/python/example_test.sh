#!/usr/bin/env bash
# Generates the Python client, runs the example against a real gateway and
# the fake upstream, and checks every result (testing/check_output.sh).
set -euo pipefail
if ! /usr/bin/python3 -c 'import grpc' 2>/dev/null; then
  echo "FAIL: apt python3-grpcio is missing: run scripts/install-deps.sh" >&2
  exit 1
fi
if [[ ! -x /usr/bin/grpc_python_plugin ]]; then
  echo "FAIL: /usr/bin/grpc_python_plugin is missing: run scripts/install-deps.sh" >&2
  exit 1
fi
gen="$TEST_TMPDIR/python_gen"
clients/python/generate.sh "$gen" >/dev/null
PYTHONPATH="$gen" clients/testing/with_gateway.sh service/llm_gateway \
  tests/fake_upstream/fake_upstream_server -- \
  /usr/bin/python3 clients/python/example.py | tee "$TEST_TMPDIR/out.txt"
clients/testing/check_output.sh "$TEST_TMPDIR/out.txt"
