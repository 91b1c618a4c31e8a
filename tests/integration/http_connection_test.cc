// The HTTP listener as a connection: keep-alive, size limits, malformed requests,
// slow clients, many clients at once, overload shedding and shutdown.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "tests/integration/http_table.h"
#include "tests/integration/integration_util.h"

namespace asof::testing {
namespace {

using namespace std::chrono_literals;

// A raw TCP connection, for what a well-behaved client would never send.
class RawConn {
 public:
  explicit RawConn(uint16_t port) {
    fd_ = ConnectLoopback(port);
    connected_ = fd_ >= 0;
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawConn() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool Send(std::string_view data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Everything until the server closes (or the receive timeout).
  std::string ReadAll() {
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  // True when the server has closed the connection (a read returns EOF or an error).
  bool ClosedByPeer() {
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n == 0) return true;
      if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

int StatusOfRaw(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0) return -1;
  return std::atoi(response.c_str() + 9);
}

class HttpConnectionTest : public ::testing::Test {
 protected:
  void StartWith(const std::string& config_text) {
    std::string path = config_dir_.path() + "/asofd.toml";
    std::ofstream(path) << config_text;
    daemon_ = std::make_unique<Daemon>(ASOFD_PATH, TestDaemonFlags({"--config", path}));
    ASSERT_OK(daemon_->Start());
  }
  void Register(HttpClient& http) {
    ASSERT_OK_AND_ASSIGN(HttpReply r, http.Post("/api/entities", R"({"name":"user"})"));
    ASSERT_EQ(r.status, 201) << r.body;
    ASSERT_OK_AND_ASSIGN(
        r, http.Post("/api/features",
                     R"({"name":"clicks","entity":"user","value_type":"INT64","owner":"growth"})"));
    ASSERT_EQ(r.status, 201) << r.body;
  }
  TempDir config_dir_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(HttpConnectionTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartWith("");
  RawConn conn(daemon_->http_port());
  ASSERT_TRUE(conn.connected());
  // Two pipelined requests, then one that closes.
  ASSERT_TRUE(
      conn.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string all = conn.ReadAll();
  size_t count = 0;
  for (size_t at = all.find("HTTP/1.1 200"); at != std::string::npos;
       at = all.find("HTTP/1.1 200", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 3u) << all;
}

TEST_F(HttpConnectionTest, RoutingAndProtocolErrors) {
  StartWith("[http]\nmax_body_bytes = 2048\nmax_header_bytes = 2048\n");
  HttpClient http("127.0.0.1", daemon_->http_port());
  std::string big_body(4096, ' ');
  RunHttpCases(http, {
                         {.name = "unknown path",
                          .method = "GET",
                          .target = "/api/nope",
                          .status = 404,
                          .error_code = "NOT_FOUND"},
                         {.name = "wrong method",
                          .method = "DELETE",
                          .target = "/api/features",
                          .status = 405,
                          .error_code = "METHOD_NOT_ALLOWED"},
                         {.name = "bad percent escape",
                          .method = "GET",
                          .target = "/api/features?q=%zz",
                          .status = 400,
                          .error_code = "INVALID_ARGUMENT"},
                         {.name = "body over max_body_bytes",
                          .method = "POST",
                          .target = "/api/features",
                          .body = big_body,
                          .status = 413,
                          .error_code = "PAYLOAD_TOO_LARGE"},
                         {.name = "headers over max_header_bytes",
                          .method = "GET",
                          .target = "/healthz",
                          .status = 431,
                          .error_code = "HEADER_TOO_LARGE",
                          .headers = {{"X-Padding", std::string(4096, 'p')}}},
                     });
  // A request line that is not HTTP gets a 400 and the connection is closed.
  RawConn conn(daemon_->http_port());
  ASSERT_TRUE(conn.Send("HELLO THERE\r\n\r\n"));
  std::string reply = conn.ReadAll();
  EXPECT_EQ(StatusOfRaw(reply), 400) << reply;
  EXPECT_NE(reply.find("INVALID_ARGUMENT"), std::string::npos) << reply;
  // And the server still serves others.
  ASSERT_OK_AND_ASSIGN(HttpReply ok, http.Get("/healthz"));
  EXPECT_EQ(ok.status, 200);
}

TEST_F(HttpConnectionTest, SlowlorisDoesNotDelayOthers) {
  StartWith("[http]\nheader_timeout_ms = 30000\n");
  std::vector<std::unique_ptr<RawConn>> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(std::make_unique<RawConn>(daemon_->http_port()));
    ASSERT_TRUE(slow.back()->connected());
    ASSERT_TRUE(slow.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));  // never finished
  }
  HttpClient http("127.0.0.1", daemon_->http_port());
  // Far below the header timeout: if a trickling client could hold the server, these
  // would wait for it.
  http.set_timeout(5s);
  for (int round = 0; round < 10; ++round) {
    for (auto& c : slow) ASSERT_TRUE(c->Send("X-Trickle: 1\r\n"));
    ASSERT_OK_AND_ASSIGN(HttpReply r, http.Get("/healthz"));
    EXPECT_EQ(r.status, 200);
    std::this_thread::sleep_for(50ms);
  }
}

TEST_F(HttpConnectionTest, SlowHeadersTimeOut) {
  StartWith("[http]\nheader_timeout_ms = 500\n");
  RawConn conn(daemon_->http_port());
  ASSERT_TRUE(conn.Send("GET /healthz HTTP/1.1\r\n"));
  // The header never completes: asofd closes the connection after header_timeout_ms
  // (the receive timeout of RawConn is 10 s, so a hang fails here).
  EXPECT_TRUE(conn.ClosedByPeer());
}

TEST_F(HttpConnectionTest, ManyKeepAliveClientsMixingReadsAndIngests) {
  StartWith("");
  HttpClient admin("127.0.0.1", daemon_->http_port());
  ASSERT_NO_FATAL_FAILURE(Register(admin));
  constexpr int kConnections = 200;
  constexpr int kThreads = 8;
  std::atomic<int> ok{0};
  std::atomic<int> failures{0};
  std::mutex mu;
  std::string first_failure;
  const auto deadline = std::chrono::steady_clock::now() + 4s;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::unique_ptr<HttpClient>> clients;
      for (int c = t; c < kConnections; c += kThreads) {
        clients.push_back(std::make_unique<HttpClient>("127.0.0.1", daemon_->http_port()));
      }
      for (size_t i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
        HttpClient& client = *clients[i % clients.size()];
        std::string id = std::to_string((t * 7919 + i) % 500);
        Result<HttpReply> r =
            i % 3 == 0
                ? client.Post("/api/ingest", R"([{"entity":"user","entity_id":")" + id +
                                                 R"(","feature":"clicks","value":)" +
                                                 std::to_string(i) + R"(,"event_timestamp":)" +
                                                 std::to_string(NowMicros()) + "}]")
                : client.Get("/api/features/online?entity=user&entity_id=" + id +
                             "&features=clicks");
        int want = i % 3 == 0 ? 201 : 200;
        if (r.ok() && r->status == want) {
          ok.fetch_add(1);
        } else {
          failures.fetch_add(1);
          std::lock_guard<std::mutex> lock(mu);
          if (first_failure.empty()) {
            first_failure =
                r.ok() ? std::to_string(r->status) + " " + r->body : r.status().ToString();
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_GT(ok.load(), kConnections);  // every connection was used
  // All 200 connections were open at once (each client keeps its own alive).
  ASSERT_OK_AND_ASSIGN(HttpReply metrics, admin.Get("/metrics"));
  EXPECT_EQ(metrics.status, 200);
}

TEST_F(HttpConnectionTest, OverloadIsShedWith503) {
  StartWith("[limits]\nmax_inflight_requests = 1\n");
  HttpClient http("127.0.0.1", daemon_->http_port());
  ASSERT_NO_FATAL_FAILURE(Register(http));
  // A historical request whose answer the client does not read stays in flight.
  std::string rows;
  for (int i = 0; i < 200000; ++i) {
    if (i) rows += ",";
    rows += R"({"entity_id":")" + std::to_string(i) + R"(","timestamp":1700000000000000})";
  }
  std::string body =
      R"({"entity":"user","features":["clicks"],"entity_ids_with_timestamps":[)" + rows + "]}";
  RawConn stuck(daemon_->http_port());
  ASSERT_TRUE(
      stuck.Send("POST /api/features/historical HTTP/1.1\r\nHost: x\r\n"
                 "Accept: text/csv\r\nContent-Type: application/json\r\n"
                 "Content-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body));
  // Until its response fills the socket buffers it may finish; wait for the shed.
  bool shed = false;
  for (int i = 0; i < 100 && !shed; ++i) {
    ASSERT_OK_AND_ASSIGN(HttpReply r,
                         http.Get("/api/features/online?entity=user&entity_id=1&features=clicks"));
    if (r.status == 503) {
      shed = true;
      HttpCase c{.name = "shed", .status = 503, .error_code = "UNAVAILABLE"};
      CheckErrorShape(c, r);
    } else {
      std::this_thread::sleep_for(20ms);
    }
  }
  EXPECT_TRUE(shed);
  // Health stays reachable for the orchestrator while overloaded.
  ASSERT_OK_AND_ASSIGN(HttpReply health, http.Get("/healthz"));
  EXPECT_EQ(health.status, 200);
}

TEST_F(HttpConnectionTest, SigtermClosesIdleKeepAliveConnections) {
  // A grace period longer than Stop()'s 20 s wait: idle keep-alive connections holding
  // shutdown would make Stop() fail.
  StartWith("[server]\nshutdown_grace_ms = 60000\n");
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(std::make_unique<HttpClient>("127.0.0.1", daemon_->http_port()));
    ASSERT_OK_AND_ASSIGN(HttpReply r, clients.back()->Get("/healthz"));
    ASSERT_EQ(r.status, 200);
  }
  ASSERT_OK_AND_ASSIGN(int code, daemon_->Stop());
  EXPECT_EQ(code, 0);
}

}  // namespace
}  // namespace asof::testing
