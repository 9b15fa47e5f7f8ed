#!/usr/bin/env bash
# clang-14 and its libFuzzer runtime for fuzz/run.sh (docs/testing.md).
# Idempotent: installs only what is missing.
set -euo pipefail
missing=()
command -v clang++-14 >/dev/null || missing+=(clang-14)
ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a \
  >/dev/null 2>&1 || missing+=(libclang-rt-14-dev)
if ((${#missing[@]})); then
  echo "deps.d/fuzz: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi
