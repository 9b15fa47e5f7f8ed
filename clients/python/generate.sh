#!/usr/bin/env bash
# Generates the Python client code from proto/ into OUT_DIR (default
# clients/python/gen): llmgateway/v1/{gateway,error_details}_pb2*.py and
# google/rpc/{status,error_details}_pb2.py.
#
# Uses Debian 12's /usr/bin/protoc (3.21, knows proto3 optional) and
# /usr/bin/grpc_python_plugin (apt protobuf-compiler-grpc); python3-grpc-tools
# bundles protoc 3.5, which rejects proto3 optional. The code runs with apt
# python3-grpcio + python3-protobuf under /usr/bin/python3.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/clients/python/gen}"
mkdir -p "$out"
/usr/bin/protoc -I"$root/proto" --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin \
  "$root/proto/llmgateway/v1/gateway.proto" \
  "$root/proto/llmgateway/v1/error_details.proto"
/usr/bin/protoc -I"$root/proto" --python_out="$out" \
  "$root/proto/google/rpc/status.proto" \
  "$root/proto/google/rpc/error_details.proto"
echo "$out"
