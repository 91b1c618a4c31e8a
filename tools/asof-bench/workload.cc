#include "tools/asof-bench/workload.h"

#include <charconv>
#include <chrono>
#include <cstring>

#include "wire/verify.h"

namespace asof::bench {

namespace {

using wire::MessageType;

constexpr uint8_t kDoubleType = 5;       // engine ValueType::kDouble
constexpr uint8_t kPresentStatus = 0;    // engine ValueStatus::kPresent
constexpr uint8_t kAcceptedOutcome = 0;  // RecordProblem outcome: 1 duplicate, 2 rejected

// Zero-padded to `width` digits when it has fewer: redis-benchmark's __rand_int__ always
// expands to 12 digits, so a data set meant for both must spell its ids that way.
flatbuffers::Offset<flatbuffers::String> DecimalString(flatbuffers::FlatBufferBuilder& fbb,
                                                       uint64_t n, uint32_t width) {
  static_assert(kMaxIdWidth >= 20, "a uint64_t has up to 20 digits");
  char text[kMaxIdWidth];
  auto [end, ec] = std::to_chars(text, text + sizeof(text), n);
  const auto len = static_cast<size_t>(end - text);
  if (len >= width) return fbb.CreateString(text, len);
  char padded[kMaxIdWidth];
  const size_t pad = width - len;
  std::memset(padded, '0', pad);
  std::memcpy(padded + pad, text, len);
  return fbb.CreateString(padded, width);
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> FeatureVector(
    flatbuffers::FlatBufferBuilder& fbb, const std::vector<std::string>& names) {
  return fbb.CreateVectorOfStrings(names);
}

flatbuffers::Offset<wire::WriteRecord> DoubleRecord(flatbuffers::FlatBufferBuilder& fbb,
                                                    const BenchOptions& options, uint64_t entity,
                                                    const std::string& feature, double value,
                                                    int64_t event_ts) {
  auto type = fbb.CreateString(options.entity_type);
  auto id = DecimalString(fbb, entity, options.id_width);
  auto name = fbb.CreateString(feature);
  auto v = wire::CreateValue(fbb, kDoubleType, false, 0, 0.0f, value);
  return wire::CreateWriteRecord(fbb, type, id, name, v, true, event_ts);
}

std::vector<std::string> FeatureNames(uint32_t m) {
  std::vector<std::string> names;
  names.reserve(m);
  for (uint32_t j = 0; j < m; ++j) names.push_back("f" + std::to_string(j));
  return names;
}

// The verified root of `bytes` as a T, or nullptr.
template <typename T>
const T* Verified(MessageType type, std::span<const uint8_t> bytes) {
  // An answer of many values holds more tables than the verifier's default bound;
  // every table takes at least 4 bytes (as in wire/client.cc).
  wire::VerifyLimits limits;
  limits.max_tables = static_cast<uint32_t>(std::max<size_t>(limits.max_tables, bytes.size() / 4));
  if (!wire::VerifyPayload(type, bytes, limits)) return nullptr;
  return flatbuffers::GetRoot<T>(bytes.data());
}

uint64_t CountNotPresent(const flatbuffers::Vector<flatbuffers::Offset<wire::FeatureValue>>& v) {
  uint64_t n = 0;
  for (const wire::FeatureValue* fv : v) n += (fv == nullptr || fv->status() != kPresentStatus);
  return n;
}

}  // namespace

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

wire::MessageType RequestTypeOf(Workload workload) {
  switch (workload) {
    case Workload::kOnline:
      return MessageType::kOnlineReadRequest;
    case Workload::kAsOf:
      return MessageType::kAsOfReadRequest;
    case Workload::kWrite:
      return MessageType::kWriteRequest;
  }
  return MessageType::kPingRequest;
}

// ---- RequestFactory -----------------------------------------------------------------

RequestFactory::RequestFactory(const BenchOptions& options, uint64_t seed)
    : options_(options),
      rng_(seed),
      entity_(0, options.keyspace - 1),
      fbb_(1024),
      feature_names_(FeatureNames(options.features)) {}

flatbuffers::Offset<flatbuffers::String> RequestFactory::RandomEntity() {
  return DecimalString(fbb_, entity_(rng_), options_.id_width);
}

std::span<const uint8_t> RequestFactory::Next() {
  fbb_.Clear();
  switch (options_.workload) {
    case Workload::kOnline:
      BuildOnline();
      break;
    case Workload::kAsOf:
      BuildAsOf();
      break;
    case Workload::kWrite:
      BuildWrite();
      break;
  }
  return {fbb_.GetBufferPointer(), fbb_.GetSize()};
}

void RequestFactory::BuildOnline() {
  std::vector<flatbuffers::Offset<flatbuffers::String>> ids(options_.entities);
  for (auto& id : ids) id = RandomEntity();
  auto type = fbb_.CreateString(options_.entity_type);
  auto features = FeatureVector(fbb_, feature_names_);
  fbb_.Finish(wire::CreateOnlineReadRequest(fbb_, type, fbb_.CreateVector(ids), features));
}

void RequestFactory::BuildAsOf() {
  const int64_t now = NowMicros();
  std::uniform_int_distribution<int64_t> age(0, kLoadAgeUs - 1);
  std::vector<flatbuffers::Offset<wire::AsOfRow>> rows(options_.entities);
  for (auto& row : rows) {
    auto id = RandomEntity();
    row = wire::CreateAsOfRow(fbb_, id, now - age(rng_));
  }
  auto type = fbb_.CreateString(options_.entity_type);
  auto features = FeatureVector(fbb_, feature_names_);
  fbb_.Finish(wire::CreateAsOfReadRequest(fbb_, type, features, false, fbb_.CreateVector(rows)));
}

void RequestFactory::BuildWrite() {
  const int64_t now = NowMicros();
  std::uniform_real_distribution<double> value(0.0, 1.0);
  std::vector<flatbuffers::Offset<wire::WriteRecord>> records;
  records.reserve(static_cast<size_t>(options_.entities) * options_.features);
  for (uint32_t i = 0; i < options_.entities; ++i) {
    const uint64_t entity = entity_(rng_);
    for (const std::string& feature : feature_names_) {
      records.push_back(DoubleRecord(fbb_, options_, entity, feature, value(rng_), now));
    }
  }
  fbb_.Finish(wire::CreateWriteRequest(fbb_, fbb_.CreateVector(records)));
}

void BuildLoadBatch(const BenchOptions& options, uint64_t first, uint64_t n, int64_t event_ts,
                    flatbuffers::FlatBufferBuilder* fbb) {
  const std::vector<std::string> names = FeatureNames(options.features);
  std::vector<flatbuffers::Offset<wire::WriteRecord>> records;
  records.reserve(n * names.size());
  for (uint64_t e = first; e < first + n; ++e) {
    for (size_t j = 0; j < names.size(); ++j) {
      const double value = static_cast<double>(e) + static_cast<double>(j) / 1000.0;
      records.push_back(DoubleRecord(*fbb, options, e, names[j], value, event_ts));
    }
  }
  fbb->Finish(wire::CreateWriteRequest(*fbb, fbb->CreateVector(records)));
}

// ---- ResponseTally ------------------------------------------------------------------

Status ResponseTally::Add(const Frame& frame) {
  RETURN_IF_ERROR(StatusOfFrame(frame));
  const auto expected =
      static_cast<MessageType>(static_cast<uint8_t>(RequestTypeOf(workload_)) + 1);
  if (frame.type != expected) {
    return Internal("expected a " + std::string(wire::MessageTypeName(expected)) + ", got a " +
                    std::string(wire::MessageTypeName(frame.type)));
  }
  if (frame.more() && workload_ != Workload::kAsOf) {
    return Internal("a " + std::string(wire::MessageTypeName(frame.type)) + " with MORE set");
  }
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(frame.payload.data()),
                                 frame.payload.size());
  switch (workload_) {
    case Workload::kOnline:
      return AddOnline(bytes);
    case Workload::kAsOf:
      return AddAsOf(bytes, !frame.more());
    case Workload::kWrite:
      return AddWrite(bytes);
  }
  return Internal("unknown workload");
}

Status ResponseTally::AddOnline(std::span<const uint8_t> bytes) {
  const auto* r = Verified<wire::OnlineReadResponse>(MessageType::kOnlineReadResponse, bytes);
  if (r == nullptr) return Internal("malformed OnlineReadResponse");
  const uint64_t want = uint64_t{entities_} * features_;
  if (r->values() == nullptr || r->values()->size() != want) {
    return Internal("OnlineReadResponse with " +
                    std::to_string(r->values() ? r->values()->size() : 0) + " values, asked " +
                    std::to_string(want));
  }
  values_ += want;
  not_present_ += CountNotPresent(*r->values());
  return Status::Ok();
}

Status ResponseTally::AddAsOf(std::span<const uint8_t> bytes, bool last) {
  const auto* c = Verified<wire::AsOfReadChunk>(MessageType::kAsOfReadChunk, bytes);
  if (c == nullptr) return Internal("malformed AsOfReadChunk");
  const uint64_t want = uint64_t{c->num_rows()} * features_;
  const uint64_t got = c->values() ? c->values()->size() : 0;
  if (c->first_row() != rows_ || got != want) {
    return Internal("AsOfReadChunk at row " + std::to_string(c->first_row()) + " with " +
                    std::to_string(got) + " values; expected row " + std::to_string(rows_) +
                    " and " + std::to_string(want));
  }
  rows_ += c->num_rows();
  values_ += want;
  if (c->values() != nullptr) not_present_ += CountNotPresent(*c->values());
  if (last && rows_ != entities_) {
    return Internal("as-of answer of " + std::to_string(rows_) + " rows, asked " +
                    std::to_string(entities_));
  }
  return Status::Ok();
}

Status ResponseTally::AddWrite(std::span<const uint8_t> bytes) {
  const auto* r = Verified<wire::WriteResponse>(MessageType::kWriteResponse, bytes);
  if (r == nullptr) return Internal("malformed WriteResponse");
  const uint64_t sent = uint64_t{entities_} * features_;
  if (r->accepted() != sent) {
    std::string why = "write accepted " + std::to_string(r->accepted()) + " of " +
                      std::to_string(sent) + " records (" + std::to_string(r->duplicates()) +
                      " duplicates, " + std::to_string(r->rejected()) + " rejected)";
    if (r->problems() != nullptr && r->problems()->size() > 0) {
      const wire::RecordProblem* p = r->problems()->Get(0);
      if (p->outcome() != kAcceptedOutcome && p->reason() != nullptr &&
          p->reason()->message() != nullptr) {
        why += "; first: " + p->reason()->message()->str();
      }
    }
    return Unprocessable(why);
  }
  values_ += sent;
  return Status::Ok();
}

}  // namespace asof::bench
