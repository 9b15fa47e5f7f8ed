#include "tests/fake_upstream/behavior.h"

#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace llmgw::fake_upstream {
namespace {

using Kind = Behavior::Kind;
using nlohmann::json;

constexpr std::pair<Kind, absl::string_view> kKindNames[] = {
    {Kind::kOk, "ok"},
    {Kind::kHttpError, "http_error"},
    {Kind::kHang, "hang"},
    {Kind::kTrickle, "trickle"},
    {Kind::kMalformed, "malformed"},
    {Kind::kCutStream, "cut_stream"},
    {Kind::kStallStream, "stall_stream"},
    {Kind::kReset, "reset"},
};

absl::Status FieldError(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("behavior field \"", field, "\": ", what));
}

absl::StatusOr<int64_t> GetInt(const json& v, absl::string_view field,
                               int64_t min) {
  if (!v.is_number_integer()) return FieldError(field, "expected an integer");
  int64_t n = v.get<int64_t>();
  if (n < min) return FieldError(field, absl::StrCat("must be >= ", min));
  return n;
}

absl::StatusOr<std::string> GetString(const json& v, absl::string_view field) {
  if (!v.is_string()) return FieldError(field, "expected a string");
  return v.get<std::string>();
}

absl::StatusOr<absl::Duration> GetMillis(const json& v,
                                         absl::string_view field) {
  if (!v.is_number()) return FieldError(field, "expected milliseconds");
  double ms = v.get<double>();
  if (!std::isfinite(ms) || ms < 0) return FieldError(field, "must be >= 0");
  return absl::Microseconds(static_cast<int64_t>(std::llround(ms * 1000)));
}

json Millis(absl::Duration d) {
  int64_t us = absl::ToInt64Microseconds(d);
  if (us % 1000 == 0) return us / 1000;
  return static_cast<double>(us) / 1000.0;
}

absl::StatusOr<Usage> GetUsage(const json& v) {
  if (!v.is_object()) return FieldError("usage", "expected an object");
  Usage u;
  for (const auto& [name, value] : v.items()) {
    absl::StatusOr<int64_t> n = GetInt(value, absl::StrCat("usage.", name), 0);
    if (!n.ok()) return n.status();
    if (name == "prompt_tokens") {
      u.prompt_tokens = *n;
    } else if (name == "completion_tokens") {
      u.completion_tokens = *n;
    } else if (name == "total_tokens") {
      u.total_tokens = *n;
    } else if (name == "cached_tokens") {
      u.cached_tokens = *n;
    } else if (name == "cache_write_tokens") {
      u.cache_write_tokens = *n;
    } else if (name == "reasoning_tokens") {
      u.reasoning_tokens = *n;
    } else {
      return FieldError(absl::StrCat("usage.", name), "unknown field");
    }
  }
  return u;
}

absl::StatusOr<std::vector<FakeToolCall>> GetToolCalls(const json& v) {
  if (!v.is_array()) return FieldError("tool_calls", "expected an array");
  std::vector<FakeToolCall> calls;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string at = absl::StrCat("tool_calls[", i, "]");
    if (!v[i].is_object()) return FieldError(at, "expected an object");
    FakeToolCall call;
    for (const auto& [name, value] : v[i].items()) {
      if (!value.is_string()) {
        return FieldError(absl::StrCat(at, ".", name), "expected a string");
      }
      if (name == "id") {
        call.id = value.get<std::string>();
      } else if (name == "name") {
        call.name = value.get<std::string>();
      } else if (name == "arguments") {
        call.arguments_json = value.get<std::string>();
      } else {
        return FieldError(absl::StrCat(at, ".", name), "unknown field");
      }
    }
    if (call.name.empty()) return FieldError(at, "needs a name");
    calls.push_back(std::move(call));
  }
  return calls;
}

}  // namespace

