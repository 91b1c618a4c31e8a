// Payload verification: is a frame's payload a well-formed FlatBuffer of the root table
// its message type names? The server runs this on every request frame before decoding
// it (a failure is FrameError::kBadPayload: answer an error, keep the connection); the
// frame fuzzer runs it on everything the decoder yields.
//
// After VerifyPayload(type, payload) returns true, flatbuffers::GetRoot<T>(payload.data())
// for type's table T may be read: every offset, string and vector lies inside the payload.
// Fields may still be absent (nullptr accessors); decoding handles that.
//
// Alignment: FlatBuffers reads scalars in place, so payload.data() should be 8-byte
// aligned. The verifier checks alignment relative to the payload start, which is what
// the sender controls; a misaligned base address is tolerated by x86 but is undefined
// behaviour (UBSan reports it), so sanitizer builds should copy the payload first.
//
// Sharing: FlatBuffers lets many references point at one table, vector or string, and
// both the verifier and the decoder then work once per reference, so a 100 KB payload
// can cost seconds to verify and gigabytes to decode (one record referenced 16,000 times,
// its value a vector of 16,000 references to one string: measured 0.44 s to verify). For
// the requests the server decodes into engine types (WriteRequest, OnlineReadRequest,
// AsOfReadRequest, RegisterFeatureRequest), VerifyPayload therefore also counts the
// "expanded size": what their tables, strings and vectors would occupy if nothing were
// shared (4 bytes per table, 4 + n * element size per vector, 5 + length per string,
// per reference). A buffer without sharing never exceeds its own size; the payload is
// rejected when the count passes max_expansion times its size. WriteRequest records are
// verified one at a time against the running count, so the work done before a hostile
// payload is rejected stays linear in its size. Responses are not counted: the client
// trusts its server.
//
// Thread-safety: free functions on values.
#pragma once

#include <cstdint>
#include <span>

#include "wire/frame.h"

namespace asof::wire {

struct VerifyLimits {
  // Nesting of tables. The deepest message today is 4 (a dead letter's record's value,
  // a described feature's spec's default value); 16 leaves room for schema growth.
  uint32_t max_depth = 16;
  // Tables visited, counting shared tables once per reference. FlatBuffers' default.
  uint32_t max_tables = 1000000;
  // Expanded size of a decoded request / payload size (see "Sharing" above). 2 leaves
  // room for legitimately shared short strings (FlatBufferBuilder::CreateSharedString).
  uint32_t max_expansion = 2;
};

// True when `payload` is a valid FlatBuffer whose root is the table of `type`, within
// `limits`. False for message types outside 1..kMaxMessageType, for payloads of 2 GiB
// or more and for empty payloads (every message, even an empty table, carries a
// FlatBuffer).
bool VerifyPayload(MessageType type, std::span<const uint8_t> payload,
                   const VerifyLimits& limits = {});

}  // namespace asof::wire

// Every message type with its root table, in MessageType order: X(Name) stands for
// MessageType::kName carrying the table asof::wire::Name (wire/asof.fbs). For code that
// dispatches on the type (verification, fuzzing, tests), so the list exists once.
#define ASOF_WIRE_MESSAGES(X)   \
  X(ErrorResponse)              \
  X(HelloRequest)               \
  X(HelloResponse)              \
  X(PingRequest)                \
  X(PingResponse)               \
  X(RegisterEntityTypeRequest)  \
  X(RegisterEntityTypeResponse) \
  X(ListEntityTypesRequest)     \
  X(ListEntityTypesResponse)    \
  X(RegisterFeatureRequest)     \
  X(RegisterFeatureResponse)    \
  X(DescribeFeatureRequest)     \
  X(DescribeFeatureResponse)    \
  X(ListFeaturesRequest)        \
  X(ListFeaturesResponse)       \
  X(DeprecateFeatureRequest)    \
  X(DeprecateFeatureResponse)   \
  X(WriteRequest)               \
  X(WriteResponse)              \
  X(OnlineReadRequest)          \
  X(OnlineReadResponse)         \
  X(AsOfReadRequest)            \
  X(AsOfReadChunk)              \
  X(ListDeadLettersRequest)     \
  X(ListDeadLettersResponse)    \
  X(StatsRequest)               \
  X(StatsResponse)              \
  X(BulkLoadBeginRequest)       \
  X(BulkLoadBeginResponse)      \
  X(BulkLoadChunkRequest)       \
  X(BulkLoadChunkResponse)      \
  X(BulkLoadCommitRequest)      \
  X(BulkLoadCommitResponse)     \
  X(BulkLoadAbortRequest)       \
  X(BulkLoadAbortResponse)      \
  X(FreshnessRequest)           \
  X(FreshnessResponse)          \
  X(LineageRequest)             \
  X(LineageResponse)            \
  X(DriftRequest)               \
  X(DriftResponse)              \
  X(BaselinesRequest)           \
  X(BaselinesResponse)          \
  X(ServedLogRequest)           \
  X(ServedLogResponse)          \
  X(BulkLoadSealRequest)        \
  X(BulkLoadSealResponse)
