#!/usr/bin/env bash
# security (auth/, tests/security): libcrypto headers for SHA-256/HMAC/
# constant-time compare, and the openssl CLI that tests/security/tls_test
# uses to generate certificates at test time.
set -euo pipefail
source "$(dirname "$0")/../lib/deps.bash"
apt_ensure deps.d/security libssl-dev openssl
