// Google's Gemini API (generativelanguage.googleapis.com, REST v1beta), as
// ai.google.dev/api documents it (models.generateContent,
// models.streamGenerateContent, models.get/list, models.countTokens), with
// the error bodies the service really sends (google.rpc.Status, AIP-193).
//
// Routes (base URL "<url>/v1beta"):
//   POST /v1beta/models/{model}:generateContent        generation (runs the
//   POST /v1beta/models/{model}:streamGenerateContent  behaviour script)
//   POST /v1beta/models/{model}:batchEmbedContents  embeddings
//   POST /v1beta/models/{model}:embedContent        (gemini_fake_embed.cc)
//   POST /v1beta/models/{model}:countTokens
//   GET  /v1beta/models, GET /v1beta/models/{model}
//   anything else under /v1beta: Google Front End's HTML 404 page.
//
// Checks, in this order, before any behaviour is consumed:
//   1. Authentication. An "Authorization" header is taken as an OAuth token,
//      which an API key is not: 401 UNAUTHENTICATED
//      (ACCESS_TOKEN_TYPE_UNSUPPORTED). The key comes from "x-goog-api-key"
//      (what the docs use), else the "key" query parameter (also accepted by
//      Google). No key: 403 PERMISSION_DENIED "Method doesn't allow
//      unregistered callers ..." (unless FakeUpstreamOptions::require_api_key
//      is false). A key starting with "invalid": 400 INVALID_ARGUMENT "API
//      key not valid. Please pass a valid API key." with ErrorInfo reason
//      API_KEY_INVALID.
//   2. The body, as Google's JSON-to-proto transcoding reads it: a form-
//      encoded body, invalid JSON, a non-object, an unknown field name (both
//      lowerCamel and proto snake_case names are accepted, as Google does)
//      or a wrongly typed value: 400 INVALID_ARGUMENT "Invalid JSON payload
//      received. ..." with a google.rpc.BadRequest detail.
//   3. The model in the path: not in the model table below: 404 NOT_FOUND
//      "models/<m> is not found for API version v1beta, or is not supported
//      for <method>. Call ListModels ...".
//   4. GenerateContentRequest rules: contents present and non-empty, every
//      Content with non-empty parts, every part with data (an empty text is
//      no data), roles "user" / "model" / unset: 400 INVALID_ARGUMENT with
//      Google's "* GenerateContentRequest.<field>: ..." lines (or "Please use
//      a valid role: user, model.").
//   4b. The rich contract (gemini_fake.h CheckContract): tools and their
//      Schema, toolConfig, inlineData / fileData, function call / response
//      turns, responseMimeType / responseSchema, as the API checks them.
//   5. Prompt size: words of systemInstruction + contents above the model's
//      inputTokenLimit: 400 INVALID_ARGUMENT "The input token count (N)
//      exceeds the maximum number of tokens allowed (M)."
//
// Deterministic answers (see fake_upstream.h): "Echo: " + the text of the
// last user Content (its text parts joined with spaces); prompt tokens count
// the words of systemInstruction and of every Content; maxOutputTokens
// truncates (finishReason "MAX_TOKENS", else "STOP").
//
// generateContent reply (pretty-printed like Google's, content type
// "application/json; charset=UTF-8"):
//   {"candidates": [{"content": {"parts": [{"text": <text>}],
//                                "role": "model"},
//                    "finishReason": "STOP", "index": 0}],
//    "usageMetadata": {"promptTokenCount": P, "candidatesTokenCount": C,
//                      "totalTokenCount": P + C,
//                      "promptTokensDetails": [{"modality": "TEXT",
//                                               "tokenCount": P}]},
//    "modelVersion": <model>, "responseId": "fakeresp<seq>"}
// streamGenerateContent?alt=sse: text/event-stream, one event
// "data: <GenerateContentResponse>\r\n\r\n" per word delta (each with the
// cumulative usageMetadata), then a last event with an empty text part, the
// finishReason and the final usage. There is no terminal marker. Without
// alt=sse the same objects come as one streamed JSON array.
//
// Behavior::tool_calls: functionCall parts after the text, finishReason STOP
// (a stream sends each call whole in its own event, before the last one).
// Behavior::refusal: Gemini has no refusal field, so it is the answer text.
// Behavior::block_reason: the prompt is blocked (as "blockReason:" below).
// Usage detail: cachedContentTokenCount (part of promptTokenCount) and
// thoughtsTokenCount (candidatesTokenCount = completion - reasoning).
// The echo text of a user turn includes its function responses as JSON.
//
// Finish reason overrides (Behavior::WithFinishReason) are sent verbatim as
// candidates[0].finishReason ("SAFETY" also carries safetyRatings with the
// blocked category), except "blockReason:<REASON>": the prompt is blocked,
// the reply has no candidates but promptFeedback.blockReason = <REASON>
// (usage: prompt tokens only; a stream sends that one event).
//
// Injected errors (kHttpError without a body), Google's bodies
// {"error": {"code", "message", "status", "details"}}:
//   400 INVALID_ARGUMENT "Request contains an invalid argument."
//   401 UNAUTHENTICATED (ErrorInfo ACCESS_TOKEN_TYPE_UNSUPPORTED)
//   403 PERMISSION_DENIED "Permission denied: Consumer 'api_key:<the key>'
//       has been suspended." (ErrorInfo CONSUMER_SUSPENDED) -- Google really
//       echoes the key in this message.
//   404 NOT_FOUND for the model, as in check 3.
//   429 RESOURCE_EXHAUSTED "You exceeded your current quota ..." with
//       QuotaFailure, Help and RetryInfo {"retryDelay": "17s"} details (no
//       Retry-After header: Google does not send one).
//   499 CANCELLED, 500 INTERNAL, 503 UNAVAILABLE "The model is overloaded.
//       Please try again later.", 504 DEADLINE_EXCEEDED.
//   408 / 413 / 502: Google Front End's HTML error page (text/html).
//   Others: the canonical status of the code with a generic message.
// Malformed: a reply cut off mid-string; in a stream, one unparseable event
// in place of the deltas.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "tests/fake_upstream/gemini/gemini_fake.h"
#include "tests/fake_upstream/wire_format.h"

