#ifndef LLMGW_BUDGET_REDIS_LOOP_ADAPTER_H_
#define LLMGW_BUDGET_REDIS_LOOP_ADAPTER_H_

#include <hiredis/async.h>

#include "http/event_loop.h"

namespace llmgw {

// Drives a hiredis asynchronous context from an http::EventLoop: hiredis's
// addRead/delRead/addWrite/delWrite hooks become EventLoop::WatchFd masks on
// the context's socket, readiness calls redisAsyncHandleRead/Write, and the
// cleanup hook (when the context is freed) removes the watch. Loop thread
// only: attach, issue commands and free the context on the loop thread.
// Returns false when something is already attached.
bool AttachRedisToLoop(redisAsyncContext* context, http::EventLoop* loop);

}  // namespace llmgw

#endif  // LLMGW_BUDGET_REDIS_LOOP_ADAPTER_H_
