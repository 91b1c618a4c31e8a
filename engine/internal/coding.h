// Byte-level encoding helpers shared by the key, value and registry codecs.
//
// Big-endian fixed integers keep bytewise order equal to numeric order (keys); varints
// keep values small. ByteReader never reads past its input: every Get* returns false on
// truncation, and callers turn that into a Status.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace asof::internal {

inline void PutBE16(std::string* out, uint16_t v) {
  char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(b, 2);
}
inline void PutBE32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (24 - 8 * i));
  out->append(b, 4);
}
inline void PutBE64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (56 - 8 * i));
  out->append(b, 8);
}
inline uint16_t LoadBE16(const char* p) {
  auto u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>((u[0] << 8) | u[1]);
}
inline uint32_t LoadBE32(const char* p) {
  auto u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}
inline uint64_t LoadBE64(const char* p) { return (uint64_t{LoadBE32(p)} << 32) | LoadBE32(p + 4); }

inline void PutVarint64(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
// Zig-zag so that small negative numbers stay short.
inline void PutVarsint64(std::string* out, int64_t v) {
  PutVarint64(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
inline void PutLengthPrefixed(std::string* out, std::string_view s) {
  PutVarint64(out, s.size());
  out->append(s);
}
// Little-endian raw copy of a trivially copyable value (floats, fixed ints in values).
template <typename T>
inline void PutRaw(std::string* out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out->append(b, sizeof(T));
}

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  bool empty() const { return in_.empty(); }
  size_t remaining() const { return in_.size(); }
  std::string_view rest() const { return in_; }

  bool GetByte(uint8_t* v) {
    if (in_.empty()) return false;
    *v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool GetBE16(uint16_t* v) {
    return GetFixed(2, [&](const char* p) { *v = LoadBE16(p); });
  }
  bool GetBE32(uint32_t* v) {
    return GetFixed(4, [&](const char* p) { *v = LoadBE32(p); });
  }
  bool GetBE64(uint64_t* v) {
    return GetFixed(8, [&](const char* p) { *v = LoadBE64(p); });
  }
  template <typename T>
  bool GetRaw(T* v) {
    return GetFixed(sizeof(T), [&](const char* p) { std::memcpy(v, p, sizeof(T)); });
  }
  bool GetVarint64(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63 && !in_.empty(); shift += 7) {
      auto byte = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      result |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  bool GetVarsint64(int64_t* v) {
    uint64_t u;
    if (!GetVarint64(&u)) return false;
    *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  bool GetBytes(size_t n, std::string_view* v) {
    if (in_.size() < n) return false;
    *v = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool GetLengthPrefixed(std::string_view* v) {
    uint64_t n;
    return GetVarint64(&n) && n <= in_.size() && GetBytes(static_cast<size_t>(n), v);
  }

 private:
  template <typename F>
  bool GetFixed(size_t n, F load) {
    if (in_.size() < n) return false;
    load(in_.data());
    in_.remove_prefix(n);
    return true;
  }
  std::string_view in_;
};

}  // namespace asof::internal
