// Shared helpers of the fake Cohere v2 format (cohere_fake.h).

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/cohere/cohere_fake.h"

namespace llmgw::fake_upstream::cohere_fake {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

std::string MessageBody(absl::string_view message) {
  return ojson{{"message", std::string(message)}}.dump();
}

std::string TraceId(int64_t seq) {
  return absl::StrFormat("fa4e%028x", static_cast<uint64_t>(seq));
}

// Headers Cohere sends with every reply.
HeaderList CommonHeaders(int64_t seq) {
  return {{"x-debug-trace-id", TraceId(seq)}};
}

HttpReply ErrorReply(int status, absl::string_view message, int64_t seq) {
  HttpReply r;
  r.status = status;
  r.body = MessageBody(message);
  r.headers = CommonHeaders(seq);
  return r;
}

HttpReply BadRequest(absl::string_view message, int64_t seq) {
  return ErrorReply(400, message, seq);
}

bool ModelMissing(absl::string_view model) {
  return model == "does-not-exist" || absl::StartsWith(model, "unknown-");
}

std::string ModelNotFoundMessage(absl::string_view model) {
  return absl::StrCat("model '", model,
                      "' not found, make sure the correct model ID was used "
                      "and that you have access to the model.");
}

std::string TypeName(const json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "boolean";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "null";
}

std::string InvalidType(absl::string_view field, absl::string_view expected,
                        const json& got) {
  return absl::StrCat("invalid request: ", field, " must be ", expected,
                      ", got ", TypeName(got), ".");
}

std::optional<HttpReply> CheckAuth(Exchange& ex) {
  std::optional<std::string> auth = ex.Header("Authorization");
  if (!auth.has_value() && !ex.upstream().options().require_api_key) {
    return std::nullopt;
  }
  std::string key;
  if (auth.has_value() && absl::StartsWithIgnoreCase(*auth, "bearer ")) {
    key = std::string(
        absl::StripAsciiWhitespace(absl::string_view(*auth).substr(7)));
  }
  if (key.empty()) return ErrorReply(401, "no api key supplied", ex.seq());
  if (absl::StartsWith(key, "invalid")) {
    return ErrorReply(401, "invalid api token", ex.seq());
  }
  return std::nullopt;
}

std::optional<HttpReply> CheckJsonBody(Exchange& ex, json* body) {
  const std::string content_type =
      absl::AsciiStrToLower(ex.Header("Content-Type").value_or(""));
  if (!absl::StartsWith(content_type, "application/json")) {
    return BadRequest("invalid request: Content-Type must be application/json.",
                      ex.seq());
  }
  absl::StatusOr<json> parsed = ex.JsonBody();
  if (!parsed.ok() || !parsed->is_object()) {
    return BadRequest(
        "invalid request: the request body must be a valid JSON object.",
        ex.seq());
  }
  *body = *std::move(parsed);
  return std::nullopt;
}

}  // namespace llmgw::fake_upstream::cohere_fake
