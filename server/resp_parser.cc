#include "server/resp_parser.h"

#include <algorithm>
#include <charconv>

namespace asof::server {

namespace {

// Redis' string2ll is as strict: digits with an optional '-', nothing else.
bool ParseInt(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// The common header: `<digits>\r\n` after the type byte at `pos`, with at most 18 digits
// (no overflow) and its \r within `max_line` bytes of `pos`. Sets the value and the
// position after the \n; false for anything else, which HeaderLine and ParseInt then judge
// (a sign, too many digits, a partial line, an error). Accepts exactly what they would
// accept, with the same value, in one pass and without a search for the \r.
// Always inlined: it runs once per argument of every request.
[[gnu::always_inline]] inline bool FastHeader(std::string_view data, size_t pos, size_t max_line,
                                              int64_t* value, size_t* next) {
  const char* p = data.data() + pos + 1;
  const char* const first = p;
  const char* const last_digit = data.data() + std::min(data.size(), pos + 1 + 18);
  int64_t v = 0;
  while (p < last_digit && static_cast<unsigned char>(*p - '0') < 10) {
    v = v * 10 + (*p - '0');
    ++p;
  }
  // A 19th digit is not a \r, so it fails here too.
  const auto cr = static_cast<size_t>(p - data.data());
  if (p == first || cr + 1 >= data.size() || *p != '\r' || data[cr + 1] != '\n' ||
      cr - pos >= max_line) {
    return false;
  }
  *value = v;
  *next = cr + 2;
  return true;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Printable(char c) {
  if (c >= 0x20 && c < 0x7f) return std::string(1, c);
  static constexpr char kHex[] = "0123456789abcdef";
  const auto u = static_cast<unsigned char>(c);
  return std::string("\\x") + kHex[u >> 4] + kHex[u & 0xf];
}

// Appends the words of an inline request to `buf` and their (offset, length) to
// `offsets`, as Redis' sdssplitargs splits them. False on unbalanced quotes.
bool SplitInline(std::string_view line, std::string* buf,
                 std::vector<std::pair<size_t, size_t>>* offsets) {
  const size_t n = line.size();
  size_t i = 0;
  for (;;) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i == n) return true;
    const size_t start = buf->size();
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      if (in_double) {
        if (i == n) return false;
        const char c = line[i];
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          buf->push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          ++i;
          switch (line[i]) {
            case 'n':
              buf->push_back('\n');
              break;
            case 'r':
              buf->push_back('\r');
              break;
            case 't':
              buf->push_back('\t');
              break;
            case 'b':
              buf->push_back('\b');
              break;
            case 'a':
              buf->push_back('\a');
              break;
            default:
              buf->push_back(line[i]);
              break;
          }
        } else if (c == '"') {
          // A closing quote must end the word.
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          done = true;
        } else {
          buf->push_back(c);
        }
      } else if (in_single) {
        if (i == n) return false;
        const char c = line[i];
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          buf->push_back('\'');
          ++i;
        } else if (c == '\'') {
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          done = true;
        } else {
          buf->push_back(c);
        }
      } else if (i == n || IsSpace(line[i])) {
        done = true;
      } else if (line[i] == '"') {
        in_double = true;
      } else if (line[i] == '\'') {
        in_single = true;
      } else {
        buf->push_back(line[i]);
      }
      if (i < n) ++i;
    }
    offsets->emplace_back(start, buf->size() - start);
  }
}

}  // namespace

RespParser::RespParser(RespLimits limits) : limits_(limits) {}

RespParser::Step RespParser::Fail(RespError error, std::string detail) {
  error_ = error;
  switch (error) {
    case RespError::kNone:
      break;
    case RespError::kBadArrayLength:
      error_message_ = "Protocol error: invalid multibulk length";
      break;
    case RespError::kArrayTooLong:
      error_message_ = "Protocol error: invalid multibulk length (over the limit of " +
                       std::to_string(limits_.max_array_length) +
                       " arguments, resp.max_array_length)";
      break;
    case RespError::kExpectedBulk:
      error_message_ = "Protocol error: expected '$', got '" + detail + "'";
      break;
    case RespError::kBadBulkLength:
      error_message_ = "Protocol error: invalid bulk length";
      break;
    case RespError::kBulkTooLong:
      error_message_ = "Protocol error: invalid bulk length (" + detail +
                       " bytes is over the limit of " + std::to_string(limits_.max_bulk_bytes) +
                       ", resp.max_bulk_bytes)";
      break;
    case RespError::kMissingCrlf:
      error_message_ = "Protocol error: expected CRLF " + detail;
      break;
    case RespError::kHeaderTooLong:
      error_message_ = "Protocol error: too big " + detail + " count string";
      break;
    case RespError::kInlineTooLong:
      error_message_ = "Protocol error: too big inline request";
      break;
    case RespError::kUnbalancedQuotes:
      error_message_ = "Protocol error: unbalanced quotes in request";
      break;
    case RespError::kRequestTooLarge:
      error_message_ = "Protocol error: request over the limit of " +
                       std::to_string(limits_.max_request_bytes) +
                       " bytes (resp.max_request_bytes)";
      break;
  }
  return Step::kError;
}

