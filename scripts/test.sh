#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test, then an
# AddressSanitizer subset, a ThreadSanitizer subset and the fuzz targets
# (docs/testing.md). Ends with the line "N passed, N failed" counting all of
# it, and exits non-zero if anything failed.
#   LLMGW_ASAN=all runs the whole suite under --config=asan instead of the
#   subset; LLMGW_ASAN=0 leaves the ASan step out (local runs).
#   LLMGW_TSAN=0 leaves the ThreadSanitizer subset out (local runs).
#   LLMGW_SKIP_FUZZ=1 leaves the fuzzing step out (local runs).
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh || exit 1

# Targets run under --config=asan by default: the project's own code below
# the gRPC service (HTTP client and event loop, resilience, audit, auth,
# ledgers, dispatch, config), plus four end-to-end tests through the whole
# service (unary, streams, cancels and deadlines, stream failover, and the
# gateway process under mixed load with the HTTP front, where ASan+UBSan
# found a stream reactor race). LLMGW_ASAN=all runs the whole suite
# (docs/testing.md has the measurements).
ASAN_TARGETS=(//http/... //resilience/... //audit/... //auth/... //budget/...
              //dispatch/... //config/... //common/...
              //providers/openai_compatible:openai_common_shape_test
              //service:grpc_callback_threads_test
              //tests:generate_test //tests:errors_test
              //tests/resilience:stream_resilience_test
              //tests/budget:sqlite_reload_test
              //tests/observe:dashboard_queries_test)

# Targets run under --config=tsan by default: the project's own threads on
# the project's own classes (event loop, HTTP client, SQLite writer and
# checkpointer threads, Redis ledger on the async adapter, audit writer, rate
# limiter, key pool and circuit breaker, the hold on gRPC's callback
# threads). Reports inside Debian's
# uninstrumented libraries are suppressed (tools/tsan.supp).
TSAN_TARGETS=(//http:event_loop_test //resilience:resilience_unit_test
              //budget:sqlite_ledger_test //budget:sqlite_writer_test
              //budget:in_memory_ledger_test
              //dispatch:generate_call_release_test
              //audit:audit_log_test //auth:auth_test //http:http_client_test
              //tests/budget:redis_ledger_test
              //tests/security:redis_rate_limiter_test
              //service:grpc_callback_threads_test)

passed=0
failed=0
status=0
# Runs bazel test and adds its per-target results to the counts.
run_bazel() {
  local log
  log=$(mktemp)
  bazel test "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log")
  f=$(grep -cE '^//[^ ]+ +(FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD)' "$log")
  rm -f "$log"
  if [[ $rc -ne 0 && $f -eq 0 ]]; then
    f=1  # the build itself failed before tests could run
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  [[ $rc -ne 0 ]] && status=$rc
}

run_bazel //... "$@"

case ${LLMGW_ASAN:-subset} in
  0) ;;
  all) echo "== AddressSanitizer: //..."
       run_bazel --config=asan //... ;;
  *) echo "== AddressSanitizer: ${ASAN_TARGETS[*]}"
     run_bazel --config=asan "${ASAN_TARGETS[@]}" ;;
esac

if [[ ${LLMGW_TSAN:-1} != 0 ]]; then
  echo "== ThreadSanitizer: ${TSAN_TARGETS[*]}"
  run_bazel --config=tsan "${TSAN_TARGETS[@]}"
fi

if [[ -z ${LLMGW_SKIP_FUZZ:-} ]]; then
  echo "== fuzzing (${FUZZ_SECONDS:-20} s per target)"
  log=$(mktemp)
  fuzz/run.sh 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  p=$(grep -cE '^[a-z_]+ OK ' "$log")
  f=$(grep -cE '^[a-z_]+ FAILED' "$log")
  rm -f "$log"
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  [[ $rc -ne 0 ]] && status=$rc
fi

echo "${passed} passed, ${failed} failed"
exit "$status"
