#!/usr/bin/env bash
# Client toolchains and buf (clients/, buf.yaml): what their tests need.
#   apt: python3-grpcio (Python client; generated with /usr/bin/protoc and
#        /usr/bin/grpc_python_plugin), golang-go 1.19 + golang-google-grpc-dev
#        + golang-google-protobuf-dev + golang-github-golang-protobuf-1-5-dev +
#        golang-google-genproto-dev + protoc-gen-go-grpc (Go client, GOPATH
#        mode).
#   npm: @grpc/grpc-js, @grpc/proto-loader and @bufbuild/buf, pinned.
set -euo pipefail
source "$(dirname "$0")/../lib/deps.bash"
apt_ensure deps.d/clients python3-grpcio golang-go golang-google-grpc-dev \
  golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev \
  golang-google-genproto-dev protoc-gen-go-grpc protobuf-compiler \
  protobuf-compiler-grpc curl
npm_ensure clients @grpc/grpc-js@1.14.7 @grpc/proto-loader@0.8.1 \
  @bufbuild/buf@1.75.0
