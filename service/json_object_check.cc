#include "service/json_object_check.h"

#include <exception>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace llmgw {
namespace {

using json = nlohmann::json;

// Tracks depth and the kind of the top-level value; refuses past max_depth.
class BoundedSax : public nlohmann::json_sax<json> {
 public:
  explicit BoundedSax(int max_depth) : max_depth_(max_depth) {}

  bool null() override { return Scalar(); }
  bool boolean(bool) override { return Scalar(); }
  bool number_integer(number_integer_t) override { return Scalar(); }
  bool number_unsigned(number_unsigned_t) override { return Scalar(); }
  bool number_float(number_float_t, const string_t&) override {
    return Scalar();
  }
  bool string(string_t&) override { return Scalar(); }
  bool binary(binary_t&) override { return Scalar(); }
  bool start_object(std::size_t) override { return Open(true); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(false); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& error) override {
    problem_ = absl::StrCat("is not valid JSON (at byte ", position,
                            "): ", error.what());
    return false;
  }

  const std::string& problem() const { return problem_; }

 private:
  bool Scalar() {
    if (depth_ == 0) {
      problem_ = "must be a JSON object, not a scalar";
      return false;
    }
    return true;
  }
  bool Open(bool object) {
    if (depth_ == 0 && !object) {
      problem_ = "must be a JSON object, not an array";
      return false;
    }
    if (++depth_ > max_depth_) {
      problem_ = absl::StrCat("nests deeper than ", max_depth_, " levels");
      return false;
    }
    return true;
  }
  bool Close() {
    --depth_;
    return true;
  }

  const int max_depth_;
  int depth_ = 0;
  std::string problem_;
};

}  // namespace

std::string JsonObjectProblem(absl::string_view text, size_t max_bytes,
                              int max_depth) {
  if (text.size() > max_bytes) {
    return absl::StrCat("has ", text.size(), " bytes; at most ", max_bytes,
                        " are allowed");
  }
  BoundedSax sax(max_depth);
  bool ok = false;
  try {
    ok = json::sax_parse(text.begin(), text.end(), &sax);
  } catch (const std::exception& e) {
    return absl::StrCat("is not valid JSON: ", e.what());
  }
  if (ok) return "";
  return sax.problem().empty() ? "is not valid JSON" : sax.problem();
}

}  // namespace llmgw
