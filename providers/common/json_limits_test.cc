// JSON size and depth limits applied before any provider JSON is parsed.
#include <iostream>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "providers/common/json_fields.h"

namespace llmgw {
namespace {

std::string Nested(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(JsonLimitsTest, DepthAndSizeAreBounded) {
  EXPECT_TRUE(CheckJsonLimits(Nested(64)).ok());
  EXPECT_FALSE(CheckJsonLimits(Nested(65)).ok());
  EXPECT_TRUE(ParseJson(Nested(64)).has_value());
  EXPECT_FALSE(ParseJson(Nested(65)).has_value());
  // Brackets inside strings (and escaped quotes) do not count.
  const std::string in_string =
      "{\"a\":\"" + std::string(1000, '[') + "\\\"" + "\"}";
  EXPECT_TRUE(CheckJsonLimits(in_string).ok());
  ASSERT_TRUE(ParseJson(in_string).has_value());
  EXPECT_FALSE(CheckJsonLimits(std::string(kMaxJsonBytes + 1, ' ')).ok());
  EXPECT_TRUE(ParseJsonOrDiscarded(Nested(100)).is_discarded());
}

TEST(JsonLimitsTest, HostileDocumentIsRefusedInMilliseconds) {
  // The biggest document a reply can carry (the HTTP body cap), nested.
  const std::string hostile = Nested(kMaxJsonBytes / 2);
  const absl::Time start = absl::Now();
  EXPECT_FALSE(ParseJson(hostile).has_value());
  const absl::Duration took = absl::Now() - start;
  std::cout << "8 MiB nested JSON refused in " << took << "\n";
  EXPECT_LT(took, absl::Milliseconds(50));
}

}  // namespace
}  // namespace llmgw
