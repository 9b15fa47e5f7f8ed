#include "bench/floor_ledger.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace llmgw::bench {

std::unique_ptr<FloorLedger> FloorLedger::Open(const std::string& path) {
  std::unique_ptr<FloorLedger> l(new FloorLedger());
  absl::StatusOr<std::unique_ptr<SqliteWriter>> writer = SqliteWriter::Open(
      path, /*synchronous_full=*/false,
      "CREATE TABLE IF NOT EXISTS charges (id INTEGER PRIMARY KEY,"
      " at_ms INTEGER NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,"
      " client TEXT NOT NULL, cost_nano_usd INTEGER NOT NULL);",
      "floor-sqlite", "floor-ckpt");
  if (!writer.ok()) {
    std::fprintf(stderr, "floor ledger: %s\n",
                 writer.status().ToString().c_str());
    return nullptr;
  }
  l->writer_ = *std::move(writer);
  if (sqlite3_prepare_v2(l->writer_->db(),
                         "INSERT INTO charges (at_ms, provider, model, client,"
                         " cost_nano_usd) VALUES (0, 'openai', 'gpt-4o-mini',"
                         " '', ?1)",
                         -1, &l->insert_, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "floor ledger: %s\n",
                 sqlite3_errmsg(l->writer_->db()));
    return nullptr;
  }
  return l;
}

FloorLedger::~FloorLedger() {
  writer_.reset();  // finishes every queued commit first
  sqlite3_finalize(insert_);
}

void FloorLedger::Commit(int64_t cost_nano_usd, std::function<void()> done) {
  writer_->Submit(
      [this, cost_nano_usd](sqlite3* db) {
        sqlite3_bind_int64(insert_, 1, cost_nano_usd);
        const int rc = sqlite3_step(insert_);
        sqlite3_reset(insert_);
        if (rc != SQLITE_DONE) {
          std::fprintf(stderr, "floor ledger: %s\n", sqlite3_errmsg(db));
          std::abort();
        }
        return absl::OkStatus();
      },
      [done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          std::fprintf(stderr, "floor ledger: %s\n", status.ToString().c_str());
          std::abort();
        }
        done();
      });
}

}  // namespace llmgw::bench
