// The RESP (Redis-compatible) listener end to end: real redis-cli and redis-benchmark
// against a real asofd, golden transcripts, malformed input on raw sockets, pipelining,
// AUTH with the HTTP API's tokens, and one value written three ways (HSET, the native
// protocol, HTTP) reading back the same three ways.
//
// ASOF_UPDATE_GOLDEN=1 rewrites tests/integration/golden/resp/*.txt from the actual output.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/integration/integration_util.h"
#include "tests/integration/test_tokens.h"
#include "tests/util/http_client.h"

namespace asof::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRedisCli = "/usr/bin/redis-cli";
constexpr const char* kRedisBenchmark = "/usr/bin/redis-benchmark";
const fs::path kGoldenDir = fs::path(ASOF_SOURCE_DIR) / "tests/integration/golden/resp";

// A raw TCP connection, to send exactly the bytes a test wants.
class RawConn {
 public:
  explicit RawConn(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawConn() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }
  void CloseWrite() { ::shutdown(fd_, SHUT_WR); }
  // Reads until `n` bytes arrived, EOF or the 10 s timeout.
  std::string Read(size_t n) {
    std::string out;
    char buf[65536];
    while (out.size() < n) {
      ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
      if (got <= 0) break;
      out.append(buf, static_cast<size_t>(got));
    }
    return out;
  }
  std::string ReadToEof() { return Read(std::string::npos); }
  // Reads one reply line, through its \r\n.
  std::string ReadLine() {
    std::string out;
    char c;
    while (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) {
      if (::recv(fd_, &c, 1, 0) != 1) break;
      out.push_back(c);
    }
    return out;
  }
  // Sends one request and reads its reply, which must be exactly `expected_size` long.
  std::string Call(std::string_view request, size_t expected_size) {
    Send(request);
    return Read(expected_size);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::string Command(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

bool UpdateGolden() {
  const char* v = std::getenv("ASOF_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

std::string ReadFileText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class RespTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(ASOFD_PATH, TestDaemonFlags({"--sync-writes", "false"}));
    ASSERT_OK(daemon_->Start());
    ASSERT_NE(daemon_->resp_port(), 0) << daemon_->log();
    ASSERT_OK_AND_ASSIGN(client_, Client::Connect(OptionsFor(*daemon_)));
    ASSERT_OK(client_->RegisterEntityType("user", "").status());
    for (auto [name, type] :
         std::vector<std::pair<std::string, uint8_t>>{{"avg_purchase_30d", vt::kDouble},
                                                      {"click_rate_7d", vt::kDouble},
                                                      {"country", vt::kString},
                                                      {"visits", vt::kInt64}}) {
      ASSERT_OK(client_->RegisterFeature(Spec("user", name, type)).status());
    }
    auto stale = Spec("user", "stale", vt::kInt64);
    stale.ttl_us = 60'000'000;
    ASSERT_OK(client_->RegisterFeature(stale).status());
    const int64_t now = NowMicros();
    ASSERT_OK_AND_ASSIGN(
        auto w, client_->Write({Record("user", "123", "avg_purchase_30d", Double(42.5), now),
                                Record("user", "123", "click_rate_7d", Double(0.1), now),
                                Record("user", "123", "country", String("NL"), now),
                                Record("user", "123", "stale", Int64(5), now - 3'600'000'000),
                                Record("user", "7", "country", String("a \"quoted\" one"), now)}));
    ASSERT_EQ(w.accepted, 5u);
  }

  // Runs redis-cli with `args`, the commands of `stdin_path` (if any) on its stdin.
  ProcessResult Cli(std::vector<std::string> args, const std::string& stdin_path = "") {
    std::string line =
        std::string(kRedisCli) + " --no-raw -p " + std::to_string(daemon_->resp_port());
    for (const auto& a : args) line += " '" + a + "'";
    if (!stdin_path.empty()) line += " < '" + stdin_path + "'";
    auto run = RunProcess({"/bin/sh", "-c", line + " 2>&1"});
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    return run.ok() ? *run : ProcessResult{};
  }

  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<Client> client_;
};

// tests/integration/golden/resp/<name>.redis: commands, one per line, run through one
// redis-cli connection; <name>.txt: what redis-cli prints.
TEST_F(RespTest, RedisCliGolden) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
    if (entry.path().extension() == ".redis") names.push_back(entry.path().stem().string());
  }
  ASSERT_FALSE(names.empty());
  for (const auto& name : names) {
    const fs::path base = kGoldenDir / name;
    ProcessResult run = Cli({}, base.string() + ".redis");
    EXPECT_EQ(run.exit_code, 0) << name << ":\n" << run.output;
    const fs::path golden = base.string() + ".txt";
    if (UpdateGolden()) {
      std::ofstream(golden, std::ios::binary) << run.output;
      continue;
    }
    EXPECT_EQ(run.output, ReadFileText(golden)) << name << " (ASOF_UPDATE_GOLDEN=1 rewrites it)";
  }
}

TEST_F(RespTest, RedisCliCommandLine) {
  ProcessResult run = Cli({"HMGET", "user:123", "avg_purchase_30d", "click_rate_7d"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.output, "1) \"42.5\"\n2) \"0.1\"\n");
}

TEST_F(RespTest, MalformedInputIsAnErrorAndOthersAreServed) {
  RawConn bystander(daemon_->resp_port());
  ASSERT_TRUE(bystander.connected());
  struct Case {
    std::string name;
    std::string input;
    std::string reply_prefix;
  };
  const std::vector<Case> cases = {
      {"negative bulk length", "*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length"},
      {"bulk length over the limit", "*2\r\n$4\r\nECHO\r\n$999999999999\r\n",
       "-ERR Protocol error: invalid bulk length"},
      {"bad array length", "*abc\r\n", "-ERR Protocol error: invalid multibulk length"},
      {"nested array", "*1\r\n*1\r\n$4\r\nPING\r\n", "-ERR Protocol error: expected '$', got '*'"},
      {"missing CRLF", "*1\r\n$4\r\nPINGxx", "-ERR Protocol error: expected CRLF"},
      {"unbalanced quotes inline", "ECHO \"abc\r\n", "-ERR Protocol error: unbalanced quotes"},
      {"valid requests first", "PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$-1\r\n",
       "+PONG\r\n+PONG\r\n-ERR Protocol error: invalid bulk length"},
  };
  for (const Case& c : cases) {
    RawConn conn(daemon_->resp_port());
    ASSERT_TRUE(conn.connected());
    conn.Send(c.input);
    std::string reply = conn.ReadToEof();  // the server closes after the error
    EXPECT_EQ(reply.substr(0, c.reply_prefix.size()), c.reply_prefix) << c.name << ": " << reply;
    EXPECT_EQ(reply.substr(reply.size() - 2), "\r\n") << c.name;
    EXPECT_EQ(bystander.Call("PING\r\n", 7), "+PONG\r\n") << "after " << c.name;
  }
  // A truncated array is not an error: the server waits for the rest; EOF ends it quietly.
  {
    RawConn conn(daemon_->resp_port());
    conn.Send("*3\r\n$4\r\nHGET\r\n$8\r\nuser:123");
    conn.CloseWrite();
    EXPECT_EQ(conn.ReadToEof(), "");
  }
  // Inline commands work like in Redis (telnet).
  {
    RawConn conn(daemon_->resp_port());
    EXPECT_EQ(conn.Call("HGET user:123 avg_purchase_30d\r\n", Bulk("42.5").size()), Bulk("42.5"));
    EXPECT_EQ(conn.Call("ECHO \"a b\"\n", 9), Bulk("a b"));
  }
  EXPECT_EQ(bystander.Call(Command({"HGET", "user:123", "click_rate_7d"}), 9), Bulk("0.1"));
  EXPECT_TRUE(daemon_->running());
}

// Many commands in one write, HSETs (answered later, by the write batcher) among reads:
// the replies come back in request order, and each HGET sees the HSET before it.
TEST_F(RespTest, PipeliningKeepsOrderAcrossDeferredWrites) {
  RawConn conn(daemon_->resp_port());
  std::string requests, expected;
  for (int i = 0; i < 300; ++i) {
    const std::string v = std::to_string(i);
    requests += Command({"HSET", "user:p", "visits", v});
    requests += Command({"HGET", "user:p", "visits"});
    requests += "PING\r\n";
    expected += ":1\r\n" + Bulk(v) + "+PONG\r\n";
  }
  requests += Command({"HMGET", "user:123", "avg_purchase_30d", "nope", "stale", "country"});
  expected += "*4\r\n" + Bulk("42.5") + "$-1\r\n$-1\r\n" + Bulk("NL");
  conn.Send(requests);
  const std::string got = conn.Read(expected.size());
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i], expected[i])
        << "first difference at byte " << i << ": ..." << got.substr(i > 40 ? i - 40 : 0, 80);
  }
}

