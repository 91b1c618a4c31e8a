#include "server/resp_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace asof::server {
namespace {

using Step = RespParser::Step;
using Args = std::vector<std::string>;

Args Copy(std::span<const std::string_view> args) { return Args(args.begin(), args.end()); }

// Parses `input` whole: the commands it holds, or the first error.
struct Parsed {
  std::vector<Args> commands;
  RespError error = RespError::kNone;
  std::string message;
  bool need_more = false;  // ended inside a request
};

Parsed ParseAll(std::string_view input, RespLimits limits = {}) {
  RespParser parser(limits);
  Parsed out;
  size_t pos = 0;
  for (;;) {
    Step step = parser.Next(input.substr(pos));
    if (step == Step::kNeedMore) {
      out.need_more = pos < input.size();
      return out;
    }
    if (step == Step::kError) {
      out.error = parser.error();
      out.message = parser.error_message();
      return out;
    }
    pos += parser.consumed();
    out.commands.push_back(Copy(parser.args()));
  }
}

TEST(RespParserTest, Multibulk) {
  const std::string input = "*3\r\n$5\r\nHMGET\r\n$8\r\nuser:123\r\n$0\r\n\r\n";
  RespParser parser;
  ASSERT_EQ(parser.Next(input), Step::kCommand);
  EXPECT_EQ(parser.consumed(), input.size());
  EXPECT_EQ(Copy(parser.args()), (Args{"HMGET", "user:123", ""}));
  // Zero-copy: the arguments point into the input.
  EXPECT_EQ(parser.args()[1].data(), input.data() + input.find("user:123"));
}

TEST(RespParserTest, BinarySafeBulk) {
  const std::string value("a\r\nb\0c", 6);
  const std::string input = "*2\r\n$4\r\nECHO\r\n$6\r\n" + value + "\r\n";
  Parsed p = ParseAll(input);
  ASSERT_EQ(p.commands.size(), 1u);
  EXPECT_EQ(p.commands[0][1], value);
}

TEST(RespParserTest, Inline) {
  Parsed p =
      ParseAll("PING\r\nECHO  hello   world\nHGET \"a b\" 'c d' \"\\x41\\n\\\"\" 'it\\'s'\r\n");
  ASSERT_EQ(p.error, RespError::kNone) << p.message;
  ASSERT_EQ(p.commands.size(), 3u);
  EXPECT_EQ(p.commands[0], (Args{"PING"}));
  EXPECT_EQ(p.commands[1], (Args{"ECHO", "hello", "world"}));
  EXPECT_EQ(p.commands[2], (Args{"HGET", "a b", "c d", "A\n\"", "it's"}));
}

TEST(RespParserTest, EmptyRequestsHaveNoArguments) {
  Parsed p = ParseAll("*0\r\n*-1\r\n\r\n   \n");
  ASSERT_EQ(p.error, RespError::kNone) << p.message;
  ASSERT_EQ(p.commands.size(), 4u);
  for (const Args& a : p.commands) EXPECT_TRUE(a.empty());
}

struct Malformed {
  std::string name;
  std::string input;
  RespError error;
  std::string message;  // a substring of the error message
};

TEST(RespParserTest, MalformedInputIsAProtocolError) {
  const std::vector<Malformed> cases = {
      {"array length not a number", "*x\r\n", RespError::kBadArrayLength,
       "Protocol error: invalid multibulk length"},
      {"array length a fraction", "*1.5\r\n", RespError::kBadArrayLength, "invalid multibulk"},
      {"array length empty", "*\r\n", RespError::kBadArrayLength, "invalid multibulk"},
      {"array length with a plus", "*+1\r\n", RespError::kBadArrayLength, "invalid multibulk"},
      {"array too long", "*2000000\r\n", RespError::kArrayTooLong, "resp.max_array_length"},
      {"integer element", "*1\r\n:1\r\n", RespError::kExpectedBulk,
       "Protocol error: expected '$', got ':'"},
      {"nested array", "*1\r\n*1\r\n$1\r\na\r\n", RespError::kExpectedBulk, "got '*'"},
      {"simple string element", "*2\r\n$1\r\na\r\n+OK\r\n", RespError::kExpectedBulk, "got '+'"},
      {"binary type byte", std::string("*1\r\n\x01", 5), RespError::kExpectedBulk, "got '\\x01'"},
      {"negative bulk length", "*1\r\n$-1\r\n", RespError::kBadBulkLength,
       "Protocol error: invalid bulk length"},
      {"bulk length not a number", "*1\r\n$abc\r\n", RespError::kBadBulkLength, "invalid bulk"},
      {"bulk length over the limit", "*1\r\n$99999999999\r\n", RespError::kBulkTooLong,
       "resp.max_bulk_bytes"},
      {"bulk length overflows", "*1\r\n$99999999999999999999999\r\n", RespError::kBadBulkLength,
       "invalid bulk length"},
      {"bulk data longer than its length", "*1\r\n$3\r\nabcXY\r\n", RespError::kMissingCrlf,
       "expected CRLF after a bulk string"},
      {"bulk data followed by a bare CR", "*1\r\n$3\r\nabc\rX", RespError::kMissingCrlf,
       "after a bulk string"},
      {"header line ending in a bare CR", "*1\rX", RespError::kMissingCrlf, "after a header line"},
      {"array header too long", "*" + std::string(70000, '1'), RespError::kHeaderTooLong,
       "too big mbulk count string"},
      {"bulk header too long", "*1\r\n$" + std::string(70000, '1'), RespError::kHeaderTooLong,
       "too big bulk count string"},
      {"inline too long", std::string(70000, 'a'), RespError::kInlineTooLong,
       "Protocol error: too big inline request"},
      {"inline line too long", std::string(70000, 'a') + "\n", RespError::kInlineTooLong,
       "too big inline"},
      {"unclosed double quote", "GET \"abc\r\n", RespError::kUnbalancedQuotes, "unbalanced quotes"},
      {"unclosed single quote", "GET 'abc\n", RespError::kUnbalancedQuotes, "unbalanced"},
      {"text after a closing quote", "GET \"a\"b\r\n", RespError::kUnbalancedQuotes, "unbalanced"},
  };
  for (const Malformed& c : cases) {
    Parsed p = ParseAll(c.input);
    EXPECT_EQ(p.error, c.error) << c.name;
    EXPECT_NE(p.message.find(c.message), std::string::npos) << c.name << ": " << p.message;
  }
}

TEST(RespParserTest, ConfiguredLimits) {
  RespLimits limits;
  limits.max_bulk_bytes = 1024;
  limits.max_request_bytes = 2048;
  limits.max_array_length = 4;
  EXPECT_EQ(ParseAll("*1\r\n$1025\r\n", limits).error, RespError::kBulkTooLong);
  EXPECT_TRUE(ParseAll("*1\r\n$1024\r\n", limits).need_more);
  EXPECT_EQ(ParseAll("*5\r\n", limits).error, RespError::kArrayTooLong);
  const std::string kilo(1000, 'x');
  std::string three = "*3\r\n";
  for (int i = 0; i < 3; ++i) three += "$1000\r\n" + kilo + "\r\n";
  Parsed p = ParseAll(three, limits);
  EXPECT_EQ(p.error, RespError::kRequestTooLarge);
  EXPECT_NE(p.message.find("resp.max_request_bytes"), std::string::npos) << p.message;
  limits.max_inline_bytes = 8;
  EXPECT_EQ(ParseAll("PING 12345\r\n", limits).error, RespError::kInlineTooLong);
  EXPECT_EQ(ParseAll("PING 1\r\n", limits).commands.size(), 1u);
}

TEST(RespParserTest, TruncatedRequestsNeedMoreBytes) {
  const std::string full = "*3\r\n$4\r\nHSET\r\n$6\r\nuser:1\r\n$2\r\nf1\r\n";
  for (size_t k = 0; k < full.size(); ++k) {
    RespParser parser;
    EXPECT_EQ(parser.Next(std::string_view(full).substr(0, k)), Step::kNeedMore) << "k=" << k;
    EXPECT_GT(parser.wanted(), k) << "k=" << k;
  }
  // A truncated array: its announced arguments never all arrive.
  EXPECT_TRUE(ParseAll("*3\r\n$4\r\nPING\r\n").need_more);
}

TEST(RespParserTest, WantedCoversALargeBulkString) {
  RespParser parser;
  const std::string header = "*1\r\n$100000\r\n";
  ASSERT_EQ(parser.Next(header), Step::kNeedMore);
  EXPECT_EQ(parser.wanted(), header.size() + 100000 + 2);
}

// Header shapes at the edges of the parser's digit-by-digit fast path: each must read as
// the general path reads it (leading zeros, 18 and 19 digits, a sign, overflow, a header
// line at and over max_inline_bytes, a \r at the end of the input).
TEST(RespParserTest, HeaderEdges) {
  EXPECT_EQ(ParseAll("*01\r\n$003\r\nabc\r\n").commands, (std::vector<Args>{{"abc"}}));
  EXPECT_EQ(ParseAll("*+1\r\n").error, RespError::kBadArrayLength);
  EXPECT_EQ(ParseAll("*1\r\n$+3\r\nabc\r\n").error, RespError::kBadBulkLength);
  EXPECT_EQ(ParseAll("*1\r\n$-0\r\n\r\n").commands, (std::vector<Args>{{""}}));
  Parsed p = ParseAll("*1\r\n$999999999999999999\r\n");  // 18 digits
  EXPECT_EQ(p.error, RespError::kBulkTooLong);
  EXPECT_NE(p.message.find("999999999999999999 bytes"), std::string::npos) << p.message;
  p = ParseAll("*1\r\n$1000000000000000000\r\n");  // 19 digits
  EXPECT_EQ(p.error, RespError::kBulkTooLong);
  EXPECT_NE(p.message.find("1000000000000000000 bytes"), std::string::npos) << p.message;
  EXPECT_EQ(ParseAll("*1\r\n$9999999999999999999\r\n").error, RespError::kBadBulkLength);
  EXPECT_EQ(ParseAll("*1\r\n$99999999999999999999\r\n").error, RespError::kBadBulkLength);
  EXPECT_EQ(ParseAll("*99999999999999999999\r\n").error, RespError::kBadArrayLength);
  EXPECT_EQ(ParseAll("*00000000000000000001\r\n$1\r\nx\r\n").commands.size(), 1u);
  EXPECT_EQ(ParseAll("*1\r\n$3\rx").error, RespError::kMissingCrlf);
  EXPECT_EQ(ParseAll("*1\r\n$3x\r\n").error, RespError::kBadBulkLength);
  EXPECT_TRUE(ParseAll("*1\r\n$3\r").need_more);
  EXPECT_TRUE(ParseAll("*1\r\n$123").need_more);
  RespLimits limits;
  limits.max_inline_bytes = 4;  // `$12\r` fits, `$123\r` does not
  EXPECT_EQ(ParseAll("*1\r\n$12\r\n" + std::string(12, 'x') + "\r\n", limits).commands.size(), 1u);
  EXPECT_EQ(ParseAll("*1\r\n$123\r\n", limits).error, RespError::kHeaderTooLong);
  EXPECT_EQ(ParseAll("*123\r\n", limits).error, RespError::kHeaderTooLong);
}

// Feeds `input` in two pieces split at every byte, and one byte at a time, the way a
// session does: the unconsumed bytes stay at the start of what is passed.
TEST(RespParserTest, PipelineSplitAtEveryByte) {
  const std::string input =
      "*2\r\n$4\r\nPING\r\n$2\r\nhi\r\n"
      "PING\r\n"
      "*0\r\n"
      "*4\r\n$5\r\nHMGET\r\n$6\r\nuser:1\r\n$2\r\nf1\r\n$0\r\n\r\n"
      "ECHO \"a b\"\n"
      "*1\r\n$7\r\nCOMMAND\r\n";
  const std::vector<Args> expected = {
      {"PING", "hi"}, {"PING"}, {}, {"HMGET", "user:1", "f1", ""}, {"ECHO", "a b"}, {"COMMAND"}};
  ASSERT_EQ(ParseAll(input).commands, expected);

  auto feed = [&](const std::vector<size_t>& cuts) {
    RespParser parser;
    std::string buffer;
    std::vector<Args> got;
    size_t fed = 0;
    for (size_t cut : cuts) {
      buffer.append(input, fed, cut - fed);
      fed = cut;
      for (;;) {
        Step step = parser.Next(buffer);
        EXPECT_NE(step, Step::kError) << parser.error_message();
        if (step != Step::kCommand) break;
        got.push_back(Copy(parser.args()));
        buffer.erase(0, parser.consumed());  // moves the unconsumed bytes, as allowed
      }
    }
    EXPECT_TRUE(buffer.empty());
    return got;
  };
  for (size_t k = 0; k <= input.size(); ++k) {
    EXPECT_EQ(feed({k, input.size()}), expected) << "split at " << k;
  }
  std::vector<size_t> every;
  for (size_t k = 1; k <= input.size(); ++k) every.push_back(k);
  EXPECT_EQ(feed(every), expected);
}

}  // namespace
}  // namespace asof::server
