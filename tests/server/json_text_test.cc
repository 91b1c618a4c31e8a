#include "server/json_text.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <limits>

namespace asof::server {
namespace {

TEST(JsonTextTest, DoublesInShortestRoundTripForm) {
  EXPECT_EQ(JsonText(42.5), "42.5");
  EXPECT_EQ(JsonText(0.1), "0.1");
  EXPECT_EQ(JsonText(0.0), "0.0");
  EXPECT_EQ(JsonText(-3.0), "-3.0");
  EXPECT_EQ(JsonText(1e300), "1e+300");
  EXPECT_EQ(JsonText(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(JsonText(std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonTextTest, RoundTripsThroughAParser) {
  boost::json::value v = {{"a", {1, 2.25, "x\"y\n"}},
                          {"b", nullptr},
                          {"c", true},
                          {"d", boost::json::object{}},
                          {"é", -9223372036854775807LL}};
  std::string text = JsonText(v);
  EXPECT_EQ(boost::json::parse(text), v) << text;
  for (double d : {0.1, 1.0 / 3, 123456789.125, 5e-324, 1.7976931348623157e308}) {
    EXPECT_EQ(boost::json::parse(JsonText(d)).as_double(), d);
  }
}

TEST(JsonTextTest, KeepsMemberOrder) {
  boost::json::object o;
  o["z"] = 1;
  o["a"] = 2;
  EXPECT_EQ(JsonText(o), R"({"z":1,"a":2})");
}

}  // namespace
}  // namespace asof::server
