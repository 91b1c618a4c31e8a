// Hostile and broken input on raw TCP sockets to a real asofd. A frame whose boundary is
// known (bad checksum, unknown type, bad payload) gets an error frame and the connection
// goes on; one whose boundary is lost (bad magic or version, too large) gets an error
// frame and then the close; a peer that vanishes mid-frame costs nothing. Throughout, a
// well-behaved asof::Client on another connection is served (a ping after each case).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "tests/integration/integration_util.h"
#include "tests/util/test_util.h"
#include "wire/client.h"
#include "wire/frame.h"

namespace asof::testing {
namespace {

using std::chrono::milliseconds;
using wire::MessageType;

constexpr milliseconds kWait{10000};

// A plain TCP connection speaking raw bytes, with a frame decoder on the receiving side.
class RawSocket {
 public:
  explicit RawSocket(uint16_t port) {
    fd_ = ConnectLoopback(port);
    connected_ = fd_ >= 0;
  }
  ~RawSocket() { Close(); }
  bool connected() const { return connected_; }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }
  // Closes with a reset (SO_LINGER 0), as a crashed peer would.
  void Reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    Close();
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // The next frame, or nullopt when the peer closed (eof() then says so) or on timeout.
  std::optional<Frame> ReadFrame(milliseconds timeout = kWait) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      wire::FrameHeader h;
      std::string_view payload;
      wire::FrameError error;
      auto step = decoder_.Next(&h, &payload, &error);
      if (step == wire::FrameDecoder::Step::kFrame) {
        return Frame{h.type, h.flags, h.request_id, std::string(payload)};
      }
      if (step == wire::FrameDecoder::Step::kError) {
        ADD_FAILURE() << "asofd sent a malformed frame: " << wire::FrameErrorMessage(error);
        return std::nullopt;
      }
      if (!Receive(deadline)) return std::nullopt;
    }
  }
  // True when the peer closes the connection (EOF or reset) before `timeout` without
  // sending anything more.
  bool ClosedByPeer(milliseconds timeout = kWait) {
    std::optional<Frame> extra = ReadFrame(timeout);
    EXPECT_FALSE(extra.has_value()) << "unexpected frame of type " << int(extra->type);
    return eof_;
  }

 private:
  bool Receive(std::chrono::steady_clock::time_point deadline) {
    if (eof_) return false;
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[64 * 1024];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    decoder_.Append(std::string_view(buf, static_cast<size_t>(n)));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  wire::FrameDecoder decoder_{1u << 30};
};

std::string Payload(const flatbuffers::FlatBufferBuilder& fbb) {
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

std::string PingPayload() {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreatePingRequest(fbb));
  return Payload(fbb);
}

std::string FrameOf(MessageType type, uint64_t id, std::string_view payload) {
  std::string out;
  wire::AppendFrame(type, 0, id, {reinterpret_cast<const uint8_t*>(payload.data()), payload.size()},
                    &out);
  return out;
}

std::string PingFrame(uint64_t id) { return FrameOf(MessageType::kPingRequest, id, PingPayload()); }

// Checks that `frame` is an InvalidArgument error for request `id` whose message has `text`.
void ExpectError(const std::optional<Frame>& frame, uint64_t id, std::string_view text) {
  ASSERT_TRUE(frame.has_value()) << "no error frame";
  EXPECT_EQ(frame->type, MessageType::kErrorResponse);
  EXPECT_EQ(frame->request_id, id);
  Status s = StatusOfFrame(*frame);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find(text), std::string::npos) << s.ToString();
}

void ExpectPong(const std::optional<Frame>& frame, uint64_t id) {
  ASSERT_TRUE(frame.has_value()) << "no answer to the ping";
  EXPECT_EQ(frame->type, MessageType::kPingResponse) << StatusOfFrame(*frame).ToString();
  EXPECT_EQ(frame->request_id, id);
}

class MalformedInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(daemon_.Start());
    ASSERT_OK_AND_ASSIGN(client_, Client::Connect(OptionsFor(daemon_)));
  }
  void TearDown() override {
    // The well-behaved client is still served, and no session of a raw socket lingers.
    EXPECT_OK(client_->Ping());
    EXPECT_TRUE(WaitForConnections(1)) << "sessions of closed sockets are still counted";
    ASSERT_TRUE(daemon_.running()) << "asofd died:\n" << daemon_.log();
    Result<int> code = daemon_.Stop();
    ASSERT_OK(code);
    EXPECT_EQ(*code, 0);
  }
  bool WaitForConnections(uint32_t n) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
      auto stats = client_->Stats();
      if (stats.ok() && stats->connections == n) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }

  Daemon daemon_{ASOFD_PATH, TestDaemonFlags()};
  std::unique_ptr<Client> client_;
};

TEST_F(MalformedInputTest, BadMagicGetsAnErrorThenTheClose) {
  RawSocket raw(daemon_.port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send("GET / HTTP/1.1\r\nHost: asof\r\n\r\n"));
  ExpectError(raw.ReadFrame(), 0, "magic");
  EXPECT_TRUE(raw.ClosedByPeer());
  EXPECT_OK(client_->Ping());
}

TEST_F(MalformedInputTest, BadVersionGetsAnErrorThenTheClose) {
  RawSocket raw(daemon_.port());
  std::string frame = PingFrame(3);
  frame[4] = 9;
  ASSERT_TRUE(raw.Send(frame));
  ExpectError(raw.ReadFrame(), 0, "version");
  EXPECT_TRUE(raw.ClosedByPeer());
  EXPECT_OK(client_->Ping());
}

TEST_F(MalformedInputTest, OversizedLengthGetsAnErrorThenTheClose) {
  RawSocket raw(daemon_.port());
  std::string frame = PingFrame(4);
  const uint32_t length = (16u << 20) + 1;  // one byte over the default max_frame_bytes
  for (int i = 0; i < 4; ++i) frame[16 + i] = static_cast<char>(length >> (24 - 8 * i));
  ASSERT_TRUE(raw.Send(frame.substr(0, wire::kHeaderSize)));
  ExpectError(raw.ReadFrame(), 0, "max_frame_bytes");
  EXPECT_TRUE(raw.ClosedByPeer());
  EXPECT_OK(client_->Ping());
}

TEST_F(MalformedInputTest, BadChecksumGetsAnErrorAndTheConnectionContinues) {
  RawSocket raw(daemon_.port());
  std::string frame = PingFrame(7);
  frame[wire::kHeaderSize - 1] ^= 0x5a;  // last checksum byte
  ASSERT_TRUE(raw.Send(frame));
  ExpectError(raw.ReadFrame(), 7, "checksum");
  ASSERT_TRUE(raw.Send(PingFrame(8)));
  ExpectPong(raw.ReadFrame(), 8);
  EXPECT_OK(client_->Ping());
}

TEST_F(MalformedInputTest, UnknownTypeGetsAnErrorAndTheConnectionContinues) {
  RawSocket raw(daemon_.port());
  ASSERT_TRUE(raw.Send(FrameOf(static_cast<MessageType>(99), 9, PingPayload())));
  ExpectError(raw.ReadFrame(), 9, "unknown message type");
  ASSERT_TRUE(raw.Send(FrameOf(static_cast<MessageType>(0), 10, PingPayload())));
  ExpectError(raw.ReadFrame(), 10, "unknown message type");
  // A response type sent as a request.
  ASSERT_TRUE(raw.Send(FrameOf(MessageType::kPingResponse, 11, PingPayload())));
  ExpectError(raw.ReadFrame(), 11, "not a request");
  ASSERT_TRUE(raw.Send(PingFrame(12)));
  ExpectPong(raw.ReadFrame(), 12);
  EXPECT_OK(client_->Ping());
}

