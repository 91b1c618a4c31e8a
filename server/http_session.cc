#include "server/http_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

#include "server/http_errors.h"
#include "server/http_target.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace asof::server {

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
constexpr size_t kStreamFlushBytes = 64 * 1024;
constexpr std::string_view kHistoricalPath = "/api/features/historical";

HttpMethod MethodOf(http::verb verb) {
  switch (verb) {
    case http::verb::get:
      return HttpMethod::kGet;
    case http::verb::head:
      return HttpMethod::kHead;
    case http::verb::post:
      return HttpMethod::kPost;
    case http::verb::put:
      return HttpMethod::kPut;
    case http::verb::patch:
      return HttpMethod::kPatch;
    case http::verb::delete_:
      return HttpMethod::kDelete;
    case http::verb::options:
      return HttpMethod::kOptions;
    default:
      return HttpMethod::kOther;
  }
}

std::string MediaType(std::string_view content_type) {
  std::string out(content_type.substr(0, content_type.find(';')));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::chrono::milliseconds Ms(int ms) { return std::chrono::milliseconds(ms); }

template <class Body>
void SetHeaders(const HttpResponse& r, bool keep_alive, http::response<Body>* res) {
  res->set(http::field::server, "asofd");
  res->set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) res->set(name, value);
  res->keep_alive(keep_alive);
}

}  // namespace

// The answer of one request, handed from whichever thread responds to the session's.
struct HttpSession::Exchange {
  explicit Exchange(asio::any_io_executor ex)
      : executor(ex), wake(ex, asio::steady_timer::time_point::max()) {}
  asio::any_io_executor executor;
  asio::steady_timer wake;
  std::optional<HttpResponse> response;
};

HttpSession::HttpSession(asio::ip::tcp::socket socket, HttpApi* api, const ServerConfig* config,
                         SessionRegistry* registry, Metrics* metrics)
    : stream_(std::move(socket)),
      api_(api),
      config_(config),
      registry_(registry),
      metrics_(metrics) {
  boost::system::error_code ec;
  auto peer = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_ = peer.address().to_string() + ":" + std::to_string(peer.port());
  metrics_->connections(Protocol::kHttp).fetch_add(1, std::memory_order_relaxed);
}

HttpSession::~HttpSession() {
  metrics_->connections(Protocol::kHttp).fetch_sub(1, std::memory_order_relaxed);
}

void HttpSession::Start() {
  auto self = shared_from_this();
  registry_->Add(std::static_pointer_cast<Drainable>(self));
  asio::co_spawn(
      stream_.get_executor(), [self]() { return self->Run(); }, asio::detached);
}

void HttpSession::Drain() {
  draining_ = true;
  if (!busy_) Close();  // waiting for the next request: nothing to finish
}

void HttpSession::Close() {
  boost::system::error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
}

asio::awaitable<void> HttpSession::Run() {
  auto self = shared_from_this();  // alive until the loop ends
  while (!draining_) {
    HttpRequest request;
    bool keep_alive = false;
    if (!co_await Read(&request, &keep_alive)) break;
    metrics_->inflight(Protocol::kHttp).fetch_add(1, std::memory_order_relaxed);
    HttpResponse response = co_await Call(std::move(request));
    bool go_on = co_await Write(std::move(response), keep_alive && !draining_);
    metrics_->inflight(Protocol::kHttp).fetch_sub(1, std::memory_order_relaxed);
    busy_ = false;
    if (!go_on || !keep_alive) break;
  }
  Close();
  registry_->Remove(this);
}

