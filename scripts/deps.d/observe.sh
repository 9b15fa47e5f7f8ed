#!/usr/bin/env bash
# Metrics, dashboards and alerts (monitoring/): what their tests need.
#   apt: prometheus (server + promtool; also in the core list),
#        libbenchmark-dev (the metrics micro benchmark).
#   npm: @grafana/schema + typescript, pinned, into
#        ${LLMGW_TOOLS_DIR:-/opt/llmgw}/npm/observe (dashboard type check).
# Idempotent: installs only what is missing.
set -euo pipefail

APT=(prometheus libbenchmark-dev)
missing=()
for pkg in "${APT[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$pkg")
  fi
done
# Node and npm: any install will do (the machine may carry its own).
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi
if ((${#missing[@]})); then
  echo "deps.d/observe: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

NPM_DIR="${LLMGW_TOOLS_DIR:-/opt/llmgw}/npm/observe"
NPM_PACKAGES=("@grafana/schema@13.2.3" "typescript@5.9.3")
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
  echo "deps.d/observe: npm install ${NPM_PACKAGES[*]} into $NPM_DIR" >&2
  mkdir -p "$NPM_DIR"
  npm install --prefix "$NPM_DIR" --no-audit --no-fund --save-exact \
    "${NPM_PACKAGES[@]}" >/dev/null
fi
