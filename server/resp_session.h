// RespSession: one client connection of the RESP listener (redis-cli, redis-benchmark,
// Redis client libraries).
//
// A reader coroutine parses every complete request in what it read (RespParser) and runs
// each through RespCommands, appending the replies to one output buffer; a writer
// coroutine sends whatever accumulated in one write. So a pipeline of N commands costs
// one read and one write, not N. Both run on the session's io_context thread: no locks.
//
// Order: HSET answers later (group commit). Its reply takes a slot in the stream; replies
// of later commands queue behind it and are released in request order when it arrives.
// Commands execute in request order as in Redis: further HSETs may follow one still in
// flight (the batcher applies them in order), but any other command waits until the
// writes before it are applied, so a pipelined HGET sees the HSET before it.
// Errors: a protocol error is answered `-ERR Protocol error: ...` after the replies to
// the requests before it, and the connection is closed, as Redis does; QUIT closes it
// after its +OK. Backpressure: at max_inflight_per_connection deferred replies, or 16 MiB
// of unsent replies, the reader stops reading until they drain.
// Shutdown: Drain() stops reading, answers what is in flight (HSETs included), closes.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/config.h"
#include "server/metrics.h"
#include "server/resp_commands.h"
#include "server/resp_parser.h"
#include "server/session_registry.h"

namespace asof::server {

class RespSession final : public Drainable,
                          public RespReplySlots,
                          public std::enable_shared_from_this<RespSession> {
 public:
  // Pointers are not owned and outlive the session.
  RespSession(boost::asio::ip::tcp::socket socket, RespCommands* commands,
              const ServerConfig* config, SessionRegistry* registry, Metrics* metrics);
  ~RespSession() override;

  // Starts the reader and writer; the session keeps itself alive until both end.
  void Start();
  void Drain() override;
  boost::asio::any_io_executor executor() override { return socket_.get_executor(); }
  std::function<void(std::string)> Defer() override;

 private:
  boost::asio::awaitable<void> ReadLoop();
  boost::asio::awaitable<void> WriteLoop();
  // Parses and runs every complete request in the input buffer.
  void ProcessInput();
  // A deferred reply arrived (on this session's thread).
  void Complete(uint64_t slot, std::string reply);
  size_t Unsent() const { return out_.size() + pending_bytes_; }
  void Wake(boost::asio::steady_timer& timer) { timer.cancel(); }

  boost::asio::ip::tcp::socket socket_;
  RespCommands* const commands_;
  const ServerConfig* const config_;
  SessionRegistry* const registry_;
  Metrics* const metrics_;
  boost::asio::steady_timer writer_wake_;
  boost::asio::steady_timer reader_wake_;
  RespParser parser_;
  RespClient client_;
  std::vector<char> in_;  // input; bytes [in_begin_, in_end_) are not parsed yet
  size_t in_begin_ = 0;
  size_t in_end_ = 0;
  std::string out_;      // replies ready to send, in order
  std::string scratch_;  // a reply that must queue behind a deferred one
  // Replies behind the oldest deferred one: nullopt until it arrives. The front has slot
  // number pending_base_.
  std::deque<std::optional<std::string>> pending_;
  uint64_t pending_base_ = 0;
  size_t pending_bytes_ = 0;
  size_t deferred_ = 0;        // deferred replies not arrived yet
  bool stalled_ = false;       // a parsed request waits for the deferred writes before it
  bool reading_done_ = false;  // no more requests will be read
  bool closed_ = false;
};

}  // namespace asof::server
