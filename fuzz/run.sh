#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 directly against the project's
# sources and Debian's libraries (Bazel 4's toolchain here is gcc), then runs
# each for a bounded time on its seed corpus.
#
#   fuzz/run.sh                 build, then run every target 20 s
#   FUZZ_SECONDS=600 fuzz/run.sh codec_openai   one target for 10 minutes
#   FUZZ_BUILD_ONLY=1 fuzz/run.sh               build only
#
# Output: fuzz/out/<target> (binaries), fuzz/out/corpus/<target> (the seeds
# plus what the fuzzer found interesting), crash-* files in fuzz/out/ when a
# target fails. Prints one line per target: "<target> OK <execs> execs" or
# "<target> FAILED". Exits non-zero if any target failed or did not build.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${FUZZ_OUT:-$root/fuzz/out}
seconds=${FUZZ_SECONDS:-20}
mkdir -p "$out/obj" "$out/corpus"

CXX=${CXX_FUZZ:-clang++-14}
if ! command -v "$CXX" >/dev/null; then
  echo "fuzz: $CXX not found; run scripts/install-deps.sh" >&2
  exit 1
fi
if ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a \
    >/dev/null 2>&1; then
  echo "fuzz: libFuzzer runtime missing (libclang-rt-14-dev); run scripts/install-deps.sh" >&2
  exit 1
fi

FLAGS=(-std=c++17 -O1 -g -fsanitize=fuzzer-no-link,address,undefined
       -fno-sanitize-recover=undefined -I"$root" -DNDEBUG)
LINK=(-fsanitize=fuzzer,address,undefined)
ABSL=(-labsl_status -labsl_statusor -labsl_strings -labsl_strings_internal
      -labsl_str_format_internal -labsl_cord -labsl_cord_internal
      -labsl_cordz_functions -labsl_cordz_handle -labsl_cordz_info
      -labsl_synchronization -labsl_graphcycles_internal -labsl_time
      -labsl_time_zone -labsl_civil_time -labsl_int128
      -labsl_raw_logging_internal -labsl_throw_delegate -labsl_hash -labsl_city
      -labsl_low_level_hash -labsl_raw_hash_set -labsl_bad_optional_access
      -labsl_bad_variant_access -labsl_base -labsl_spinlock_wait
      -labsl_malloc_internal -labsl_stacktrace -labsl_symbolize
      -labsl_debugging_internal -labsl_demangle_internal -labsl_log_severity
      -labsl_strerror)

# Compiles a source once into fuzz/out/obj (cached by content hash: the
# source, its flags and every project header, since a header change, e.g. a
# signature, must rebuild the objects that include it).
HEADERS_HASH=$(cd "$root" && find . -name '*.h' -not -path './bazel-*' \
  -not -path './fuzz/out/*' -print0 | sort -z | xargs -0 cat | sha1sum |
  cut -c1-16)
obj() {
  local src=$1; shift
  local key
  key=$( (cat "$src"; echo "$*"; echo "${FLAGS[*]}"; echo "$HEADERS_HASH") |
    sha1sum | cut -c1-16)
  local o="$out/obj/$(basename "$src" .cc)-$key.o"
  if [[ ! -f $o ]]; then
    "$CXX" "${FLAGS[@]}" "$@" -c "$src" -o "$o" || return 1
  fi
  echo "$o"
}

