#include "tests/fake_upstream/anthropic/anthropic_rich.h"

#include <algorithm>
#include <regex>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace llmgw::fake_upstream::anthropic {
namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

const json* Find(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

bool IsString(const json* value) {
  return value != nullptr && value->is_string();
}

std::optional<std::string> CheckImage(const json& block,
                                      const std::string& at) {
  const json* source = Find(block, "source");
  if (source == nullptr || !source->is_object()) {
    return absl::StrCat(at, ".source: Field required");
  }
  const json* type = Find(*source, "type");
  const std::string kind = IsString(type) ? type->get<std::string>() : "";
  if (kind == "url") {
    const json* url = Find(*source, "url");
    if (!IsString(url) || url->get<std::string>().empty()) {
      return absl::StrCat(at, ".source.url: Field required");
    }
    return std::nullopt;
  }
  if (kind != "base64") {
    return absl::StrCat(at, ".source: Input tag '", kind,
                        "' found using 'type' does not match any of the "
                        "expected tags: 'base64', 'url'");
  }
  const json* media = Find(*source, "media_type");
  static const char* const kTypes[] = {"image/jpeg", "image/png", "image/gif",
                                       "image/webp"};
  if (!IsString(media) ||
      std::find(std::begin(kTypes), std::end(kTypes),
                media->get<std::string>()) == std::end(kTypes)) {
    return absl::StrCat(at,
                        ".source.media_type: Input should be 'image/jpeg', "
                        "'image/png', 'image/gif' or 'image/webp'");
  }
  const json* data = Find(*source, "data");
  std::string decoded;
  if (!IsString(data) || data->get<std::string>().empty() ||
      !absl::Base64Unescape(data->get<std::string>(), &decoded)) {
    return absl::StrCat(at, ".source.data: invalid base64 data");
  }
  return std::nullopt;
}

std::optional<std::string> CheckToolUse(const json& block,
                                        const std::string& at,
                                        BlockContext& context,
                                        std::vector<std::string>& text) {
  if (!context.assistant) {
    return absl::StrCat(at,
                        ": tool_use blocks are only allowed in "
                        "assistant messages");
  }
  for (const char* key : {"id", "name"}) {
    if (!IsString(Find(block, key))) {
      return absl::StrCat(at, ".", key, ": Field required");
    }
  }
  const json* input = Find(block, "input");
  if (input == nullptr || !input->is_object()) {
    return absl::StrCat(at, ".input: Input should be a valid dictionary");
  }
  context.tool_use_ids.insert(block["id"].get<std::string>());
  text.push_back(input->dump());
  return std::nullopt;
}

std::optional<std::string> CheckToolResult(const json& block,
                                           const std::string& at,
                                           BlockContext& context,
                                           std::vector<std::string>& text) {
  if (context.assistant) {
    return absl::StrCat(at,
                        ": tool_result blocks are only allowed in user "
                        "messages");
  }
  const json* id = Find(block, "tool_use_id");
  if (!IsString(id)) return absl::StrCat(at, ".tool_use_id: Field required");
  if (context.previous_tool_use_ids.count(id->get<std::string>()) == 0) {
    return absl::StrCat(
        "messages: unexpected `tool_use_id` found in `tool_result` blocks: ",
        id->get<std::string>(),
        ". Each `tool_result` block must have a corresponding `tool_use` "
        "block in the previous message.");
  }
  const json* is_error = Find(block, "is_error");
  if (is_error != nullptr && !is_error->is_boolean()) {
    return absl::StrCat(at, ".is_error: Input should be a valid boolean");
  }
  const json* content = Find(block, "content");
  if (content == nullptr) return std::nullopt;
  if (content->is_string()) {
    text.push_back(content->get<std::string>());
    return std::nullopt;
  }
  if (!content->is_array()) {
    return absl::StrCat(at, ".content: Input should be a valid list");
  }
  BlockContext inner;  // text and images only
  for (size_t i = 0; i < content->size(); ++i) {
    const json& part = (*content)[i];
    const std::string part_at = absl::StrCat(at, ".content.", i);
    const json* type = part.is_object() ? Find(part, "type") : nullptr;
    if (IsString(type) && *type == "text" && IsString(Find(part, "text"))) {
      text.push_back(part["text"].get<std::string>());
    } else if (IsString(type) && *type == "image") {
      if (auto error = CheckImage(part, part_at)) return error;
    } else {
      return absl::StrCat(part_at,
                          ": tool_result content must be text or "
                          "image blocks");
    }
  }
  return std::nullopt;
}

std::optional<std::string> CheckTools(const json& tools,
                                      std::set<std::string>& names) {
  if (!tools.is_array())
    return std::string("tools: Input should be a valid list");
  static const std::regex kName("[a-zA-Z0-9_-]{1,128}");
  for (size_t i = 0; i < tools.size(); ++i) {
    const json& tool = tools[i];
    const std::string at = absl::StrCat("tools.", i);
    if (!tool.is_object())
      return absl::StrCat(at, ": Input should be a valid dictionary");
    const json* name = Find(tool, "name");
    if (!IsString(name)) return absl::StrCat(at, ".name: Field required");
    if (!std::regex_match(name->get<std::string>(), kName)) {
      return absl::StrCat(at,
                          ".name: String should match pattern "
                          "'^[a-zA-Z0-9_-]{1,128}$'");
    }
    if (!names.insert(name->get<std::string>()).second) {
      return std::string("tools: Tool names must be unique.");
    }
    const json* description = Find(tool, "description");
    if (description != nullptr && !description->is_string()) {
      return absl::StrCat(at, ".description: Input should be a valid string");
    }
    const json* schema = Find(tool, "input_schema");
    if (schema == nullptr)
      return absl::StrCat(at, ".input_schema: Field required");
    if (!schema->is_object() || Find(*schema, "type") == nullptr ||
        (*schema)["type"] != "object") {
      return absl::StrCat(at, ".input_schema.type: Input should be 'object'");
    }
  }
  return std::nullopt;
}

std::optional<std::string> CheckToolChoice(const json& choice,
                                           const std::set<std::string>& names,
                                           bool has_tools) {
  if (!choice.is_object()) {
    return std::string("tool_choice: Input should be a valid dictionary");
  }
  const json* type = Find(choice, "type");
  const std::string kind = IsString(type) ? type->get<std::string>() : "";
  if (kind != "auto" && kind != "any" && kind != "none" && kind != "tool") {
    return absl::StrCat("tool_choice: Input tag '", kind,
                        "' found using 'type' does not match any of the "
                        "expected tags: 'auto', 'any', 'tool', 'none'");
  }
  const json* parallel = Find(choice, "disable_parallel_tool_use");
  if (parallel != nullptr && !parallel->is_boolean()) {
    return std::string(
        "tool_choice.disable_parallel_tool_use: Input should be a valid "
        "boolean");
  }
  if (!has_tools && kind != "none") {
    return std::string(
        "tool_choice: tool_choice may only be specified while providing "
        "tools.");
  }
  if (kind == "tool") {
    const json* name = Find(choice, "name");
    if (!IsString(name)) return std::string("tool_choice.name: Field required");
    if (names.count(name->get<std::string>()) == 0) {
      return absl::StrCat("tool_choice.name: Tool '", name->get<std::string>(),
                          "' not found in provided tools");
    }
  }
  return std::nullopt;
}

std::optional<std::string> CheckOutputConfig(const json& config) {
  if (!config.is_object()) {
    return std::string("output_config: Input should be a valid dictionary");
  }
  const json* format = Find(config, "format");
  if (format == nullptr) return std::nullopt;
  if (!format->is_object() || Find(*format, "type") == nullptr ||
      (*format)["type"] != "json_schema") {
    return std::string(
        "output_config.format.type: Input should be "
        "'json_schema'");
  }
  const json* schema = Find(*format, "schema");
  if (schema == nullptr || !schema->is_object()) {
    return std::string("output_config.format.schema: Field required");
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> CheckBlock(const json& block, const std::string& at,
                                      BlockContext& context,
                                      std::vector<std::string>& text) {
  const std::string type = block["type"].get<std::string>();
  if (type == "image") {
    if (context.assistant) {
      return absl::StrCat(at,
                          ": image blocks are only allowed in user "
                          "messages");
    }
    return CheckImage(block, at);
  }
  if (type == "tool_use") return CheckToolUse(block, at, context, text);
  if (type == "tool_result") return CheckToolResult(block, at, context, text);
  return absl::StrCat(at, ".type: Input tag '", type,
                      "' found using 'type' does not match any of the "
                      "expected tags: 'text', 'image', 'tool_use', "
                      "'tool_result'");
}

std::optional<std::string> CheckOptions(const json& body) {
  std::set<std::string> names;
  const json* tools = Find(body, "tools");
  if (tools != nullptr) {
    if (auto error = CheckTools(*tools, names)) return error;
  }
  if (const json* choice = Find(body, "tool_choice")) {
    if (auto error = CheckToolChoice(*choice, names, !names.empty())) {
      return error;
    }
  }
  if (const json* metadata = Find(body, "metadata")) {
    if (!metadata->is_object()) {
      return std::string("metadata: Input should be a valid dictionary");
    }
    for (const auto& [key, value] : metadata->items()) {
      if (key != "user_id") {
        return absl::StrCat("metadata.", key,
                            ": Extra inputs are not permitted");
      }
      if (!value.is_string() && !value.is_null()) {
        return std::string("metadata.user_id: Input should be a valid string");
      }
    }
  }
  if (const json* config = Find(body, "output_config")) {
    if (auto error = CheckOutputConfig(*config)) return error;
  }
  return std::nullopt;
}

ojson UsageJson(const Usage& u, int64_t output_tokens) {
  const int64_t fresh = std::max<int64_t>(
      0, u.prompt_tokens - u.cached_tokens - u.cache_write_tokens);
  ojson usage = {{"input_tokens", fresh},
                 {"cache_creation_input_tokens", u.cache_write_tokens},
                 {"cache_read_input_tokens", u.cached_tokens},
                 {"cache_creation",
                  {{"ephemeral_5m_input_tokens", u.cache_write_tokens},
                   {"ephemeral_1h_input_tokens", 0}}},
                 {"output_tokens", output_tokens},
                 {"service_tier", "standard"}};
  if (u.reasoning_tokens > 0) {
    usage["output_tokens_details"] = {{"thinking_tokens", u.reasoning_tokens}};
  }
  return usage;
}

std::string StopReason(const Generation& gen) {
  if (gen.finish_reason_override.has_value()) {
    return *gen.finish_reason_override;
  }
  if (gen.refusal.has_value()) return "refusal";
  if (!gen.tool_calls.empty()) return "tool_use";
  return gen.FinishReason("end_turn", "max_tokens");
}

ojson StopDetails(const Generation& gen) {
  if (!gen.refusal.has_value()) return nullptr;
  return {{"type", "refusal"},
          {"category",
           gen.block_reason.has_value() ? ojson(*gen.block_reason) : nullptr},
          {"explanation", *gen.refusal}};
}

std::vector<ojson> ToolUseBlocks(const Generation& gen) {
  std::vector<ojson> blocks;
  for (const FakeToolCall& call : gen.tool_calls) {
    ojson input = ojson::parse(call.arguments_json, nullptr, false);
    if (input.is_discarded() || !input.is_object()) input = ojson::object();
    blocks.push_back({{"type", "tool_use"},
                      {"id", call.id},
                      {"name", call.name},
                      {"input", std::move(input)}});
  }
  return blocks;
}

std::vector<std::string> ToolCallEvents(const Generation& gen,
                                        int first_index) {
  std::vector<std::string> events;
  int index = first_index;
  for (const FakeToolCall& call : gen.tool_calls) {
    events.push_back(
        Event("content_block_start", {{"type", "content_block_start"},
                                      {"index", index},
                                      {"content_block",
                                       {{"type", "tool_use"},
                                        {"id", call.id},
                                        {"name", call.name},
                                        {"input", ojson::object()}}}}));
    const std::string& args = call.arguments_json;
    const size_t third = args.size() / 3;
    const std::string pieces[] = {"", args.substr(0, third),
                                  args.substr(third, third),
                                  args.substr(2 * third)};
    for (const std::string& piece : pieces) {
      events.push_back(
          Event("content_block_delta",
                {{"type", "content_block_delta"},
                 {"index", index},
                 {"delta",
                  {{"type", "input_json_delta"}, {"partial_json", piece}}}}));
    }
    events.push_back(Event("content_block_stop",
                           {{"type", "content_block_stop"}, {"index", index}}));
    ++index;
  }
  return events;
}

std::string Event(const std::string& type, const ojson& data) {
  return absl::StrCat("event: ", type, "\ndata: ", data.dump(), "\n\n");
}

}  // namespace llmgw::fake_upstream::anthropic
