#!/usr/bin/env bash
# Image, Kubernetes manifests, health/reflection (image/, k8s/, tests/deploy/):
# what their tests need.
#   apt: python3 (image builder), util-linux (unshare), a kubectl with
#        kustomize (the machine image's, else Debian's kubernetes-client),
#        yamllint.
#   npm: kubernetes-models + @kubernetes-models/prometheus-operator + yaml
#        (schema validation of the rendered manifests), @bufbuild/buf
#        (buf curl against reflection), pinned, into
#        ${LLMGW_TOOLS_DIR:-/opt/llmgw}/npm/operate.
# Idempotent: installs only what is missing.
set -euo pipefail

APT=(python3 util-linux yamllint)
missing=()
for pkg in "${APT[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$pkg")
  fi
done
if ! command -v kubectl >/dev/null 2>&1; then missing+=(kubernetes-client); fi
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi
if ((${#missing[@]})); then
  echo "deps.d/operate: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

NPM_DIR="${LLMGW_TOOLS_DIR:-/opt/llmgw}/npm/operate"
NPM_PACKAGES=("kubernetes-models@4.5.1" "@kubernetes-models/prometheus-operator@5.0.1"
  "yaml@2.9.1" "@bufbuild/buf@1.75.0")
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
  echo "deps.d/operate: npm install ${NPM_PACKAGES[*]} into $NPM_DIR" >&2
  mkdir -p "$NPM_DIR"
  [[ -f "$NPM_DIR/package.json" ]] || echo '{"name":"llmgw-operate-tools","private":true}' >"$NPM_DIR/package.json"
  # Node 18 (Debian 12) is enough for these versions.
  (cd "$NPM_DIR" && npm install --no-audit --no-fund --save-exact "${NPM_PACKAGES[@]}" >/dev/null)
fi
