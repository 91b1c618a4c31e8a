// Dispatcher: turns verified request frames into engine calls and response frames. The
// one place where a native-protocol request meets the engine.
//
// Reads (online, as-of, registry lookups) run on the I/O thread that received them: no
// hand-off for a cache hit. Writes go to the WriteBatcher for group commit and answer
// asynchronously. As-of answers stream in chunks of asof_chunk_rows, yielding the thread
// between chunks so other connections keep being served.
//
// Thread-safety: Handle may run on many I/O threads at once; the dispatcher's own state
// is atomics.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <span>

#include "engine/engine.h"
#include "server/auth.h"
#include "server/bulk_loads.h"
#include "server/config.h"
#include "server/metrics.h"
#include "server/rate_limiter.h"
#include "server/response_sink.h"
#include "server/write_batcher.h"
#include "wire/frame.h"

namespace asof::server {

class NativeRequestMeter;  // dispatcher.cc: one request's metrics

class Dispatcher {
 public:
  // Pointers are not owned and outlive the dispatcher.
  Dispatcher(Engine* engine, WriteBatcher* batcher, const ServerConfig* config, Metrics* metrics,
             const TokenStore* tokens, RateLimiter* limiter,
             std::function<size_t()> connection_count);

  boost::asio::awaitable<void> Handle(const wire::FrameHeader& header,
                                      std::span<const uint8_t> payload,
                                      std::shared_ptr<ResponseSink> sink);

  // The ErrorResponse for a status: code and message (internal details stay in the log).
  void BuildError(const Status& status, flatbuffers::FlatBufferBuilder* fbb) const;

  uint64_t requests() const { return requests_.load(std::memory_order_relaxed); }
  // For the sessions' connection gauge.
  Metrics* metrics() const { return metrics_; }

 private:
  // Each reports the error code of its answer to `meter`.
  void HandleSync(const wire::FrameHeader& header, std::span<const uint8_t> payload,
                  ResponseSink& sink, NativeRequestMeter& meter);
  void HandleWrite(const wire::FrameHeader& header, std::span<const uint8_t> payload,
                   const std::shared_ptr<ResponseSink>& sink,
                   std::shared_ptr<NativeRequestMeter> meter);
  void HandleBulkCommit(const wire::FrameHeader& header, std::span<const uint8_t> payload,
                        const std::shared_ptr<ResponseSink>& sink,
                        std::shared_ptr<NativeRequestMeter> meter);
  boost::asio::awaitable<void> HandleAsOf(const wire::FrameHeader& header,
                                          std::span<const uint8_t> payload,
                                          std::shared_ptr<ResponseSink> sink,
                                          NativeRequestMeter& meter);

  Engine* const engine_;
  WriteBatcher* const batcher_;
  const ServerConfig* const config_;
  Metrics* const metrics_;
  const TokenStore* const tokens_;
  RateLimiter* const limiter_;
  std::function<size_t()> connection_count_;
  const int64_t started_us_;
  std::atomic<uint64_t> requests_{0};
  // Shared: a closing connection's sink aborts its loads through a weak reference.
  std::shared_ptr<BulkLoads> bulk_loads_;
};

}  // namespace asof::server
