#include "service/proto_convert_content.h"

#include <cmath>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/error_details.h"
#include "service/json_object_check.h"

namespace llmgw {
namespace {

namespace pb = ::llmgateway::v1;

bool IsToolName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxToolNameBytes) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

constexpr char kToolNameRule[] = "must be 1 to 64 characters of [a-zA-Z0-9_-]";

bool IsImageMime(absl::string_view mime) {
  return mime == "image/png" || mime == "image/jpeg" || mime == "image/webp" ||
         mime == "image/gif";
}

constexpr char kImageMimeRule[] =
    "must be image/png, image/jpeg, image/webp or image/gif";

// A JSON-object field: "" is allowed only when `optional`.
absl::Status CheckJsonField(const std::string& field, absl::string_view text,
                            size_t max_bytes) {
  std::string problem = JsonObjectProblem(text, max_bytes, kMaxSchemaDepth);
  if (problem.empty()) return absl::OkStatus();
  return InvalidField(field, absl::StrCat(field, " ", problem));
}

absl::Status ConvertImage(const pb::ImagePart& image, const std::string& field,
                          ImageContent& out) {
  if (image.url().empty() == image.data().empty()) {
    return InvalidField(field, absl::StrCat(field,
                                            " must set exactly one of url and "
                                            "data"));
  }
  if (!image.url().empty()) {
    const std::string url_field = absl::StrCat(field, ".url");
    if (image.url().size() > kMaxImageUrlBytes) {
      return InvalidField(
          url_field,
          absl::StrCat(url_field, " has ", image.url().size(),
                       " bytes; at most ", kMaxImageUrlBytes, " are allowed"));
    }
    if (absl::StartsWithIgnoreCase(image.url(), "data:")) {
      const absl::string_view rest = absl::string_view(image.url()).substr(5);
      const size_t semi = rest.find(';');
      if (semi == absl::string_view::npos ||
          !IsImageMime(rest.substr(0, semi)) ||
          !absl::StartsWith(rest.substr(semi), ";base64,")) {
        return InvalidField(
            url_field,
            absl::StrCat(url_field,
                         " must be data:<mime>;base64,<data> where <mime> is "
                         "image/png, image/jpeg, image/webp or image/gif"));
      }
    } else if (!absl::StartsWithIgnoreCase(image.url(), "https://") ||
               image.url().size() <= 8) {
      return InvalidField(
          url_field,
          absl::StrCat(url_field, " must be an https:// or data: URL"));
    }
  } else if (image.data().size() > kMaxImageBytes) {
    const std::string data_field = absl::StrCat(field, ".data");
    return InvalidField(
        data_field,
        absl::StrCat(data_field, " has ", image.data().size(),
                     " bytes; at most ", kMaxImageBytes, " are allowed"));
  }
  const std::string mime_field = absl::StrCat(field, ".mime_type");
  if (!image.data().empty() && image.mime_type().empty()) {
    return InvalidField(mime_field,
                        absl::StrCat(mime_field, " is required with data and ",
                                     kImageMimeRule));
  }
  if (!image.mime_type().empty() && !IsImageMime(image.mime_type())) {
    return InvalidField(
        mime_field, absl::StrCat(mime_field, " ", kImageMimeRule, ", got \"",
                                 image.mime_type(), "\""));
  }
  const std::string& detail = image.detail();
  if (!detail.empty() && detail != "low" && detail != "high" &&
      detail != "auto") {
    const std::string detail_field = absl::StrCat(field, ".detail");
    return InvalidField(detail_field,
                        absl::StrCat(detail_field,
                                     " must be \"\", \"low\", \"high\" or "
                                     "\"auto\""));
  }
  out.url = image.url();
  out.data = image.data();
  out.mime_type = image.mime_type();
  out.detail = detail;
  return absl::OkStatus();
}

absl::Status ConvertParts(const pb::ChatMessage& m, const std::string& prefix,
                          size_t text_bytes_limit, Message& out) {
  const std::string field = absl::StrCat(prefix, ".parts");
  if (m.parts_size() > kMaxPartsPerMessage) {
    return InvalidField(
        field,
        absl::StrCat(field, " has ", m.parts_size(), " entries; at most ",
                     kMaxPartsPerMessage, " are allowed"));
  }
  size_t text_bytes = 0;
  for (int j = 0; j < m.parts_size(); ++j) {
    const pb::ContentPart& p = m.parts(j);
    const std::string part_field = absl::StrCat(field, "[", j, "]");
    ContentPart part;
    switch (p.part_case()) {
      case pb::ContentPart::kText:
        if (p.text().empty()) {
          return InvalidField(absl::StrCat(part_field, ".text"),
                              absl::StrCat(part_field, ".text is empty"));
        }
        text_bytes += p.text().size();
        if (text_bytes > text_bytes_limit) {
          return InvalidField(
              field, absl::StrCat(field, " holds more than ", text_bytes_limit,
                                  " bytes of text"));
        }
        part.kind = ContentPart::Kind::kText;
        part.text = p.text();
        break;
      case pb::ContentPart::kImage:
        if (m.role() != pb::ROLE_USER) {
          return InvalidField(
              absl::StrCat(part_field, ".image"),
              absl::StrCat(part_field,
                           ".image: images are allowed in ROLE_USER "
                           "messages only"));
        }
        part.kind = ContentPart::Kind::kImage;
        if (absl::Status s = ConvertImage(
                p.image(), absl::StrCat(part_field, ".image"), part.image);
            !s.ok()) {
          return s;
        }
        break;
      default:
        return InvalidField(
            part_field,
            absl::StrCat(part_field, " is empty: set text or image"));
    }
    out.parts.push_back(std::move(part));
  }
  return absl::OkStatus();
}

absl::Status ConvertToolCalls(const pb::ChatMessage& m,
                              const std::string& prefix, Message& out) {
  const std::string field = absl::StrCat(prefix, ".tool_calls");
  if (m.tool_calls_size() == 0) return absl::OkStatus();
  if (m.role() != pb::ROLE_ASSISTANT) {
    return InvalidField(field, absl::StrCat(field,
                                            " is allowed in ROLE_ASSISTANT "
                                            "messages only"));
  }
  if (m.tool_calls_size() > kMaxToolCallsPerMessage) {
    return InvalidField(
        field,
        absl::StrCat(field, " has ", m.tool_calls_size(), " entries; at most ",
                     kMaxToolCallsPerMessage, " are allowed"));
  }
  for (int j = 0; j < m.tool_calls_size(); ++j) {
    const pb::ToolCall& c = m.tool_calls(j);
    const std::string call_field = absl::StrCat(field, "[", j, "]");
    if (c.id().empty() || c.id().size() > kMaxToolCallIdBytes) {
      return InvalidField(absl::StrCat(call_field, ".id"),
                          absl::StrCat(call_field, ".id must be 1 to ",
                                       kMaxToolCallIdBytes, " bytes"));
    }
    if (!IsToolName(c.name())) {
      return InvalidField(absl::StrCat(call_field, ".name"),
                          absl::StrCat(call_field, ".name ", kToolNameRule));
    }
    ToolCall call{c.id(), c.name(), c.arguments_json()};
    if (call.arguments_json.empty()) {
      call.arguments_json = "{}";
    } else if (absl::Status s =
                   CheckJsonField(absl::StrCat(call_field, ".arguments_json"),
                                  c.arguments_json(), kMaxToolArgumentsBytes);
               !s.ok()) {
      return s;
    }
    out.tool_calls.push_back(std::move(call));
  }
  return absl::OkStatus();
}

// tool_call_id and tool_name (ROLE_TOOL only; the id is required there).
absl::Status ConvertToolResult(const pb::ChatMessage& m,
                               const std::string& prefix, Message& out) {
  const std::string id_field = absl::StrCat(prefix, ".tool_call_id");
  const std::string name_field = absl::StrCat(prefix, ".tool_name");
  if (m.role() != pb::ROLE_TOOL) {
    if (!m.tool_call_id().empty()) {
      return InvalidField(id_field, absl::StrCat(id_field,
                                                 " is allowed in ROLE_TOOL "
                                                 "messages only"));
    }
    if (!m.tool_name().empty()) {
      return InvalidField(name_field, absl::StrCat(name_field,
                                                   " is allowed in ROLE_TOOL "
                                                   "messages only"));
    }
    return absl::OkStatus();
  }
  if (m.tool_call_id().empty() ||
      m.tool_call_id().size() > kMaxToolCallIdBytes) {
    return InvalidField(
        id_field,
        absl::StrCat(id_field, " is required in ROLE_TOOL messages (1 to ",
                     kMaxToolCallIdBytes,
                     " bytes): the id of the tool call this result answers"));
  }
  if (!m.tool_name().empty() && !IsToolName(m.tool_name())) {
    return InvalidField(name_field,
                        absl::StrCat(name_field, " ", kToolNameRule));
  }
  out.tool_call_id = m.tool_call_id();
  out.tool_name = m.tool_name();
  return absl::OkStatus();
}

absl::Status ConvertTools(const pb::GenerateRequest& request,
                          GenerateInput& input) {
  if (request.tools_size() > kMaxTools) {
    return InvalidField(
        "tools", absl::StrCat("tools has ", request.tools_size(),
                              " entries; at most ", kMaxTools, " are allowed"));
  }
  absl::flat_hash_set<std::string> names;
  for (int i = 0; i < request.tools_size(); ++i) {
    const pb::Tool& t = request.tools(i);
    const std::string field = absl::StrCat("tools[", i, "]");
    if (!IsToolName(t.name())) {
      return InvalidField(absl::StrCat(field, ".name"),
                          absl::StrCat(field, ".name ", kToolNameRule));
    }
    if (!names.insert(t.name()).second) {
      return InvalidField(absl::StrCat(field, ".name"),
                          absl::StrCat(field, ".name \"", t.name(),
                                       "\" is declared twice; tool names must "
                                       "be unique"));
    }
    if (t.description().size() > kMaxToolDescriptionBytes) {
      return InvalidField(absl::StrCat(field, ".description"),
                          absl::StrCat(field, ".description is longer than ",
                                       kMaxToolDescriptionBytes, " bytes"));
    }
    if (!t.parameters_json_schema().empty()) {
      if (absl::Status s =
              CheckJsonField(absl::StrCat(field, ".parameters_json_schema"),
                             t.parameters_json_schema(), kMaxSchemaBytes);
          !s.ok()) {
        return s;
      }
    }
    input.request.tools.push_back(
        ToolDefinition{t.name(), t.description(), t.parameters_json_schema()});
  }
  return absl::OkStatus();
}

absl::Status ConvertToolChoice(const pb::GenerateRequest& request,
                               GenerateInput& input) {
  const pb::ToolChoice& c = request.tool_choice();
  ToolChoice& out = input.request.tool_choice;
  switch (c.mode()) {
    case pb::ToolChoice::MODE_UNSPECIFIED:
      out.mode = ToolChoice::Mode::kUnspecified;
      break;
    case pb::ToolChoice::MODE_AUTO:
      out.mode = ToolChoice::Mode::kAuto;
      break;
    case pb::ToolChoice::MODE_NONE:
      out.mode = ToolChoice::Mode::kNone;
      break;
    case pb::ToolChoice::MODE_REQUIRED:
      out.mode = ToolChoice::Mode::kRequired;
      break;
    case pb::ToolChoice::MODE_NAMED:
      out.mode = ToolChoice::Mode::kNamed;
      break;
    default:
      return InvalidField(
          "tool_choice.mode",
          absl::StrCat("tool_choice.mode ", c.mode(), " is not a known mode"));
  }
  if (c.mode() != pb::ToolChoice::MODE_NAMED && !c.name().empty()) {
    return InvalidField("tool_choice.name",
                        "tool_choice.name is only allowed with MODE_NAMED");
  }
  if ((c.mode() == pb::ToolChoice::MODE_REQUIRED ||
       c.mode() == pb::ToolChoice::MODE_NAMED) &&
      request.tools_size() == 0) {
    return InvalidField("tool_choice.mode",
                        "tool_choice MODE_REQUIRED and MODE_NAMED need tools: "
                        "declare them in tools");
  }
  if (c.mode() == pb::ToolChoice::MODE_AUTO && request.tools_size() == 0) {
    return InvalidField("tool_choice.mode",
                        "tool_choice MODE_AUTO needs tools: declare them in "
                        "tools");
  }
  if (c.mode() == pb::ToolChoice::MODE_NAMED) {
    bool declared = false;
    for (const pb::Tool& t : request.tools()) declared |= t.name() == c.name();
    if (!declared) {
      return InvalidField("tool_choice.name",
                          absl::StrCat("tool_choice.name \"", c.name(),
                                       "\" is not one of the declared tools"));
    }
    out.name = c.name();
  }
  if (request.has_parallel_tool_calls()) {
    input.request.parallel_tool_calls = request.parallel_tool_calls();
  }
  return absl::OkStatus();
}

absl::Status ConvertResponseFormat(const pb::GenerateRequest& request,
                                   GenerateInput& input) {
  const pb::ResponseFormat& f = request.response_format();
  ResponseFormat& out = input.request.response_format;
  switch (f.type()) {
    case pb::ResponseFormat::TYPE_UNSPECIFIED:
    case pb::ResponseFormat::TYPE_TEXT:
      out.type = ResponseFormat::Type::kText;
      break;
    case pb::ResponseFormat::TYPE_JSON_OBJECT:
      out.type = ResponseFormat::Type::kJsonObject;
      break;
    case pb::ResponseFormat::TYPE_JSON_SCHEMA:
      out.type = ResponseFormat::Type::kJsonSchema;
      break;
    default:
      return InvalidField("response_format.type",
                          absl::StrCat("response_format.type ", f.type(),
                                       " is not a known type"));
  }
  if (f.type() != pb::ResponseFormat::TYPE_JSON_SCHEMA) {
    if (!f.json_schema().empty() || !f.schema_name().empty() || f.strict()) {
      return InvalidField("response_format.json_schema",
                          "response_format.json_schema, schema_name and "
                          "strict are only allowed with TYPE_JSON_SCHEMA");
    }
    return absl::OkStatus();
  }
  if (f.json_schema().empty()) {
    return InvalidField("response_format.json_schema",
                        "response_format.json_schema is required with "
                        "TYPE_JSON_SCHEMA");
  }
  if (absl::Status s = CheckJsonField("response_format.json_schema",
                                      f.json_schema(), kMaxSchemaBytes);
      !s.ok()) {
    return s;
  }
  if (!f.schema_name().empty() && !IsToolName(f.schema_name())) {
    return InvalidField(
        "response_format.schema_name",
        absl::StrCat("response_format.schema_name ", kToolNameRule));
  }
  out.schema_name = f.schema_name().empty() ? "response" : f.schema_name();
  out.json_schema = f.json_schema();
  out.strict = f.strict();
  return absl::OkStatus();
}

absl::Status CheckPenalty(const char* field, float value) {
  if (!std::isfinite(value) || value < -kMaxPenalty || value > kMaxPenalty) {
    return InvalidField(
        field, absl::StrCat(field, " must be within [-2, 2], got ", value));
  }
  return absl::OkStatus();
}

absl::Status ConvertSamplingExtras(const pb::GenerateRequest& request,
                                   GenerateInput& input) {
  if (request.has_seed()) input.request.seed = request.seed();
  if (request.has_presence_penalty()) {
    if (absl::Status s =
            CheckPenalty("presence_penalty", request.presence_penalty());
        !s.ok()) {
      return s;
    }
    input.request.presence_penalty = request.presence_penalty();
  }
  if (request.has_frequency_penalty()) {
    if (absl::Status s =
            CheckPenalty("frequency_penalty", request.frequency_penalty());
        !s.ok()) {
      return s;
    }
    input.request.frequency_penalty = request.frequency_penalty();
  }
  if (request.end_user_id().size() > kMaxEndUserIdBytes) {
    return InvalidField(
        "end_user_id",
        absl::StrCat("end_user_id has ", request.end_user_id().size(),
                     " bytes; at most ", kMaxEndUserIdBytes, " are allowed"));
  }
  input.request.end_user_id = request.end_user_id();
  return absl::OkStatus();
}

}  // namespace