TEST_F(RespTest, RedisBenchmarkRuns) {
  auto run = RunProcess(
      {kRedisBenchmark, "-p", std::to_string(daemon_->resp_port()), "-n", "500", "-c", "10", "-r",
       "200", "-q", "HMGET", "user:__rand_int__", "avg_purchase_30d", "click_rate_7d"},
      std::chrono::seconds(60));
  ASSERT_OK(run.status());
  EXPECT_EQ(run->exit_code, 0) << run->output;
  EXPECT_NE(run->output.find("requests per second"), std::string::npos) << run->output;
  EXPECT_EQ(run->output.find("ERR"), std::string::npos) << run->output;
}

// A value written via HSET, the native protocol and HTTP reads back identically through
// all three.
TEST_F(RespTest, ThreeWritePathsReadBackIdenticallyThreeWays) {
  RawConn resp(daemon_->resp_port());
  HttpClient http("127.0.0.1", daemon_->http_port());
  EXPECT_EQ(resp.Call(Command({"HSET", "user:via-resp", "click_rate_7d", "0.3", "visits", "-12",
                               "country", "Zürich"}),
                      4),
            ":3\r\n");
  const int64_t now = NowMicros();
  ASSERT_OK_AND_ASSIGN(
      auto w, client_->Write({Record("user", "via-native", "click_rate_7d", Double(0.3), now),
                              Record("user", "via-native", "visits", Int64(-12), now),
                              Record("user", "via-native", "country", String("Zürich"), now)}));
  ASSERT_EQ(w.accepted, 3u);
  ASSERT_OK_AND_ASSIGN(
      HttpReply posted,
      http.Post(
          "/api/ingest",
          R"([{"entity":"user","entity_id":"via-http","feature":"click_rate_7d","value":0.3,"event_timestamp":)" +
              std::to_string(now) +
              R"(},{"entity":"user","entity_id":"via-http","feature":"visits","value":-12,"event_timestamp":)" +
              std::to_string(now) +
              R"(},{"entity":"user","entity_id":"via-http","feature":"country","value":"Zürich","event_timestamp":)" +
              std::to_string(now) + "}]"));
  ASSERT_EQ(posted.status, 201) << posted.body;
  ASSERT_NE(posted.body.find(R"("accepted":3)"), std::string::npos) << posted.body;

  for (std::string id : {"via-resp", "via-native", "via-http"}) {
    SCOPED_TRACE(id);
    const std::string expected_resp = "*3\r\n" + Bulk("0.3") + Bulk("-12") + Bulk("Zürich");
    EXPECT_EQ(resp.Call(Command({"HMGET", "user:" + id, "click_rate_7d", "visits", "country"}),
                        expected_resp.size()),
              expected_resp);

    ASSERT_OK_AND_ASSIGN(auto native,
                         client_->OnlineRead("user", {id}, {"click_rate_7d", "visits", "country"}));
    ASSERT_EQ(native.values.size(), 3u);
    EXPECT_EQ(native.values[0]->status, vs::kPresent);
    EXPECT_EQ(native.values[0]->value->d, 0.3);
    EXPECT_EQ(native.values[1]->value->i, -12);
    EXPECT_EQ(native.values[2]->value->s, "Zürich");

    ASSERT_OK_AND_ASSIGN(HttpReply got, http.Get("/api/features/online?entity=user&entity_id=" +
                                                 id + "&features=click_rate_7d,visits,country"));
    ASSERT_EQ(got.status, 200) << got.body;
    ASSERT_OK_AND_ASSIGN(boost::json::value body, got.Json());
    const auto& f = body.at("results").at(0).at("features");
    EXPECT_EQ(f.at("click_rate_7d").at("value").as_double(), 0.3);
    EXPECT_EQ(f.at("visits").at("value").to_number<int64_t>(), -12);
    EXPECT_EQ(f.at("country").at("value").as_string(), "Zürich");
  }
}

