#include "registry/provider.h"

namespace llmgw {

absl::string_view ErrorClassName(ErrorClass error_class) {
  switch (error_class) {
    case ErrorClass::kTransient:
      return "transient";
    case ErrorClass::kRateLimited:
      return "rate_limited";
    case ErrorClass::kKeyInvalid:
      return "key_invalid";
    case ErrorClass::kInvalidRequest:
      return "invalid_request";
    case ErrorClass::kFailedPrecondition:
      return "failed_precondition";
    case ErrorClass::kModelNotFound:
      return "model_not_found";
    case ErrorClass::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

}  // namespace llmgw