absl::Status ConvertMessageContent(const pb::ChatMessage& m, int index,
                                   size_t text_bytes_limit, Message& out) {
  const std::string prefix = absl::StrCat("messages[", index, "]");
  if (!m.content().empty() && m.parts_size() > 0) {
    return InvalidField(
        absl::StrCat(prefix, ".parts"),
        absl::StrCat(prefix, " sets both content and parts: set one"));
  }
  if (m.content().empty() && m.parts_size() == 0 && m.tool_calls_size() == 0) {
    return InvalidField(
        absl::StrCat(prefix, ".content"),
        absl::StrCat(prefix, ".content is empty",
                     m.role() == pb::ROLE_ASSISTANT
                         ? " (and the message has no parts or tool_calls)"
                         : " (and the message has no parts)"));
  }
  if (m.content().size() > text_bytes_limit) {
    return InvalidField(
        absl::StrCat(prefix, ".content"),
        absl::StrCat(prefix, ".content has ", m.content().size(),
                     " bytes; at most ", text_bytes_limit, " are allowed"));
  }
  out.content = m.content();
  if (absl::Status s = ConvertParts(m, prefix, text_bytes_limit, out);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ConvertToolCalls(m, prefix, out); !s.ok()) return s;
  if (m.role() == pb::ROLE_TOOL && out.content.empty() && out.parts.empty()) {
    return InvalidField(
        absl::StrCat(prefix, ".content"),
        absl::StrCat(prefix,
                     ".content is empty: a ROLE_TOOL message carries "
                     "the tool's result in content or text parts"));
  }
  return ConvertToolResult(m, prefix, out);
}

