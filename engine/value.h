// Typed feature values (DESIGN.md section 2).
//
// A Value is null or holds exactly one of the twelve value types; its type is part of the
// value, so a STRING "1" is never an INT64. The engine checks a value against its
// feature's registered type on every write (CheckValueType) and never converts.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/status.h"

namespace asof {

// The numbering is persistent (value codec, registry): append only, never renumber.
enum class ValueType : uint8_t {
  kNull = 0,  // only as the type of a null value; never a feature's type
  kBool = 1,
  kInt32 = 2,
  kInt64 = 3,
  kFloat = 4,      // f32
  kDouble = 5,     // f64
  kString = 6,     // UTF-8 text
  kBytes = 7,      // arbitrary bytes
  kTimestamp = 8,  // microseconds since the epoch, UTC
  kFloatList = 9,
  kDoubleList = 10,
  kInt64List = 11,
  kStringList = 12,
};
inline constexpr uint8_t kMaxValueType = 12;

// "DOUBLE", "FLOAT_LIST", ...; "NULL" for kNull.
std::string_view ValueTypeName(ValueType type);
// Inverse of ValueTypeName, case-sensitive; nullopt for unknown names and for "NULL".
std::optional<ValueType> ParseValueType(std::string_view name);

class Value {
 public:
  // Alternative i holds the payload of ValueType(i); STRING and BYTES share std::string,
  // INT64 and TIMESTAMP share int64_t, so alternatives are addressed by index.
  using Storage = std::variant<std::monostate, bool, int32_t, int64_t, float, double, std::string,
                               std::string, int64_t, std::vector<float>, std::vector<double>,
                               std::vector<int64_t>, std::vector<std::string>>;

  Value() = default;  // null
  static Value Null() { return Value(); }
  static Value Bool(bool v) { return Value(Storage(std::in_place_index<1>, v)); }
  static Value Int32(int32_t v) { return Value(Storage(std::in_place_index<2>, v)); }
  static Value Int64(int64_t v) { return Value(Storage(std::in_place_index<3>, v)); }
  static Value Float(float v) { return Value(Storage(std::in_place_index<4>, v)); }
  static Value Double(double v) { return Value(Storage(std::in_place_index<5>, v)); }
  static Value String(std::string v) {
    return Value(Storage(std::in_place_index<6>, std::move(v)));
  }
  static Value Bytes(std::string v) { return Value(Storage(std::in_place_index<7>, std::move(v))); }
  static Value Timestamp(int64_t micros) { return Value(Storage(std::in_place_index<8>, micros)); }
  static Value FloatList(std::vector<float> v) {
    return Value(Storage(std::in_place_index<9>, std::move(v)));
  }
  static Value DoubleList(std::vector<double> v) {
    return Value(Storage(std::in_place_index<10>, std::move(v)));
  }
  static Value Int64List(std::vector<int64_t> v) {
    return Value(Storage(std::in_place_index<11>, std::move(v)));
  }
  static Value StringList(std::vector<std::string> v) {
    return Value(Storage(std::in_place_index<12>, std::move(v)));
  }

  ValueType type() const { return static_cast<ValueType>(v_.index()); }
  bool is_null() const { return v_.index() == 0; }

  // Typed access; the type must match (a programmer error otherwise).
  bool as_bool() const { return std::get<1>(v_); }
  int32_t as_int32() const { return std::get<2>(v_); }
  int64_t as_int64() const { return std::get<3>(v_); }
  float as_float() const { return std::get<4>(v_); }
  double as_double() const { return std::get<5>(v_); }
  const std::string& as_string() const { return std::get<6>(v_); }
  const std::string& as_bytes() const { return std::get<7>(v_); }
  int64_t as_timestamp() const { return std::get<8>(v_); }
  const std::vector<float>& as_float_list() const { return std::get<9>(v_); }
  const std::vector<double>& as_double_list() const { return std::get<10>(v_); }
  const std::vector<int64_t>& as_int64_list() const { return std::get<11>(v_); }
  const std::vector<std::string>& as_string_list() const { return std::get<12>(v_); }

  const Storage& storage() const { return v_; }

  // Bitwise equality: NaN equals NaN with the same bits, so a value read back always
  // equals the value written.
  bool operator==(const Value& other) const;

  // A short human-readable rendering for messages and tests, e.g. `DOUBLE 1.5`.
  std::string DebugString() const;

 private:
  explicit Value(Storage v) : v_(std::move(v)) {}
  Storage v_;
};

// OK when `value` may be stored in a feature of type `expected`: null, or exactly that
// type with a valid payload (STRING and STRING_LIST elements are valid UTF-8).
// kUnprocessable with a reason that names both types otherwise.
Status CheckValueType(const Value& value, ValueType expected);

// True when `text` is well-formed UTF-8.
bool IsValidUtf8(std::string_view text);

}  // namespace asof
