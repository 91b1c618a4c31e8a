// Framing of the native protocol (DESIGN.md section 5; wire/README.md has the byte layout).
//
// A frame is a 28-byte header followed by `length` payload bytes, one FlatBuffers root
// table of the type named by `type`:
//
//   magic:u32 "ASOF" · version:u8 · type:u8 · flags:u16 · request_id:u64 · length:u32 ·
//   checksum:u64 (xxh3_64 of the payload)                      all integers big-endian
//
// Requests pipeline on one connection; each response carries its request's id. A
// response streamed in several frames sets kFlagMore on all but the last.
//
// Decoding never trusts its input: every malformed header or payload becomes a typed
// FrameError. Thread-safety: free functions on values.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace asof::wire {

inline constexpr uint32_t kMagic = 0x41534F46;  // "ASOF"
inline constexpr uint8_t kProtocolVersion = 1;
inline constexpr size_t kHeaderSize = 28;
inline constexpr uint16_t kFlagMore = 1;
inline constexpr uint32_t kDefaultMaxFrameBytes = 16u << 20;

// Requests are even, their responses odd (request + 1). Numbers are permanent.
enum class MessageType : uint8_t {
  kErrorResponse = 1,
  kHelloRequest = 2,
  kHelloResponse = 3,
  kPingRequest = 4,
  kPingResponse = 5,
  kRegisterEntityTypeRequest = 6,
  kRegisterEntityTypeResponse = 7,
  kListEntityTypesRequest = 8,
  kListEntityTypesResponse = 9,
  kRegisterFeatureRequest = 10,
  kRegisterFeatureResponse = 11,
  kDescribeFeatureRequest = 12,
  kDescribeFeatureResponse = 13,
  kListFeaturesRequest = 14,
  kListFeaturesResponse = 15,
  kDeprecateFeatureRequest = 16,
  kDeprecateFeatureResponse = 17,
  kWriteRequest = 18,
  kWriteResponse = 19,
  kOnlineReadRequest = 20,
  kOnlineReadResponse = 21,
  kAsOfReadRequest = 22,
  kAsOfReadChunk = 23,
  kListDeadLettersRequest = 24,
  kListDeadLettersResponse = 25,
  kStatsRequest = 26,
  kStatsResponse = 27,
  kBulkLoadBeginRequest = 28,
  kBulkLoadBeginResponse = 29,
  kBulkLoadChunkRequest = 30,
  kBulkLoadChunkResponse = 31,
  kBulkLoadCommitRequest = 32,
  kBulkLoadCommitResponse = 33,
  kBulkLoadAbortRequest = 34,
  kBulkLoadAbortResponse = 35,
  kFreshnessRequest = 36,
  kFreshnessResponse = 37,
  kLineageRequest = 38,
  kLineageResponse = 39,
  kDriftRequest = 40,
  kDriftResponse = 41,
  kBaselinesRequest = 42,
  kBaselinesResponse = 43,
  kServedLogRequest = 44,
  kServedLogResponse = 45,
  kBulkLoadSealRequest = 46,
  kBulkLoadSealResponse = 47,
};
inline constexpr uint8_t kMaxMessageType = 47;

std::string_view MessageTypeName(MessageType type);  // "OnlineReadRequest", ...

struct FrameHeader {
  uint8_t version = kProtocolVersion;
  MessageType type = MessageType::kErrorResponse;
  uint16_t flags = 0;
  uint64_t request_id = 0;
  uint32_t length = 0;
  uint64_t checksum = 0;
};

enum class FrameError : uint8_t {
  kNone = 0,
  kBadMagic,     // not an asof stream: close the connection
  kBadVersion,   // a protocol version this build does not speak: close
  kTooLarge,     // length over the limit: close (skipping it would mean reading it)
  kUnknownType,  // well-framed but unknown message type: answer an error, go on
  kBadChecksum,  // payload damaged: answer an error, go on
  kBadPayload,   // payload is not a valid FlatBuffer of its type: answer, go on
};
std::string_view FrameErrorMessage(FrameError e);
// Whether the stream can still be trusted after this error (the frame boundary is known).
inline bool CanContinueAfter(FrameError e) {
  return e == FrameError::kUnknownType || e == FrameError::kBadChecksum ||
         e == FrameError::kBadPayload || e == FrameError::kNone;
}

// Parses a header from exactly kHeaderSize bytes. On kUnknownType the header is still
// filled in (the payload must be consumed to stay in sync).
FrameError ParseHeader(std::span<const uint8_t, kHeaderSize> bytes, uint32_t max_payload,
                       FrameHeader* out);

// kBadChecksum when the payload does not match the header's checksum.
FrameError CheckPayload(const FrameHeader& header, std::span<const uint8_t> payload);

// Appends a complete frame (header with checksum, then payload) to `out`.
void AppendFrame(MessageType type, uint16_t flags, uint64_t request_id,
                 std::span<const uint8_t> payload, std::string* out);

// Incremental decoder for byte streams that arrive in arbitrary pieces (clients, fuzzing).
// Feed bytes with Append; Next yields complete frames in order. After an error that
// cannot be continued from, the decoder stays failed.
class FrameDecoder {
 public:
  explicit FrameDecoder(uint32_t max_payload = kDefaultMaxFrameBytes) : max_(max_payload) {}

  void Append(std::string_view bytes) { buffer_.append(bytes); }

  enum class Step { kNeedMore, kFrame, kError };
  // kFrame: *header and *payload (valid until the next call) describe one frame.
  // kError: *error says what; the bad frame has been consumed when CanContinueAfter(*error).
  Step Next(FrameHeader* header, std::string_view* payload, FrameError* error);

  size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  uint32_t max_;
  std::string buffer_;
  size_t consumed_ = 0;
  FrameError fatal_ = FrameError::kNone;
};

}  // namespace asof::wire