RespParser::Step RespParser::Done(size_t consumed) {
  consumed_ = consumed;
  in_multibulk_ = false;
  pos_ = 0;
  return Step::kCommand;
}

RespParser::Step RespParser::Next(std::string_view data) {
  args_.clear();
  if (!in_multibulk_) {
    offsets_.clear();
    if (data.empty()) {
      wanted_ = 1;
      return Step::kNeedMore;
    }
    if (data[0] != '*') return ParseInline(data);
  }
  return ParseMultibulk(data);
}

RespParser::Step RespParser::HeaderLine(std::string_view data, std::string_view* line) {
  const char* what = data[pos_] == '*' ? "mbulk" : "bulk";
  const size_t limit = std::min(data.size(), pos_ + limits_.max_inline_bytes);
  const size_t cr = data.substr(0, limit).find('\r', pos_);
  if (cr == std::string_view::npos) {
    if (data.size() - pos_ >= limits_.max_inline_bytes)
      return Fail(RespError::kHeaderTooLong, what);
    wanted_ = data.size() + 1;
    return Step::kNeedMore;
  }
  if (cr + 1 == data.size()) {
    wanted_ = data.size() + 1;
    return Step::kNeedMore;
  }
  if (data[cr + 1] != '\n') return Fail(RespError::kMissingCrlf, "after a header line");
  *line = data.substr(pos_ + 1, cr - pos_ - 1);  // without the type byte
  pos_ = cr + 2;
  return Step::kCommand;
}

RespParser::Step RespParser::ParseMultibulk(std::string_view data) {
  std::string_view line;
  if (!in_multibulk_) {
    pos_ = 0;
    int64_t n = 0;
    if (!FastHeader(data, pos_, limits_.max_inline_bytes, &n, &pos_)) {
      if (Step s = HeaderLine(data, &line); s != Step::kCommand) return s;
      if (!ParseInt(line, &n)) return Fail(RespError::kBadArrayLength);
    }
    if (n <= 0) return Done(pos_);  // Redis ignores empty and null arrays
    if (static_cast<uint64_t>(n) > limits_.max_array_length) return Fail(RespError::kArrayTooLong);
    expected_ = static_cast<size_t>(n);
    offsets_.reserve(std::min<size_t>(expected_, 1024));
    in_multibulk_ = true;
  }
  while (offsets_.size() < expected_) {
    if (pos_ >= data.size()) {
      wanted_ = pos_ + 1;
      return Step::kNeedMore;
    }
    if (data[pos_] != '$') return Fail(RespError::kExpectedBulk, Printable(data[pos_]));
    const size_t header = pos_;
    int64_t len = 0;
    if (!FastHeader(data, pos_, limits_.max_inline_bytes, &len, &pos_)) {
      if (Step s = HeaderLine(data, &line); s != Step::kCommand) return s;
      if (!ParseInt(line, &len) || len < 0) return Fail(RespError::kBadBulkLength);
    }
    if (static_cast<uint64_t>(len) > limits_.max_bulk_bytes) {
      return Fail(RespError::kBulkTooLong, std::to_string(len));
    }
    const size_t end = pos_ + static_cast<size_t>(len) + 2;
    if (end > limits_.max_request_bytes) return Fail(RespError::kRequestTooLarge);
    if (data.size() < end) {
      wanted_ = end;
      pos_ = header;  // the header is parsed again when the rest arrived: cheap
      return Step::kNeedMore;
    }
    if (data[end - 2] != '\r' || data[end - 1] != '\n') {
      return Fail(RespError::kMissingCrlf, "after a bulk string");
    }
    offsets_.emplace_back(pos_, static_cast<size_t>(len));
    pos_ = end;
  }
  args_.reserve(offsets_.size());
  for (const auto& [offset, len] : offsets_) args_.emplace_back(data.data() + offset, len);
  return Done(pos_);
}

RespParser::Step RespParser::ParseInline(std::string_view data) {
  const size_t nl = data.substr(0, limits_.max_inline_bytes + 1).find('\n');
  if (nl == std::string_view::npos) {
    if (data.size() > limits_.max_inline_bytes) return Fail(RespError::kInlineTooLong);
    wanted_ = data.size() + 1;
    return Step::kNeedMore;
  }
  std::string_view line = data.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  inline_buf_.clear();
  // Unquoting never lengthens a word, so the buffer never reallocates while filled.
  inline_buf_.reserve(line.size());
  if (!SplitInline(line, &inline_buf_, &offsets_)) return Fail(RespError::kUnbalancedQuotes);
  args_.reserve(offsets_.size());
  for (const auto& [offset, len] : offsets_) args_.emplace_back(inline_buf_.data() + offset, len);
  return Done(nl + 1);
}

}  // namespace asof::server
