#include "audit/audit_event.h"

#include "absl/strings/str_cat.h"
#include "common/json_text.h"

namespace llmgw {

void AuditEvent::Key(absl::string_view key) {
  if (!text_.empty()) text_.push_back(',');
  AppendJsonString(text_, key);
  text_.push_back(':');
}

AuditEvent& AuditEvent::Add(absl::string_view key, absl::string_view value) {
  Key(key);
  AppendJsonString(text_, value);
  return *this;
}

AuditEvent& AuditEvent::Add(absl::string_view key, int64_t value) {
  Key(key);
  absl::StrAppend(&text_, value);
  return *this;
}

AuditEvent& AuditEvent::Add(absl::string_view key, uint64_t value) {
  Key(key);
  absl::StrAppend(&text_, value);
  return *this;
}

AuditEvent& AuditEvent::Add(absl::string_view key, bool value) {
  Key(key);
  text_.append(value ? "true" : "false");
  return *this;
}

nlohmann::json AuditEvent::ToJson() const {
  return nlohmann::json::parse(absl::StrCat("{", text_, "}"), nullptr,
                               /*allow_exceptions=*/false);
}

}  // namespace llmgw
