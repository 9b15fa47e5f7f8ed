#!/bin/bash
# Renders every kustomization (base, overlays/dev, overlays/prod) with
# `kubectl kustomize`, validates every document (k8s/validate_manifests.js:
# Kubernetes + prometheus-operator schemas, ports, selectors, hardening,
# drain timing, PrometheusRule == monitoring/alerts/llmgw.rules.yml), checks
# the generated PrometheusRule is current, lints the YAML, and runs the
# gateway's own --check_config on each overlay's ConfigMap.
set -euo pipefail
R="${TEST_SRCDIR}/${TEST_WORKSPACE}"
NPM="${LLMGW_TOOLS_DIR:-/opt/llmgw}/npm/operate/node_modules"
T="${TEST_TMPDIR:-$(mktemp -d)}"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v kubectl >/dev/null || fail "kubectl missing: run scripts/install-deps.sh"
command -v node >/dev/null || fail "node missing: run scripts/install-deps.sh"
[[ -d "$NPM/kubernetes-models" && -d "$NPM/@kubernetes-models/prometheus-operator" ]] ||
  fail "npm kubernetes-models missing in $NPM: run scripts/install-deps.sh"
command -v yamllint >/dev/null || fail "yamllint missing: run scripts/install-deps.sh"

# kustomize refuses symlinked files outside the kustomization's root, and
# runfiles are symlinks: copy the tree.
cp -rL "$R/k8s" "$T/k8s"
RULES="$R/monitoring/alerts/llmgw.rules.yml"

# The PrometheusRule in the tree is what the generator makes of the rules.
"$T/k8s/gen_prometheusrule.sh" "$RULES" > "$T/prometheusrule.yaml"
diff -u "$T/k8s/base/prometheusrule.yaml" "$T/prometheusrule.yaml" ||
  fail "k8s/base/prometheusrule.yaml is stale: run k8s/gen_prometheusrule.sh > k8s/base/prometheusrule.yaml"

yamllint -d '{extends: relaxed, rules: {line-length: {max: 160}}}' "$T/k8s" ||
  fail "yamllint"

rendered=()
for k in base overlays/dev overlays/prod; do
  name=$(basename "$k")
  kubectl kustomize "$T/k8s/$k" > "$T/$name.yaml" 2> "$T/$name.err" ||
    { cat "$T/$name.err" >&2; fail "kubectl kustomize $k"; }
  rendered+=("$T/$name.yaml")
done
mkdir -p "$T/configs"
NODE_PATH="$NPM" node "$R/k8s/validate_manifests.js" "$RULES" "$T/configs" "${rendered[@]}"

# The gateway accepts each ConfigMap's config (no provider keys needed).
for cfg in "$T"/configs/*.yaml; do
  out=$(env -i PATH=/usr/bin:/bin "$R/service/llm_gateway" --check_config --config="$cfg" 2>&1) ||
    fail "$(basename "$cfg"): the gateway refuses its ConfigMap's config: $out"
  [[ "$out" == OK ]] || fail "$(basename "$cfg"): unexpected --check_config output: $out"
  echo "$(basename "$cfg"): --check_config OK"
done
# And --check_config can fail: a broken config is refused with exit 2.
printf 'budget:\n  backend: sqlite\n  hourly_budget: lots\n' > "$T/bad.yaml"
set +e
out=$("$R/service/llm_gateway" --check_config --config="$T/bad.yaml" 2>&1); rc=$?
set -e
[[ $rc -eq 2 ]] || fail "--check_config accepted a bad config (exit $rc): $out"
echo "bad config refused: $out"
echo PASS
