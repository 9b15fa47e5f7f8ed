#ifndef LLMGW_PROVIDERS_COMMON_HTTP_PROVIDER_H_
#define LLMGW_PROVIDERS_COMMON_HTTP_PROVIDER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "http/http_client.h"
#include "providers/common/wire_codec.h"
#include "registry/provider.h"
#include "registry/provider_factory.h"

namespace llmgw {

// Runs a WireCodec over the shared HttpClient: builds the request, applies the
// spec's timeouts and the caller's deadline, parses replies and errors, feeds
// streamed bodies through an SSE parser into the codec's StreamDecoder, and
// turns transport failures into ProviderErrors (timeouts and resets are
// kTransient, cancellation is kCancelled). A stream that ends before the
// provider's terminal event is a kTransient error carrying the partial reply.
// A 2xx stream whose body is a bare JSON object instead of events (MiniMax's
// in-band errors) is parsed with WireCodec::ParseReply, so its in-band error
// is classified as for a non-streamed call.
std::unique_ptr<ILLMProvider> MakeHttpProvider(
    ProviderSpec spec, const ProviderContext& context,
    std::unique_ptr<WireCodec> codec);

// A ProviderFactory for a wire format that is one WireCodec. Each wire-format
// directory defines a tiny subclass:
//
//   class AnthropicFactory : public CodecProviderFactory {
//    public:
//     absl::string_view wire_format() const override { return "anthropic"; }
//     absl::string_view BuiltinCatalog() const override;  // catalog.yaml
//     std::unique_ptr<WireCodec> NewCodec(const ProviderSpec& s) const
//     override;
//   };
//   LLMGW_REGISTER_PROVIDER_FACTORY(AnthropicFactory);
class CodecProviderFactory : public ProviderFactory {
 public:
  // Creates the codec for one resolved spec (it may read spec.options).
  virtual std::unique_ptr<WireCodec> NewCodec(
      const ProviderSpec& spec) const = 0;

  absl::StatusOr<std::unique_ptr<ILLMProvider>> Create(
      const ProviderSpec& spec, const ProviderContext& context) const override {
    return MakeHttpProvider(spec, context, NewCodec(spec));
  }
};

}  // namespace llmgw

#endif  // LLMGW_PROVIDERS_COMMON_HTTP_PROVIDER_H_
