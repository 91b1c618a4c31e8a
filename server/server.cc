#include "server/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "server/session.h"

namespace asio = boost::asio;
using asio::ip::tcp;

namespace asof::server {

namespace {
size_t ThreadCount(const ServerConfig& config) {
  if (config.threads > 0) return static_cast<size_t>(config.threads);
  return std::max(1u, std::thread::hardware_concurrency());
}
}  // namespace

Server::Server(const ServerConfig& config, Engine* engine)
    : config_(config),
      batcher_(engine, static_cast<size_t>(config.max_write_group)),
      dispatcher_(engine, &batcher_, &config_, [this] { return sessions_.size(); }) {}

Server::~Server() {
  Stop();
  Wait();
}

Status Server::Start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config_.listen, ec);
  if (ec) return InvalidArgument("bad listen address '" + config_.listen + "'");
  tcp::endpoint endpoint(address, config_.port);
  for (size_t i = 0; i < ThreadCount(config_); ++i) {
    loops_.push_back(std::make_unique<asio::io_context>(1));
    // Keeps run() going while the loop has no connection yet.
    guards_.emplace_back(loops_.back()->get_executor());
  }
  acceptor_ = std::make_unique<tcp::acceptor>(*loops_[0]);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable("cannot listen on " + config_.listen + ":" + std::to_string(config_.port) +
                       ": " + ec.message());
  }
  endpoint.port(acceptor_->local_endpoint().port());  // the real port when 0 was asked
  port_ = endpoint.port();
  batcher_.Start();
  Accept();
  for (size_t i = 0; i < loops_.size(); ++i) {
    threads_.emplace_back([loop = loops_[i].get()] { loop->run(); });
  }
  return Status::Ok();
}

void Server::Accept() {
  asio::co_spawn(
      *loops_[0],
      [this]() -> asio::awaitable<void> {
        for (size_t next = 0;; ++next) {
          // Each connection lives on one loop, chosen round-robin.
          auto [ec, socket] = co_await acceptor_->async_accept(*loops_[next % loops_.size()],
                                                               asio::as_tuple(asio::use_awaitable));
          if (ec) {
            if (stopping_ || ec == asio::error::operation_aborted) co_return;
            spdlog::warn("[server] accept failed: {}", ec.message());
            continue;
          }
          if (stopping_) co_return;  // accepted just before the acceptor closed: refuse
          if (sessions_.size() >= config_.max_connections) {
            spdlog::warn("[server] refusing connection: max_connections ({}) reached",
                         config_.max_connections);
            continue;  // the socket closes as it goes out of scope
          }
          socket.set_option(tcp::no_delay(true), ec);
          auto session =
              std::make_shared<Session>(std::move(socket), &dispatcher_, &config_, &sessions_);
          session->Start();
          // Stop() sets stopping_ before DrainAll() takes its snapshot of the sessions, so
          // a session registered too late for the snapshot sees stopping_ here and drains
          // itself; otherwise it would hold shutdown for the whole grace period.
          if (stopping_) asio::post(session->executor(), [session] { session->Drain(); });
        }
      },
      asio::detached);
}

void Server::Stop() {
  if (stopping_.exchange(true)) return;
  if (acceptor_) {
    asio::post(*loops_[0], [a = acceptor_.get()] {
      boost::system::error_code ignored;
      a->close(ignored);
    });
  }
  sessions_.DrainAll();
  guards_.clear();
}

void Server::Wait() {
  // Already waited (main() waits, then the destructor does): a second grace period
  // would only delay the exit.
  if (threads_.empty()) return;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.shutdown_grace_ms);
  while (sessions_.size() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (sessions_.size() > 0) {
    spdlog::warn("[server] {} connections still open after the grace period; closing them",
                 sessions_.size());
  }
  for (auto& loop : loops_) loop->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  batcher_.Stop();  // applies every write still queued before the engine closes
}

}  // namespace asof::server
