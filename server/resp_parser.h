// RespParser: cuts RESP2 requests out of a connection's input, as Redis reads them.
//
// Two request forms:
// - multibulk: `*<n>\r\n` then n bulk strings `$<len>\r\n<bytes>\r\n` (what every client
//   library sends). Arguments are views into the caller's buffer: no copy.
// - inline: one line of space-separated words ending in `\n` (an optional `\r` before it
//   is dropped), as typed into telnet: `PING\r\n`. Words may be quoted like Redis'
//   sdssplitargs ("a b", 'c', escapes \n \r \t \b \a \\ \" \xHH inside double quotes);
//   inline arguments are copied into the parser's own buffer.
// An empty command (`*0\r\n`, `*-1\r\n`, an empty line) is returned with no arguments;
// Redis ignores those, and so should the caller.
//
// Incremental: Next() is given everything not yet consumed; it answers kNeedMore until a
// whole request is there, remembering how far it got, so a request arriving one byte at a
// time costs O(bytes), not O(bytes^2). Between calls the caller may append to its buffer
// and move it (e.g. drop the consumed prefix), but the unconsumed bytes must stay the same.
//
// Errors: a protocol error means the stream can no longer be cut into requests; Redis
// answers `-ERR Protocol error: ...` and closes the connection, and so does asofd.
//
// Thread-safety: one parser per connection, used by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asof::server {

struct RespLimits {
  size_t max_array_length = 1u << 20;     // arguments of one multibulk request
  size_t max_bulk_bytes = 64u << 20;      // one argument (Redis: proto-max-bulk-len, 512 MiB)
  size_t max_request_bytes = 128u << 20;  // one whole request, headers included
  size_t max_inline_bytes = 64u << 10;    // one inline line, and one header line
};

enum class RespError : uint8_t {
  kNone = 0,
  kBadArrayLength,    // `*x`, `*1.5`: not an integer
  kArrayTooLong,      // more than max_array_length arguments
  kExpectedBulk,      // an element that is not `$...` (a nested array, an integer, ...)
  kBadBulkLength,     // not an integer, or negative
  kBulkTooLong,       // over max_bulk_bytes
  kMissingCrlf,       // a bulk string not followed by \r\n, or a header line ending in a bare \r
  kHeaderTooLong,     // no \r\n within max_inline_bytes of a `*` or `$` header
  kInlineTooLong,     // no \n within max_inline_bytes of an inline request
  kUnbalancedQuotes,  // inline: an open quote, or a closing quote not followed by a space
  kRequestTooLarge,   // over max_request_bytes
};

class RespParser {
 public:
  enum class Step { kCommand, kNeedMore, kError };

  explicit RespParser(RespLimits limits = {});

  // Parses the request at the start of `data` (the unconsumed input). kCommand: args()
  // and consumed() describe it and the next call starts fresh. kNeedMore: call again with
  // more bytes appended. kError: error() and error_message() say why; the parser must not
  // be used again.
  Step Next(std::string_view data);

  // After kCommand: the arguments, valid until the next Next() and only while the bytes
  // passed to it are unchanged (multibulk arguments point into them).
  std::span<const std::string_view> args() const { return args_; }
  // After kCommand: how many bytes of `data` the request took.
  size_t consumed() const { return consumed_; }
  // After kNeedMore: the least total size `data` must reach before a step can be made
  // (useful to size a read buffer for a large bulk string).
  size_t wanted() const { return wanted_; }

  RespError error() const { return error_; }
  // "Protocol error: invalid bulk length", in Redis' words where Redis has them.
  const std::string& error_message() const { return error_message_; }

 private:
  Step ParseMultibulk(std::string_view data);
  Step ParseInline(std::string_view data);
  // Finds the \r\n ending the header line that starts at `pos_`; kCommand means found
  // (the line is returned without its \r\n).
  Step HeaderLine(std::string_view data, std::string_view* line);
  Step Fail(RespError error, std::string detail = "");
  Step Done(size_t consumed);

  const RespLimits limits_;
  // Progress through a multibulk request that is not complete yet.
  bool in_multibulk_ = false;
  size_t expected_ = 0;                             // arguments announced by `*<n>`
  size_t pos_ = 0;                                  // next byte to look at
  std::vector<std::pair<size_t, size_t>> offsets_;  // (offset, length) of each argument
  std::vector<std::string_view> args_;
  std::string inline_buf_;  // unquoted inline arguments, back to back
  size_t consumed_ = 0;
  size_t wanted_ = 0;
  RespError error_ = RespError::kNone;
  std::string error_message_;
};

}  // namespace asof::server
