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
// Limitation: FlatBuffers may share a sub-table between many parents, and the verifier
// visits a shared table once per reference. A hostile payload can therefore cost far
// more to verify than its size suggests; `max_tables` bounds the table visits, so keep
// it in proportion to the request limits (records, entities, rows per request).
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
};

// True when `payload` is a valid FlatBuffer whose root is the table of `type`. False for
// message types outside 1..kMaxMessageType, for payloads of 2 GiB or more and for empty
// payloads (every message, even an empty table, carries a FlatBuffer).
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
  X(StatsResponse)
