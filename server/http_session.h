// HttpSession: one client connection of the HTTP API (HTTP/1.1, keep-alive), on Beast.
//
// Reads a request, hands it to HttpApi as a plain HttpRequest, writes the HttpResponse
// (whole, or chunked from its BodyProducer), and repeats while the client keeps the
// connection alive. Lives on one io_context thread; no locks.
//
// Limits and timeouts (conf/asofd.toml [http]): a keep-alive connection may sit idle for
// idle_timeout_ms; once a request's first byte arrived, its request line and headers must
// arrive within header_timeout_ms (a slowloris client is dropped, never blocking others:
// each connection waits on its own) and its body within body_timeout_ms. Headers over
// max_header_bytes get 431, bodies over max_body_bytes (max_historical_body_bytes for
// POST /api/features/historical) 413, unparsable requests 400; the connection is closed
// after each of these, since the rest of the stream cannot be trusted.
// Shutdown: Drain() closes an idle connection at once and a busy one after its response.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>

#include "server/config.h"
#include "server/http_api.h"
#include "server/metrics.h"
#include "server/session_registry.h"

namespace asof::server {

class HttpSession final : public Drainable, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket socket, HttpApi* api, const ServerConfig* config,
              SessionRegistry* registry, Metrics* metrics);
  ~HttpSession() override;

  void Start();
  void Drain() override;
  boost::asio::any_io_executor executor() override { return stream_.get_executor(); }

 private:
  struct Exchange;
  boost::asio::awaitable<void> Run();
  // Reads one request; false when the connection must end (EOF, timeout, an error
  // already answered).
  boost::asio::awaitable<bool> Read(HttpRequest* request, bool* keep_alive);
  boost::asio::awaitable<HttpResponse> Call(HttpRequest request);
  // False when the connection must end.
  boost::asio::awaitable<bool> Write(HttpResponse response, bool keep_alive);
  boost::asio::awaitable<bool> WriteStream(HttpResponse response, bool keep_alive);
  void Close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  HttpApi* const api_;
  const ServerConfig* const config_;
  SessionRegistry* const registry_;
  Metrics* const metrics_;
  std::string remote_;
  bool busy_ = false;      // a request is being read or answered
  bool draining_ = false;  // shutdown: no further requests
};

}  // namespace asof::server
