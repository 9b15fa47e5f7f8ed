#!/bin/sh
# security (auth/, tests/security): libcrypto headers for SHA-256/HMAC/
# constant-time compare, and the openssl CLI that tests/security/tls_test
# uses to generate certificates at test time. Idempotent.
set -e
missing=""
dpkg -s libssl-dev >/dev/null 2>&1 || missing="$missing libssl-dev"
[ -x /usr/bin/openssl ] || missing="$missing openssl"
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get install -y --no-install-recommends $missing
fi
