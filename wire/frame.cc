#include "wire/frame.h"

#include <array>
#include <cstring>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace asof::wire {

namespace {

uint64_t LoadBE(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

void StoreBE(uint64_t v, int n, char* p) {
  for (int i = n - 1; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v & 0xff);
}

constexpr std::array<std::string_view, kMaxMessageType + 1> kTypeNames = {
    "Invalid",
    "ErrorResponse",
    "HelloRequest",
    "HelloResponse",
    "PingRequest",
    "PingResponse",
    "RegisterEntityTypeRequest",
    "RegisterEntityTypeResponse",
    "ListEntityTypesRequest",
    "ListEntityTypesResponse",
    "RegisterFeatureRequest",
    "RegisterFeatureResponse",
    "DescribeFeatureRequest",
    "DescribeFeatureResponse",
    "ListFeaturesRequest",
    "ListFeaturesResponse",
    "DeprecateFeatureRequest",
    "DeprecateFeatureResponse",
    "WriteRequest",
    "WriteResponse",
    "OnlineReadRequest",
    "OnlineReadResponse",
    "AsOfReadRequest",
    "AsOfReadChunk",
    "ListDeadLettersRequest",
    "ListDeadLettersResponse",
    "StatsRequest",
    "StatsResponse",
    "BulkLoadBeginRequest",
    "BulkLoadBeginResponse",
    "BulkLoadChunkRequest",
    "BulkLoadChunkResponse",
    "BulkLoadCommitRequest",
    "BulkLoadCommitResponse",
    "BulkLoadAbortRequest",
    "BulkLoadAbortResponse",
    "FreshnessRequest",
    "FreshnessResponse",
    "LineageRequest",
    "LineageResponse",
    "DriftRequest",
    "DriftResponse",
    "BaselinesRequest",
    "BaselinesResponse",
    "ServedLogRequest",
    "ServedLogResponse",
    "BulkLoadSealRequest",
    "BulkLoadSealResponse",
};

}  // namespace

std::string_view MessageTypeName(MessageType type) {
  auto i = static_cast<size_t>(type);
  return i < kTypeNames.size() ? kTypeNames[i] : "Invalid";
}

std::string_view FrameErrorMessage(FrameError e) {
  switch (e) {
    case FrameError::kNone:
      return "ok";
    case FrameError::kBadMagic:
      return "bad magic: not an asof protocol stream";
    case FrameError::kBadVersion:
      return "unsupported protocol version";
    case FrameError::kTooLarge:
      return "frame larger than the server's max_frame_bytes";
    case FrameError::kUnknownType:
      return "unknown message type";
    case FrameError::kBadChecksum:
      return "payload checksum mismatch";
    case FrameError::kBadPayload:
      return "payload is not a valid message of its type";
  }
  return "unknown frame error";
}

FrameError ParseHeader(std::span<const uint8_t, kHeaderSize> b, uint32_t max_payload,
                       FrameHeader* out) {
  if (LoadBE(b.data(), 4) != kMagic) return FrameError::kBadMagic;
  out->version = b[4];
  if (out->version != kProtocolVersion) return FrameError::kBadVersion;
  out->type = static_cast<MessageType>(b[5]);
  out->flags = static_cast<uint16_t>(LoadBE(b.data() + 6, 2));
  out->request_id = LoadBE(b.data() + 8, 8);
  out->length = static_cast<uint32_t>(LoadBE(b.data() + 16, 4));
  out->checksum = LoadBE(b.data() + 20, 8);
  if (out->length > max_payload) return FrameError::kTooLarge;
  if (b[5] == 0 || b[5] > kMaxMessageType) return FrameError::kUnknownType;
  return FrameError::kNone;
}

FrameError CheckPayload(const FrameHeader& header, std::span<const uint8_t> payload) {
  return XXH3_64bits(payload.data(), payload.size()) == header.checksum ? FrameError::kNone
                                                                        : FrameError::kBadChecksum;
}

void AppendFrame(MessageType type, uint16_t flags, uint64_t request_id,
                 std::span<const uint8_t> payload, std::string* out) {
  char h[kHeaderSize];
  StoreBE(kMagic, 4, h);
  h[4] = static_cast<char>(kProtocolVersion);
  h[5] = static_cast<char>(type);
  StoreBE(flags, 2, h + 6);
  StoreBE(request_id, 8, h + 8);
  StoreBE(payload.size(), 4, h + 16);
  StoreBE(XXH3_64bits(payload.data(), payload.size()), 8, h + 20);
  out->append(h, kHeaderSize);
  out->append(reinterpret_cast<const char*>(payload.data()), payload.size());
}

FrameDecoder::Step FrameDecoder::Next(FrameHeader* header, std::string_view* payload,
                                      FrameError* error) {
  if (fatal_ != FrameError::kNone) {
    *error = fatal_;
    return Step::kError;
  }
  // Drop consumed bytes once they dominate, so the buffer does not grow without bound.
  if (consumed_ > 0 && consumed_ * 2 >= buffer_.size()) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  if (buffered() < kHeaderSize) return Step::kNeedMore;
  auto* p = reinterpret_cast<const uint8_t*>(buffer_.data() + consumed_);
  FrameError e = ParseHeader(std::span<const uint8_t, kHeaderSize>(p, kHeaderSize), max_, header);
  if (!CanContinueAfter(e)) {
    fatal_ = e;
    *error = e;
    return Step::kError;
  }
  if (buffered() < kHeaderSize + header->length) return Step::kNeedMore;
  std::span<const uint8_t> body(p + kHeaderSize, header->length);
  consumed_ += kHeaderSize + header->length;
  if (e == FrameError::kNone) e = CheckPayload(*header, body);
  if (e != FrameError::kNone) {
    *error = e;
    return Step::kError;
  }
  *payload = std::string_view(reinterpret_cast<const char*>(body.data()), body.size());
  return Step::kFrame;
}

}  // namespace asof::wire
