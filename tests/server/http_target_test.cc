#include "server/http_target.h"

#include <gtest/gtest.h>

#include "tests/util/test_util.h"

namespace asof::server {
namespace {

TEST(HttpTargetTest, SplitsPathAndQuery) {
  ASSERT_OK_AND_ASSIGN(DecodedTarget t, DecodeTarget("/api/features?q=avg%20price&tag=a+b&x="));
  EXPECT_EQ(t.path, "/api/features");
  ASSERT_EQ(t.query.size(), 3u);
  EXPECT_EQ(t.query[0], (std::pair<std::string, std::string>{"q", "avg price"}));
  EXPECT_EQ(t.query[1], (std::pair<std::string, std::string>{"tag", "a b"}));
  EXPECT_EQ(t.query[2], (std::pair<std::string, std::string>{"x", ""}));
}

TEST(HttpTargetTest, DecodesPathButKeepsPlus) {
  ASSERT_OK_AND_ASSIGN(DecodedTarget t, DecodeTarget("/api/features/a%2Bb+c"));
  EXPECT_EQ(t.path, "/api/features/a+b+c");
  EXPECT_TRUE(t.query.empty());
}

TEST(HttpTargetTest, IgnoresEmptyPairsAndFragments) {
  ASSERT_OK_AND_ASSIGN(DecodedTarget t, DecodeTarget("/x?&&a=1&#frag"));
  EXPECT_EQ(t.path, "/x");
  ASSERT_EQ(t.query.size(), 1u);
  EXPECT_EQ(t.query[0].first, "a");
  ASSERT_OK_AND_ASSIGN(t, DecodeTarget("/y#z"));
  EXPECT_EQ(t.path, "/y");
}

TEST(HttpTargetTest, MalformedTargetsAreErrors) {
  for (const char* bad : {"", "api/features", "http://host/x", "/a%", "/a%2", "/a%zz", "/a?x=%g1",
                          "/a?x=%00", "/%00", "*"}) {
    auto t = DecodeTarget(bad);
    EXPECT_FALSE(t.ok()) << bad;
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), ErrorCode::kInvalidArgument) << bad;
    }
  }
}

}  // namespace
}  // namespace asof::server