absl::string_view KindName(Behavior::Kind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<Behavior::Kind> KindFromName(absl::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

Behavior Behavior::Ok() { return Behavior(); }

Behavior Behavior::Text(std::string text) {
  Behavior b;
  b.text = std::move(text);
  return b;
}

Behavior Behavior::HttpError(int status, std::optional<std::string> body,
                             HeaderList headers) {
  Behavior b;
  b.kind = Kind::kHttpError;
  b.status = status;
  b.body = std::move(body);
  b.headers = std::move(headers);
  return b;
}

Behavior Behavior::Hang(absl::Duration duration) {
  Behavior b;
  b.kind = Kind::kHang;
  b.duration = duration;
  return b;
}

Behavior Behavior::Trickle(absl::Duration duration) {
  Behavior b;
  b.kind = Kind::kTrickle;
  b.duration = duration;
  return b;
}

Behavior Behavior::Malformed() {
  Behavior b;
  b.kind = Kind::kMalformed;
  return b;
}

Behavior Behavior::CutStream(int after_deltas) {
  Behavior b;
  b.kind = Kind::kCutStream;
  b.after_deltas = after_deltas;
  return b;
}

Behavior Behavior::StallStream(int after_deltas, absl::Duration duration) {
  Behavior b;
  b.kind = Kind::kStallStream;
  b.after_deltas = after_deltas;
  b.duration = duration;
  return b;
}

Behavior Behavior::Reset() {
  Behavior b;
  b.kind = Kind::kReset;
  return b;
}

Behavior Behavior::ForKey(std::string key) const {
  Behavior b = *this;
  b.only_for_key = std::move(key);
  return b;
}

Behavior Behavior::Times(int n) const {
  Behavior b = *this;
  b.times = n;
  return b;
}

Behavior Behavior::WithDelay(absl::Duration d) const {
  Behavior b = *this;
  b.delay = d;
  return b;
}

Behavior Behavior::WithUsage(Usage u) const {
  Behavior b = *this;
  b.usage = u;
  return b;
}

Behavior Behavior::WithFinishReason(std::string reason) const {
  Behavior b = *this;
  b.finish_reason = std::move(reason);
  return b;
}

Behavior Behavior::WithHeader(std::string name, std::string value) const {
  Behavior b = *this;
  b.headers.emplace_back(std::move(name), std::move(value));
  return b;
}

Behavior Behavior::WithDeltaInterval(absl::Duration d) const {
  Behavior b = *this;
  b.delta_interval = d;
  return b;
}

Behavior Behavior::WithToolCalls(std::vector<FakeToolCall> calls) const {
  Behavior b = *this;
  b.tool_calls = std::move(calls);
  return b;
}

Behavior Behavior::WithRefusal(std::string refusal) const {
  Behavior b = *this;
  b.refusal = std::move(refusal);
  return b;
}

Behavior Behavior::WithBlockReason(std::string reason) const {
  Behavior b = *this;
  b.block_reason = std::move(reason);
  return b;
}

bool Behavior::MatchesKey(absl::string_view api_key,
                          absl::string_view authorization) const {
  if (!only_for_key.has_value()) return true;
  return *only_for_key == api_key || *only_for_key == authorization;
}

absl::StatusOr<Behavior> Behavior::FromJson(const json& j) {
  if (!j.is_object()) {
    return absl::InvalidArgumentError("a behavior must be a JSON object");
  }
  auto kind_it = j.find("kind");
  if (kind_it == j.end()) return FieldError("kind", "missing");
  absl::StatusOr<std::string> kind_name = GetString(*kind_it, "kind");
  if (!kind_name.ok()) return kind_name.status();
  std::optional<Kind> kind = KindFromName(*kind_name);
  if (!kind.has_value()) {
    return FieldError("kind",
                      absl::StrCat("unknown kind \"", *kind_name, "\""));
  }
  Behavior b;
  b.kind = *kind;
  for (const auto& [name, v] : j.items()) {
    absl::Status st;
    if (name == "kind") {
      continue;
    } else if (name == "text") {
      absl::StatusOr<std::string> s = GetString(v, name);
      if (s.ok()) b.text = *s;
      st = s.status();
    } else if (name == "usage") {
      absl::StatusOr<Usage> u = GetUsage(v);
      if (u.ok()) b.usage = *u;
      st = u.status();
    } else if (name == "finish_reason") {
      absl::StatusOr<std::string> s = GetString(v, name);
      if (s.ok()) b.finish_reason = *s;
      st = s.status();
    } else if (name == "tool_calls") {
      absl::StatusOr<std::vector<FakeToolCall>> calls = GetToolCalls(v);
      if (calls.ok()) b.tool_calls = *std::move(calls);
      st = calls.status();
    } else if (name == "refusal") {
      absl::StatusOr<std::string> s = GetString(v, name);
      if (s.ok()) b.refusal = *s;
      st = s.status();
    } else if (name == "block_reason") {
      absl::StatusOr<std::string> s = GetString(v, name);
      if (s.ok()) b.block_reason = *s;
      st = s.status();
    } else if (name == "delay_ms") {
      absl::StatusOr<absl::Duration> d = GetMillis(v, name);
      if (d.ok()) b.delay = *d;
      st = d.status();
    } else if (name == "status") {
      absl::StatusOr<int64_t> n = GetInt(v, name, 100);
      if (n.ok() && *n > 599) n = FieldError(name, "must be <= 599");
      if (n.ok()) b.status = static_cast<int>(*n);
      st = n.status();
    } else if (name == "body") {
      absl::StatusOr<std::string> s = GetString(v, name);
      if (s.ok()) b.body = *s;
      st = s.status();
    } else if (name == "headers") {
      if (!v.is_object()) {
        st = FieldError(name, "expected an object of strings");
      } else {
        for (const auto& [h, hv] : v.items()) {
          if (!hv.is_string()) {
            st = FieldError(absl::StrCat("headers.", h), "expected a string");
            break;
          }
          b.headers.emplace_back(h, hv.get<std::string>());
        }
      }
    } else if (name == "duration_ms") {
      absl::StatusOr<absl::Duration> d = GetMillis(v, name);
      if (d.ok()) b.duration = *d;
      st = d.status();
    } else if (name == "after_deltas") {
      absl::StatusOr<int64_t> n = GetInt(v, name, 0);
      if (n.ok()) b.after_deltas = static_cast<int>(*n);
      st = n.status();
    } else if (name == "delta_interval_ms") {
      absl::StatusOr<absl::Duration> d = GetMillis(v, name);
      if (d.ok()) b.delta_interval = *d;
      st = d.status();
    } else if (name == "keep_alive_interval_ms") {
      absl::StatusOr<absl::Duration> d = GetMillis(v, name);
      if (d.ok() && *d < absl::Milliseconds(1)) {
        d = FieldError(name, "must be >= 1");
      }
      if (d.ok()) b.keep_alive_interval = *d;
      st = d.status();
    } else if (name == "only_for_key") {
      absl::StatusOr<std::string> s = GetString(v, name);
      if (s.ok()) b.only_for_key = *s;
      st = s.status();
    } else if (name == "times") {
      absl::StatusOr<int64_t> n = GetInt(v, name, 1);
      if (n.ok()) b.times = static_cast<int>(*n);
      st = n.status();
    } else {
      st = FieldError(name, "unknown field");
    }
    if (!st.ok()) return st;
  }
  return b;
}

absl::StatusOr<std::vector<Behavior>> Behavior::ListFromJson(const json& j) {
  std::vector<Behavior> out;
  if (j.is_object()) {
    absl::StatusOr<Behavior> b = FromJson(j);
    if (!b.ok()) return b.status();
    out.push_back(*std::move(b));
    return out;
  }
  if (!j.is_array()) {
    return absl::InvalidArgumentError(
        "expected a behavior object or an array of them");
  }
  for (size_t i = 0; i < j.size(); ++i) {
    absl::StatusOr<Behavior> b = FromJson(j[i]);
    if (!b.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("behaviors[", i, "]: ", b.status().message()));
    }
    out.push_back(*std::move(b));
  }
  return out;
}

json Behavior::ToJson() const {
  const Behavior defaults;
  json j = json::object();
  j["kind"] = std::string(KindName(kind));
  if (text.has_value()) j["text"] = *text;
  if (usage.has_value()) {
    json u = {{"prompt_tokens", usage->prompt_tokens},
              {"completion_tokens", usage->completion_tokens}};
    if (usage->total_tokens.has_value())
      u["total_tokens"] = *usage->total_tokens;
    if (usage->cached_tokens != 0) u["cached_tokens"] = usage->cached_tokens;
    if (usage->cache_write_tokens != 0) {
      u["cache_write_tokens"] = usage->cache_write_tokens;
    }
    if (usage->reasoning_tokens != 0) {
      u["reasoning_tokens"] = usage->reasoning_tokens;
    }
    j["usage"] = u;
  }
  if (finish_reason.has_value()) j["finish_reason"] = *finish_reason;
  if (!tool_calls.empty()) {
    json calls = json::array();
    for (const FakeToolCall& c : tool_calls) {
      json call = {{"name", c.name}, {"arguments", c.arguments_json}};
      if (!c.id.empty()) call["id"] = c.id;
      calls.push_back(call);
    }
    j["tool_calls"] = calls;
  }
  if (refusal.has_value()) j["refusal"] = *refusal;
  if (block_reason.has_value()) j["block_reason"] = *block_reason;
  if (delay != defaults.delay) j["delay_ms"] = Millis(delay);
  if (kind == Kind::kHttpError || status != defaults.status) {
    j["status"] = status;
  }
  if (body.has_value()) j["body"] = *body;
  if (!headers.empty()) {
    json h = json::object();
    for (const auto& [name, value] : headers) h[name] = value;
    j["headers"] = h;
  }
  if (kind == Kind::kHang || kind == Kind::kTrickle ||
      kind == Kind::kStallStream || duration != defaults.duration) {
    j["duration_ms"] = Millis(duration);
  }
  if (kind == Kind::kCutStream || kind == Kind::kStallStream ||
      after_deltas != defaults.after_deltas) {
    j["after_deltas"] = after_deltas;
  }
  if (delta_interval != defaults.delta_interval) {
    j["delta_interval_ms"] = Millis(delta_interval);
  }
  if (keep_alive_interval != defaults.keep_alive_interval) {
    j["keep_alive_interval_ms"] = Millis(keep_alive_interval);
  }
  if (only_for_key.has_value()) j["only_for_key"] = *only_for_key;
  if (times != defaults.times) j["times"] = times;
  return j;
}

}  // namespace llmgw::fake_upstream
