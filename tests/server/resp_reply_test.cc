#include "server/resp_reply.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

namespace asof::server::resp {
namespace {

// The reply as the plain three appends write it.
std::string Reference(std::string_view data) {
  return "$" + std::to_string(data.size()) + "\r\n" + std::string(data) + "\r\n";
}

TEST(RespReplyTest, BulkOfEveryShortLengthAndBeyond) {
  std::string data;
  for (size_t len = 0; len <= 300; ++len) {
    std::string out = "prefix";
    AppendBulk(data, &out);
    EXPECT_EQ(out, "prefix" + Reference(data)) << len;
    data.push_back(static_cast<char>(len % 7 == 0 ? '\r' : 'a' + len % 26));
  }
  std::string out;
  AppendBulk(std::string_view("a\0b", 3), &out);
  EXPECT_EQ(out, std::string("$3\r\na\0b\r\n", 9));
}

TEST(RespReplyTest, BulkWritten) {
  for (size_t len = 0; len <= 99; ++len) {
    std::string out = "x";
    AppendBulkWritten<99>(
        [&](char* text) {
          std::memset(text, 'z', len);
          return text + len;
        },
        &out);
    EXPECT_EQ(out, "x" + Reference(std::string(len, 'z'))) << len;
  }
}

TEST(RespReplyTest, PrefixedNumbers) {
  for (int64_t n :
       {int64_t{0}, int64_t{1}, int64_t{9}, int64_t{10}, int64_t{99}, int64_t{100}, int64_t{-1},
        int64_t{-10}, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    std::string out;
    AppendInt(n, &out);
    EXPECT_EQ(out, ":" + std::to_string(n) + "\r\n");
  }
  std::string out;
  AppendArray(12, &out);
  AppendNil(&out);
  EXPECT_EQ(out, "*12\r\n$-1\r\n");
}

}  // namespace
}  // namespace asof::server::resp
