// ValueSketch: the distribution of one feature's values, whatever its type: a KllSketch
// for numeric types (INT32, INT64, FLOAT, DOUBLE, TIMESTAMP as microseconds), a
// CategoryCounts for STRING and BOOL ("true"/"false"). Lists and BYTES are not
// sketched (Monitored() is false). Missing values (NOT_FOUND, NULL_VALUE,
// OUTSIDE_MAX_AGE without a default) are counted in missing(), not in the distribution,
// so a change in the missing rate can be reported next to KS and PSI.
//
// Serialize/Deserialize: versioned bytes; Deserialize rejects malformed input with
// kInvalidArgument. Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "engine/drift/category_counts.h"
#include "engine/drift/drift_stats.h"
#include "engine/drift/kll_sketch.h"
#include "engine/engine.h"

namespace asof::drift {

class ValueSketch {
 public:
  static bool Monitored(ValueType type);
  static bool Categorical(ValueType type);  // STRING, BOOL

  // `type` must be Monitored().
  explicit ValueSketch(ValueType type);

  // A served or training value: counted in the distribution when PRESENT or
  // default_used with a non-null value, otherwise in missing().
  void Add(const FeatureValue& value);
  void Merge(const ValueSketch& other);  // same categorical-ness, else a no-op (CHECKed in debug)

  ValueType type() const { return type_; }
  uint64_t count() const;  // values in the distribution
  uint64_t missing() const { return missing_; }
  const KllSketch* numeric() const { return std::get_if<KllSketch>(&dist_); }
  const CategoryCounts* categorical() const { return std::get_if<CategoryCounts>(&dist_); }

  std::string Serialize() const;
  static Result<ValueSketch> Deserialize(std::string_view bytes);

 private:
  ValueType type_;
  uint64_t missing_ = 0;
  std::variant<KllSketch, CategoryCounts> dist_;
};

}  // namespace asof::drift
