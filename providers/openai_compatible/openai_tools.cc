#include "providers/openai_compatible/openai_tools.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "providers/common/json_fields.h"

namespace llmgw::openai_compat {
namespace {

using nlohmann::json;

// function.arguments as JSON text: a string as is, an object serialised.
std::string ArgumentsText(const json& function) {
  const json* arguments = Field(function, "arguments");
  if (arguments == nullptr || arguments->is_null()) return "";
  if (arguments->is_string()) return arguments->get<std::string>();
  return DumpJson(*arguments);
}

ProviderError Overflow(absl::string_view what) {
  return ProviderError{ErrorClass::kTransient, 0,
                       absl::StrCat("malformed stream: ", what)};
}

}  // namespace

void ReadToolCallsAndRefusal(const json& message, ProviderReply& reply) {
  if (const json* calls = Field(message, "tool_calls");
      calls != nullptr && calls->is_array()) {
    for (const json& call : *calls) {
      const json* function = Field(call, "function");
      if (function == nullptr || !function->is_object()) continue;
      ToolCall parsed;
      parsed.id = StringField(call, "id");
      parsed.name = StringField(*function, "name");
      parsed.arguments_json = ArgumentsText(*function);
      if (parsed.arguments_json.empty()) parsed.arguments_json = "{}";
      reply.tool_calls.push_back(std::move(parsed));
    }
  }
  reply.refusal = StringField(message, "refusal");
}

std::optional<size_t> ToolCallAssembler::Slot(const json& piece,
                                              ProviderReply& summary) {
  const json* index = Field(piece, "index");
  const std::string id = StringField(piece, "id");
  if (index != nullptr && index->is_number_integer()) {
    auto [it, inserted] = by_wire_index_.emplace(index->get<long long>(),
                                                 summary.tool_calls.size());
    if (!inserted) return it->second;
  } else if (!summary.tool_calls.empty() &&
             (id.empty() || id == summary.tool_calls.back().id)) {
    return summary.tool_calls.size() - 1;
  }
  if (summary.tool_calls.size() >= kMaxStreamToolCalls) return std::nullopt;
  summary.tool_calls.emplace_back();
  return summary.tool_calls.size() - 1;
}

void ToolCallAssembler::OnDelta(const json& delta, StreamUpdate& update,
                                ProviderReply& summary) {
  if (const json* refusal = Field(delta, "refusal");
      refusal != nullptr && refusal->is_string()) {
    update.refusal_delta = refusal->get<std::string>();
    if (summary.refusal.size() + update.refusal_delta.size() >
        kMaxRefusalBytes) {
      update.error = Overflow("refusal longer than 1 MiB");
      return;
    }
    summary.refusal += update.refusal_delta;
  }
  const json* pieces = Field(delta, "tool_calls");
  if (pieces == nullptr || !pieces->is_array()) return;
  for (const json& piece : *pieces) {
    if (!piece.is_object()) continue;
    std::optional<size_t> slot = Slot(piece, summary);
    if (!slot) {
      update.error = Overflow("more than 128 tool calls in one turn");
      return;
    }
    ToolCall& call = summary.tool_calls[*slot];
    ToolCallDelta out;
    out.index = static_cast<int32_t>(*slot);
    const std::string id = StringField(piece, "id");
    if (call.id.empty() && !id.empty()) call.id = out.id = id;
    const json* function = Field(piece, "function");
    if (function != nullptr && function->is_object()) {
      const std::string name = StringField(*function, "name");
      if (call.name.empty() && !name.empty()) call.name = out.name = name;
      out.arguments_json_delta = ArgumentsText(*function);
    }
    if (call.arguments_json.size() + out.arguments_json_delta.size() >
        kMaxToolArgumentsBytes) {
      update.error = Overflow("tool call arguments longer than 1 MiB");
      return;
    }
    call.arguments_json += out.arguments_json_delta;
    if (!out.id.empty() || !out.name.empty() ||
        !out.arguments_json_delta.empty()) {
      update.tool_call_deltas.push_back(std::move(out));
    }
  }
}

}  // namespace llmgw::openai_compat
