#!/usr/bin/env bash
# Generates the Go client code from proto/ into a GOPATH workspace
# (default clients/go/.build):
#   $OUT/src/github.com/llm-gateway/llm-gateway/gen/go/llmgateway/v1/*.go
# google.rpc's Go types come from Debian's golang-google-genproto-dev
# (google.golang.org/genproto/googleapis/rpc/{status,errdetails}).
#
# Debian 12 toolchain, GOPATH mode (Debian packages Go libraries as GOPATH
# sources under /usr/share/gocode): golang-go 1.19, golang-google-grpc-dev,
# golang-google-protobuf-dev, golang-github-golang-protobuf-1-5-dev,
# golang-google-genproto-dev, protoc-gen-go-grpc. Debian's /usr/bin/protoc-gen-go
# is the old 1.3 generator (rejects proto3 optional), so protoc-gen-go is built
# here from golang-google-protobuf-dev's sources.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/clients/go/.build}"
mkdir -p "$out/bin" "$out/src"
export GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$out:/usr/share/gocode"
export GOCACHE="${GOCACHE:-$out/cache}"
if [[ ! -x "$out/bin/protoc-gen-go" ]]; then
  go build -o "$out/bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go
fi
/usr/bin/protoc -I"$root/proto" \
  --plugin=protoc-gen-go="$out/bin/protoc-gen-go" --go_out="$out/src" \
  --plugin=protoc-gen-go-grpc=/usr/bin/protoc-gen-go-grpc --go-grpc_out="$out/src" \
  "$root/proto/llmgateway/v1/gateway.proto" \
  "$root/proto/llmgateway/v1/error_details.proto"
echo "$out"
