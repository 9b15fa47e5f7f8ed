// The outcome table against the public proto and the metrics' label set.
#include "dispatch/outcome.h"

#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "llmgateway/v1/gateway.pb.h"
#include "monitoring/metric_series.h"

namespace llmgw {
namespace {

namespace pb = ::llmgateway::v1;

struct Row {
  AttemptOutcome outcome;
  const char* label;
  pb::AttemptOutcome proto;
  HealthOutcome health;
};

// The expected table, written out independently of outcome.cc.
const Row kExpected[] = {
    {AttemptOutcome::kSuccess, "success", pb::ATTEMPT_OUTCOME_SUCCESS,
     HealthOutcome::kSuccess},
    {AttemptOutcome::kTransientError, "transient_error",
     pb::ATTEMPT_OUTCOME_TRANSIENT_ERROR, HealthOutcome::kTransient},
    {AttemptOutcome::kRateLimited, "rate_limited",
     pb::ATTEMPT_OUTCOME_RATE_LIMITED, HealthOutcome::kRateLimited},
    {AttemptOutcome::kAuthError, "auth_error", pb::ATTEMPT_OUTCOME_AUTH_ERROR,
     HealthOutcome::kKeyInvalid},
    {AttemptOutcome::kInvalidRequest, "invalid_request",
     pb::ATTEMPT_OUTCOME_INVALID_REQUEST, HealthOutcome::kNeutral},
    {AttemptOutcome::kSkipped, "skipped", pb::ATTEMPT_OUTCOME_SKIPPED,
     HealthOutcome::kNeutral},
    {AttemptOutcome::kCancelled, "cancelled", pb::ATTEMPT_OUTCOME_CANCELLED,
     HealthOutcome::kNeutral},
    {AttemptOutcome::kTimeout, "timeout", pb::ATTEMPT_OUTCOME_TIMEOUT,
     HealthOutcome::kTransient},
    {AttemptOutcome::kModelNotFound, "model_not_found",
     pb::ATTEMPT_OUTCOME_MODEL_NOT_FOUND, HealthOutcome::kNeutral},
    {AttemptOutcome::kFailedPrecondition, "failed_precondition",
     pb::ATTEMPT_OUTCOME_FAILED_PRECONDITION, HealthOutcome::kNeutral},
};

TEST(OutcomeTableTest, EveryOutcomeHasOneRow) {
  ASSERT_EQ(std::size(kExpected), std::size(kAllAttemptOutcomes));
  for (size_t i = 0; i < std::size(kExpected); ++i) {
    const Row& row = kExpected[i];
    SCOPED_TRACE(row.label);
    EXPECT_EQ(kAllAttemptOutcomes[i], row.outcome);
    EXPECT_EQ(AttemptOutcomeName(row.outcome), row.label);
    EXPECT_EQ(AttemptOutcomeProtoNumber(row.outcome), row.proto);
    EXPECT_EQ(HealthOutcomeOf(row.outcome), row.health);
  }
}

TEST(OutcomeTableTest, ProtoNamesAreTheLabels) {
  std::set<int> covered;
  for (AttemptOutcome o : kAllAttemptOutcomes) {
    const int number = AttemptOutcomeProtoNumber(o);
    ASSERT_TRUE(pb::AttemptOutcome_IsValid(number));
    EXPECT_EQ(pb::AttemptOutcome_Name(static_cast<pb::AttemptOutcome>(number)),
              absl::StrCat("ATTEMPT_OUTCOME_",
                           absl::AsciiStrToUpper(AttemptOutcomeName(o))));
    EXPECT_TRUE(covered.insert(number).second) << "proto number used twice";
  }
  // Every proto value but UNSPECIFIED is some outcome.
  for (int n = pb::AttemptOutcome_MIN; n <= pb::AttemptOutcome_MAX; ++n) {
    if (!pb::AttemptOutcome_IsValid(n) || n == 0) continue;
    EXPECT_TRUE(covered.count(n))
        << pb::AttemptOutcome_Name(static_cast<pb::AttemptOutcome>(n));
  }
}

TEST(OutcomeTableTest, FailureLabelsAreTheMetricsErrorTypes) {
  std::set<std::string> labels;
  for (AttemptOutcome o : kAllAttemptOutcomes) {
    if (o == AttemptOutcome::kSuccess || o == AttemptOutcome::kSkipped) {
      continue;
    }
    labels.insert(std::string(AttemptOutcomeName(o)));
  }
  std::set<std::string> metric_types;
  for (absl::string_view t : metrics_internal::kErrorTypes) {
    metric_types.insert(std::string(t));
  }
  EXPECT_EQ(labels, metric_types);
}

struct ClassRow {
  ErrorClass error_class;
  bool timed_out;
  bool caller_cancelled;
  AttemptOutcome expected;
};

TEST(OutcomeForTest, EveryErrorClass) {
  const ClassRow rows[] = {
      {ErrorClass::kTransient, false, false, AttemptOutcome::kTransientError},
      {ErrorClass::kTransient, true, false, AttemptOutcome::kTimeout},
      {ErrorClass::kRateLimited, false, false, AttemptOutcome::kRateLimited},
      {ErrorClass::kKeyInvalid, false, false, AttemptOutcome::kAuthError},
      {ErrorClass::kInvalidRequest, false, false,
       AttemptOutcome::kInvalidRequest},
      {ErrorClass::kFailedPrecondition, false, false,
       AttemptOutcome::kFailedPrecondition},
      {ErrorClass::kModelNotFound, false, false,
       AttemptOutcome::kModelNotFound},
      {ErrorClass::kCancelled, false, false, AttemptOutcome::kCancelled},
      // The caller's deadline cut the request: the caller's doing, not an
      // upstream timeout (was "timeout" before; see docs/resilience.md).
      {ErrorClass::kCancelled, true, false, AttemptOutcome::kCancelled},
      // Whatever an attempt fails with once the caller has gone is theirs.
      {ErrorClass::kTransient, false, true, AttemptOutcome::kCancelled},
      {ErrorClass::kRateLimited, false, true, AttemptOutcome::kCancelled},
  };
  for (const ClassRow& row : rows) {
    ProviderError error;
    error.error_class = row.error_class;
    error.timed_out = row.timed_out;
    SCOPED_TRACE(absl::StrCat(ErrorClassName(row.error_class),
                              " timed_out=", row.timed_out,
                              " cancelled=", row.caller_cancelled));
    EXPECT_EQ(OutcomeFor(error, row.caller_cancelled), row.expected);
  }
}

}  // namespace
}  // namespace llmgw