constexpr const char* kAuthConfig = kTestTokensToml;

TEST(RespAuthTest, TokensOfTheHttpApi) {
  TempDir dir;
  const std::string path = dir.path() + "/asofd.toml";
  std::ofstream(path) << kAuthConfig;
  Daemon daemon(ASOFD_PATH, TestDaemonFlags({"--config", path}));
  ASSERT_OK(daemon.Start());
  HttpClient http("127.0.0.1", daemon.http_port(), "writer-a-secret");
  ASSERT_OK_AND_ASSIGN(HttpReply r, http.Post("/api/entities", R"({"name":"user"})"));
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_OK_AND_ASSIGN(
      r, http.Post("/api/features",
                   R"({"name":"visits","entity":"user","value_type":"INT64","owner":"a"})"));
  ASSERT_EQ(r.status, 201) << r.body;

  RawConn conn(daemon.resp_port());
  const std::string noauth = "-NOAUTH Authentication required.\r\n";
  EXPECT_EQ(conn.Call(Command({"HGET", "user:1", "visits"}), noauth.size()), noauth);
  EXPECT_EQ(conn.Call("PING\r\n", 7), "+PONG\r\n");
  const std::string wrongpass =
      "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
  EXPECT_EQ(conn.Call(Command({"AUTH", "nope"}), wrongpass.size()), wrongpass);
  EXPECT_EQ(conn.Call(Command({"AUTH", "reader-a-secret"}), 5), "+OK\r\n");
  EXPECT_EQ(conn.Call(Command({"HGET", "user:1", "visits"}), 5), "$-1\r\n");
  conn.Send(Command({"HSET", "user:1", "visits", "3"}));
  const std::string denied = conn.ReadLine();
  EXPECT_EQ(denied.substr(0, 8), "-NOPERM ") << denied;
  RawConn writer(daemon.resp_port());
  EXPECT_EQ(writer.Call(Command({"AUTH", "default", "writer-a-secret"}), 5), "+OK\r\n");
  EXPECT_EQ(writer.Call(Command({"HSET", "user:1", "visits", "3"}), 4), ":1\r\n");

  // redis-cli -a, as users run it.
  auto run = RunProcess({kRedisCli, "-p", std::to_string(daemon.resp_port()), "-a",
                         "reader-a-secret", "--no-auth-warning", "HGET", "user:1", "visits"});
  ASSERT_OK(run.status());
  EXPECT_EQ(run->output, "3\n");
}

}  // namespace
}  // namespace asof::testing
