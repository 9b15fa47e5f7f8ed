#include "budget/redis_loop_adapter.h"

#include <memory>

namespace llmgw {
namespace {

struct Watch {
  redisAsyncContext* context;
  http::EventLoop* loop;
  int fd;
  int mask = 0;
  // Set by cleanup, which frees this struct: a readiness callback still on
  // the stack holds its own reference and touches nothing after seeing it.
  std::shared_ptr<bool> dead = std::make_shared<bool>(false);
};

void Update(Watch* w) {
  if (w->mask == 0) {
    w->loop->UnwatchFd(w->fd);
    return;
  }
  w->loop->WatchFd(w->fd, w->mask, [w, dead = w->dead](int ready) {
    if (*dead) return;
    if (ready & http::EventLoop::kReadable) {
      redisAsyncHandleRead(w->context);
    }
    // Reading may have freed the context (disconnect).
    if (*dead) return;
    if (ready & http::EventLoop::kWritable) {
      redisAsyncHandleWrite(w->context);
    }
  });
}

void AddRead(void* data) {
  auto* w = static_cast<Watch*>(data);
  if (w->mask & http::EventLoop::kReadable) return;
  w->mask |= http::EventLoop::kReadable;
  Update(w);
}

void DelRead(void* data) {
  auto* w = static_cast<Watch*>(data);
  if (!(w->mask & http::EventLoop::kReadable)) return;
  w->mask &= ~http::EventLoop::kReadable;
  Update(w);
}

void AddWrite(void* data) {
  auto* w = static_cast<Watch*>(data);
  if (w->mask & http::EventLoop::kWritable) return;
  w->mask |= http::EventLoop::kWritable;
  Update(w);
}

void DelWrite(void* data) {
  auto* w = static_cast<Watch*>(data);
  if (!(w->mask & http::EventLoop::kWritable)) return;
  w->mask &= ~http::EventLoop::kWritable;
  Update(w);
}

void Cleanup(void* data) {
  auto* w = static_cast<Watch*>(data);
  w->loop->UnwatchFd(w->fd);
  *w->dead = true;
  delete w;
}

}  // namespace

bool AttachRedisToLoop(redisAsyncContext* context, http::EventLoop* loop) {
  if (context->ev.data != nullptr) return false;
  auto* w = new Watch{context, loop, context->c.fd};
  context->ev.addRead = AddRead;
  context->ev.delRead = DelRead;
  context->ev.addWrite = AddWrite;
  context->ev.delWrite = DelWrite;
  context->ev.cleanup = Cleanup;
  context->ev.data = w;
  return true;
}

}  // namespace llmgw