# link <target> <extra-cxxflags> -- <sources...> -- <libs...>
build() {
  local target=$1 defs=$2; shift 2
  local objs=() src libs=()
  while [[ $# -gt 0 && $1 != -- ]]; do
    src=$1; shift
    local o
    o=$(obj "$src" $defs) || return 1
    objs+=("$o")
  done
  shift
  libs=("$@")
  "$CXX" "${LINK[@]}" "${objs[@]}" "${libs[@]}" "${ABSL[@]}" -lpthread \
    -o "$out/$target"
}

COMMON=(http/sse_parser.cc http/http_types.cc providers/common/http_errors.cc
        providers/common/json_fields.cc providers/common/codec_util.cc
        providers/common/fast_json.cc
        registry/provider.cc registry/chat_content.cc
        providers/common/wire_codec.cc)
declare -A CODEC_SRCS=(
  [openai]="registry/provider_factory.cc providers/openai_compatible/openai_dialect.cc providers/openai_compatible/openai_compatible_codec.cc providers/openai_compatible/openai_errors.cc providers/openai_compatible/openai_response.cc providers/openai_compatible/openai_stream_decoder.cc providers/openai_compatible/openai_request.cc providers/openai_compatible/openai_tools.cc providers/openai_compatible/openai_embed.cc providers/openai_compatible/openai_plain_body.cc providers/openai_compatible/openai_common_shape.cc common/json_text.cc"
  [anthropic]="providers/anthropic/anthropic_codec.cc providers/anthropic/anthropic_reply.cc providers/anthropic/anthropic_request.cc providers/anthropic/anthropic_stream.cc"
  [gemini]="providers/gemini/gemini_codec.cc providers/gemini/gemini_embed.cc providers/gemini/gemini_errors.cc providers/gemini/gemini_request.cc providers/gemini/gemini_response.cc providers/gemini/gemini_schema.cc"
  [cohere]="providers/cohere/cohere_codec.cc providers/cohere/cohere_content.cc providers/cohere/cohere_embed.cc providers/cohere/cohere_reply.cc providers/cohere/cohere_stream.cc"
  [minimax]="providers/openai_compatible/openai_dialect.cc providers/openai_compatible/openai_plain_body.cc common/json_text.cc providers/openai_compatible/openai_response.cc providers/openai_compatible/openai_request.cc providers/openai_compatible/openai_tools.cc providers/openai_compatible/openai_embed.cc providers/minimax/minimax_codec.cc providers/minimax/minimax_errors.cc providers/minimax/minimax_stream_decoder.cc"
)

# The gRPC request path: protoc generates the messages into $out/gen (the
# Bazel rules do the same for the server), compiled like the rest.
build_generate_request() {
  local gen=$out/gen
  mkdir -p "$gen"
  protoc -I proto --cpp_out="$gen" proto/llmgateway/v1/gateway.proto \
    proto/llmgateway/v1/error_details.proto proto/google/rpc/status.proto \
    proto/google/rpc/error_details.proto || return 1
  # shellcheck disable=SC2046
  build generate_request "-I$gen" fuzz/generate_request_fuzzer.cc \
    service/proto_convert.cc service/proto_convert_content.cc \
    service/proto_convert_options.cc service/json_object_check.cc \
    service/strict_parse.cc common/error_details.cc registry/provider.cc \
    registry/chat_content.cc dispatch/outcome.cc \
    $(find "$gen" -name '*.pb.cc' | sort) \
    -- -lgrpc++ -lgrpc -lgpr -lprotobuf
}

declare -a TARGETS=()
build_all() {
  local failed=0
  build sse_parser "" fuzz/sse_parser_fuzzer.cc http/sse_parser.cc -- \
    || failed=1
  TARGETS+=(sse_parser)
  for fmt in openai anthropic gemini cohere minimax; do
    local upper=${fmt^^}
    # shellcheck disable=SC2086
    build "codec_$fmt" "-DLLMGW_FUZZ_$upper" fuzz/codec_fuzzer.cc \
      ${CODEC_SRCS[$fmt]} "${COMMON[@]}" -- -lcurl -lsimdjson || failed=1
    TARGETS+=("codec_$fmt")
  done
  build config "" fuzz/config_fuzzer.cc config/gateway_config.cc \
    config/budget_config.cc config/resilience_config.cc config/yaml_util.cc \
    config/env_lookup.cc common/money.cc registry/provider.cc \
    registry/chat_content.cc \
    auth/auth_config.cc auth/digest.cc -- -lyaml-cpp -lcrypto \
    || failed=1
  TARGETS+=(config)
  build chat_request "" fuzz/chat_request_fuzzer.cc front/openai_mapping.cc \
    -- || failed=1
  TARGETS+=(chat_request)
  build_generate_request || failed=1
  TARGETS+=(generate_request)
  return $failed
}

build_all
build_status=$?
if [[ -n ${FUZZ_BUILD_ONLY:-} ]]; then exit $build_status; fi

only=("$@")
status=$build_status
for t in "${TARGETS[@]}"; do
  if [[ ${#only[@]} -gt 0 && ! " ${only[*]} " =~ " $t " ]]; then continue; fi
  seeds=$root/fuzz/corpus/$t
  corpus=$out/corpus/$t
  mkdir -p "$corpus"
  if [[ ! -x $out/$t ]]; then
    echo "$t FAILED (did not build)"
    status=1
    continue
  fi
  log=$out/$t.log
  (cd "$out" && "./$t" -max_total_time="$seconds" -rss_limit_mb=2048 \
      -max_len=65536 -timeout=10 -print_final_stats=1 "$corpus" "$seeds" \
      >"$log" 2>&1)
  rc=$?
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" |
          grep -oE '[0-9]+$' | tail -1)
  if [[ $rc -eq 0 ]]; then
    echo "$t OK ${execs:-?} execs in ${seconds}s"
  else
    echo "$t FAILED (see $log)"
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5
    status=1
  fi
done
exit $status
