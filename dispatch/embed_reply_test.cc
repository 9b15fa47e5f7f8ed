#include "dispatch/embed_reply.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace llmgw {
namespace {

ProviderRequest EmbedRequest(int inputs) {
  ProviderRequest r;
  r.operation = Operation::kEmbed;
  for (int i = 0; i < inputs; ++i) r.embed.inputs.push_back("text");
  return r;
}

ProviderOutcome Reply(std::vector<std::vector<float>> vectors) {
  ProviderOutcome o;
  o.reply.embeddings = std::move(vectors);
  return o;
}

TEST(EmbedReplyTest, OneVectorPerInputPasses) {
  ProviderOutcome o = Reply({{0.1f, 0.2f}, {0.3f, 0.4f}});
  CheckEmbedReply(EmbedRequest(2), o);
  EXPECT_TRUE(o.ok());
}

TEST(EmbedReplyTest, MalformedRepliesFailTransient) {
  struct Row {
    const char* name;
    int inputs;
    std::vector<std::vector<float>> vectors;
    const char* says;
  };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Row rows[] = {
      {"too few", 3, {{1}, {2}}, "2 vectors for 3 inputs"},
      {"too many", 1, {{1}, {2}}, "2 vectors for 1 inputs"},
      {"none", 2, {}, "0 vectors for 2 inputs"},
      {"empty vector", 2, {{1}, {}}, "vector 1 is empty"},
      {"ragged", 2, {{1, 2}, {3}}, "vector 1 has 1 values"},
      {"nan", 1, {{nan}}, "non-finite"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    ProviderOutcome o = Reply(row.vectors);
    CheckEmbedReply(EmbedRequest(row.inputs), o);
    ASSERT_FALSE(o.ok());
    EXPECT_EQ(o.error->error_class, ErrorClass::kTransient);
    EXPECT_NE(o.error->message.find("malformed embeddings reply"),
              std::string::npos);
    EXPECT_NE(o.error->message.find(row.says), std::string::npos)
        << o.error->message;
  }
}

TEST(EmbedReplyTest, ChatRequestsAndFailuresAreLeftAlone) {
  ProviderRequest chat;
  ProviderOutcome o = Reply({});
  CheckEmbedReply(chat, o);
  EXPECT_TRUE(o.ok());
  ProviderOutcome failed;
  failed.error = ProviderError{ErrorClass::kRateLimited, 429, "slow down"};
  CheckEmbedReply(EmbedRequest(1), failed);
  EXPECT_EQ(failed.error->message, "slow down");
}

}  // namespace
}  // namespace llmgw
