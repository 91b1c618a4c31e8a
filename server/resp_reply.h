// RESP2 reply encoding: appends replies to a connection's output buffer without
// temporaries. Also the one place where an engine Status becomes a RESP error.
//
// Thread-safety: free functions on caller-owned buffers.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
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
  char* end = buf + 1;
  if (n >= 0 && n < 100) {
    // Array and bulk lengths are mostly this short: no general conversion.
    if (n >= 10) *end++ = static_cast<char>('0' + n / 10);
    *end++ = static_cast<char>('0' + n % 10);
  } else {
    end = std::to_chars(end, buf + sizeof buf - 2, n).ptr;  // 21 characters hold any int64_t
  }
  *end++ = '\r';
  *end++ = '\n';
  out->append(buf, static_cast<size_t>(end - buf));
}

inline void AppendInt(int64_t n, std::string* out) { AppendPrefixed(':', n, out); }
inline void AppendArray(size_t n, std::string* out) {
  AppendPrefixed('*', static_cast<int64_t>(n), out);
}
inline void AppendNil(std::string* out) { out->append("$-1\r\n", 5); }

// Writes `$<len>\r\n` (len < 100) so that it ends at `text`; returns where it starts.
inline char* WriteShortBulkHeader(size_t len, char* text) {
  *--text = '\n';
  *--text = '\r';
  *--text = static_cast<char>('0' + len % 10);
  if (len >= 10) *--text = static_cast<char>('0' + len / 10);
  *--text = '$';
  return text;
}

// Bulk strings up to this long are copied to the stack with their header and CRLF and
// appended at once: one capacity check and copy rather than three.
inline constexpr size_t kShortBulk = 64;

// A bulk string whose text `write(char* text) -> char* end` writes, at most kMaxText
// (< 100) bytes: the text goes straight into a stack buffer after room for the header,
// and header, text and CRLF are appended at once. For numbers and short strings.
template <size_t kMaxText, typename Write>
void AppendBulkWritten(Write write, std::string* out) {
  static_assert(kMaxText < 100, "the header holds a length of at most two digits");
  char buf[5 + kMaxText + 2];
  char* text = buf + 5;
  char* end = write(text);
  const char* start = WriteShortBulkHeader(static_cast<size_t>(end - text), text);
  *end++ = '\r';
  *end++ = '\n';
  out->append(start, static_cast<size_t>(end - start));
}

inline void AppendBulk(std::string_view data, std::string* out) {
  if (data.size() <= kShortBulk) {
    AppendBulkWritten<kShortBulk>(
        [&](char* text) {
          std::memcpy(text, data.data(), data.size());
          return text + data.size();
        },
        out);
    return;
  }
  AppendPrefixed('$', static_cast<int64_t>(data.size()), out);
  out->append(data);
  out->append("\r\n", 2);
}

// kUnauthenticated -> -NOAUTH, kPermissionDenied -> -NOPERM, anything else -ERR. Internal
// errors are logged and answered without their details.
void AppendStatus(const Status& status, std::string* out);

}  // namespace asof::server::resp
