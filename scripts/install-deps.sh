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
  # HTTP client, JSON (DOM, and simdjson for the hot reply path), YAML,
  # SQLite, Redis client, test HTTP server.
  libcurl4-openssl-dev nlohmann-json3-dev libsimdjson-dev libyaml-cpp-dev
  libsqlite3-dev
  libhiredis-dev libcpp-httplib-dev
  # Checkers used by the tests: promtool, redis-server.
  prometheus redis-server
)

source "$(dirname "$0")/lib/deps.bash"
apt_ensure install-deps "${APT_PACKAGES[@]}"

# Feature-specific installs (npm tools, language toolchains for the client
# tests, ...): one script per feature in scripts/deps.d, each idempotent.
for extra in "$(dirname "$0")"/deps.d/*.sh; do
  [[ -e "$extra" ]] || continue
  bash "$extra"
done