absl::Status ResolveToolNames(std::vector<Message>& messages) {
  for (size_t i = 0; i < messages.size(); ++i) {
    Message& m = messages[i];
    if (m.role != MessageRole::kTool || !m.tool_name.empty()) continue;
    for (size_t j = i; j-- > 0 && m.tool_name.empty();) {
      for (const ToolCall& call : messages[j].tool_calls) {
        if (call.id == m.tool_call_id) {
          m.tool_name = call.name;
          break;
        }
      }
    }
    if (m.tool_name.empty()) {
      const std::string field = absl::StrCat("messages[", i, "].tool_call_id");
      return InvalidField(
          field, absl::StrCat(field, " \"", m.tool_call_id,
                              "\" matches no tool call of an earlier "
                              "ROLE_ASSISTANT message: echo the call (or set "
                              "tool_name)"));
    }
  }
  return absl::OkStatus();
}

absl::Status ConvertGenerationOptions(const pb::GenerateRequest& request,
                                      GenerateInput& input) {
  for (auto convert : {ConvertTools, ConvertToolChoice, ConvertResponseFormat,
                       ConvertSamplingExtras}) {
    if (absl::Status s = convert(request, input); !s.ok()) return s;
  }
  return absl::OkStatus();
}

void FillToolCalls(const std::vector<ToolCall>& calls,
                   google::protobuf::RepeatedPtrField<pb::ToolCall>* out) {
  for (const ToolCall& call : calls) {
    pb::ToolCall* p = out->Add();
    p->set_id(call.id);
    p->set_name(call.name);
    p->set_arguments_json(call.arguments_json);
  }
}

}  // namespace llmgw
