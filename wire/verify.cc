#include "wire/verify.h"

#include <iterator>

#include "wire/asof_generated.h"

namespace asof::wire {

namespace {

// The list must name every message type once, in numeric order: k##Name is checked to
// exist and to sit at its position.
constexpr MessageType kListed[] = {
#define ASOF_LISTED_(Name) MessageType::k##Name,
    ASOF_WIRE_MESSAGES(ASOF_LISTED_)
#undef ASOF_LISTED_
};
constexpr bool ListIsComplete() {
  if (std::size(kListed) != kMaxMessageType) return false;
  for (size_t i = 0; i < std::size(kListed); ++i) {
    if (static_cast<size_t>(kListed[i]) != i + 1) return false;
  }
  return true;
}
static_assert(ListIsComplete(), "ASOF_WIRE_MESSAGES must list every MessageType in order");

}  // namespace

bool VerifyPayload(MessageType type, std::span<const uint8_t> payload, const VerifyLimits& limits) {
  // The verifier asserts (rather than fails) on buffers of 2 GiB or more.
  if (payload.empty() || payload.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) return false;
  flatbuffers::Verifier::Options options;
  options.max_depth = limits.max_depth;
  options.max_tables = limits.max_tables;
  flatbuffers::Verifier verifier(payload.data(), payload.size(), options);
  switch (type) {
#define ASOF_VERIFY_CASE_(Name) \
  case MessageType::k##Name:    \
    return verifier.VerifyBuffer<Name>(nullptr);
    ASOF_WIRE_MESSAGES(ASOF_VERIFY_CASE_)
#undef ASOF_VERIFY_CASE_
  }
  return false;  // a number outside the enum
}

}  // namespace asof::wire
