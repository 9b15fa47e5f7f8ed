#!/usr/bin/env bash
# Installs what building, running and testing the gateway needs, from Debian's
# apt (and npm for the client SDK checks). Idempotent: installs only what is
# missing, so it costs ~1 s once everything is there.
set -euo pipefail

APT_PACKAGES=(
  # Build: Debian's Bazel works offline against system libraries.
  bazel-bootstrap bazel-rules-java
  # gRPC, Protobuf, abseil, Prometheus, GoogleTest.
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev prometheus-cpp-dev libgtest-dev libgmock-dev
  # HTTP client, JSON, YAML, SQLite, Redis client, test HTTP server.
  libcurl4-openssl-dev nlohmann-json3-dev libyaml-cpp-dev libsqlite3-dev
  libhiredis-dev libcpp-httplib-dev
  # Checkers used by the tests: promtool, redis-server.
  prometheus redis-server
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# Feature-specific installs (npm tools, language toolchains for the client
# tests, ...): one script per feature in scripts/deps.d, each idempotent.
for extra in "$(dirname "$0")"/deps.d/*.sh; do
  [[ -e "$extra" ]] || continue
  bash "$extra"
done
