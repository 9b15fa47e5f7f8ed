// GenerateRequest's generation options: tools, tool choice, response format,
// seed, penalties and the end-user id (declared in proto_convert_content.h).
#include <cmath>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/error_details.h"
#include "service/proto_convert_content.h"

namespace llmgw {
namespace {

namespace pb = ::llmgateway::v1;

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

absl::Status ConvertGenerationOptions(const pb::GenerateRequest& request,
                                      GenerateInput& input) {
  for (auto convert : {ConvertTools, ConvertToolChoice, ConvertResponseFormat,
                       ConvertSamplingExtras}) {
    if (absl::Status s = convert(request, input); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace llmgw
