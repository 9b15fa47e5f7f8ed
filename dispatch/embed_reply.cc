#include "dispatch/embed_reply.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"

namespace llmgw {
namespace {

// "" when the vectors line up with the inputs, else what is wrong.
std::string EmbedReplyProblem(const ProviderRequest& request,
                              const ProviderReply& reply) {
  const auto& vectors = reply.embeddings;
  if (vectors.size() != request.embed.inputs.size()) {
    return absl::StrCat(vectors.size(), " vectors for ",
                        request.embed.inputs.size(), " inputs");
  }
  for (size_t i = 0; i < vectors.size(); ++i) {
    if (vectors[i].empty()) return absl::StrCat("vector ", i, " is empty");
    if (vectors[i].size() != vectors[0].size()) {
      return absl::StrCat("vector ", i, " has ", vectors[i].size(),
                          " values, vector 0 has ", vectors[0].size());
    }
    for (float v : vectors[i]) {
      if (!std::isfinite(v)) {
        return absl::StrCat("vector ", i, " holds a non-finite value");
      }
    }
  }
  return "";
}

}  // namespace

void CheckEmbedReply(const ProviderRequest& request, ProviderOutcome& outcome) {
  if (request.operation != Operation::kEmbed || !outcome.ok()) return;
  std::string problem = EmbedReplyProblem(request, outcome.reply);
  if (problem.empty()) return;
  outcome.error =
      ProviderError{ErrorClass::kTransient, 0,
                    absl::StrCat("malformed embeddings reply: ", problem)};
}

}  // namespace llmgw
