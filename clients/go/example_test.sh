#!/usr/bin/env bash
# Generates the Go client (GOPATH mode, Debian 12 packages), builds the
# example, runs it against a real gateway and the fake upstream, and checks
# every result (testing/check_output.sh). Go's build cache lives in a fixed
# directory (LLMGW_GO_CACHE, default /tmp/llmgw-go-cache) so reruns are fast.
set -euo pipefail
for tool in /usr/bin/go /usr/bin/protoc-gen-go-grpc; do
  if [[ ! -x "$tool" ]]; then
    echo "FAIL: $tool is missing: run scripts/install-deps.sh" >&2
    exit 1
  fi
done
for dir in google.golang.org/grpc google.golang.org/protobuf/cmd/protoc-gen-go \
  google.golang.org/genproto/googleapis/rpc/errdetails github.com/golang/protobuf/ptypes; do
  if [[ ! -d "/usr/share/gocode/src/$dir" ]]; then
    echo "FAIL: /usr/share/gocode/src/$dir is missing: run scripts/install-deps.sh" >&2
    exit 1
  fi
done
export GOCACHE="${LLMGW_GO_CACHE:-/tmp/llmgw-go-cache}"
if ! mkdir -p "$GOCACHE" 2>/dev/null || [[ ! -w "$GOCACHE" ]]; then
  export GOCACHE="$TEST_TMPDIR/go-cache"
fi
work="$TEST_TMPDIR/go"
clients/go/generate.sh "$work" >/dev/null
mkdir -p "$work/src/llmgw-example"
cp clients/go/example/main.go "$work/src/llmgw-example/"
(cd "$work/src/llmgw-example" &&
  GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$work:/usr/share/gocode" \
    go build -o "$work/bin/example" .)
clients/testing/with_gateway.sh service/llm_gateway \
  tests/fake_upstream/fake_upstream_server -- \
  "$work/bin/example" | tee "$TEST_TMPDIR/out.txt"
clients/testing/check_output.sh "$TEST_TMPDIR/out.txt"
