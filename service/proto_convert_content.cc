#include "service/proto_convert_content.h"

#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/error_details.h"
#include "service/json_object_check.h"

namespace llmgw {

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

absl::Status CheckJsonField(const std::string& field, absl::string_view text,
                            size_t max_bytes) {
  std::string problem = JsonObjectProblem(text, max_bytes, kMaxSchemaDepth);
  if (problem.empty()) return absl::OkStatus();
  return InvalidField(field, absl::StrCat(field, " ", problem));
}

namespace {

bool IsImageMime(absl::string_view mime) {
  return mime == "image/png" || mime == "image/jpeg" || mime == "image/webp" ||
         mime == "image/gif";
}

constexpr char kImageMimeRule[] =
    "must be image/png, image/jpeg, image/webp or image/gif";

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
