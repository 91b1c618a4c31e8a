// Session: one client connection of the native protocol.
//
// A reader coroutine cuts frames (wire::FrameDecoder), verifies them and hands each
// request to the Dispatcher in arrival order; a writer coroutine sends queued response
// frames, batching whatever accumulated while the previous write was in flight. Both run
// on the session's own io_context thread, so its state needs no lock.
//
// Errors: a frame whose boundary is known (bad checksum, unknown type, bad payload) gets
// an error frame and the connection goes on; one whose boundary is lost (bad magic or
// version, too large) gets an error frame and the connection is closed after it.
// Backpressure: at max_inflight_per_connection asynchronous requests, or 16 MiB of
// unsent responses, the reader stops reading until they drain.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>

#include "server/config.h"
#include "server/response_sink.h"
#include "server/session_registry.h"

namespace asof::server {

class Dispatcher;

class Session final : public ResponseSink, public Drainable {
 public:
  // With auth off (no tokens) the connection starts as the anonymous admin; otherwise
  // unauthenticated until a HelloRequest shows a token.
  Session(boost::asio::ip::tcp::socket socket, Dispatcher* dispatcher, const ServerConfig* config,
          SessionRegistry* registry, const TokenStore* tokens);
  ~Session() override;

  // Starts the reader and writer coroutines; the session keeps itself alive until both end.
  void Start();
  // Graceful: stop reading, answer what is in flight, then close.
  void Drain() override;

  void Send(wire::MessageType type, uint16_t flags, uint64_t request_id,
            const flatbuffers::FlatBufferBuilder& fbb) override;
  void SendError(uint64_t request_id, const Status& status) override;
  void BeginAsync() override { ++inflight_; }
  void EndAsync() override;
  boost::asio::any_io_executor executor() override { return socket_.get_executor(); }
  boost::asio::awaitable<void> WaitForRoom() override;

 private:
  boost::asio::awaitable<void> ReadLoop();
  boost::asio::awaitable<void> WriteLoop();
  void Enqueue(wire::MessageType type, uint16_t flags, uint64_t request_id,
               std::span<const uint8_t> payload);
  void Wake(boost::asio::steady_timer& timer) { timer.cancel(); }

  boost::asio::ip::tcp::socket socket_;
  Dispatcher* const dispatcher_;
  const ServerConfig* const config_;
  SessionRegistry* const registry_;
  boost::asio::steady_timer writer_wake_;
  boost::asio::steady_timer reader_wake_;
  std::string out_;
  size_t inflight_ = 0;
  bool reading_done_ = false;  // no more requests will arrive
  bool closed_ = false;
};

}  // namespace asof::server
