#include "cli/format.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "gtest/gtest.h"

namespace llmgw::cli {
namespace {

TEST(FormatNanoUsdTest, NineDecimalsFromIntegers) {
  EXPECT_EQ(FormatNanoUsd(1234), "$0.000001234");
  EXPECT_EQ(FormatNanoUsd(0), "$0.000000000");
  EXPECT_EQ(FormatNanoUsd(1), "$0.000000001");
  EXPECT_EQ(FormatNanoUsd(999'999'999), "$0.999999999");
  EXPECT_EQ(FormatNanoUsd(1'000'000'000), "$1.000000000");
  EXPECT_EQ(FormatNanoUsd(1'500'000'000), "$1.500000000");
  EXPECT_EQ(FormatNanoUsd(-5), "-$0.000000005");
  EXPECT_EQ(FormatNanoUsd(std::numeric_limits<int64_t>::max()),
            "$9223372036.854775807");
  EXPECT_EQ(FormatNanoUsd(std::numeric_limits<int64_t>::min()),
            "-$9223372036.854775808");
}

TEST(FormatTableTest, AlignsColumns) {
  EXPECT_EQ(FormatTable({{"A", "BB", "C"}, {"long", "x", "y"}}),
            "A     BB  C\n"
            "long  x   y\n");
  // Multi-byte characters count as one column.
  EXPECT_EQ(FormatTable({{"sk-…ab", "x"}, {"abcdef", "y"}}),
            "sk-…ab  x\n"
            "abcdef  y\n");
}

TEST(StatusCodeNameTest, CanonicalNames) {
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::DEADLINE_EXCEEDED),
            "DEADLINE_EXCEEDED");
  EXPECT_EQ(RpcErrorLine(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                      "budget exceeded")),
            "error: RESOURCE_EXHAUSTED: budget exceeded");
}

TEST(AttemptOutcomeNameTest, EveryProtoOutcomeHasItsOwnName) {
  namespace v1 = llmgateway::v1;
  EXPECT_EQ(AttemptOutcomeName(v1::ATTEMPT_OUTCOME_SUCCESS), "success");
  EXPECT_EQ(AttemptOutcomeName(v1::ATTEMPT_OUTCOME_MODEL_NOT_FOUND),
            "model_not_found");
  EXPECT_EQ(AttemptOutcomeName(v1::ATTEMPT_OUTCOME_FAILED_PRECONDITION),
            "failed_precondition");
  EXPECT_EQ(AttemptOutcomeName(v1::ATTEMPT_OUTCOME_UNSPECIFIED), "unspecified");
  EXPECT_EQ(AttemptOutcomeName(static_cast<v1::AttemptOutcome>(999)),
            "unspecified");
}

TEST(ParseCommandLineTest, FlagsValuesAndPositionals) {
  auto line = ParseCommandLine(
      {"--json", "generate", "--model=m", "--stop", "a,b", "--stop", "c", "-",
       "--", "--not-a-flag"},
      {{"json", true}, {"addr"}}, {{"generate", {{"model"}, {"stop"}}}});
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->command, "generate");
  EXPECT_TRUE(line->IsSet("json"));
  EXPECT_EQ(line->Last("model"), "m");
  EXPECT_EQ(line->AllSplit("stop"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(line->args, (std::vector<std::string>{"-", "--not-a-flag"}));
  EXPECT_FALSE(line->Has("addr"));
}

TEST(ParseCommandLineTest, Errors) {
  const std::vector<FlagSpec> global = {{"json", true}, {"addr"}};
  const std::map<std::string, std::vector<FlagSpec>> commands = {
      {"status", {}}, {"generate", {{"model"}}}};
  EXPECT_FALSE(ParseCommandLine({"--model", "m", "generate"}, global, commands)
                   .ok());  // command flag before the command
  EXPECT_FALSE(
      ParseCommandLine({"generate", "--model"}, global, commands).ok());
  EXPECT_FALSE(
      ParseCommandLine({"status", "--json=yes"}, global, commands).ok());
  EXPECT_FALSE(ParseCommandLine({"-x"}, global, commands).ok());
  auto json_off =
      ParseCommandLine({"status", "--json=false"}, global, commands);
  ASSERT_TRUE(json_off.ok());
  EXPECT_FALSE(json_off->IsSet("json"));
}

}  // namespace
}  // namespace llmgw::cli
