#include "server/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "server/http_session.h"
#include "server/resp_session.h"
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
      metrics_(engine),
      tokens_(config_),
      batcher_(engine, static_cast<size_t>(config.max_write_group), &metrics_),
      dispatcher_(engine, &batcher_, &config_, &metrics_, &tokens_, &limiter_,
                  [this] { return connection_count(); }),
      http_api_(ApiContext{engine, &batcher_, &config_, &metrics_, [this] { return !stopping_; }},
                &tokens_, &limiter_),
      resp_commands_(engine, &batcher_, &config_, &metrics_, &tokens_, &limiter_,
                     ASOF_SERVER_VERSION, [this] { return resp_sessions_.size(); }) {}

Server::~Server() {
  Stop();
  Wait();
}

Status Server::Listen(uint16_t port, std::unique_ptr<Acceptor>* acceptor, uint16_t* bound) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config_.listen, ec);
  if (ec) return InvalidArgument("bad listen address '" + config_.listen + "'");
  tcp::endpoint endpoint(address, port);
  *acceptor = std::make_unique<Acceptor>(*loops_[0]);
  (*acceptor)->open(endpoint.protocol(), ec);
  if (!ec) (*acceptor)->set_option(Acceptor::reuse_address(true), ec);
  if (!ec) (*acceptor)->bind(endpoint, ec);
  if (!ec) (*acceptor)->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable("cannot listen on " + config_.listen + ":" + std::to_string(port) + ": " +
                       ec.message());
  }
  *bound = (*acceptor)->local_endpoint().port();  // the real port when 0 was asked
  return Status::Ok();
}

Status Server::Start() {
  for (size_t i = 0; i < ThreadCount(config_); ++i) {
    loops_.push_back(std::make_unique<asio::io_context>(1));
    // Keeps run() going while the loop has no connection yet.
    guards_.emplace_back(loops_.back()->get_executor());
  }
  RETURN_IF_ERROR(Listen(config_.port, &acceptor_, &port_));
  if (config_.http_enabled)
    RETURN_IF_ERROR(Listen(config_.http_port, &http_acceptor_, &http_port_));
  if (config_.resp_enabled) {
    RETURN_IF_ERROR(Listen(config_.resp_port, &resp_acceptor_, &resp_port_));
    resp_commands_.set_port(resp_port_);
  }
  batcher_.Start();
  AcceptNative();
  if (http_acceptor_) AcceptHttp();
  if (resp_acceptor_) AcceptResp();
  for (size_t i = 0; i < loops_.size(); ++i) {
    threads_.emplace_back([loop = loops_[i].get()] { loop->run(); });
  }
  return Status::Ok();
}

bool Server::Admit() {
  if (stopping_) return false;  // accepted just before the acceptor closed: refuse
  if (connection_count() >= config_.max_connections) {
    spdlog::warn("[server] refusing connection: max_connections ({}) reached",
                 config_.max_connections);
    return false;  // the socket closes as it goes out of scope
  }
  return true;
}

void Server::AcceptNative() {
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
          if (!Admit()) continue;
          socket.set_option(tcp::no_delay(true), ec);
          auto session = std::make_shared<Session>(std::move(socket), &dispatcher_, &config_,
                                                   &sessions_, &tokens_);
          session->Start();
          // Stop() sets stopping_ before DrainAll() takes its snapshot of the sessions, so
          // a session registered too late for the snapshot sees stopping_ here and drains
          // itself; otherwise it would hold shutdown for the whole grace period.
          if (stopping_) asio::post(session->executor(), [session] { session->Drain(); });
        }
      },
      asio::detached);
}

void Server::AcceptHttp() {
  asio::co_spawn(
      *loops_[0],
      [this]() -> asio::awaitable<void> {
        for (size_t next = 0;; ++next) {
          auto [ec, socket] = co_await http_acceptor_->async_accept(
              *loops_[next % loops_.size()], asio::as_tuple(asio::use_awaitable));
          if (ec) {
            if (stopping_ || ec == asio::error::operation_aborted) co_return;
            spdlog::warn("[http] accept failed: {}", ec.message());
            continue;
          }
          if (!Admit()) continue;
          socket.set_option(tcp::no_delay(true), ec);
          auto session = std::make_shared<HttpSession>(std::move(socket), &http_api_, &config_,
                                                       &http_sessions_, &metrics_);
          session->Start();
          if (stopping_) asio::post(session->executor(), [session] { session->Drain(); });
        }
      },
      asio::detached);
}

void Server::AcceptResp() {
  asio::co_spawn(
      *loops_[0],
      [this]() -> asio::awaitable<void> {
        for (size_t next = 0;; ++next) {
          auto [ec, socket] = co_await resp_acceptor_->async_accept(
              *loops_[next % loops_.size()], asio::as_tuple(asio::use_awaitable));
          if (ec) {
            if (stopping_ || ec == asio::error::operation_aborted) co_return;
            spdlog::warn("[resp] accept failed: {}", ec.message());
            continue;
          }
          if (!Admit()) continue;
          socket.set_option(tcp::no_delay(true), ec);
          auto session = std::make_shared<RespSession>(std::move(socket), &resp_commands_, &config_,
                                                       &resp_sessions_, &metrics_);
          session->Start();
          if (stopping_) asio::post(session->executor(), [session] { session->Drain(); });
        }
      },
      asio::detached);
}

void Server::Stop() {
  if (stopping_.exchange(true)) return;
  for (Acceptor* a : {acceptor_.get(), http_acceptor_.get(), resp_acceptor_.get()}) {
    if (a == nullptr) continue;
    asio::post(*loops_[0], [a] {
      boost::system::error_code ignored;
      a->close(ignored);
    });
  }
  sessions_.DrainAll();
  http_sessions_.DrainAll();
  resp_sessions_.DrainAll();
  guards_.clear();
}

void Server::Wait() {
  // Already waited (main() waits, then the destructor does): a second grace period
  // would only delay the exit.
  if (threads_.empty()) return;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.shutdown_grace_ms);
  while (connection_count() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (connection_count() > 0) {
    spdlog::warn("[server] {} connections still open after the grace period; closing them",
                 connection_count());
  }
  for (auto& loop : loops_) loop->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  batcher_.Stop();  // applies every write still queued before the engine closes
}

}  // namespace asof::server
