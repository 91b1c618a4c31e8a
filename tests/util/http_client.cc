#include "tests/util/http_client.h"
#include "wire/json_parse.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace asof::testing {

std::string HttpReply::Header(std::string_view name) const {
  std::string key(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = headers.find(key);
  return it == headers.end() ? "" : it->second;
}

Result<boost::json::value> HttpReply::Json() const {
  Result<boost::json::value> v = ParseJsonExact(body);
  if (!v.ok())
    return InvalidArgument("response body is not JSON (" + v.status().message() + "): " + body);
  return v;
}

struct HttpClient::Conn {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::string host, uint16_t port, std::string token)
    : host_(std::move(host)), port_(port), token_(std::move(token)) {}

HttpClient::~HttpClient() = default;

Result<HttpReply> HttpClient::Request(std::string_view method, std::string_view target,
                                      std::string_view body, const Headers& headers) {
  http::request<http::string_body> req{http::string_to_verb(method), std::string(target), 11};
  if (req.method() == http::verb::unknown) req.method_string(method);
  req.set(http::field::host, host_ + ":" + std::to_string(port_));
  req.keep_alive(true);
  if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
  bool has_type = false;
  for (const auto& [name, value] : headers) {
    if (beast::iequals(name, "content-type")) has_type = true;
    req.set(name, value);
  }
  if (!body.empty() && !has_type) req.set(http::field::content_type, "application/json");
  req.body() = std::string(body);
  req.prepare_payload();

  // One retry on a fresh connection: the server may have closed an idle keep-alive one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool fresh = false;
    if (!conn_) {
      conn_ = std::make_unique<Conn>();
      boost::system::error_code ec;
      conn_->stream.expires_after(timeout_);
      conn_->stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address(host_), port_), ec);
      if (ec) {
        conn_.reset();
        return Unavailable("connect to " + host_ + ":" + std::to_string(port_) + ": " +
                           ec.message());
      }
      fresh = true;
    }
    boost::system::error_code ec;
    conn_->stream.expires_after(timeout_);
    http::write(conn_->stream, req, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    if (!ec) http::read(conn_->stream, conn_->buffer, parser, ec);
    if (ec) {
      conn_.reset();
      if (!fresh && attempt == 0) continue;
      return Unavailable(std::string(method) + " " + std::string(target) + ": " + ec.message());
    }
    auto res = parser.release();
    HttpReply reply;
    reply.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      reply.headers[name] = std::string(field.value());
    }
    reply.body = std::move(res.body());
    if (!res.keep_alive()) conn_.reset();
    return reply;
  }
  return Unavailable("unreachable");
}

}  // namespace asof::testing
