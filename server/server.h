// Server: the native-protocol listener of asofd.
//
// One io_context per I/O thread. One acceptor hands connections to the loops
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
#include "server/config.h"
#include "server/dispatcher.h"
#include "server/session_registry.h"
#include "server/write_batcher.h"

namespace asof::server {

class Server {
 public:
  Server(const ServerConfig& config, Engine* engine);
  ~Server();

  // Binds and starts the I/O threads. kUnavailable when the address is in use.
  Status Start();
  // The bound port (useful with port 0).
  uint16_t port() const { return port_; }
  void Stop();
  void Wait();

 private:
  void Accept();

  const ServerConfig config_;
  WriteBatcher batcher_;
  SessionRegistry sessions_;
  Dispatcher dispatcher_;
  std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace asof::server
