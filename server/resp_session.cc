#include "server/resp_session.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

#include "server/resp_reply.h"

namespace asio = boost::asio;

namespace asof::server {

namespace {
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxUnsentBytes = 16u << 20;
// After a large request the input buffer is given back once it is empty.
constexpr size_t kKeepInputBytes = 1u << 20;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

RespLimits LimitsFrom(const ServerConfig& config) {
  RespLimits limits;
  limits.max_array_length = config.resp_max_array_length;
  limits.max_bulk_bytes = config.resp_max_bulk_bytes;
  limits.max_request_bytes = config.resp_max_request_bytes;
  return limits;
}
}  // namespace

RespSession::RespSession(asio::ip::tcp::socket socket, RespCommands* commands,
                         const ServerConfig* config, SessionRegistry* registry, Metrics* metrics)
    : socket_(std::move(socket)),
      commands_(commands),
      config_(config),
      registry_(registry),
      metrics_(metrics),
      writer_wake_(socket_.get_executor(), asio::steady_timer::time_point::max()),
      reader_wake_(socket_.get_executor(), asio::steady_timer::time_point::max()),
      parser_(LimitsFrom(*config)),
      client_(commands->NewClient()),
      in_(kReadChunk) {
  metrics_->connections(Protocol::kResp).fetch_add(1, std::memory_order_relaxed);
}

RespSession::~RespSession() {
  metrics_->connections(Protocol::kResp).fetch_sub(1, std::memory_order_relaxed);
}

void RespSession::Start() {
  auto self = shared_from_this();
  registry_->Add(std::static_pointer_cast<Drainable>(self));
  asio::co_spawn(
      socket_.get_executor(), [self]() { return self->ReadLoop(); }, asio::detached);
  asio::co_spawn(
      socket_.get_executor(), [self]() { return self->WriteLoop(); }, asio::detached);
}

void RespSession::Drain() {
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_receive, ec);
  reading_done_ = true;
  Wake(reader_wake_);
  Wake(writer_wake_);
}

std::function<void(std::string)> RespSession::Defer() {
  const uint64_t slot = pending_base_ + pending_.size();
  pending_.emplace_back(std::nullopt);
  ++deferred_;
  return [self = shared_from_this(), slot](std::string reply) {
    // Called on the write batcher's thread: hop back to the session's own.
    asio::post(self->executor(), [self, slot, reply = std::move(reply)]() mutable {
      self->Complete(slot, std::move(reply));
    });
  };
}

void RespSession::Complete(uint64_t slot, std::string reply) {
  pending_bytes_ += reply.size();
  pending_[slot - pending_base_] = std::move(reply);
  --deferred_;
  while (!pending_.empty() && pending_.front().has_value()) {
    pending_bytes_ -= pending_.front()->size();
    if (!closed_) out_.append(*pending_.front());
    pending_.pop_front();
    ++pending_base_;
  }
  if (deferred_ == 0 && stalled_) {
    stalled_ = false;
    ProcessInput();
  }
  Wake(reader_wake_);
  Wake(writer_wake_);
}

void RespSession::ProcessInput() {
  while (!reading_done_) {
    auto step = parser_.Next(std::string_view(in_.data() + in_begin_, in_end_ - in_begin_));
    if (step == RespParser::Step::kNeedMore) break;
    if (step == RespParser::Step::kCommand && deferred_ > 0 && !parser_.args().empty() &&
        !RespCommands::Defers(parser_.args()[0])) {
      // Commands run in order, so a read must see the writes sent before it: wait for
      // them (Complete resumes here). Writes behind writes go on: the batcher applies
      // them in order. The request is parsed again then; it was not consumed.
      stalled_ = true;
      break;
    }
    // Behind a deferred reply, replies queue in pending_ to keep request order.
    std::string* target = pending_.empty() ? &out_ : &scratch_;
    if (step == RespParser::Step::kError) {
      spdlog::debug("[resp] closing connection {}: {}", client_.id, parser_.error_message());
      resp::AppendError("ERR " + parser_.error_message(), target);
      reading_done_ = true;
    } else {
      in_begin_ += parser_.consumed();
      if (parser_.args().empty()) continue;  // Redis ignores empty requests
      if (commands_->Execute(parser_.args(), &client_, target, this) ==
          RespCommands::Outcome::kDeferred) {
        continue;  // Defer() took a slot; nothing was appended
      }
      if (client_.close) reading_done_ = true;
    }
    if (target == &scratch_) {
      pending_bytes_ += scratch_.size();
      pending_.emplace_back(std::move(scratch_));
      scratch_.clear();
    }
  }
  Wake(writer_wake_);
}

asio::awaitable<void> RespSession::ReadLoop() {
  auto self = shared_from_this();
  while (!reading_done_) {
    // Room for the next read: move the unparsed tail to the front, and grow the buffer
    // to hold a large bulk string whole. Only here: Complete() may parse while a read is
    // pending, so the buffer must not move under it.
    if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
    if (in_begin_ > 0 && in_.size() - in_end_ < kReadChunk / 2) {
      std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
      in_end_ -= in_begin_;
      in_begin_ = 0;
    }
    if (in_end_ == 0 && in_.size() > kKeepInputBytes) {
      in_.resize(kReadChunk);
      in_.shrink_to_fit();
    }
    const size_t needed = std::max(in_end_ + kReadChunk / 2, in_begin_ + parser_.wanted());
    if (in_.size() < needed) in_.resize(std::max(needed, in_.size() * 2));
    auto [ec, n] = co_await socket_.async_read_some(
        asio::buffer(in_.data() + in_end_, in_.size() - in_end_), kAwait);
    if (ec) break;
    in_end_ += n;
    ProcessInput();
    while (!reading_done_ && (stalled_ || deferred_ >= config_->max_inflight_per_connection ||
                              Unsent() > kMaxUnsentBytes)) {
      reader_wake_.expires_at(asio::steady_timer::time_point::max());
      co_await reader_wake_.async_wait(kAwait);
    }
  }
  reading_done_ = true;
  Wake(writer_wake_);
}

asio::awaitable<void> RespSession::WriteLoop() {
  auto self = shared_from_this();
  std::string sending;
  for (;;) {
    if (out_.empty()) {
      if (reading_done_ && deferred_ == 0 && pending_.empty()) break;
      writer_wake_.expires_at(asio::steady_timer::time_point::max());
      co_await writer_wake_.async_wait(kAwait);
      continue;
    }
    sending.clear();
    sending.swap(out_);
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(sending), kAwait);
    if (ec) break;
    Wake(reader_wake_);
  }
  closed_ = true;
  reading_done_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  Wake(reader_wake_);
  registry_->Remove(this);
}

}  // namespace asof::server
