#include "providers/openai_compatible/openai_plain_body.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json_text.h"
#include "providers/common/codec_util.h"
#include "providers/common/json_fields.h"

namespace llmgw::openai_compat {
namespace {

bool IsPlain(const ProviderRequest& request) {
  for (const Message& message : request.messages) {
    if (message.role == MessageRole::kTool || !message.parts.empty() ||
        !message.tool_calls.empty()) {
      return false;
    }
  }
  return request.tools.empty() && !request.parallel_tool_calls &&
         request.tool_choice.mode == ToolChoice::Mode::kUnspecified &&
         request.response_format.type == ResponseFormat::Type::kText &&
         !request.seed && !request.presence_penalty &&
         !request.frequency_penalty && request.end_user_id.empty();
}

// A number as nlohmann::json dumps it (its shortest round-trip form).
std::string Number(double value) { return nlohmann::json(value).dump(); }

}  // namespace

std::optional<std::string> PlainChatBody(const ChatDialect& dialect,
                                         const ProviderRequest& request,
                                         bool stream) {
  if (!IsPlain(request)) return std::nullopt;
  // Text that is not valid UTF-8 (AppendJsonString returns false) takes the
  // DOM path, whose dump replaces such bytes its own way.
  // Members as (key, JSON text), written in key order as std::map keeps them.
  std::vector<std::pair<absl::string_view, std::string>> members;
  members.reserve(8);
  std::string text;
  if (!AppendJsonString(text, request.model)) return std::nullopt;
  members.emplace_back("model", std::move(text));
  text.clear();
  text.push_back('[');
  for (const Message& message : request.messages) {
    if (text.size() > 1) text.push_back(',');
    text.append("{\"content\":");
    if (!AppendJsonString(text, message.content)) return std::nullopt;
    text.append(",\"role\":");
    AppendJsonString(text, ChatRoleName(message.role));
    text.push_back('}');
  }
  text.push_back(']');
  members.emplace_back("messages", std::move(text));
  if (request.max_tokens > 0) {
    members.emplace_back(dialect.max_tokens_field,
                         absl::StrCat(request.max_tokens));
  }
  auto sampling = dialect.sampling != nullptr ? dialect.sampling : WireNumber;
  if (request.temperature) {
    members.emplace_back("temperature", Number(sampling(*request.temperature)));
  }
  if (request.top_p) {
    members.emplace_back("top_p", Number(sampling(*request.top_p)));
  }
  if (!request.stop.empty()) {
    text.clear();
    text.push_back('[');
    for (const std::string& stop : request.stop) {
      if (text.size() > 1) text.push_back(',');
      if (!AppendJsonString(text, stop)) return std::nullopt;
    }
    text.push_back(']');
    members.emplace_back("stop", std::move(text));
  }
  if (stream) {
    members.emplace_back("stream", "true");
    if (dialect.stream_usage) {
      members.emplace_back("stream_options", "{\"include_usage\":true}");
    }
  }
  std::sort(members.begin(), members.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string body = "{";
  for (const auto& [key, value] : members) {
    if (body.size() > 1) body.push_back(',');
    AppendJsonString(body, key);
    body.push_back(':');
    body.append(value);
  }
  body.push_back('}');
  return body;
}

}  // namespace llmgw::openai_compat
