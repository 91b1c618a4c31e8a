// ResponseSink: where a request handler sends its response frames. Implemented by the
// connection (Session); handlers never see sockets.
//
// Thread-safety: Send must be called on the connection's own executor (handlers that
// finish elsewhere post back to it first: see executor()).
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "engine/status.h"
#include "server/auth.h"
#include "wire/frame.h"

namespace asof::server {

class ResponseSink : public std::enable_shared_from_this<ResponseSink> {
 public:
  // Runs the OnClose callbacks: the connection is gone and no request holds its sink.
  virtual ~ResponseSink() {
    for (auto& fn : on_close_) fn();
  }
  // Queues one frame carrying the builder's finished buffer.
  virtual void Send(wire::MessageType type, uint16_t flags, uint64_t request_id,
                    const flatbuffers::FlatBufferBuilder& fbb) = 0;
  // Queues an ErrorResponse frame for `status`.
  virtual void SendError(uint64_t request_id, const Status& status) = 0;
  // Marks one asynchronous request as started / finished, so shutdown can wait for it.
  virtual void BeginAsync() = 0;
  virtual void EndAsync() = 0;
  virtual boost::asio::any_io_executor executor() = 0;
  // Suspends until the unsent responses are below the connection's buffer limit, so a
  // streamed answer to a slow reader waits instead of piling up in memory.
  virtual boost::asio::awaitable<void> WaitForRoom() = 0;

  // Who is on this connection: set by a successful HelloRequest (or, with auth off, the
  // anonymous admin from the start); unset while a token is required and none was shown.
  const std::optional<Principal>& principal() const { return principal_; }
  void set_principal(Principal p) { principal_ = std::move(p); }

  // Registers `fn` to run when the sink is destroyed, for state a connection owns (its
  // bulk loads). Call on the connection's executor.
  void OnClose(std::function<void()> fn) { on_close_.push_back(std::move(fn)); }

 private:
  std::optional<Principal> principal_;
  std::vector<std::function<void()>> on_close_;
};

}  // namespace asof::server
