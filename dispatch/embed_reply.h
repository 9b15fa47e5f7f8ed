#ifndef LLMGW_DISPATCH_EMBED_REPLY_H_
#define LLMGW_DISPATCH_EMBED_REPLY_H_

#include "registry/provider.h"

namespace llmgw {

// For an embedding request (operation kEmbed), turns a successful `outcome`
// whose reply is not exactly one non-empty vector of finite values per input,
// all of one length, into a kTransient "malformed embeddings reply" error, so
// the attempt fails (and the call fails over) instead of handing the caller
// vectors that do not line up with its inputs. No-op for chat requests and
// failed outcomes.
void CheckEmbedReply(const ProviderRequest& request, ProviderOutcome& outcome);

}  // namespace llmgw

#endif  // LLMGW_DISPATCH_EMBED_REPLY_H_
