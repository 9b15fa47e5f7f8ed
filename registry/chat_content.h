#ifndef LLMGW_REGISTRY_CHAT_CONTENT_H_
#define LLMGW_REGISTRY_CHAT_CONTENT_H_

// The provider-neutral rich contract: typed message content (text, images),
// tool calling, structured output and embeddings. The gRPC layer
// (service/proto_convert.cc) validates and bounds every field before a value
// of these types exists, so wire codecs may rely on:
//   - JSON strings (tool arguments, parameter and response schemas) parse as
//     a JSON object of bounded size and depth;
//   - an ImageContent has exactly one of `url` and `data`, and a MIME type
//     when it has `data`;
//   - tool names are [a-zA-Z0-9_-]{1,64} and unique; a kNamed ToolChoice names
//     one of the request's tools;
//   - a kTool message has a tool_call_id and a tool_name.
//
// A wire format that cannot express a feature it is asked for answers
// kInvalidRequest naming the feature and the wire format (never drops it
// silently); routing (dispatch/) skips catalog models that lack the feature
// before a request gets that far.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmgw {

// An image in a user message.
struct ImageContent {
  // An https:// or data: URL, or empty when `data` is set.
  std::string url;
  // Raw image bytes (not base64), or empty when `url` is set.
  std::string data;
  // "image/png", "image/jpeg", "image/webp", "image/gif"; required with
  // `data`, optional with `url`.
  std::string mime_type;
  // OpenAI's detail hint ("", "low", "high", "auto").
  std::string detail;
};

// One piece of a message's content.
struct ContentPart {
  enum class Kind { kText, kImage };
  Kind kind = Kind::kText;
  std::string text;    // kText
  ImageContent image;  // kImage
};

// A tool call made by the model (in a reply, or echoed back in an assistant
// message of a later request).
struct ToolCall {
  // The provider's call id; for wire formats without ids (Gemini) the codec
  // makes one ("call_<index>").
  std::string id;
  std::string name;
  // A JSON object as text ("{}" when the tool takes no arguments).
  std::string arguments_json;
};

// A piece of a streamed tool call: the first delta of call `index` carries
// its id and name, later ones append to its arguments.
struct ToolCallDelta {
  int32_t index = 0;
  std::string id;
  std::string name;
  std::string arguments_json_delta;
};

// A tool (function) the model may call.
struct ToolDefinition {
  std::string name;
  std::string description;
  // JSON Schema of the arguments as a JSON object; empty means no arguments
  // (codecs send an empty object schema where the format requires one).
  std::string parameters_json_schema;
};

struct ToolChoice {
  enum class Mode { kUnspecified, kAuto, kNone, kRequired, kNamed };
  Mode mode = Mode::kUnspecified;
  // kNamed only.
  std::string name;
};

struct ResponseFormat {
  enum class Type { kText, kJsonObject, kJsonSchema };
  Type type = Type::kText;
  // kJsonSchema only: never empty ("response" by default).
  std::string schema_name;
  // kJsonSchema only: a JSON object.
  std::string json_schema;
  bool strict = false;
};

// What a request needs from a model, checked against the catalog's features
// (ModelSpec::features) before a target is tried.
enum class ModelFeature {
  kChat,
  kTools,
  kVision,
  kJsonObject,
  kJsonSchema,
  kEmbeddings,
};

// The catalog spelling: "chat", "tools", "vision", "json_object",
// "json_schema", "embeddings".
const char* ModelFeatureName(ModelFeature feature);
// The inverse; nullopt for an unknown name.
std::optional<ModelFeature> ModelFeatureFromName(const std::string& name);

// How embeddings will be used (Cohere input_type, Gemini taskType).
enum class EmbedInputType {
  kUnspecified,
  kSearchDocument,
  kSearchQuery,
  kClassification,
  kClustering,
};

// The embedding half of a request (ProviderRequest::operation == kEmbed).
struct EmbedParams {
  // Non-empty texts, in order.
  std::vector<std::string> inputs;
  // 0 = the model's default length.
  int32_t dimensions = 0;
  EmbedInputType input_type = EmbedInputType::kUnspecified;
};

}  // namespace llmgw

#endif  // LLMGW_REGISTRY_CHAT_CONTENT_H_
