// RESP2 reply encoding: appends replies to a connection's output buffer without
// temporaries. Also the one place where an engine Status becomes a RESP error.
//
// Thread-safety: free functions on caller-owned buffers.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace asof::server::resp {

inline void AppendLine(std::string_view text, std::string* out) {
  out->append(text);
  out->append("\r\n", 2);
}

inline void AppendSimple(std::string_view text, std::string* out) {
  out->push_back('+');
  AppendLine(text, out);
}

inline void AppendOk(std::string* out) { out->append("+OK\r\n", 5); }

// `type_and_message` is e.g. "ERR unknown command 'x'" or "NOAUTH ..."; CR and LF in it
// become spaces, as a reply line cannot hold them.
inline void AppendError(std::string_view type_and_message, std::string* out) {
  out->push_back('-');
  const size_t start = out->size();
  out->append(type_and_message);
  for (size_t i = start; i < out->size(); ++i) {
    if ((*out)[i] == '\r' || (*out)[i] == '\n') (*out)[i] = ' ';
  }
  out->append("\r\n", 2);
}

inline void AppendPrefixed(char type, int64_t n, std::string* out) {
  char buf[24];
  buf[0] = type;
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof buf - 2, n);
  (void)ec;  // 21 characters always fit an int64_t
  *end++ = '\r';
  *end++ = '\n';
  out->append(buf, static_cast<size_t>(end - buf));
}

inline void AppendInt(int64_t n, std::string* out) { AppendPrefixed(':', n, out); }
inline void AppendArray(size_t n, std::string* out) {
  AppendPrefixed('*', static_cast<int64_t>(n), out);
}
inline void AppendNil(std::string* out) { out->append("$-1\r\n", 5); }

inline void AppendBulk(std::string_view data, std::string* out) {
  AppendPrefixed('$', static_cast<int64_t>(data.size()), out);
  out->append(data);
  out->append("\r\n", 2);
}

// kUnauthenticated -> -NOAUTH, kPermissionDenied -> -NOPERM, anything else -ERR. Internal
// errors are logged and answered without their details.
void AppendStatus(const Status& status, std::string* out);

}  // namespace asof::server::resp
