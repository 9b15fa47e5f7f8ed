#!/usr/bin/env bash
# Installs what is missing, builds the gateway and starts it in the
# foreground. Arguments are passed to the server, e.g.
#   OPENAI_API_KEY=sk-... scripts/run-gateway.sh --grpc_port=50051
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
bazel build //service:llm_gateway >&2
exec bazel-bin/service/llm_gateway "$@"
