#!/usr/bin/env bash
# clang-14 and its libFuzzer runtime for fuzz/run.sh (docs/testing.md).
set -euo pipefail
source "$(dirname "$0")/../lib/deps.bash"
apt_ensure deps.d/fuzz clang-14 libclang-rt-14-dev
