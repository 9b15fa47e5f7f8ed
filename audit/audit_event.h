#ifndef LLMGW_AUDIT_AUDIT_EVENT_H_
#define LLMGW_AUDIT_AUDIT_EVENT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/string_view.h"

namespace llmgw {

// The fields of one audit event, written as JSON text as they are added (in
// that order), with no DOM: for events written on every call (the budget
// commit), where building an nlohmann::json object, stamping it and dumping
// it cost ~35,000 instructions per call against ~3,000 this way
// (docs/benchmarks.md). Keys must be plain identifiers and unique; values
// are escaped (AppendJsonString).
//
//   AuditEvent e;
//   e.Add("event", "commit").Add("cost_nano_usd", cost);
//   audit->WriteEvent("budget", e);
class AuditEvent {
 public:
  AuditEvent() { text_.reserve(256); }

  AuditEvent& Add(absl::string_view key, absl::string_view value);
  AuditEvent& Add(absl::string_view key, const char* value) {
    return Add(key, absl::string_view(value));
  }
  AuditEvent& Add(absl::string_view key, int64_t value);
  AuditEvent& Add(absl::string_view key, uint64_t value);
  AuditEvent& Add(absl::string_view key, bool value);

  // The members written so far, without braces: "\"event\":\"commit\",...".
  const std::string& text() const { return text_; }

  // The same fields as a JSON object (for logs that keep events as values).
  nlohmann::json ToJson() const;

 private:
  void Key(absl::string_view key);

  std::string text_;
};

}  // namespace llmgw

#endif  // LLMGW_AUDIT_AUDIT_EVENT_H_
