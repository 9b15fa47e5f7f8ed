# Shared by scripts/install-deps.sh and scripts/deps.d/*.sh (sourced, not
# run): idempotent installs from Debian's apt and the npm registry.

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

# apt_ensure TAG PACKAGE...: installs the Debian packages that are not
# installed yet (one apt-get update first); a no-op when all are there.
apt_ensure() {
  local tag=$1
  shift
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]})) || return 0
  echo "$tag: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# npm_ensure FEATURE NAME@VERSION...: the pinned npm packages, installed into
# ${LLMGW_TOOLS_DIR:-/opt/llmgw}/npm/FEATURE (where the tests look for them)
# unless every one is there at its version already.
npm_ensure() {
  local feature=$1
  shift
  local dir="${LLMGW_TOOLS_DIR:-/opt/llmgw}/npm/$feature"
  local spec have_all=1
  for spec in "$@"; do
    if ! grep -qs "\"version\": \"${spec##*@}\"" \
      "$dir/node_modules/${spec%@*}/package.json"; then
      have_all=0
    fi
  done
  ((!have_all)) || return 0
  command -v npm >/dev/null 2>&1 || apt_ensure "deps.d/$feature" nodejs npm
  echo "deps.d/$feature: npm install $* into $dir" >&2
  mkdir -p "$dir"
  [[ -f $dir/package.json ]] ||
    echo "{\"name\":\"llmgw-$feature-tools\",\"private\":true}" >"$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --save-exact "$@" >/dev/null)
}
