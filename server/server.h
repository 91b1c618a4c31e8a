// Server: the listeners of asofd — the native protocol and the HTTP API — and what they
// share: the dispatcher, the write batcher, metrics, tokens and rate limits.
//
// One io_context per I/O thread. Each acceptor hands connections to the loops
// round-robin, and a connection lives its whole life on its loop's thread. Shutdown: Stop() closes
// the acceptors and drains every session (no new requests, in-flight ones answered); Wait() returns
// when all sessions are gone or the grace period ran out, with the I/O threads joined.
//
// Thread-safety: Start, Stop and Wait from one controlling thread; Stop also from a
// signal handler's io_context.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/dispatcher.h"
#include "server/http_api.h"
#include "server/metrics.h"
#include "server/rate_limiter.h"
#include "server/resp_commands.h"
#include "server/session_registry.h"
#include "server/write_batcher.h"

namespace asof::server {

class Server {
 public:
  Server(const ServerConfig& config, Engine* engine);
  ~Server();

  // Binds and starts the I/O threads. kUnavailable when the address is in use.
  Status Start();
  // The bound ports (useful with port 0); http_port() is 0 when HTTP is disabled.
  uint16_t port() const { return port_; }
  uint16_t http_port() const { return http_port_; }
  // The RESP (Redis-compatible) listener's port; 0 when it is disabled.
  uint16_t resp_port() const { return resp_port_; }
  void Stop();
  void Wait();

 private:
  using Acceptor = boost::asio::ip::tcp::acceptor;
  Status Listen(uint16_t port, std::unique_ptr<Acceptor>* acceptor, uint16_t* bound);
  // Refuses the connection (false) when max_connections are open or shutdown began.
  bool Admit();
  void AcceptNative();
  void AcceptHttp();
  void AcceptResp();
  size_t connection_count() const {
    return sessions_.size() + http_sessions_.size() + resp_sessions_.size();
  }

  const ServerConfig config_;
  Metrics metrics_;
  TokenStore tokens_;
  RateLimiter limiter_;
  WriteBatcher batcher_;
  SessionRegistry sessions_;
  SessionRegistry http_sessions_;
  SessionRegistry resp_sessions_;
  Dispatcher dispatcher_;
  HttpApi http_api_;
  RespCommands resp_commands_;
  std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards_;
  std::unique_ptr<Acceptor> acceptor_;
  std::unique_ptr<Acceptor> http_acceptor_;
  std::unique_ptr<Acceptor> resp_acceptor_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  uint16_t http_port_ = 0;
  uint16_t resp_port_ = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace asof::server
