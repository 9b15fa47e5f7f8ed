#include "service/json_object_check.h"

#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace llmgw {
namespace {

TEST(JsonObjectCheckTest, AcceptsObjects) {
  EXPECT_EQ(JsonObjectProblem("{}", 100, 4), "");
  EXPECT_EQ(JsonObjectProblem(R"({"a":[1,{"b":null}],"c":"\u00e9"})", 100, 4),
            "");
  EXPECT_EQ(JsonObjectProblem(" {\"a\": 1e308} ", 100, 4), "");
}

TEST(JsonObjectCheckTest, RefusesWhatIsNotAnObject) {
  struct Row {
    std::string text;
    const char* says;
  } rows[] = {
      {"", "not valid JSON"},
      {"[1]", "not an array"},
      {"\"x\"", "not a scalar"},
      {"42", "not a scalar"},
      {"{\"a\":1", "not valid JSON"},
      {"{\"a\":1} {}", "not valid JSON"},
      {"{\"a\":1e999999}", "not valid JSON"},
      {"{\"a\":-1e999999}", "not valid JSON"},
      {std::string("{\"a\":\"\xff\"}"), "not valid JSON"},
      {"{\"a\":[[[[1]]]]}", "nests deeper than 4 levels"},
      {std::string(200, ' '), "bytes; at most 100"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.text.substr(0, 40));
    const std::string problem = JsonObjectProblem(row.text, 100, 4);
    EXPECT_NE(problem.find(row.says), std::string::npos) << problem;
  }
}

TEST(JsonObjectCheckTest, HostileNestingIsRefusedFastWithoutRecursion) {
  // 8 MiB of "[" inside an object: stopped at depth 65.
  const std::string text = "{\"a\":" + std::string(8 << 20, '[');
  const absl::Time start = absl::Now();
  EXPECT_NE(JsonObjectProblem(text, 16 << 20, 64).find("deeper than 64"),
            std::string::npos);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

}  // namespace
}  // namespace llmgw
