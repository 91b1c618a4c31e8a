#include "server/router.h"

#include <gtest/gtest.h>

namespace asof::server {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    list_ = router_.Add(HttpMethod::kGet, "/api/features");
    create_ = router_.Add(HttpMethod::kPost, "/api/features");
    describe_ = router_.Add(HttpMethod::kGet, "/api/features/{name}");
    online_get_ = router_.Add(HttpMethod::kGet, "/api/features/online");
    online_post_ = router_.Add(HttpMethod::kPost, "/api/features/online");
    historical_ = router_.Add(HttpMethod::kPost, "/api/features/historical");
    deprecate_ = router_.Add(HttpMethod::kPost, "/api/features/{name}/deprecate");
  }
  Router router_;
  int list_, create_, describe_, online_get_, online_post_, historical_, deprecate_;
};

TEST_F(RouterTest, LiteralPathsAndMethods) {
  EXPECT_EQ(router_.Find(HttpMethod::kGet, "/api/features").route, list_);
  EXPECT_EQ(router_.Find(HttpMethod::kPost, "/api/features").route, create_);
  EXPECT_EQ(router_.Find(HttpMethod::kGet, "/api/features/").route, list_);  // trailing slash
  EXPECT_EQ(router_.Find(HttpMethod::kPost, "/api/features/online").route, online_post_);
}

TEST_F(RouterTest, CapturesOneSegment) {
  Router::Match m = router_.Find(HttpMethod::kGet, "/api/features/user_age");
  EXPECT_EQ(m.route, describe_);
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0], "user_age");
  m = router_.Find(HttpMethod::kPost, "/api/features/user_age/deprecate");
  EXPECT_EQ(m.route, deprecate_);
  EXPECT_EQ(m.params, std::vector<std::string>{"user_age"});
}

TEST_F(RouterTest, MoreLiteralPatternWins) {
  Router::Match m = router_.Find(HttpMethod::kGet, "/api/features/online");
  EXPECT_EQ(m.route, online_get_);
  EXPECT_TRUE(m.params.empty());
}

TEST_F(RouterTest, WrongMethodListsAllowedOnes) {
  Router::Match m = router_.Find(HttpMethod::kDelete, "/api/features");
  EXPECT_EQ(m.route, -1);
  EXPECT_EQ(m.allow, "GET, POST");
  // The historical path names a resource of its own: GET there is a wrong method, not a
  // feature called "historical".
  m = router_.Find(HttpMethod::kGet, "/api/features/historical");
  EXPECT_EQ(m.route, -1);
  EXPECT_EQ(m.allow, "POST");
  m = router_.Find(HttpMethod::kGet, "/api/features/x/deprecate");
  EXPECT_EQ(m.route, -1);
  EXPECT_EQ(m.allow, "POST");
}

TEST_F(RouterTest, UnknownPathsMatchNothing) {
  for (const char* path : {"/", "/api", "/api/featuresx", "/api/features/a/b/c", "/nope"}) {
    Router::Match m = router_.Find(HttpMethod::kGet, path);
    EXPECT_EQ(m.route, -1) << path;
    EXPECT_TRUE(m.allow.empty()) << path;
  }
}

}  // namespace
}  // namespace asof::server
