// Client behaviour that needs no asofd: connection failures against real loopback
// sockets (closed port, a peer that accepts but never answers, a peer that hangs up or
// speaks something else) and the ErrorResponse to Status mapping. End-to-end tests
// against the daemon live in tests/integration/.
#include "wire/client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "flatbuffers/flatbuffers.h"
#include "tests/util/test_util.h"

namespace asof {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// A TCP listener on 127.0.0.1 with an ephemeral port. `on_accept` runs on a thread for
// each accepted socket; the socket stays open until the listener is destroyed.
class LoopbackListener {
 public:
  explicit LoopbackListener(std::function<void(int)> on_accept = nullptr)
      : on_accept_(std::move(on_accept)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(fd_, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~LoopbackListener() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);  // wakes accept()
    acceptor_.join();
    ::close(fd_);
    for (int fd : accepted_) ::close(fd);
  }
  uint16_t port() const { return port_; }
  int accepted() const { return static_cast<int>(accepted_count_); }

 private:
  void AcceptLoop() {
    while (!stop_) {
      int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      ++accepted_count_;
      accepted_.push_back(fd);
      if (on_accept_) on_accept_(fd);
    }
  }

  std::function<void(int)> on_accept_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_count_{0};
  std::vector<int> accepted_;  // touched by the acceptor thread until it is joined
};

ClientOptions LoopbackOptions(uint16_t port) {
  ClientOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  return options;
}

// A port that nothing listens on: bound once to get a free number, then released.
uint16_t ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(ConnectionOpenTest, ClosedPortFailsFastNamingHostAndPort) {
  uint16_t port = ClosedPort();
  auto start = steady_clock::now();
  auto conn = Connection::Open(LoopbackOptions(port));
  auto elapsed = steady_clock::now() - start;
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(conn.status().message().find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << conn.status().ToString();
  // A refused connection is reported at once, not after the 2 s connect timeout.
  EXPECT_LT(elapsed, milliseconds(1000));
}

TEST(ConnectionOpenTest, ClientConnectToClosedPortFails) {
  auto client = Client::Connect(LoopbackOptions(ClosedPort()));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), ErrorCode::kUnavailable);
}

TEST(ConnectionOpenTest, SilentPeerTimesOutTheHello) {
  LoopbackListener listener;  // accepts, never answers
  ClientOptions options = LoopbackOptions(listener.port());
  options.connect_timeout = milliseconds(200);
  auto start = steady_clock::now();
  auto conn = Connection::Open(options);
  auto elapsed = steady_clock::now() - start;
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(conn.status().message().find("127.0.0.1:" + std::to_string(listener.port())),
            std::string::npos)
      << conn.status().ToString();
  EXPECT_NE(conn.status().message().find("timed out"), std::string::npos)
      << conn.status().ToString();
  EXPECT_GE(elapsed, milliseconds(200));
  EXPECT_LT(elapsed, milliseconds(1500));  // not the 30 s request timeout
  EXPECT_EQ(listener.accepted(), 1);
}

TEST(ConnectionOpenTest, PeerThatHangsUpIsUnavailable) {
  LoopbackListener listener([](int fd) { ::shutdown(fd, SHUT_RDWR); });
  auto start = steady_clock::now();
  auto conn = Connection::Open(LoopbackOptions(listener.port()));
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), ErrorCode::kUnavailable);
  // "closed by the server", or a failed send of the hello: which one comes first is a race.
  EXPECT_NE(conn.status().message().find("127.0.0.1:" + std::to_string(listener.port())),
            std::string::npos)
      << conn.status().ToString();
  EXPECT_LT(steady_clock::now() - start, milliseconds(1000));  // no wait for a timeout
}

TEST(ConnectionOpenTest, PeerSpeakingAnotherProtocolIsUnavailable) {
  LoopbackListener listener([](int fd) {
    const std::string banner = "+OK this is not asof, have some bytes to fill a header\r\n";
    EXPECT_EQ(::send(fd, banner.data(), banner.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(banner.size()));
  });
  auto conn = Connection::Open(LoopbackOptions(listener.port()));
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(conn.status().message().find("bad magic"), std::string::npos)
      << conn.status().ToString();
}

Frame ErrorFrame(uint8_t code, const std::string& message) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreateErrorResponseDirect(fbb, code, message.c_str()));
  Frame frame;
  frame.type = wire::MessageType::kErrorResponse;
  frame.request_id = 7;
  frame.payload.assign(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  return frame;
}

TEST(StatusOfFrameTest, ErrorResponseCarriesCodeAndMessage) {
  Status s = StatusOfFrame(
      ErrorFrame(static_cast<uint8_t>(ErrorCode::kNotFound), "feature 'x' is not registered"));
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.message(), "feature 'x' is not registered");

  for (uint8_t code = 1; code <= static_cast<uint8_t>(ErrorCode::kInternal); ++code) {
    EXPECT_EQ(StatusOfFrame(ErrorFrame(code, "m")).code(), static_cast<ErrorCode>(code));
  }
}

TEST(StatusOfFrameTest, OtherFramesAreOk) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreatePingResponse(fbb, 42));
  Frame frame;
  frame.type = wire::MessageType::kPingResponse;
  frame.payload.assign(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  EXPECT_OK(StatusOfFrame(frame));
}

TEST(StatusOfFrameTest, OutOfRangeCodesAreInternal) {
  Status zero = StatusOfFrame(ErrorFrame(0, "claims success"));
  EXPECT_EQ(zero.code(), ErrorCode::kInternal);
  EXPECT_NE(zero.message().find("claims success"), std::string::npos);
  EXPECT_EQ(StatusOfFrame(ErrorFrame(200, "m")).code(), ErrorCode::kInternal);
}

TEST(StatusOfFrameTest, MalformedErrorPayloadIsInternal) {
  Frame frame = ErrorFrame(4, "some message");
  frame.payload.resize(frame.payload.size() / 2);  // truncated
  EXPECT_EQ(StatusOfFrame(frame).code(), ErrorCode::kInternal);
  frame.payload = "\xff\xff\xff\x7f garbage";
  EXPECT_EQ(StatusOfFrame(frame).code(), ErrorCode::kInternal);
  frame.payload.clear();
  EXPECT_EQ(StatusOfFrame(frame).code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace asof
