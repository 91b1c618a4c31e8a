#include "engine/internal/value_codec.h"

#include <bit>
#include <cstring>
#include <limits>
#include <vector>

#include "engine/internal/coding.h"

namespace asof::internal {

// FLOAT, DOUBLE and their lists are stored as the host's raw bytes, which the format
// defines as little-endian.
static_assert(std::endian::native == std::endian::little,
              "the value codec stores floats as raw little-endian bytes");

namespace {

Status Corrupt(std::string what) { return Internal("corrupt value: " + std::move(what)); }

Status Truncated(ValueType type) {
  return Corrupt("truncated " + std::string(ValueTypeName(type)) + " payload");
}

template <typename T>
void PutRawArray(std::string* out, const std::vector<T>& v) {
  PutVarint64(out, v.size());
  out->append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// Reads a list's element count and rejects one that the remaining bytes cannot hold
// (each element takes at least `min_element_bytes`), so a corrupt count can never make
// the decoder allocate more than a small multiple of its input.
Result<size_t> GetCount(ByteReader* r, ValueType type, size_t min_element_bytes) {
  uint64_t count;
  if (!r->GetVarint64(&count)) return Truncated(type);
  if (count > r->remaining() / min_element_bytes) {
    return Corrupt(std::string(ValueTypeName(type)) + " count " + std::to_string(count) +
                   " exceeds the " + std::to_string(r->remaining()) + " bytes left");
  }
  return static_cast<size_t>(count);
}

template <typename T>
Result<std::vector<T>> GetRawArray(ByteReader* r, ValueType type) {
  ASSIGN_OR_RETURN(const size_t count, GetCount(r, type, sizeof(T)));
  std::string_view bytes;
  if (!r->GetBytes(count * sizeof(T), &bytes)) return Truncated(type);
  std::vector<T> v(count);
  if (count > 0) std::memcpy(v.data(), bytes.data(), bytes.size());
  return v;
}

Result<std::vector<int64_t>> GetInt64List(ByteReader* r) {
  ASSIGN_OR_RETURN(const size_t count, GetCount(r, ValueType::kInt64List, 1));
  std::vector<int64_t> v(count);
  for (int64_t& x : v) {
    if (!r->GetVarsint64(&x)) return Truncated(ValueType::kInt64List);
  }
  return v;
}

Result<std::vector<std::string>> GetStringList(ByteReader* r) {
  ASSIGN_OR_RETURN(const size_t count, GetCount(r, ValueType::kStringList, 1));
  std::vector<std::string> v;
  v.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    std::string_view s;
    if (!r->GetLengthPrefixed(&s)) return Truncated(ValueType::kStringList);
    v.emplace_back(s);
  }
  return v;
}

// The checked reads of the scalars that can be malformed beyond truncation, shared by
// GetScalar and SkipPayload so that both refuse the same bytes with the same words.
Status GetBool(ByteReader* r, bool* out) {
  uint8_t b;
  if (!r->GetByte(&b)) return Truncated(ValueType::kBool);
  if (b > 1) return Corrupt("BOOL byte " + std::to_string(b) + " is neither 0 nor 1");
  *out = b == 1;
  return Status::Ok();
}

Status GetInt32(ByteReader* r, int32_t* out) {
  int64_t x;
  if (!r->GetVarsint64(&x)) return Truncated(ValueType::kInt32);
  if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max()) {
    return Corrupt("INT32 " + std::to_string(x) + " is out of range");
  }
  *out = static_cast<int32_t>(x);
  return Status::Ok();
}

// Writes into `*out` rather than returning a Result<Value>: online reads decode a scalar per
// feature served, and the Result and variant moves cost more than the decode itself.
Status GetScalar(ByteReader* r, ValueType type, Value* out) {
  switch (type) {
    case ValueType::kBool: {
      bool b;
      RETURN_IF_ERROR(GetBool(r, &b));
      *out = Value::Bool(b);
      return Status::Ok();
    }
    case ValueType::kInt32: {
      int32_t x;
      RETURN_IF_ERROR(GetInt32(r, &x));
      *out = Value::Int32(x);
      return Status::Ok();
    }
    case ValueType::kInt64:
    case ValueType::kTimestamp: {
      int64_t x;
      if (!r->GetVarsint64(&x)) return Truncated(type);
      *out = type == ValueType::kInt64 ? Value::Int64(x) : Value::Timestamp(x);
      return Status::Ok();
    }
    case ValueType::kFloat: {
      float x;
      if (!r->GetRaw(&x)) return Truncated(type);
      *out = Value::Float(x);
      return Status::Ok();
    }
    case ValueType::kDouble: {
      double x;
      if (!r->GetRaw(&x)) return Truncated(type);
      *out = Value::Double(x);
      return Status::Ok();
    }
    case ValueType::kString:
    case ValueType::kBytes: {
      std::string_view s;
      if (!r->GetLengthPrefixed(&s)) return Truncated(type);
      *out =
          type == ValueType::kString ? Value::String(std::string(s)) : Value::Bytes(std::string(s));
      return Status::Ok();
    }
    default:
      return Corrupt("no scalar payload for tag " + std::to_string(static_cast<int>(type)));
  }
}

Status GetPayload(ByteReader* r, ValueType type, Value* out) {
  switch (type) {
    case ValueType::kNull:
      *out = Value::Null();
      return Status::Ok();
    case ValueType::kFloatList: {
      ASSIGN_OR_RETURN(auto v, GetRawArray<float>(r, type));
      *out = Value::FloatList(std::move(v));
      return Status::Ok();
    }
    case ValueType::kDoubleList: {
      ASSIGN_OR_RETURN(auto v, GetRawArray<double>(r, type));
      *out = Value::DoubleList(std::move(v));
      return Status::Ok();
    }
    case ValueType::kInt64List: {
      ASSIGN_OR_RETURN(auto v, GetInt64List(r));
      *out = Value::Int64List(std::move(v));
      return Status::Ok();
    }
    case ValueType::kStringList: {
      ASSIGN_OR_RETURN(auto v, GetStringList(r));
      *out = Value::StringList(std::move(v));
      return Status::Ok();
    }
    default:
      return GetScalar(r, type, out);
  }
}

// GetPayload's checks without the Value: every refusal below must stay the one GetPayload
// (and the helpers it calls) returns for the same bytes.
Status SkipPayload(ByteReader* r, ValueType type) {
  switch (type) {
    case ValueType::kNull:
      return Status::Ok();
    case ValueType::kBool: {
      bool b;
      return GetBool(r, &b);
    }
    case ValueType::kInt32: {
      int32_t x;
      return GetInt32(r, &x);
    }
    case ValueType::kInt64:
    case ValueType::kTimestamp: {
      int64_t x;
      return r->GetVarsint64(&x) ? Status::Ok() : Truncated(type);
    }
    case ValueType::kFloat: {
      std::string_view bytes;
      return r->GetBytes(sizeof(float), &bytes) ? Status::Ok() : Truncated(type);
    }
    case ValueType::kDouble: {
      std::string_view bytes;
      return r->GetBytes(sizeof(double), &bytes) ? Status::Ok() : Truncated(type);
    }
    case ValueType::kString:
    case ValueType::kBytes: {
      std::string_view s;
      return r->GetLengthPrefixed(&s) ? Status::Ok() : Truncated(type);
    }
    case ValueType::kFloatList:
    case ValueType::kDoubleList: {
      const size_t width = type == ValueType::kFloatList ? sizeof(float) : sizeof(double);
      ASSIGN_OR_RETURN(const size_t count, GetCount(r, type, width));
      std::string_view bytes;
      return r->GetBytes(count * width, &bytes) ? Status::Ok() : Truncated(type);
    }
    case ValueType::kInt64List: {
      ASSIGN_OR_RETURN(const size_t count, GetCount(r, type, 1));
      for (size_t i = 0; i < count; ++i) {
        int64_t x;
        if (!r->GetVarsint64(&x)) return Truncated(type);
      }
      return Status::Ok();
    }
    case ValueType::kStringList: {
      ASSIGN_OR_RETURN(const size_t count, GetCount(r, type, 1));
      for (size_t i = 0; i < count; ++i) {
        std::string_view s;
        if (!r->GetLengthPrefixed(&s)) return Truncated(type);
      }
      return Status::Ok();
    }
  }
  return Corrupt("no scalar payload for tag " + std::to_string(static_cast<int>(type)));
}

}  // namespace

