#include "budget/redis_ledger.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "budget/commit_journal.h"
#include "budget/redis_connection.h"
#include "budget/redis_ledger_impl.h"
#include "budget/redis_scripts.h"

namespace llmgw {
namespace redis_internal {

std::string Str(const redisReply* r) {
  if (r == nullptr) return "";
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) {
    return std::string(r->str, r->len);
  }
  return "";
}

int64_t Int(const redisReply* r) {
  if (r == nullptr) return 0;
  if (r->type == REDIS_REPLY_INTEGER) return r->integer;
  int64_t v = 0;
  (void)absl::SimpleAtoi(Str(r), &v);
  return v;
}

bool Array(const redisReply* r, size_t n) {
  return r != nullptr && r->type == REDIS_REPLY_ARRAY && r->elements >= n;
}

}  // namespace redis_internal

namespace {

using redis_internal::Str;

// SHA1 hex of a script as Redis computes it (SCRIPT LOAD's reply), from a
// blocking connection used once at start.
absl::StatusOr<std::vector<std::string>> LoadScriptsOnce(
    const std::string& host, int port, const std::string& address,
    const std::vector<std::string>& sources) {
  timeval timeout{1, 0};
  redisContext* c = redisConnectWithTimeout(host.c_str(), port, timeout);
  if (c == nullptr || c->err != 0) {
    std::string why = c != nullptr ? c->errstr : "out of memory";
    if (c != nullptr) redisFree(c);
    return LedgerUnavailableError(
        absl::StrCat("budget ledger unavailable: cannot connect to Redis at ",
                     address, ": ", why,
                     " (budget.redis_address / LLMGW_BUDGET_REDIS)"),
        absl::Seconds(1));
  }
  redisSetTimeout(c, timeout);
  std::vector<std::string> shas;
  for (const std::string& script : sources) {
    auto* reply = static_cast<redisReply*>(
        redisCommand(c, "SCRIPT LOAD %b", script.data(), script.size()));
    if (reply == nullptr || reply->type != REDIS_REPLY_STRING) {
      std::string why = reply == nullptr ? c->errstr : Str(reply);
      if (reply != nullptr) freeReplyObject(reply);
      redisFree(c);
      return LedgerUnavailableError(
          absl::StrCat("budget ledger unavailable: cannot load scripts into "
                       "Redis at ",
                       address, ": ", why),
          absl::Seconds(1));
    }
    shas.push_back(Str(reply));
    freeReplyObject(reply);
  }
  redisFree(c);
  return shas;
}

}  // namespace

namespace redis_internal {

absl::Status RedisLedger::Init() {
  const size_t colon = config_.redis_address.rfind(':');
  host_ = config_.redis_address;
  if (colon != std::string::npos) {
    host_ = config_.redis_address.substr(0, colon);
    if (!absl::SimpleAtoi(config_.redis_address.substr(colon + 1), &port_)) {
      return absl::InvalidArgumentError(absl::StrCat("budget.redis_address '",
                                                     config_.redis_address,
                                                     "' is not host:port"));
    }
  }
  absl::StatusOr<std::vector<std::string>> shas =
      LoadScriptsOnce(host_, port_, config_.redis_address, sources_);
  if (!shas.ok()) return shas.status();
  shas_ = *std::move(shas);
  if (journal_ != nullptr) {
    absl::StatusOr<std::vector<PendingCommit>> pending = journal_->Load();
    if (!pending.ok()) return pending.status();
    for (PendingCommit& p : *pending) {
      deferred_[p.request.id] = Deferred{std::move(p), false};
    }
    if (!deferred_.empty()) {
      Audit({{"event", "journal_loaded"},
             {"pending_commits", deferred_.size()},
             {"journal", journal_->path()}});
    }
  } else {
    Audit({{"event", "journal_in_memory"},
           {"reason",
            "no --data_dir (or budget.journal_path): commits Redis cannot "
            "take are retried from memory and lost if the process dies"}});
  }
  OnLoopAndWait([this] {
    conn_ = std::make_unique<RedisConnection>(loop_, host_, port_,
                                              config_.redis_timeout, sources_);
    conn_->Start([this] { OnReady(); },
                 [this](const std::string& why) { OnDown(why); });
  });
  return absl::OkStatus();
}

}  // namespace redis_internal

using redis_internal::RedisLedger;

absl::StatusOr<std::unique_ptr<SpendLedger>> OpenRedisLedger(
    const BudgetConfig& config, AuditLog* audit,
    std::function<absl::Time()> clock, http::EventLoop* loop,
    const std::string& journal_path) {
  std::unique_ptr<http::EventLoop> own_loop;
  if (loop == nullptr) {
    absl::StatusOr<std::unique_ptr<http::EventLoop>> created =
        http::EventLoop::Create("llmgw-redis");
    if (!created.ok()) return created.status();
    own_loop = *std::move(created);
  }
  std::unique_ptr<CommitJournal> journal;
  if (!journal_path.empty()) {
    absl::StatusOr<std::unique_ptr<CommitJournal>> opened =
        CommitJournal::Open(journal_path);
    if (!opened.ok()) return opened.status();
    journal = *std::move(opened);
  }
  auto ledger =
      std::make_unique<RedisLedger>(config, audit, std::move(clock), loop,
                                    std::move(own_loop), std::move(journal));
  absl::Status initialised = ledger->Init();
  if (!initialised.ok()) return initialised;
  return ledger;
}

}  // namespace llmgw
