#include "engine/drift/value_sketch.h"

#include <utility>

#include "engine/internal/coding.h"

namespace asof::drift {
namespace {

constexpr uint8_t kFormatVersion = 1;

Status Malformed(std::string_view why) {
  return InvalidArgument("malformed value sketch: " + std::string(why));
}

std::variant<KllSketch, CategoryCounts> EmptyDistribution(ValueType type) {
  if (ValueSketch::Categorical(type)) return CategoryCounts();
  return KllSketch();
}

}  // namespace

bool ValueSketch::Monitored(ValueType type) {
  switch (type) {
    case ValueType::kBool:
    case ValueType::kInt32:
    case ValueType::kInt64:
    case ValueType::kFloat:
    case ValueType::kDouble:
    case ValueType::kString:
    case ValueType::kTimestamp:
      return true;
    default:
      return false;
  }
}

bool ValueSketch::Categorical(ValueType type) {
  return type == ValueType::kString || type == ValueType::kBool;
}

ValueSketch::ValueSketch(ValueType type) : type_(type), dist_(EmptyDistribution(type)) {
  ASOF_CHECK(Monitored(type)) << "ValueSketch of unmonitored type " << ValueTypeName(type);
}

uint64_t ValueSketch::count() const {
  if (const KllSketch* kll = numeric()) return kll->n();
  return categorical()->total();
}

void ValueSketch::Add(const FeatureValue& fv) {
  bool served = fv.status == ValueStatus::kPresent || fv.default_used;
  // A value of another type has no place in this distribution; counting it as missing
  // keeps the distribution clean and the mismatch visible.
  if (!served || fv.value.type() != type_) {
    ++missing_;
    return;
  }
  const Value& v = fv.value;
  switch (type_) {
    case ValueType::kBool:
      std::get<CategoryCounts>(dist_).Update(v.as_bool() ? "true" : "false");
      break;
    case ValueType::kString:
      std::get<CategoryCounts>(dist_).Update(v.as_string());
      break;
    case ValueType::kInt32:
      std::get<KllSketch>(dist_).Update(v.as_int32());
      break;
    case ValueType::kInt64:
      std::get<KllSketch>(dist_).Update(static_cast<double>(v.as_int64()));
      break;
    case ValueType::kFloat:
      std::get<KllSketch>(dist_).Update(v.as_float());
      break;
    case ValueType::kDouble:
      std::get<KllSketch>(dist_).Update(v.as_double());
      break;
    case ValueType::kTimestamp:
      std::get<KllSketch>(dist_).Update(static_cast<double>(v.as_timestamp()));
      break;
    default:
      ++missing_;  // unreachable: the constructor admits only monitored types
      break;
  }
}

void ValueSketch::Merge(const ValueSketch& other) {
  bool same_kind = dist_.index() == other.dist_.index();
#ifndef NDEBUG
  ASOF_CHECK(same_kind) << "merging a " << ValueTypeName(other.type_) << " sketch into a "
                        << ValueTypeName(type_) << " sketch";
#endif
  if (!same_kind) return;
  missing_ += other.missing_;
  if (KllSketch* kll = std::get_if<KllSketch>(&dist_)) {
    kll->Merge(std::get<KllSketch>(other.dist_));
  } else {
    std::get<CategoryCounts>(dist_).Merge(std::get<CategoryCounts>(other.dist_));
  }
}

// Layout: u8 version (1) | u8 value type | varint missing | length-prefixed inner bytes
// (KllSketch or CategoryCounts serialization, by the type).
std::string ValueSketch::Serialize() const {
  std::string out;
  out.push_back(static_cast<char>(kFormatVersion));
  out.push_back(static_cast<char>(type_));
  internal::PutVarint64(&out, missing_);
  if (const KllSketch* kll = numeric()) {
    internal::PutLengthPrefixed(&out, kll->Serialize());
  } else {
    internal::PutLengthPrefixed(&out, categorical()->Serialize());
  }
  return out;
}

Result<ValueSketch> ValueSketch::Deserialize(std::string_view bytes) {
  internal::ByteReader in(bytes);
  uint8_t version, type_byte;
  uint64_t missing;
  std::string_view inner;
  if (!in.GetByte(&version)) return Malformed("empty");
  if (version != kFormatVersion) return Malformed("unknown version " + std::to_string(version));
  if (!in.GetByte(&type_byte) || !in.GetVarint64(&missing) || !in.GetLengthPrefixed(&inner)) {
    return Malformed("truncated");
  }
  if (!in.empty()) return Malformed("trailing bytes");
  if (type_byte > kMaxValueType || !Monitored(static_cast<ValueType>(type_byte))) {
    return Malformed("type " + std::to_string(type_byte) + " is not monitored");
  }
  ValueSketch sketch(static_cast<ValueType>(type_byte));
  sketch.missing_ = missing;
  if (Categorical(sketch.type_)) {
    ASSIGN_OR_RETURN(CategoryCounts counts, CategoryCounts::Deserialize(inner));
    sketch.dist_ = std::move(counts);
  } else {
    ASSIGN_OR_RETURN(KllSketch kll, KllSketch::Deserialize(inner));
    sketch.dist_ = std::move(kll);
  }
  return sketch;
}

}  // namespace asof::drift
