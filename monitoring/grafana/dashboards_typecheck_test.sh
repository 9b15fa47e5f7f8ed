#!/usr/bin/env bash
# Every dashboard type-checks as a Grafana dashboard model
# (@grafana/schema's Dashboard, tsc --noEmit --strict) and passes the
# structural checks of check_dashboards.js.
set -euo pipefail
NPM_DIR="${LLMGW_TOOLS_DIR:-/opt/llmgw}/npm/observe"
TSC="$NPM_DIR/node_modules/typescript/bin/tsc"
if [[ ! -f "$TSC" || ! -d "$NPM_DIR/node_modules/@grafana/schema" ]]; then
  echo "FAIL: @grafana/schema/typescript missing in $NPM_DIR: run scripts/install-deps.sh" >&2
  exit 1
fi
if ! command -v node >/dev/null; then
  echo "FAIL: node not found: run scripts/install-deps.sh" >&2
  exit 1
fi
dir=$(dirname "$(readlink -f "$0")")
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/dashboards.XXXXXX")
trap 'rm -rf "$work"' EXIT
ln -s "$NPM_DIR/node_modules" "$work/node_modules"
dashboards=("$dir"/llmgw-*.json)
((${#dashboards[@]} >= 4)) || { echo "FAIL: expected 4 dashboards" >&2; exit 1; }
node "$dir/check_dashboards.js" "$work" "${dashboards[@]}"
cat >"$work/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "strict": true,
    "noEmit": true,
    "target": "es2022",
    "module": "esnext",
    "moduleResolution": "bundler",
    "skipLibCheck": true,
    "resolveJsonModule": false
  },
  "include": ["*.ts"]
}
JSON
cd "$work"
if ! node "$TSC" -p tsconfig.json; then
  echo "FAIL: a dashboard does not match Grafana's Dashboard type (see above)" >&2
  exit 1
fi
echo "OK: ${#dashboards[@]} dashboards type-check as Grafana dashboards"
