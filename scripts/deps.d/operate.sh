#!/usr/bin/env bash
# Image, Kubernetes manifests, health/reflection (image/, k8s/, tests/deploy/):
# what their tests need.
#   apt: python3 (image builder), util-linux (unshare), yamllint, and a
#        kubectl with kustomize (the machine image's, else Debian's
#        kubernetes-client).
#   npm: kubernetes-models + @kubernetes-models/prometheus-operator + yaml
#        (schema validation of the rendered manifests), @bufbuild/buf (buf
#        curl against reflection), pinned. Node 18 is enough for them.
set -euo pipefail
source "$(dirname "$0")/../lib/deps.bash"
apt_ensure deps.d/operate python3 util-linux yamllint
command -v kubectl >/dev/null 2>&1 || apt_ensure deps.d/operate kubernetes-client
npm_ensure operate kubernetes-models@4.5.1 \
  @kubernetes-models/prometheus-operator@5.0.1 yaml@2.9.1 @bufbuild/buf@1.75.0