namespace llmgw::fake_upstream {
namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;
using gemini_fake::kJsonType;

constexpr char kService[] = "generativelanguage.googleapis.com";
constexpr char kBlockPrefix[] = "blockReason:";

// ---------------------------------------------------------------------------
// Models (models.list of the v1beta API, text models only).

struct ModelInfo {
  const char* id;
  const char* display_name;
  const char* version;
  int64_t input_token_limit;
  int64_t output_token_limit;
  bool thinking;
};

constexpr ModelInfo kModels[] = {
    {"gemini-1.5-pro", "Gemini 1.5 Pro", "001", 2'097'152, 8'192, false},
    {"gemini-1.5-pro-002", "Gemini 1.5 Pro 002", "002", 2'097'152, 8'192,
     false},
    {"gemini-1.5-flash", "Gemini 1.5 Flash", "001", 1'048'576, 8'192, false},
    {"gemini-1.5-flash-002", "Gemini 1.5 Flash 002", "002", 1'048'576, 8'192,
     false},
    {"gemini-1.5-flash-8b", "Gemini 1.5 Flash-8B", "001", 1'048'576, 8'192,
     false},
    {"gemini-2.0-flash", "Gemini 2.0 Flash", "2.0", 1'048'576, 8'192, false},
    {"gemini-2.0-flash-001", "Gemini 2.0 Flash 001", "2.0", 1'048'576, 8'192,
     false},
    {"gemini-2.0-flash-lite", "Gemini 2.0 Flash-Lite", "2.0", 1'048'576, 8'192,
     false},
    {"gemini-2.5-pro", "Gemini 2.5 Pro", "2.5", 1'048'576, 65'536, true},
    {"gemini-2.5-flash", "Gemini 2.5 Flash", "001", 1'048'576, 65'536, true},
    {"gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", "001", 1'048'576, 65'536,
     true},
};

const ModelInfo* FindModel(absl::string_view id) {
  absl::ConsumePrefix(&id, "models/");
  for (const ModelInfo& m : kModels) {
    if (id == m.id) return &m;
  }
  return nullptr;
}

ojson ModelJson(const ModelInfo& m) {
  ojson j = {{"name", absl::StrCat("models/", m.id)},
             {"version", m.version},
             {"displayName", m.display_name},
             {"description", m.display_name},
             {"inputTokenLimit", m.input_token_limit},
             {"outputTokenLimit", m.output_token_limit},
             {"supportedGenerationMethods",
              {"generateContent", "countTokens", "createCachedContent",
               "batchGenerateContent"}},
             {"temperature", 1},
             {"topP", 0.95},
             {"topK", m.thinking ? 64 : 40},
             {"maxTemperature", 2}};
  if (m.thinking) j["thinking"] = true;
  return j;
}

// ---------------------------------------------------------------------------
// Replies and errors.

}  // namespace

namespace gemini_fake {
namespace {
constexpr char kService[] = "generativelanguage.googleapis.com";
}  // namespace

HeaderList CommonHeaders() {
  return {{"vary", "Origin, X-Origin, Referer"},
          {"server", "scaffolding on HTTPServer2"},
          {"x-xss-protection", "0"},
          {"x-frame-options", "SAMEORIGIN"},
          {"x-content-type-options", "nosniff"},
          {"server-timing", "gfet4t7; dur=42"}};
}

// google.rpc.Code name of an HTTP status, as Google maps them.
absl::string_view StatusName(int code) {
  switch (code) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "ABORTED";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 499:
      return "CANCELLED";
    case 500:
      return "INTERNAL";
    case 501:
      return "UNIMPLEMENTED";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return code >= 500 ? "UNKNOWN" : "FAILED_PRECONDITION";
  }
}

ojson ErrorInfo(absl::string_view reason, ojson metadata) {
  return {{"@type", "type.googleapis.com/google.rpc.ErrorInfo"},
          {"reason", std::string(reason)},
          {"domain", "googleapis.com"},
          {"metadata", std::move(metadata)}};
}

ojson LocalizedMessage(absl::string_view message) {
  return {{"@type", "type.googleapis.com/google.rpc.LocalizedMessage"},
          {"locale", "en-US"},
          {"message", std::string(message)}};
}

// A google.rpc.Status error reply.
HttpReply GoogleError(int code, absl::string_view message, ojson details) {
  ojson error = {{"code", code},
                 {"message", std::string(message)},
                 {"status", std::string(StatusName(code))}};
  if (!details.empty()) error["details"] = std::move(details);
  HttpReply r;
  r.status = code;
  r.content_type = kJsonType;
  r.body = ojson{{"error", std::move(error)}}.dump(2) + "\n";
  r.headers = CommonHeaders();
  return r;
}

// 400 with a google.rpc.BadRequest detail, as the JSON transcoder sends it.
HttpReply InvalidJson(absl::string_view message, absl::string_view field) {
  ojson violation = ojson::object();
  if (!field.empty()) violation["field"] = std::string(field);
  violation["description"] = std::string(message);
  return GoogleError(
      400, message,
      ojson::array({{{"@type", "type.googleapis.com/google.rpc.BadRequest"},
                     {"fieldViolations", ojson::array({violation})}}}));
}

// Google Front End's own HTML error page (no JSON envelope).
HttpReply GfeError(int code, absl::string_view title, absl::string_view text) {
  HttpReply r;
  r.status = code;
  r.content_type = "text/html; charset=UTF-8";
  r.body = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
      "  <meta name=viewport content=\"initial-scale=1, minimum-scale=1, "
      "width=device-width\">\n  <title>Error ",
      code, " (", title,
      ")!!1</title>\n  <a href=//www.google.com/><span id=logo "
      "aria-label=Google></span></a>\n  <p><b>",
      code, ".</b> <ins>That\xE2\x80\x99s an error.</ins>\n  <p>", text,
      "  <ins>That\xE2\x80\x99s all we know.</ins>\n");
  r.headers = {{"referrer-policy", "no-referrer"}};
  return r;
}

HttpReply ModelNotFound(absl::string_view model, absl::string_view method) {
  absl::ConsumePrefix(&model, "models/");
  return GoogleError(
      404, absl::StrCat("models/", model,
                        " is not found for API version v1beta, or is not "
                        "supported for ",
                        method,
                        ". Call ListModels to see the list of available "
                        "models and their supported methods."));
}

HttpReply Unauthenticated(absl::string_view method) {
  return GoogleError(
      401,
      "Request had invalid authentication credentials. Expected OAuth 2 "
      "access token, login cookie or other valid authentication credential. "
      "See https://developers.google.com/identity/sign-in/web/"
      "devconsole-project.",
      ojson::array(
          {ErrorInfo("ACCESS_TOKEN_TYPE_UNSUPPORTED",
                     {{"method", absl::StrCat("google.ai.generativelanguage."
                                              "v1beta.GenerativeService.",
                                              method)},
                      {"service", kService}})}));
}

HttpReply KeyInvalid() {
  constexpr char kMessage[] = "API key not valid. Please pass a valid API key.";
  return GoogleError(
      400, kMessage,
      ojson::array({ErrorInfo("API_KEY_INVALID", {{"service", kService}}),
                    LocalizedMessage(kMessage)}));
}

Caller Authenticate(Exchange& ex, absl::string_view method) {
  Caller caller;
  if (ex.Header("Authorization").has_value()) {
    caller.error = Unauthenticated(method);
    return caller;
  }
  if (std::optional<std::string> key = ex.Header("x-goog-api-key")) {
    caller.api_key = *key;
  } else if (ex.request().has_param("key")) {
    caller.api_key = ex.request().get_param_value("key");
  }
  if (caller.api_key.empty()) {
    if (!ex.upstream().options().require_api_key) return caller;
    caller.error = GoogleError(
        403,
        "Method doesn't allow unregistered callers (callers without "
        "established identity). Please use API Key or other form of API "
        "consumer identity to call this API.");
  } else if (absl::StartsWith(caller.api_key, "invalid")) {
    caller.error = KeyInvalid();
  }
  return caller;
}

}  // namespace gemini_fake

namespace {

using gemini_fake::Authenticate;
using gemini_fake::Caller;
using gemini_fake::CheckContract;
using gemini_fake::CommonHeaders;
using gemini_fake::ContentText;
using gemini_fake::ErrorInfo;
using gemini_fake::FunctionCallPart;
using gemini_fake::GfeError;
using gemini_fake::GoogleError;
using gemini_fake::InvalidJson;
using gemini_fake::LocalizedMessage;
using gemini_fake::ModelNotFound;
using gemini_fake::Unauthenticated;
using gemini_fake::UsageMetadata;

// ---------------------------------------------------------------------------
// Request parsing: Google's JSON-to-proto transcoding, then the
// GenerateContentRequest rules.

enum class FieldType {
  kAny,  // accepted as sent (tools, schemas, safety settings...)
  kString,
  kInt32,
  kFloat,
  kBool,
  kStringList,
  kContents,  // repeated Content
  kContent,
  kParts,  // repeated Part
  kGenerationConfig,
};

struct FieldSpec {
  const char* camel;
  const char* snake;
  FieldType type;
};

constexpr FieldSpec kRequestFields[] = {
    {"model", "model", FieldType::kString},
    {"contents", "contents", FieldType::kContents},
    {"systemInstruction", "system_instruction", FieldType::kContent},
    {"generationConfig", "generation_config", FieldType::kGenerationConfig},
    {"safetySettings", "safety_settings", FieldType::kAny},
    {"tools", "tools", FieldType::kAny},
    {"toolConfig", "tool_config", FieldType::kAny},
    {"cachedContent", "cached_content", FieldType::kString},
};

constexpr FieldSpec kContentFields[] = {
    {"parts", "parts", FieldType::kParts},
    {"role", "role", FieldType::kString},
};

// Fields of Part; all but the last four belong to the "data" oneof.
constexpr FieldSpec kPartFields[] = {
    {"text", "text", FieldType::kString},
    {"inlineData", "inline_data", FieldType::kAny},
    {"fileData", "file_data", FieldType::kAny},
    {"functionCall", "function_call", FieldType::kAny},
    {"functionResponse", "function_response", FieldType::kAny},
    {"executableCode", "executable_code", FieldType::kAny},
    {"codeExecutionResult", "code_execution_result", FieldType::kAny},
    {"thought", "thought", FieldType::kBool},
    {"thoughtSignature", "thought_signature", FieldType::kString},
    {"videoMetadata", "video_metadata", FieldType::kAny},
    {"partMetadata", "part_metadata", FieldType::kAny},
};
constexpr int kPartNonDataFields = 4;

constexpr FieldSpec kGenerationConfigFields[] = {
    {"stopSequences", "stop_sequences", FieldType::kStringList},
    {"responseMimeType", "response_mime_type", FieldType::kString},
    {"responseSchema", "response_schema", FieldType::kAny},
    {"responseJsonSchema", "response_json_schema", FieldType::kAny},
    {"responseModalities", "response_modalities", FieldType::kAny},
    {"candidateCount", "candidate_count", FieldType::kInt32},
    {"maxOutputTokens", "max_output_tokens", FieldType::kInt32},
    {"temperature", "temperature", FieldType::kFloat},
    {"topP", "top_p", FieldType::kFloat},
    {"topK", "top_k", FieldType::kInt32},
    {"seed", "seed", FieldType::kInt32},
    {"presencePenalty", "presence_penalty", FieldType::kFloat},
    {"frequencyPenalty", "frequency_penalty", FieldType::kFloat},
    {"responseLogprobs", "response_logprobs", FieldType::kBool},
    {"logprobs", "logprobs", FieldType::kInt32},
    {"enableEnhancedCivicAnswers", "enable_enhanced_civic_answers",
     FieldType::kBool},
    {"speechConfig", "speech_config", FieldType::kAny},
    {"thinkingConfig", "thinking_config", FieldType::kAny},
    {"imageConfig", "image_config", FieldType::kAny},
    {"mediaResolution", "media_resolution", FieldType::kString},
};

template <size_t N>
const FieldSpec* FindField(const FieldSpec (&fields)[N],
                           absl::string_view name) {
  for (const FieldSpec& f : fields) {
    if (name == f.camel || name == f.snake) return &f;
  }
  return nullptr;
}

// `value` as the transcoder quotes it in "Invalid value" messages.
std::string Quoted(const json& value) {
  std::string s = value.dump();
  return s.size() > 60 ? absl::StrCat(s.substr(0, 57), "...") : s;
}

std::string Join(absl::string_view path, absl::string_view name) {
  return path.empty() ? std::string(name) : absl::StrCat(path, ".", name);
}

std::optional<HttpReply> InvalidValue(const std::string& path,
                                      absl::string_view type,
                                      const json& value) {
  return InvalidJson(absl::StrCat("Invalid value at '", path, "' (", type,
                                  "), ", Quoted(value)),
                     path);
}

bool NumericString(const json& v, bool integral) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  if (integral) {
    int32_t out;
    return absl::SimpleAtoi(s, &out);
  }
  double out;
  return absl::SimpleAtod(s, &out);
}

std::optional<HttpReply> CheckObject(const json& value, const FieldSpec* fields,
                                     size_t count, const std::string& path,
                                     absl::string_view message_type);

template <size_t N>
std::optional<HttpReply> CheckMessage(const json& value,
                                      const FieldSpec (&fields)[N],
                                      const std::string& path,
                                      absl::string_view message_type) {
  return CheckObject(value, fields, N, path, message_type);
}

// Checks one field value against its type (null is "unset" in proto3 JSON).
std::optional<HttpReply> CheckValue(const json& v, FieldType type,
                                    const std::string& path) {
  if (v.is_null()) return std::nullopt;
  constexpr char kContentType[] =
      "type.googleapis.com/google.ai.generativelanguage.v1beta.Content";
  switch (type) {
    case FieldType::kAny:
      return std::nullopt;
    case FieldType::kString:
      if (!v.is_string()) return InvalidValue(path, "TYPE_STRING", v);
      return std::nullopt;
    case FieldType::kBool:
      if (!v.is_boolean()) return InvalidValue(path, "TYPE_BOOL", v);
      return std::nullopt;
    case FieldType::kInt32: {
      constexpr double kMin = std::numeric_limits<int32_t>::min();
      constexpr double kMax = std::numeric_limits<int32_t>::max();
      const bool in_range =
          v.is_number() && v.get<double>() >= kMin && v.get<double>() <= kMax;
      const bool ok =
          (in_range && std::floor(v.get<double>()) == v.get<double>()) ||
          NumericString(v, /*integral=*/true);
      if (!ok) return InvalidValue(path, "TYPE_INT32", v);
      return std::nullopt;
    }
    case FieldType::kFloat:
      if (!v.is_number() && !NumericString(v, /*integral=*/false)) {
        return InvalidValue(path, "TYPE_FLOAT", v);
      }
      return std::nullopt;
    case FieldType::kStringList: {
      if (!v.is_array()) return InvalidValue(path, "TYPE_STRING", v);
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string()) {
          return InvalidValue(absl::StrCat(path, "[", i, "]"), "TYPE_STRING",
                              v[i]);
        }
      }
      return std::nullopt;
    }
    case FieldType::kContents: {
      if (!v.is_array()) return InvalidValue(path, kContentType, v);
      for (size_t i = 0; i < v.size(); ++i) {
        if (auto err =
                CheckMessage(v[i], kContentFields,
                             absl::StrCat(path, "[", i, "]"), kContentType)) {
          return err;
        }
      }
      return std::nullopt;
    }
    case FieldType::kContent:
      return CheckMessage(v, kContentFields, path, kContentType);
    case FieldType::kParts: {
      constexpr char kPartType[] =
          "type.googleapis.com/google.ai.generativelanguage.v1beta.Part";
      if (!v.is_array()) return InvalidValue(path, kPartType, v);
      for (size_t i = 0; i < v.size(); ++i) {
        if (auto err =
                CheckMessage(v[i], kPartFields, absl::StrCat(path, "[", i, "]"),
                             kPartType)) {
          return err;
        }
      }
      return std::nullopt;
    }
    case FieldType::kGenerationConfig:
      return CheckMessage(
          v, kGenerationConfigFields, path,
          "type.googleapis.com/"
          "google.ai.generativelanguage.v1beta.GenerationConfig");
  }
  return std::nullopt;
}

std::optional<HttpReply> CheckObject(const json& value, const FieldSpec* fields,
                                     size_t count, const std::string& path,
                                     absl::string_view message_type) {
  if (value.is_null()) return std::nullopt;
  if (!value.is_object()) return InvalidValue(path, message_type, value);
  for (const auto& [name, v] : value.items()) {
    const FieldSpec* field = nullptr;
    for (size_t i = 0; i < count; ++i) {
      if (name == fields[i].camel || name == fields[i].snake) {
        field = &fields[i];
      }
    }
    if (field == nullptr) {
      std::string message =
          path.empty()
              ? absl::StrCat("Invalid JSON payload received. Unknown name \"",
                             name, "\": Cannot find field.")
              : absl::StrCat("Invalid JSON payload received. Unknown name \"",
                             name, "\" at '", path, "': Cannot find field.");
      return InvalidJson(message, path);
    }
    if (auto err = CheckValue(v, field->type, Join(path, field->snake))) {
      return err;
    }
  }
  return std::nullopt;
}

// Member `f` of `object` under either of its JSON names, or nullptr (also
// for null, which proto3 JSON reads as unset).
const json* Member(const json& object, const FieldSpec& f) {
  if (!object.is_object()) return nullptr;
  for (const char* name : {f.camel, f.snake}) {
    auto it = object.find(name);
    if (it != object.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

// Member `camel` of `object`, a field of any of the messages above.
const json* Member(const json& object, absl::string_view camel) {
  if (const FieldSpec* f = FindField(kRequestFields, camel)) {
    return Member(object, *f);
  }
  if (const FieldSpec* f = FindField(kContentFields, camel)) {
    return Member(object, *f);
  }
  if (const FieldSpec* f = FindField(kPartFields, camel)) {
    return Member(object, *f);
  }
  if (const FieldSpec* f = FindField(kGenerationConfigFields, camel)) {
    return Member(object, *f);
  }
  return nullptr;
}

bool PartHasData(const json& part) {
  constexpr size_t kData = std::size(kPartFields) - kPartNonDataFields;
  for (size_t i = 0; i < kData; ++i) {
    const json* v = Member(part, kPartFields[i]);
    if (v == nullptr) continue;
    if (v->is_string() && v->get_ref<const std::string&>().empty()) continue;
    return true;
  }
  return false;
}

// "* GenerateContentRequest.<field>: ..." lines for one Content.
void ContentViolations(const json& content, const std::string& path,
                       std::vector<std::string>* lines) {
  const json* parts = Member(content, "parts");
  if (parts == nullptr || parts->empty()) {
    lines->push_back(absl::StrCat("* GenerateContentRequest.", path,
                                  ".parts: contents.parts must not be "
                                  "empty.\n"));
    return;
  }
  for (size_t j = 0; j < parts->size(); ++j) {
    if (!PartHasData((*parts)[j])) {
      lines->push_back(absl::StrCat(
          "* GenerateContentRequest.", path, ".parts[", j,
          "].data: required oneof field 'data' must have one initialized "
          "field\n"));
    }
  }
}

// Reads a (transcoded) GenerateContentRequest into `g`; the error reply if
// it breaks a rule.
std::optional<HttpReply> ReadGenerateRequest(const json& body,
                                             GenerationRequest* g) {
  const json* contents = Member(body, "contents");
  if (contents == nullptr || contents->empty()) {
    return GoogleError(
        400, "* GenerateContentRequest.contents: contents is not specified\n");
  }
  std::vector<std::string> violations;
  const json* system = Member(body, "systemInstruction");
  if (system != nullptr) {
    ContentViolations(*system, "system_instruction", &violations);
  }
  for (size_t i = 0; i < contents->size(); ++i) {
    const json& content = (*contents)[i];
    const json* role = Member(content, "role");
    if (role != nullptr && *role != "" && *role != "user" && *role != "model") {
      return GoogleError(400, "Please use a valid role: user, model.");
    }
    ContentViolations(content, absl::StrCat("contents[", i, "]"), &violations);
  }
  if (!violations.empty()) {
    return GoogleError(400, absl::StrJoin(violations, ""));
  }
  if (auto err = CheckContract(body)) return err;

  if (system != nullptr) g->message_texts.push_back(ContentText(*system));
  for (const json& content : *contents) {
    std::string text = ContentText(content);
    const json* role = Member(content, "role");
    if (role == nullptr || *role == "" || *role == "user") {
      g->last_user_text = text;
    }
    g->message_texts.push_back(std::move(text));
  }
  if (const json* config = Member(body, "generationConfig")) {
    if (const json* max = Member(*config, "maxOutputTokens")) {
      int32_t n = 0;
      if (max->is_number()) {
        n = static_cast<int32_t>(max->get<double>());
      } else {
        (void)absl::SimpleAtoi(max->get<std::string>(), &n);
      }
      if (n > 0) g->max_tokens = n;
    }
  }
  return std::nullopt;
}

// Transcodes the body of a POST: the error reply if it is not a message of
// `fields`.
template <size_t N>
std::optional<HttpReply> TranscodeBody(Exchange& ex,
                                       const FieldSpec (&fields)[N],
                                       json* out) {
  const std::string content_type =
      absl::AsciiStrToLower(ex.Header("Content-Type").value_or(""));
  if (absl::StartsWith(content_type, "application/x-www-form-urlencoded")) {
    std::string name = ex.request().body.substr(0, 40);
    return InvalidJson(
        absl::StrCat("Invalid JSON payload received. Unknown name \"", name,
                     "\": Cannot bind query parameter. Field '", name,
                     "' could not be found in request message."),
        "");
  }
  absl::StatusOr<json> body = ex.JsonBody();
  if (ex.request().body.empty()) {
    *out = json::object();
    return std::nullopt;
  }
  if (!body.ok()) {
    return InvalidJson("Invalid JSON payload received. Unexpected token.\n" +
                           ex.request().body.substr(0, 40) + "\n^",
                       "");
  }
  if (!body->is_object()) {
    return InvalidJson(
        "Invalid JSON payload received. Unknown name \"\": Root element must "
        "be a message.",
        "");
  }
  if (auto err = CheckMessage(*body, fields, "", "")) return err;
  *out = *std::move(body);
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Rendering.

std::string ResponseId(int64_t seq) {
  return absl::StrFormat("fakeresp%014d", seq);
}

ojson SafetyRatings(bool blocked) {
  ojson ratings = ojson::array();
  for (const char* category :
       {"HARM_CATEGORY_SEXUALLY_EXPLICIT", "HARM_CATEGORY_HATE_SPEECH",
        "HARM_CATEGORY_HARASSMENT"}) {
    ratings.push_back({{"category", category}, {"probability", "NEGLIGIBLE"}});
  }
  ojson dangerous = {{"category", "HARM_CATEGORY_DANGEROUS_CONTENT"},
                     {"probability", blocked ? "HIGH" : "NEGLIGIBLE"}};
  if (blocked) dangerous["blocked"] = true;
  ratings.push_back(std::move(dangerous));
  return ratings;
}

// modelVersion: the model id the request named.
std::string ModelVersion(const GenerationRequest& req) { return req.model; }

// The block reason: Behavior::block_reason, or a "blockReason:<R>" finish
// reason override.
std::optional<std::string> BlockReason(const Generation& gen) {
  if (gen.block_reason.has_value()) return gen.block_reason;
  if (!gen.finish_reason_override.has_value()) return std::nullopt;
  absl::string_view r = *gen.finish_reason_override;
  if (!absl::ConsumePrefix(&r, kBlockPrefix)) return std::nullopt;
  return std::string(r);
}

// The reply to a blocked prompt: no candidates.
ojson BlockedResponse(const GenerationRequest& req, const Generation& gen,
                      const std::string& reason) {
  ojson feedback = {{"blockReason", reason}};
  if (reason == "SAFETY") feedback["safetyRatings"] = SafetyRatings(true);
  return {{"promptFeedback", std::move(feedback)},
          {"usageMetadata", UsageMetadata(gen.usage, std::nullopt)},
          {"modelVersion", ModelVersion(req)},
          {"responseId", ResponseId(req.seq)}};
}

// A candidate with `text` (when non-empty or there are no calls) and the
// function calls.
ojson Candidate(const std::string& text,
                std::optional<std::string> finish_reason,
                const std::vector<FakeToolCall>& calls = {}) {
  ojson parts = ojson::array();
  if (!text.empty() || calls.empty()) parts.push_back({{"text", text}});
  for (const FakeToolCall& call : calls) {
    parts.push_back(FunctionCallPart(call));
  }
  ojson c = {{"content", {{"parts", std::move(parts)}, {"role", "model"}}}};
  if (finish_reason.has_value()) {
    c["finishReason"] = *finish_reason;
    if (*finish_reason == "SAFETY") c["safetyRatings"] = SafetyRatings(true);
  }
  c["index"] = 0;
  return c;
}

ojson Response(const GenerationRequest& req, ojson candidate, ojson usage) {
  return {{"candidates", ojson::array({std::move(candidate)})},
          {"usageMetadata", std::move(usage)},
          {"modelVersion", ModelVersion(req)},
          {"responseId", ResponseId(req.seq)}};
}

std::string Finish(const Generation& gen) {
  return gen.FinishReason("STOP", "MAX_TOKENS");
}

// Gemini has no refusal field: a model that declines says so in text.
const std::string& AnswerText(const Generation& gen) {
  return gen.refusal.has_value() ? *gen.refusal : gen.text;
}

// The GenerateContentResponse objects of a stream: one per text delta, one
// per function call (Gemini sends each call whole), and the last one with
// the finish reason and the final usage.
std::vector<ojson> StreamChunks(const GenerationRequest& req,
                                const Generation& gen,
                                std::vector<std::string>* texts) {
  std::vector<ojson> chunks;
  *texts = gen.refusal.has_value() ? SplitDeltas(*gen.refusal) : gen.deltas;
  Usage partial = gen.usage;
  partial.reasoning_tokens = 0;
  int64_t words = 0;
  for (const std::string& d : *texts) {
    words = std::min(words + CountWords(d), gen.usage.completion_tokens);
    chunks.push_back(Response(req, Candidate(d, std::nullopt),
                              UsageMetadata(partial, words)));
  }
  for (const FakeToolCall& call : gen.tool_calls) {
    chunks.push_back(Response(req, Candidate("", std::nullopt, {call}),
                              UsageMetadata(partial, words)));
  }
  chunks.push_back(
      Response(req, Candidate("", Finish(gen)),
               UsageMetadata(gen.usage, gen.usage.completion_tokens)));
  return chunks;
}

class GeminiRenderer : public GenerationRenderer {
 public:
  HttpReply Reply(const GenerationRequest& req,
                  const Generation& gen) const override {
    ojson body;
    if (std::optional<std::string> block = BlockReason(gen)) {
      body = BlockedResponse(req, gen, *block);
    } else {
      body =
          Response(req, Candidate(AnswerText(gen), Finish(gen), gen.tool_calls),
                   UsageMetadata(gen.usage, gen.usage.completion_tokens));
    }
    HttpReply r;
    r.content_type = kJsonType;
    r.body = body.dump(2) + "\n";
    r.headers = CommonHeaders();
    return r;
  }

  StreamScript Stream(const GenerationRequest& req,
                      const Generation& gen) const override {
    const bool sse = req.body.value("sse", true);
    // The GenerateContentResponse objects: one per text delta (in
    // `chunks`), then the rest (function calls, the last) in `tail`.
    std::vector<ojson> chunks;
    std::vector<ojson> tail;
    if (std::optional<std::string> block = BlockReason(gen)) {
      tail.push_back(BlockedResponse(req, gen, *block));
    } else {
      std::vector<std::string> texts;
      chunks = StreamChunks(req, gen, &texts);
      tail.assign(chunks.begin() + texts.size(), chunks.end());
      chunks.resize(texts.size());
    }

    StreamScript s;
    s.headers = CommonHeaders();
    if (sse) {
      s.content_type = "text/event-stream";
      s.headers.emplace_back("content-disposition", "attachment");
      auto event = [](const ojson& chunk) {
        return absl::StrCat("data: ", chunk.dump(), "\r\n\r\n");
      };
      for (const ojson& c : chunks) s.deltas.push_back(event(c));
      for (const ojson& c : tail) s.tail.push_back(event(c));
      s.malformed =
          "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": "
          "\"Echo\r\n\r\n";
    } else {
      // One JSON array, streamed: "[{...}\n,\r\n{...}\n]".
      s.content_type = kJsonType;
      s.keep_alive = " ";
      s.head.push_back("[");
      bool first = true;
      auto element = [&first](const ojson& chunk) {
        std::string piece = absl::StrCat(first ? "" : "\n,\r\n", chunk.dump(2));
        first = false;
        return piece;
      };
      for (const ojson& c : chunks) s.deltas.push_back(element(c));
      for (const ojson& c : tail) s.tail.push_back(element(c));
      s.tail.push_back("\n]");
      s.malformed = "{\n  \"candidates\": [\n    {\n      \"content\": {";
    }
    return s;
  }

  HttpReply Error(const GenerationRequest& req, int status) const override {
    const std::string method = req.body.value("method", "generateContent");
    switch (status) {
      case 400:
        return GoogleError(400, "Request contains an invalid argument.");
      case 401:
        return Unauthenticated(method == "streamGenerateContent"
                                   ? "StreamGenerateContent"
                                   : "GenerateContent");
      case 403: {
        // What Google sends for a suspended key; it does quote the key.
        const std::string message = absl::StrCat(
            "Permission denied: Consumer 'api_key:",
            req.body.value("api_key", ""), "' has been suspended.");
        return GoogleError(
            403, message,
            ojson::array({ErrorInfo("CONSUMER_SUSPENDED",
                                    {{"consumer", "projects/123456789012"},
                                     {"service", kService}}),
                          LocalizedMessage(message)}));
      }
      case 404:
        return ModelNotFound(req.model, method);
      case 408:
        return GfeError(408, "Request Timeout",
                        "Your client has taken too long to issue its "
                        "request.");
      case 413:
        return GfeError(413, "Request Entity Too Large",
                        "Your client issued a request that was too large.");
      case 429:
        return RateLimited(req);
      case 499:
        return GoogleError(499, "The operation was cancelled.");
      case 500:
        return GoogleError(500, "Internal error encountered.");
      case 502:
        return GfeError(502, "Server Error",
                        "The server encountered a temporary error and could "
                        "not complete your request.<p>Please try again in 30 "
                        "seconds.");
      case 503:
        return GoogleError(503,
                           "The model is overloaded. Please try again later.");
      case 504:
        return GoogleError(504,
                           "Deadline expired before operation could complete.");
      default:
        return GoogleError(
            status,
            absl::StrCat("Request failed with HTTP status ", status, "."));
    }
  }

  // A reply cut off mid-string: starts like a response, never parses.
  std::string MalformedBody() const override {
    return "{\n  \"candidates\": [\n    {\n      \"content\": {\n        "
           "\"parts\": [\n          {\n            \"text\": \"Echo";
  }

 private:
  static HttpReply RateLimited(const GenerationRequest& req) {
    ojson quota_failure = {
        {"@type", "type.googleapis.com/google.rpc.QuotaFailure"},
        {"violations",
         ojson::array(
             {{{"quotaMetric",
                "generativelanguage.googleapis.com/"
                "generate_content_paid_tier_requests"},
               {"quotaId", "GenerateRequestsPerMinutePerProjectPerModel"},
               {"quotaDimensions",
                {{"location", "global"}, {"model", req.model}}},
               {"quotaValue", "2000"}}})}};
    ojson help = {{"@type", "type.googleapis.com/google.rpc.Help"},
                  {"links", ojson::array({{{"description",
                                            "Learn more about Gemini API "
                                            "quotas"},
                                           {"url",
                                            "https://ai.google.dev/gemini-api/"
                                            "docs/rate-limits"}}})}};
    ojson retry = {{"@type", "type.googleapis.com/google.rpc.RetryInfo"},
                   {"retryDelay", "17s"}};
    return GoogleError(
        429,
        "You exceeded your current quota, please check your plan and billing "
        "details. For more information on this error, head to: "
        "https://ai.google.dev/gemini-api/docs/rate-limits.",
        ojson::array(
            {std::move(quota_failure), std::move(help), std::move(retry)}));
  }
};

// ---------------------------------------------------------------------------
// The format.

class GeminiFormat : public WireFormat {
 public:
  std::string BasePath() const override { return "/v1beta"; }

  void RegisterRoutes(Routes& routes) override {
    // No "/:" in a pattern: newer httplib reads that as a path parameter.
    routes.Post(R"(/v1beta/models/([^:/]+):generateContent)",
                [this](Exchange& ex) { Generate(ex, false); });
    routes.Post(R"(/v1beta/models/([^:/]+):streamGenerateContent)",
                [this](Exchange& ex) { Generate(ex, true); });
    gemini_fake::RegisterEmbedRoutes(routes);
    routes.Post(R"(/v1beta/models/([^:/]+):countTokens)",
                [](Exchange& ex) { CountTokens(ex); });
    routes.Get("/v1beta/models", [](Exchange& ex) { ListModels(ex); });
    routes.Get(R"(/v1beta/models/([^:/]+))",
               [](Exchange& ex) { GetModel(ex); });
    auto not_found = [](Exchange& ex) {
      ex.Send(
          GfeError(404, "Not Found",
                   absl::StrCat("The requested URL <code>", ex.request().path,
                                "</code> was not found on this server.")));
    };
    routes.Get("/v1beta(/.*)?", not_found);
    routes.Post("/v1beta(/.*)?", not_found);
  }

 private:
  void Generate(Exchange& ex, bool stream) const {
    const char* method = stream ? "streamGenerateContent" : "generateContent";
    Caller caller =
        Authenticate(ex, stream ? "StreamGenerateContent" : "GenerateContent");
    if (caller.error.has_value()) return ex.Send(*caller.error);
    json body;
    if (auto err = TranscodeBody(ex, kRequestFields, &body)) {
      return ex.Send(*err);
    }
    const std::string model = ex.request().matches[1].str();
    const ModelInfo* info = FindModel(model);
    if (info == nullptr) return ex.Send(ModelNotFound(model, method));
    GenerationRequest g;
    g.model = info->id;
    g.stream = stream;
    if (auto err = ReadGenerateRequest(body, &g)) return ex.Send(*err);
    int64_t prompt_tokens = 0;
    for (const std::string& t : g.message_texts) prompt_tokens += CountWords(t);
    if (prompt_tokens > info->input_token_limit) {
      return ex.Send(GoogleError(
          400, absl::StrCat("The input token count (", prompt_tokens,
                            ") exceeds the maximum number of tokens allowed (",
                            info->input_token_limit, ").")));
    }
    const bool sse = !stream || (ex.request().has_param("alt") &&
                                 ex.request().get_param_value("alt") == "sse");
    g.body = json{{"request", std::move(body)},
                  {"api_key", caller.api_key},
                  {"method", method},
                  {"sse", sse}};
    ex.Generate(std::move(g), renderer_);
  }

  static void CountTokens(Exchange& ex) {
    Caller caller = Authenticate(ex, "CountTokens");
    if (caller.error.has_value()) return ex.Send(*caller.error);
    static constexpr FieldSpec kCountFields[] = {
        {"contents", "contents", FieldType::kContents},
        {"generateContentRequest", "generate_content_request", FieldType::kAny},
    };
    json body;
    if (auto err = TranscodeBody(ex, kCountFields, &body)) {
      return ex.Send(*err);
    }
    const std::string model = ex.request().matches[1].str();
    if (FindModel(model) == nullptr) {
      return ex.Send(ModelNotFound(model, "countTokens"));
    }
    json request = body;
    if (auto it = body.find("generateContentRequest"); it != body.end()) {
      request = *it;
    } else if (auto it = body.find("generate_content_request");
               it != body.end()) {
      request = *it;
    }
    if (auto err = CheckMessage(request, kRequestFields, "", "")) {
      return ex.Send(*err);
    }
    GenerationRequest g;
    if (auto err = ReadGenerateRequest(request, &g)) return ex.Send(*err);
    int64_t total = 0;
    for (const std::string& t : g.message_texts) total += CountWords(t);
    ojson reply = {
        {"totalTokens", total},
        {"promptTokensDetails",
         ojson::array({{{"modality", "TEXT"}, {"tokenCount", total}}})}};
    HttpReply r;
    r.content_type = kJsonType;
    r.body = reply.dump(2) + "\n";
    r.headers = CommonHeaders();
    ex.Send(r);
  }

  static void ListModels(Exchange& ex) {
    Caller caller = Authenticate(ex, "ListModels");
    if (caller.error.has_value()) return ex.Send(*caller.error);
    ojson models = ojson::array();
    for (const ModelInfo& m : kModels) models.push_back(ModelJson(m));
    HttpReply r;
    r.content_type = kJsonType;
    r.body = ojson{{"models", std::move(models)}}.dump(2) + "\n";
    r.headers = CommonHeaders();
    ex.Send(r);
  }

  static void GetModel(Exchange& ex) {
    Caller caller = Authenticate(ex, "GetModel");
    if (caller.error.has_value()) return ex.Send(*caller.error);
    const ModelInfo* m = FindModel(ex.request().matches[1].str());
    if (m == nullptr) {
      return ex.Send(GoogleError(404, "Requested entity was not found."));
    }
    HttpReply r;
    r.content_type = kJsonType;
    r.body = ModelJson(*m).dump(2) + "\n";
    r.headers = CommonHeaders();
    ex.Send(r);
  }

  GeminiRenderer renderer_;
};

FAKE_UPSTREAM_REGISTER_WIRE_FORMAT("gemini", GeminiFormat);

}  // namespace
}  // namespace llmgw::fake_upstream
