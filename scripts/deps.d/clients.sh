#!/usr/bin/env bash
# Client toolchains and buf (clients/, proto/buf.yaml): what their tests need.
#   apt: python3-grpcio (Python client; generated with /usr/bin/protoc and
#        /usr/bin/grpc_python_plugin, both in the core list),
#        golang-go 1.19 + golang-google-grpc-dev + golang-google-protobuf-dev +
#        golang-github-golang-protobuf-1-5-dev + golang-google-genproto-dev +
#        protoc-gen-go-grpc (Go client, GOPATH mode),
#        nodejs + npm (Node client, buf).
#   npm: @grpc/grpc-js, @grpc/proto-loader and @bufbuild/buf, pinned, into
#        ${LLMGW_TOOLS_DIR:-/opt/llmgw}/npm/clients.
# Idempotent: installs only what is missing.
set -euo pipefail

APT=(python3-grpcio golang-go golang-google-grpc-dev golang-google-protobuf-dev
  golang-github-golang-protobuf-1-5-dev golang-google-genproto-dev
  protoc-gen-go-grpc protobuf-compiler protobuf-compiler-grpc curl)
missing=()
for pkg in "${APT[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$pkg")
  fi
done
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi
if ((${#missing[@]})); then
  echo "deps.d/clients: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

NPM_DIR="${LLMGW_TOOLS_DIR:-/opt/llmgw}/npm/clients"
NPM_PACKAGES=("@grpc/grpc-js@1.14.7" "@grpc/proto-loader@0.8.1" "@bufbuild/buf@1.75.0")
have_all=1
for spec in "${NPM_PACKAGES[@]}"; do
  name=${spec%@*}
  version=${spec##*@}
  pkg_json="$NPM_DIR/node_modules/$name/package.json"
  if [[ ! -f "$pkg_json" ]] ||
    ! grep -q "\"version\": \"$version\"" "$pkg_json"; then
    have_all=0
  fi
done
if ((!have_all)); then
  echo "deps.d/clients: npm install ${NPM_PACKAGES[*]} into $NPM_DIR" >&2
  mkdir -p "$NPM_DIR"
  npm install --prefix "$NPM_DIR" --no-audit --no-fund --save-exact \
    "${NPM_PACKAGES[@]}" >/dev/null
fi
