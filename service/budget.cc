// Budget: spend against the budget of the current window.
#include "absl/time/clock.h"
#include "service/call_admission.h"
#include "service/gateway_service.h"
#include "service/proto_convert.h"
#include "service/strict_parse.h"

namespace llmgw {

namespace pb = ::llmgateway::v1;

namespace {

void FillBudgetResponse(const BudgetSnapshot& snapshot,
                        pb::BudgetResponse* response) {
  response->set_scope(snapshot.scope);
  response->set_limit_nano_usd(snapshot.limit_nano_usd);
  response->set_spent_nano_usd(snapshot.spent_nano_usd);
  response->set_reserved_nano_usd(snapshot.reserved_nano_usd);
  response->set_remaining_nano_usd(snapshot.remaining_nano_usd);
  response->set_window_start_unix_ms(absl::ToUnixMillis(snapshot.window_start));
  response->set_window_length_seconds(
      absl::ToInt64Seconds(snapshot.window_length));
  response->set_hard_cap_nano_usd(snapshot.hard_cap_nano_usd);
  response->set_lifetime_spent_nano_usd(snapshot.lifetime_spent_nano_usd);
  for (const SpendLine& line : snapshot.breakdown) {
    pb::SpendBreakdown* b = response->add_breakdown();
    b->set_provider(line.provider);
    b->set_model(line.model);
    b->set_spent_nano_usd(line.spent_nano_usd);
    b->set_calls(line.calls);
  }
  response->set_open_reservations(snapshot.open_reservations);
  response->set_unlimited(snapshot.limit_nano_usd == 0);
}

}  // namespace

grpc::ServerUnaryReactor* GatewayService::Budget(
    grpc::CallbackServerContext* context, const pb::BudgetRequest* request,
    pb::BudgetResponse* response) {
  core_->metrics().RequestStarted("Budget");
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::string> scope = request->scope();
  if (absl::Status parsed = ParseFailureOf(*request); !parsed.ok()) {
    scope = std::move(parsed);
  } else {
    // A tenant reads only its own scope; admins (and open mode) read any.
    absl::StatusOr<Caller> caller = AuthenticateCall(*core_, *context);
    scope = caller.ok()
                ? core_->gatekeeper().BudgetScope(*caller, request->scope())
                : absl::StatusOr<std::string>(caller.status());
  }
  if (!scope.ok()) {
    core_->metrics().RequestFinished(
        "Budget", absl::StatusCodeToString(scope.status().code()),
        absl::Now() - start);
    reactor->Finish(ToGrpcStatus(scope.status()));
    return reactor;
  }
  // Answered from the ledger's callback (on the event loop for Redis): no
  // RPC thread waits on ledger I/O.
  core_->ledger().SnapshotAsync(
      *std::move(scope), [core = core_, reactor, response,
                          start](absl::StatusOr<BudgetSnapshot> snapshot) {
        if (!snapshot.ok()) {
          core->metrics().RequestFinished(
              "Budget", absl::StatusCodeToString(snapshot.status().code()),
              absl::Now() - start);
          reactor->Finish(ToGrpcStatus(snapshot.status()));
          return;
        }
        FillBudgetResponse(*snapshot, response);
        core->metrics().RequestFinished("Budget", "OK", absl::Now() - start);
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

}  // namespace llmgw