TEST_F(MalformedInputTest, GarbagePayloadGetsAnErrorAndTheConnectionContinues) {
  RawSocket raw(daemon_.port());
  ASSERT_TRUE(raw.Send(FrameOf(MessageType::kOnlineReadRequest, 21,
                               "\xff\xff\xff\x7fthis is not a flatbuffer at all")));
  ExpectError(raw.ReadFrame(), 21, "not a valid message");
  ASSERT_TRUE(raw.Send(FrameOf(MessageType::kWriteRequest, 22, std::string(64, '\x01'))));
  ExpectError(raw.ReadFrame(), 22, "not a valid message");
  ASSERT_TRUE(raw.Send(FrameOf(MessageType::kPingRequest, 23, "")));  // no FlatBuffer at all
  ExpectError(raw.ReadFrame(), 23, "not a valid message");
  ASSERT_TRUE(raw.Send(PingFrame(24)));
  ExpectPong(raw.ReadFrame(), 24);
  EXPECT_OK(client_->Ping());
}

TEST_F(MalformedInputTest, PipelinedMixOfBadAndGoodFramesIsAnsweredInOrder) {
  RawSocket raw(daemon_.port());
  std::string bytes;
  std::string bad_sum = PingFrame(1);
  bad_sum.back() ^= 1;  // payload damaged
  bytes += bad_sum;
  bytes += PingFrame(2);
  bytes += FrameOf(static_cast<MessageType>(200), 3, PingPayload());
  bytes += FrameOf(MessageType::kStatsRequest, 4, "garbage!");
  bytes += PingFrame(5);
  ASSERT_TRUE(raw.Send(bytes));
  ExpectError(raw.ReadFrame(), 1, "checksum");
  ExpectPong(raw.ReadFrame(), 2);
  ExpectError(raw.ReadFrame(), 3, "unknown message type");
  ExpectError(raw.ReadFrame(), 4, "not a valid message");
  ExpectPong(raw.ReadFrame(), 5);
}

TEST_F(MalformedInputTest, FrameSentByteByByteIsServed) {
  RawSocket raw(daemon_.port());
  std::string frame = PingFrame(31);
  for (size_t i = 0; i < frame.size(); ++i) {
    ASSERT_TRUE(raw.Send(std::string_view(frame).substr(i, 1)));
    if (i % 10 == 0) EXPECT_OK(client_->Ping());  // others are served meanwhile
  }
  ExpectPong(raw.ReadFrame(), 31);
}

TEST_F(MalformedInputTest, TruncatedFrameThenCloseIsDroppedSilently) {
  RawSocket raw(daemon_.port());
  std::string frame = PingFrame(41);
  ASSERT_TRUE(raw.Send(frame.substr(0, 20)));  // part of the header
  EXPECT_OK(client_->Ping());
  raw.ShutdownWrite();
  EXPECT_TRUE(raw.ClosedByPeer());  // nothing to answer: the server just closes
  EXPECT_OK(client_->Ping());
}

TEST_F(MalformedInputTest, ConnectionResetMidFrameCostsNothing) {
  ASSERT_TRUE(WaitForConnections(1));
  {
    RawSocket raw(daemon_.port());
    // A write request cut off inside its payload, then the peer is gone.
    wire::WriteRecordT r = Record("x", "y", "z", Int64(1), 1);
    flatbuffers::FlatBufferBuilder fbb;
    std::vector<flatbuffers::Offset<wire::WriteRecord>> records = {
        wire::WriteRecord::Pack(fbb, &r)};
    fbb.Finish(wire::CreateWriteRequestDirect(fbb, &records));
    std::string frame = FrameOf(MessageType::kWriteRequest, 51, Payload(fbb));
    ASSERT_TRUE(raw.Send(frame.substr(0, wire::kHeaderSize + 10)));
    ASSERT_TRUE(WaitForConnections(2));
    raw.Reset();
  }
  EXPECT_TRUE(WaitForConnections(1));
  EXPECT_OK(client_->Ping());
  // Many more, opened and dropped at once.
  for (int i = 0; i < 20; ++i) {
    RawSocket raw(daemon_.port());
    ASSERT_TRUE(raw.Send(PingFrame(60 + i).substr(0, 30)));
    if (i % 2 == 0) raw.Reset();
  }
  EXPECT_OK(client_->Ping());
}

}  // namespace
}  // namespace asof::testing