asio::awaitable<bool> HttpSession::Read(HttpRequest* request, bool* keep_alive) {
  // Idle keep-alive wait: no request has started yet.
  if (buffer_.size() == 0) {
    stream_.expires_after(Ms(config_->http_idle_timeout_ms));
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(4096), kAwait);
    if (ec || draining_) co_return false;
    buffer_.commit(n);
  }
  busy_ = true;
  http::request_parser<http::string_body> parser;
  parser.header_limit(config_->http_max_header_bytes);
  // The route's own limit is applied once the target is known.
  parser.body_limit(
      std::max<uint64_t>(config_->http_max_body_bytes, config_->http_max_historical_body_bytes));
  stream_.expires_after(Ms(config_->http_header_timeout_ms));
  auto [hec, hn] = co_await http::async_read_header(stream_, buffer_, parser, kAwait);
  if (hec) {
    if (hec == http::error::header_limit) {
      co_await Write(HeaderTooLarge(config_->http_max_header_bytes), false);
    } else if (hec != beast::error::timeout && hec != http::error::end_of_stream &&
               hec != asio::error::eof && hec != asio::error::operation_aborted) {
      co_await Write(ErrorResponse(InvalidArgument("malformed HTTP request: " + hec.message())),
                     false);
    }
    co_return false;
  }
  const auto& header = parser.get();
  auto target = DecodeTarget(std::string_view(header.target().data(), header.target().size()));
  if (!target.ok()) {
    co_await Write(ErrorResponse(target.status()), false);
    co_return false;
  }
  const uint64_t limit = target->path == kHistoricalPath ? config_->http_max_historical_body_bytes
                                                         : config_->http_max_body_bytes;
  auto too_large = [&] {
    return ErrorResponse(
        PayloadTooLarge("request body over " + std::to_string(limit) + " bytes (" +
                        (target->path == kHistoricalPath ? "http.max_historical_body_bytes"
                                                         : "http.max_body_bytes") +
                        ")"));
  };
  if (parser.content_length() && *parser.content_length() > limit) {
    co_await Write(too_large(), false);
    co_return false;
  }
  parser.body_limit(limit);
  if (beast::iequals(header[http::field::expect], "100-continue")) {
    // curl waits a second for this before sending a body over 1 KiB.
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(kContinue), kAwait);
    if (ec) co_return false;
  }
  stream_.expires_after(Ms(config_->http_body_timeout_ms));
  auto [bec, bn] = co_await http::async_read(stream_, buffer_, parser, kAwait);
  if (bec) {
    if (bec == http::error::body_limit) {
      co_await Write(too_large(), false);
    } else if (bec != beast::error::timeout && bec != asio::error::eof) {
      co_await Write(ErrorResponse(InvalidArgument("malformed HTTP request: " + bec.message())),
                     false);
    }
    co_return false;
  }
  auto message = parser.release();
  request->method = MethodOf(message.method());
  request->path = std::move(target->path);
  request->query = std::move(target->query);
  request->body = std::move(message.body());
  request->content_type = MediaType(message[http::field::content_type]);
  request->accept = std::string(message[http::field::accept]);
  request->authorization = std::string(message[http::field::authorization]);
  request->remote = remote_;
  *keep_alive = message.keep_alive();
  co_return true;
}

asio::awaitable<HttpResponse> HttpSession::Call(HttpRequest request) {
  auto exchange = std::make_shared<Exchange>(stream_.get_executor());
  api_->Handle(std::move(request), [exchange](HttpResponse response) {
    // Writes answer from the write batcher's thread: hop back to the connection's.
    asio::post(exchange->executor, [exchange, r = std::move(response)]() mutable {
      exchange->response = std::move(r);
      exchange->wake.cancel();
    });
  });
  while (!exchange->response) co_await exchange->wake.async_wait(kAwait);
  co_return std::move(*exchange->response);
}

asio::awaitable<bool> HttpSession::Write(HttpResponse r, bool keep_alive) {
  if (r.stream) co_return co_await WriteStream(std::move(r), keep_alive);
  http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
  SetHeaders(r, keep_alive, &res);
  res.body() = std::move(r.body);
  res.prepare_payload();
  stream_.expires_after(Ms(config_->http_idle_timeout_ms));
  auto [ec, n] = co_await http::async_write(stream_, res, kAwait);
  co_return !ec;
}

asio::awaitable<bool> HttpSession::WriteStream(HttpResponse r, bool keep_alive) {
  http::response<http::empty_body> res{static_cast<http::status>(r.status), 11};
  SetHeaders(r, keep_alive, &res);
  res.chunked(true);
  http::response_serializer<http::empty_body> serializer{res};
  stream_.expires_after(Ms(config_->http_idle_timeout_ms));
  auto [hec, hn] = co_await http::async_write_header(stream_, serializer, kAwait);
  if (hec) co_return false;
  std::string chunk;
  for (bool more = true; more;) {
    chunk.clear();
    while (more && chunk.size() < kStreamFlushBytes) {
      Result<bool> next = r.stream(&chunk);
      if (!next.ok()) {
        // The status line is gone: ending without the last chunk tells the client the
        // body is incomplete.
        spdlog::warn("[http] {}: streamed response failed: {}", remote_, next.status().ToString());
        co_return false;
      }
      more = *next;
    }
    if (!chunk.empty()) {
      // Waits for the client to take it: a slow reader slows the producer.
      stream_.expires_after(Ms(config_->http_idle_timeout_ms));
      auto [ec, n] =
          co_await asio::async_write(stream_, http::make_chunk(asio::buffer(chunk)), kAwait);
      if (ec) co_return false;
    }
  }
  auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(), kAwait);
  co_return !ec;
}

}  // namespace asof::server
