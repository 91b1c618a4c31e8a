#include "wire/verify.h"

#include <iterator>

#include "wire/asof_generated.h"

namespace asof::wire {

namespace fb = flatbuffers;

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

// Counts the expanded size (verify.h, "Sharing") of verified tables against a limit.
// Every method returns false once the limit is passed.
class ExpandedSize {
 public:
  explicit ExpandedSize(uint64_t limit) : left_(limit) {}

  bool Take(uint64_t n) {
    if (n > left_) return false;
    left_ -= n;
    return true;
  }
  bool Add(const fb::String* s) { return s == nullptr || Take(5 + uint64_t{s->size()}); }
  template <typename T>
  bool Add(const fb::Vector<T>* v) {
    return v == nullptr || Take(4 + uint64_t{v->size()} * sizeof(T));
  }
  bool Add(const fb::Vector<fb::Offset<fb::String>>* v) {
    if (v == nullptr) return true;
    if (!Take(4 + 4 * uint64_t{v->size()})) return false;
    for (const fb::String* s : *v) {
      if (!Add(s)) return false;
    }
    return true;
  }
  bool Add(const Value* v) {
    return v == nullptr || (Take(4) && Add(v->s()) && Add(v->bytes()) && Add(v->floats()) &&
                            Add(v->doubles()) && Add(v->longs()) && Add(v->strings()));
  }
  bool Add(const WriteRecord& r) {
    return Take(4) && Add(r.entity_type()) && Add(r.entity_id()) && Add(r.feature()) &&
           Add(r.value()) && Add(r.event_id());
  }
  bool Add(const FeatureSpec* s) {
    return s == nullptr ||
           (Take(4) && Add(s->name()) && Add(s->entity()) && Add(s->description()) &&
            Add(s->owner()) && Add(s->tags()) && Add(s->source()) && Add(s->transformation()) &&
            Add(s->default_value()) && Add(s->upstream()));
  }
  bool Add(const AsOfReadRequest& r) {
    if (!Take(4) || !Add(r.entity_type()) || !Add(r.features())) return false;
    if (r.rows() == nullptr) return true;
    if (!Take(4 + 4 * uint64_t{r.rows()->size()})) return false;
    for (const AsOfRow* row : *r.rows()) {
      if (!Take(4) || !Add(row->entity_id())) return false;
    }
    return true;
  }

 private:
  uint64_t left_;
};

fb::Verifier::Options VerifierOptions(const VerifyLimits& limits) {
  fb::Verifier::Options options;
  options.max_depth = limits.max_depth;
  options.max_tables = limits.max_tables;
  return options;
}

// A shared record would be verified once per reference, so the stock verifier's cost
// is unbounded here. The records are verified one at a time and counted as they go; the
// stock verifier then runs over a payload whose cost is known to be linear.
bool VerifyWriteRequest(std::span<const uint8_t> payload, const VerifyLimits& limits,
                        ExpandedSize* size) {
  const fb::Verifier::Options options = VerifierOptions(limits);
  fb::Verifier v(payload.data(), payload.size(), options);
  const fb::uoffset_t root_offset = v.VerifyOffset(0);
  if (root_offset == 0) return false;
  // WriteRequest's table base is private; the layout is the same.
  const auto* root = reinterpret_cast<const fb::Table*>(payload.data() + root_offset);
  if (!root->VerifyTableStart(v) || !root->VerifyOffset(v, WriteRequest::VT_RECORDS)) {
    return false;
  }
  const auto* records =
      root->GetPointer<const fb::Vector<fb::Offset<WriteRecord>>*>(WriteRequest::VT_RECORDS);
  if (!v.VerifyVector(records) || !v.EndTable()) return false;
  if (records != nullptr) {
    if (!size->Take(4 + 4 * uint64_t{records->size()})) return false;
    for (const WriteRecord* record : *records) {
      fb::Verifier one(payload.data(), payload.size(), options);
      if (!one.VerifyTable(record) || !size->Add(*record)) return false;
    }
  }
  fb::Verifier all(payload.data(), payload.size(), options);
  return all.VerifyBuffer<WriteRequest>(nullptr);
}

// The expanded-size check for the decoded requests other than WriteRequest; their
// stock verification is linear (no shared table there holds a vector).
bool WithinExpansion(MessageType type, const uint8_t* payload, ExpandedSize* size) {
  switch (type) {
    case MessageType::kOnlineReadRequest: {
      const auto* r = fb::GetRoot<OnlineReadRequest>(payload);
      return size->Add(r->entity_type()) && size->Add(r->entity_ids()) && size->Add(r->features());
    }
    case MessageType::kAsOfReadRequest:
      return size->Add(*fb::GetRoot<AsOfReadRequest>(payload));
    case MessageType::kRegisterFeatureRequest:
      return size->Add(fb::GetRoot<RegisterFeatureRequest>(payload)->spec());
    default:
      return true;
  }
}

}  // namespace

bool VerifyPayload(MessageType type, std::span<const uint8_t> payload, const VerifyLimits& limits) {
  // The verifier asserts (rather than fails) on buffers of 2 GiB or more.
  if (payload.empty() || payload.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) return false;
  ExpandedSize size(uint64_t{limits.max_expansion} * payload.size());
  if (type == MessageType::kWriteRequest) return VerifyWriteRequest(payload, limits, &size);
  fb::Verifier verifier(payload.data(), payload.size(), VerifierOptions(limits));
  bool ok = false;
  switch (type) {
#define ASOF_VERIFY_CASE_(Name)                \
  case MessageType::k##Name:                   \
    ok = verifier.VerifyBuffer<Name>(nullptr); \
    break;
    ASOF_WIRE_MESSAGES(ASOF_VERIFY_CASE_)
#undef ASOF_VERIFY_CASE_
  }
  return ok && WithinExpansion(type, payload.data(), &size);
}

}  // namespace asof::wire
