#include "providers/common/wire_codec.h"

#include "absl/status/status.h"

namespace llmgw {

absl::StatusOr<http::HttpRequest> WireCodec::BuildEmbedRequest(
    const ProviderRequest& request, absl::string_view base_url,
    absl::string_view api_key) const {
  return absl::InvalidArgumentError(
      "embeddings are not supported by this provider's wire format");
}

ProviderOutcome WireCodec::ParseEmbedReply(
    const http::HttpResponse& response) const {
  ProviderOutcome outcome;
  outcome.error =
      ProviderError{ErrorClass::kInvalidRequest, response.status_code,
                    "embeddings are not supported by this "
                    "provider's wire format"};
  return outcome;
}

}  // namespace llmgw
