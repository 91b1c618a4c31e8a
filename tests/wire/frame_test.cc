#include "wire/frame.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "tests/util/test_util.h"

namespace asof::wire {
namespace {

std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string Frame(MessageType type, uint64_t request_id, std::string_view payload,
                  uint16_t flags = 0) {
  std::string out;
  AppendFrame(type, flags, request_id, AsBytes(payload), &out);
  return out;
}

uint64_t LoadBE(std::string_view s, size_t at, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

void StoreBE(uint64_t v, size_t at, int n, std::string* s) {
  for (int i = n - 1; i >= 0; --i, v >>= 8) (*s)[at + i] = static_cast<char>(v & 0xff);
}

// One decoded step, with the payload copied out (the decoder's view is short-lived).
struct Decoded {
  FrameDecoder::Step step;
  FrameHeader header;
  std::string payload;
  FrameError error = FrameError::kNone;
};

Decoded Next(FrameDecoder* d) {
  Decoded out;
  std::string_view payload;
  out.step = d->Next(&out.header, &payload, &out.error);
  if (out.step == FrameDecoder::Step::kFrame) out.payload = std::string(payload);
  return out;
}

TEST(FrameTest, HeaderLayoutIsBigEndianWithXxh3Checksum) {
  const std::string payload = "hello, asof";
  std::string f = Frame(MessageType::kOnlineReadRequest, 0x0102030405060708ULL, payload, 0xA1B2);
  ASSERT_EQ(f.size(), kHeaderSize + payload.size());
  EXPECT_EQ(f.substr(0, 4), "ASOF");
  EXPECT_EQ(static_cast<uint8_t>(f[4]), kProtocolVersion);
  EXPECT_EQ(static_cast<uint8_t>(f[5]), 20);
  EXPECT_EQ(LoadBE(f, 6, 2), 0xA1B2u);
  EXPECT_EQ(LoadBE(f, 8, 8), 0x0102030405060708ULL);
  EXPECT_EQ(LoadBE(f, 16, 4), payload.size());
  EXPECT_EQ(LoadBE(f, 20, 8), XXH3_64bits(payload.data(), payload.size()));
  EXPECT_EQ(f.substr(kHeaderSize), payload);
}

TEST(FrameTest, ParseHeaderAndCheckPayloadRoundTrip) {
  const std::string payload(1000, 'x');
  std::string f = Frame(MessageType::kAsOfReadChunk, 77, payload, kFlagMore);
  FrameHeader h;
  auto head = AsBytes(f).first<kHeaderSize>();
  ASSERT_EQ(ParseHeader(head, kDefaultMaxFrameBytes, &h), FrameError::kNone);
  EXPECT_EQ(h.version, kProtocolVersion);
  EXPECT_EQ(h.type, MessageType::kAsOfReadChunk);
  EXPECT_EQ(h.flags, kFlagMore);
  EXPECT_EQ(h.request_id, 77u);
  EXPECT_EQ(h.length, payload.size());
  EXPECT_EQ(CheckPayload(h, AsBytes(payload)), FrameError::kNone);
  std::string damaged = payload;
  damaged[500] ^= 1;
  EXPECT_EQ(CheckPayload(h, AsBytes(damaged)), FrameError::kBadChecksum);
  // A payload exactly at the limit passes; one byte over does not.
  EXPECT_EQ(ParseHeader(head, 1000, &h), FrameError::kNone);
  EXPECT_EQ(ParseHeader(head, 999, &h), FrameError::kTooLarge);
}

TEST(FrameTest, DecoderRoundTripsFramesOfEverySize) {
  FrameDecoder d;
  std::vector<std::string> payloads = {"", "a", std::string(kHeaderSize, 'h'),
                                       std::string(70000, 'z')};
  std::string stream;
  for (size_t i = 0; i < payloads.size(); ++i) {
    AppendFrame(MessageType::kPingRequest, 0, i, AsBytes(payloads[i]), &stream);
  }
  d.Append(stream);
  for (size_t i = 0; i < payloads.size(); ++i) {
    Decoded r = Next(&d);
    ASSERT_EQ(r.step, FrameDecoder::Step::kFrame) << i;
    EXPECT_EQ(r.header.request_id, i);
    EXPECT_EQ(r.payload, payloads[i]);
  }
  EXPECT_EQ(Next(&d).step, FrameDecoder::Step::kNeedMore);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(FrameTest, BytesFedOneAtATime) {
  std::string stream = Frame(MessageType::kWriteRequest, 1, "first payload") +
                       Frame(MessageType::kStatsRequest, 2, "") +
                       Frame(MessageType::kWriteRequest, 3, std::string(300, 'q'));
  FrameDecoder d;
  std::vector<Decoded> frames;
  for (char c : stream) {
    d.Append(std::string_view(&c, 1));
    for (Decoded r = Next(&d); r.step != FrameDecoder::Step::kNeedMore; r = Next(&d)) {
      ASSERT_EQ(r.step, FrameDecoder::Step::kFrame);
      frames.push_back(r);
    }
  }
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].payload, "first payload");
  EXPECT_EQ(frames[1].header.type, MessageType::kStatsRequest);
  EXPECT_EQ(frames[1].payload, "");
  EXPECT_EQ(frames[2].header.request_id, 3u);
  EXPECT_EQ(frames[2].payload, std::string(300, 'q'));
}

TEST(FrameTest, TruncatedFrameNeedsMore) {
  std::string f = Frame(MessageType::kPingRequest, 9, "0123456789");
  FrameDecoder d;
  d.Append(f.substr(0, kHeaderSize - 1));  // header incomplete
  EXPECT_EQ(Next(&d).step, FrameDecoder::Step::kNeedMore);
  d.Append(f.substr(kHeaderSize - 1, 5));  // header complete, payload not
  EXPECT_EQ(Next(&d).step, FrameDecoder::Step::kNeedMore);
  EXPECT_EQ(Next(&d).step, FrameDecoder::Step::kNeedMore);  // asking again changes nothing
  d.Append(f.substr(kHeaderSize + 4));
  Decoded r = Next(&d);
  ASSERT_EQ(r.step, FrameDecoder::Step::kFrame);
  EXPECT_EQ(r.payload, "0123456789");
}

// Errors after which the stream position is unknown: the decoder stays failed even when
// valid frames follow.
void ExpectFatal(std::string bad, FrameError expected, uint32_t max = kDefaultMaxFrameBytes) {
  FrameDecoder d(max);
  d.Append(bad + Frame(MessageType::kPingRequest, 1, "ok"));
  for (int i = 0; i < 3; ++i) {
    Decoded r = Next(&d);
    ASSERT_EQ(r.step, FrameDecoder::Step::kError);
    EXPECT_EQ(r.error, expected);
  }
  EXPECT_FALSE(CanContinueAfter(expected));
}

TEST(FrameTest, BadMagicIsFatal) {
  std::string f = Frame(MessageType::kPingRequest, 1, "x");
  f[0] = 'B';
  ExpectFatal(f, FrameError::kBadMagic);
  ExpectFatal("GET / HTTP/1.1\r\nHost: x\r\n\r\n", FrameError::kBadMagic);
}

TEST(FrameTest, BadVersionIsFatal) {
  std::string f = Frame(MessageType::kPingRequest, 1, "x");
  f[4] = static_cast<char>(kProtocolVersion + 1);
  ExpectFatal(f, FrameError::kBadVersion);
}

TEST(FrameTest, OversizedLengthIsFatalBeforeThePayloadArrives) {
  std::string f = Frame(MessageType::kPingRequest, 1, "x");
  StoreBE(0xFFFFFFFFu, 16, 4, &f);  // claims 4 GiB; only the header is sent
  ExpectFatal(f.substr(0, kHeaderSize), FrameError::kTooLarge);
  ExpectFatal(Frame(MessageType::kPingRequest, 1, std::string(101, 'x')), FrameError::kTooLarge,
              100);
}

TEST(FrameTest, UnknownTypeIsSkippedAndDecodingContinues) {
  for (int type : {0, kMaxMessageType + 1, 255}) {
    std::string bad = Frame(MessageType::kPingRequest, 41, "skip me");
    bad[5] = static_cast<char>(type);
    FrameDecoder d;
    d.Append(bad + Frame(MessageType::kPingRequest, 42, "next"));
    Decoded r = Next(&d);
    ASSERT_EQ(r.step, FrameDecoder::Step::kError);
    EXPECT_EQ(r.error, FrameError::kUnknownType);
    EXPECT_EQ(r.header.request_id, 41u);  // so the error answer can name the request
    r = Next(&d);
    ASSERT_EQ(r.step, FrameDecoder::Step::kFrame) << "type " << type;
    EXPECT_EQ(r.header.request_id, 42u);
    EXPECT_EQ(r.payload, "next");
  }
}

TEST(FrameTest, BadChecksumIsSkippedAndDecodingContinues) {
  std::string bad = Frame(MessageType::kWriteRequest, 5, "payload");
  bad.back() ^= 0x40;
  FrameDecoder d;
  d.Append(bad + Frame(MessageType::kWriteRequest, 6, "payload"));
  Decoded r = Next(&d);
  ASSERT_EQ(r.step, FrameDecoder::Step::kError);
  EXPECT_EQ(r.error, FrameError::kBadChecksum);
  EXPECT_EQ(r.header.request_id, 5u);
  r = Next(&d);
  ASSERT_EQ(r.step, FrameDecoder::Step::kFrame);
  EXPECT_EQ(r.header.request_id, 6u);
}

TEST(FrameTest, ManyFramesInOneBuffer) {
  std::mt19937_64 rng(1234);
  std::string stream;
  std::vector<std::string> payloads;
  for (int i = 0; i < 2000; ++i) {
    payloads.emplace_back(rng() % 200, static_cast<char>('a' + i % 26));
    AppendFrame(static_cast<MessageType>(1 + i % kMaxMessageType), i % 2, i,
                AsBytes(payloads.back()), &stream);
  }
  FrameDecoder d;
  d.Append(stream);
  for (int i = 0; i < 2000; ++i) {
    Decoded r = Next(&d);
    ASSERT_EQ(r.step, FrameDecoder::Step::kFrame) << i;
    EXPECT_EQ(r.header.request_id, static_cast<uint64_t>(i));
    EXPECT_EQ(r.header.type, static_cast<MessageType>(1 + i % kMaxMessageType));
    EXPECT_EQ(r.header.flags, i % 2);
    EXPECT_EQ(r.payload, payloads[i]);
  }
  EXPECT_EQ(Next(&d).step, FrameDecoder::Step::kNeedMore);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(FrameTest, NamesAndErrorClasses) {
  EXPECT_EQ(MessageTypeName(MessageType::kOnlineReadRequest), "OnlineReadRequest");
  EXPECT_EQ(MessageTypeName(MessageType::kStatsResponse), "StatsResponse");
  EXPECT_EQ(MessageTypeName(static_cast<MessageType>(200)), "Invalid");
  for (auto e : {FrameError::kUnknownType, FrameError::kBadChecksum, FrameError::kBadPayload}) {
    EXPECT_TRUE(CanContinueAfter(e));
    EXPECT_FALSE(FrameErrorMessage(e).empty());
  }
  for (auto e : {FrameError::kBadMagic, FrameError::kBadVersion, FrameError::kTooLarge}) {
    EXPECT_FALSE(CanContinueAfter(e));
    EXPECT_FALSE(FrameErrorMessage(e).empty());
  }
}

// Bit flips confined to payloads: every damaged frame is reported as kBadChecksum and
// every intact one comes through unchanged, whatever the piece sizes.
TEST(FrameTest, RandomPayloadDamageIsCaughtByTheChecksum) {
  const uint64_t seed = testing::TestSeed();
  std::mt19937_64 rng(seed);
  std::string stream;
  std::vector<bool> damaged;
  std::vector<std::string> payloads;
  for (int i = 0; i < 300; ++i) {
    std::string p(1 + rng() % 64, '\0');
    for (char& c : p) c = static_cast<char>(rng());
    payloads.push_back(p);
    std::string f = Frame(MessageType::kWriteRequest, i, p);
    damaged.push_back(rng() % 3 == 0);
    if (damaged.back()) f[kHeaderSize + rng() % p.size()] ^= static_cast<char>(1 << (rng() % 8));
    stream += f;
  }
  FrameDecoder d;
  size_t at = 0, i = 0;
  while (at < stream.size()) {
    size_t n = std::min<size_t>(stream.size() - at, 1 + rng() % 100);
    d.Append(std::string_view(stream).substr(at, n));
    at += n;
    for (Decoded r = Next(&d); r.step != FrameDecoder::Step::kNeedMore; r = Next(&d), ++i) {
      ASSERT_LT(i, payloads.size());
      EXPECT_EQ(r.header.request_id, i);
      if (damaged[i]) {
        ASSERT_EQ(r.step, FrameDecoder::Step::kError) << "seed " << seed << " frame " << i;
        EXPECT_EQ(r.error, FrameError::kBadChecksum);
      } else {
        ASSERT_EQ(r.step, FrameDecoder::Step::kFrame) << "seed " << seed << " frame " << i;
        EXPECT_EQ(r.payload, payloads[i]);
      }
    }
  }
  EXPECT_EQ(i, payloads.size());
}

// Garbage, and valid streams with random bytes overwritten anywhere: the decoder never
// crashes, never yields a frame that fails its checksum or exceeds the limit, and stops
// for good after a fatal error.
TEST(FrameTest, RandomGarbageNeverCrashes) {
  const uint64_t seed = testing::TestSeed();
  std::mt19937_64 rng(seed);
  const uint32_t max = 4096;
  for (int round = 0; round < 300; ++round) {
    std::string stream;
    if (round % 2 == 0) {
      stream.resize(rng() % 2000);
      for (char& c : stream) c = static_cast<char>(rng());
      if (round % 4 == 0 && stream.size() >= 5) stream.replace(0, 5, "ASOF\x01");
    } else {
      for (int i = 0; i < 20; ++i) {
        stream += Frame(static_cast<MessageType>(rng() % 30), rng(), std::string(rng() % 80, 'p'));
      }
      for (int k = 0; k < 3; ++k) stream[rng() % stream.size()] = static_cast<char>(rng());
    }
    FrameDecoder d(max);
    bool failed = false;
    for (size_t at = 0; at < stream.size() && !failed;) {
      size_t n = std::min<size_t>(stream.size() - at, 1 + rng() % 64);
      d.Append(std::string_view(stream).substr(at, n));
      at += n;
      for (;;) {
        FrameHeader h;
        std::string_view payload;
        FrameError e = FrameError::kNone;
        auto step = d.Next(&h, &payload, &e);
        if (step == FrameDecoder::Step::kNeedMore) break;
        if (step == FrameDecoder::Step::kFrame) {
          ASSERT_LE(payload.size(), max) << "seed " << seed;
          ASSERT_EQ(CheckPayload(h, AsBytes(payload)), FrameError::kNone) << "seed " << seed;
          continue;
        }
        ASSERT_NE(e, FrameError::kNone) << "seed " << seed;
        if (!CanContinueAfter(e)) {
          failed = true;
          EXPECT_EQ(Next(&d).step, FrameDecoder::Step::kError);  // stays failed
          break;
        }
      }
    }
  }
}

}  // namespace
}  // namespace asof::wire
