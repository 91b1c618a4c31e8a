#include "server/session.h"

#include <cstring>

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "server/dispatcher.h"
#include "server/session_registry.h"
#include "wire/verify.h"

namespace asio = boost::asio;

namespace asof::server {

namespace {
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxUnsentBytes = 16u << 20;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
}  // namespace

Session::Session(asio::ip::tcp::socket socket, Dispatcher* dispatcher, const ServerConfig* config,
                 SessionRegistry* registry, const TokenStore* tokens)
    : socket_(std::move(socket)),
      dispatcher_(dispatcher),
      config_(config),
      registry_(registry),
      writer_wake_(socket_.get_executor(), asio::steady_timer::time_point::max()),
      reader_wake_(socket_.get_executor(), asio::steady_timer::time_point::max()) {
  if (!tokens->enabled()) {
    auto anonymous = tokens->Authenticate(std::nullopt);
    if (anonymous.ok()) set_principal(*anonymous);
  }
  dispatcher_->metrics()->connections(Protocol::kNative).fetch_add(1, std::memory_order_relaxed);
}

Session::~Session() {
  dispatcher_->metrics()->connections(Protocol::kNative).fetch_sub(1, std::memory_order_relaxed);
}

void Session::Start() {
  auto self = std::static_pointer_cast<Session>(shared_from_this());
  registry_->Add(std::static_pointer_cast<Drainable>(self));
  asio::co_spawn(
      socket_.get_executor(), [self]() { return self->ReadLoop(); }, asio::detached);
  asio::co_spawn(
      socket_.get_executor(), [self]() { return self->WriteLoop(); }, asio::detached);
}

void Session::Drain() {
  boost::system::error_code ec;
  // Makes the pending read complete; the writer then flushes and closes.
  socket_.shutdown(asio::ip::tcp::socket::shutdown_receive, ec);
  reading_done_ = true;
  Wake(reader_wake_);
  Wake(writer_wake_);
}

void Session::EndAsync() {
  --inflight_;
  Wake(reader_wake_);
  Wake(writer_wake_);
}

void Session::Enqueue(wire::MessageType type, uint16_t flags, uint64_t request_id,
                      std::span<const uint8_t> payload) {
  if (closed_) return;
  wire::AppendFrame(type, flags, request_id, payload, &out_);
  Wake(writer_wake_);
}

void Session::Send(wire::MessageType type, uint16_t flags, uint64_t request_id,
                   const flatbuffers::FlatBufferBuilder& fbb) {
  Enqueue(type, flags, request_id, std::span<const uint8_t>(fbb.GetBufferPointer(), fbb.GetSize()));
}

void Session::SendError(uint64_t request_id, const Status& status) {
  flatbuffers::FlatBufferBuilder fbb(256);
  dispatcher_->BuildError(status, &fbb);
  Send(wire::MessageType::kErrorResponse, 0, request_id, fbb);
}

asio::awaitable<void> Session::WaitForRoom() {
  // The reader is suspended in the handler that calls this, so its timer is free; the
  // writer wakes it after every write.
  while (!closed_ && out_.size() > kMaxUnsentBytes) {
    reader_wake_.expires_at(asio::steady_timer::time_point::max());
    co_await reader_wake_.async_wait(kAwait);
  }
}

asio::awaitable<void> Session::ReadLoop() {
  auto self = shared_from_this();
  wire::FrameDecoder decoder(config_->max_frame_bytes);
  std::vector<char> buf(kReadChunk);
  std::vector<uint64_t> aligned;
  while (!reading_done_) {
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buf), kAwait);
    if (ec) break;
    decoder.Append(std::string_view(buf.data(), n));
    for (;;) {
      wire::FrameHeader h;
      std::string_view payload;
      wire::FrameError err;
      auto step = decoder.Next(&h, &payload, &err);
      if (step == wire::FrameDecoder::Step::kNeedMore) break;
      if (step == wire::FrameDecoder::Step::kError) {
        bool go_on = wire::CanContinueAfter(err);
        SendError(go_on ? h.request_id : 0,
                  InvalidArgument(std::string(wire::FrameErrorMessage(err))));
        if (!go_on) {
          spdlog::info("[session] closing connection: {}", wire::FrameErrorMessage(err));
          reading_done_ = true;
          break;
        }
        continue;
      }
      // FlatBuffers reads 8-byte fields in place, so the payload must be 8-byte aligned;
      // in the stream it follows a 28-byte header at any offset.
      aligned.resize((payload.size() + 7) / 8);
      std::memcpy(aligned.data(), payload.data(), payload.size());
      std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(aligned.data()),
                                     payload.size());
      if (!wire::VerifyPayload(h.type, bytes)) {
        SendError(
            h.request_id,
            InvalidArgument(std::string(wire::FrameErrorMessage(wire::FrameError::kBadPayload))));
        continue;
      }
      co_await dispatcher_->Handle(h, bytes, self);
    }
    while (!reading_done_ &&
           (inflight_ >= config_->max_inflight_per_connection || out_.size() > kMaxUnsentBytes)) {
      reader_wake_.expires_at(asio::steady_timer::time_point::max());
      co_await reader_wake_.async_wait(kAwait);
    }
  }
  reading_done_ = true;
  Wake(writer_wake_);
}

asio::awaitable<void> Session::WriteLoop() {
  auto self = shared_from_this();
  std::string sending;
  for (;;) {
    if (out_.empty()) {
      if (reading_done_ && inflight_ == 0) break;
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