void EncodeValue(const Value& value, std::string* out) {
  out->push_back(static_cast<char>(value.type()));
  switch (value.type()) {
    case ValueType::kNull:
      return;
    case ValueType::kBool:
      out->push_back(value.as_bool() ? 1 : 0);
      return;
    case ValueType::kInt32:
      return PutVarsint64(out, value.as_int32());
    case ValueType::kInt64:
      return PutVarsint64(out, value.as_int64());
    case ValueType::kTimestamp:
      return PutVarsint64(out, value.as_timestamp());
    case ValueType::kFloat:
      return PutRaw(out, value.as_float());
    case ValueType::kDouble:
      return PutRaw(out, value.as_double());
    case ValueType::kString:
      return PutLengthPrefixed(out, value.as_string());
    case ValueType::kBytes:
      return PutLengthPrefixed(out, value.as_bytes());
    case ValueType::kFloatList:
      return PutRawArray(out, value.as_float_list());
    case ValueType::kDoubleList:
      return PutRawArray(out, value.as_double_list());
    case ValueType::kInt64List:
      PutVarint64(out, value.as_int64_list().size());
      for (int64_t x : value.as_int64_list()) PutVarsint64(out, x);
      return;
    case ValueType::kStringList:
      PutVarint64(out, value.as_string_list().size());
      for (const std::string& s : value.as_string_list()) PutLengthPrefixed(out, s);
      return;
  }
}

Result<Value> DecodeValue(std::string_view* in) {
  Value value;
  RETURN_IF_ERROR(DecodeValueInto(in, &value));
  return value;
}

Status DecodeValueInto(std::string_view* in, Value* out) {
  ByteReader r(*in);
  uint8_t tag;
  if (!r.GetByte(&tag)) return Corrupt("empty input");
  if (tag > kMaxValueType) return Corrupt("unknown tag " + std::to_string(tag));
  RETURN_IF_ERROR(GetPayload(&r, static_cast<ValueType>(tag), out));
  // `*in` moves only past a value that decoded whole.
  *in = r.rest();
  return Status::Ok();
}

Status SkipValue(std::string_view* in, ValueType* type) {
  ByteReader r(*in);
  uint8_t tag;
  if (!r.GetByte(&tag)) return Corrupt("empty input");
  if (tag > kMaxValueType) return Corrupt("unknown tag " + std::to_string(tag));
  *type = static_cast<ValueType>(tag);
  RETURN_IF_ERROR(SkipPayload(&r, *type));
  *in = r.rest();
  return Status::Ok();
}

}  // namespace asof::internal
