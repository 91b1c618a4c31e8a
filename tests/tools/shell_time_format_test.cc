#include "tools/asof/time_format.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/util/test_util.h"

namespace asof::shell {
namespace {

constexpr int64_t kSec = 1000000;
// 2026-03-01T10:00:00Z, checked against `date -u -d 2026-03-01T10:00:00Z +%s`.
constexpr int64_t kMar1 = 1772359200 * kSec;
constexpr int64_t kNow = kMar1 + 12345;  // "now" of the relative cases

int64_t Parse(std::string_view text) {
  auto r = ParseTime(text, kNow);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : -1;
}

TEST(ShellTimeFormatTest, ParsesIsoWithZoneAndFractions) {
  EXPECT_EQ(Parse("2026-03-01T10:00:00Z"), kMar1);
  EXPECT_EQ(Parse("2026-03-01t10:00:00z"), kMar1);
  EXPECT_EQ(Parse("2026-03-01 10:00:00Z"), kMar1);
  EXPECT_EQ(Parse("2026-03-01T10:00:00.5Z"), kMar1 + kSec / 2);
  EXPECT_EQ(Parse("2026-03-01T10:00:00.000001Z"), kMar1 + 1);
  EXPECT_EQ(Parse("2026-03-01T10:00:00.123456Z"), kMar1 + 123456);
  EXPECT_EQ(Parse("2026-03-01T11:30:00+01:30"), kMar1);
  EXPECT_EQ(Parse("2026-03-01T08:00:00-02:00"), kMar1);
  EXPECT_EQ(Parse("2026-03-01"), kMar1 - 10 * 3600 * kSec);
  EXPECT_EQ(Parse("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(Parse("9999-12-31T23:59:59.999999Z"), kMaxTimeMicros);
  EXPECT_EQ(Parse("2024-02-29T00:00:00Z"), 1709164800 * kSec);  // leap day
}

TEST(ShellTimeFormatTest, ParsesNowAndRelativeTimes) {
  EXPECT_EQ(Parse("now"), kNow);
  EXPECT_EQ(Parse("-1h"), kNow - 3600 * kSec);
  EXPECT_EQ(Parse("-30d"), kNow - 30 * 86400 * kSec);
  EXPECT_EQ(Parse("+5m"), kNow + 300 * kSec);
  EXPECT_EQ(Parse("now-90s"), kNow - 90 * kSec);
  EXPECT_EQ(Parse("now+1h30m"), kNow + 5400 * kSec);
}

TEST(ShellTimeFormatTest, RejectsMalformedTimes) {
  for (std::string_view bad : {"",
                               "yesterday",
                               "2026-03-01T10:00:00",
                               "2026-3-01T10:00:00Z",
                               "2026-03-01T10:00Z",
                               "2026-02-30T00:00:00Z",
                               "2025-02-29T00:00:00Z",
                               "2026-13-01T00:00:00Z",
                               "2026-03-01T24:00:00Z",
                               "2026-03-01T10:60:00Z",
                               "2026-03-01T10:00:60Z",
                               "2026-03-01T10:00:00.Z",
                               "2026-03-01T10:00:00.1234567Z",
                               "2026-03-01T10:00:00ZZ",
                               "2026-03-01T10:00:00+1:00",
                               "2026-03-01T10:00:00+01",
                               "2026-03-01X10:00:00Z",
                               "1969-12-31T23:59:59Z",
                               "1970-01-01T00:30:00+01:00",
                               "-1x",
                               "-",
                               "now-",
                               "now+-1h",
                               "-1.5h",
                               "1772359200000000",
                               " 2026-03-01T10:00:00Z"}) {
    auto r = ParseTime(bad, kNow);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' parsed as " << (r.ok() ? *r : 0);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << bad;
      EXPECT_NE(r.status().message().find(std::string(bad)), std::string::npos)
          << "the message should quote the input: " << r.status().message();
    }
  }
  // Relative times may not leave the representable range.
  EXPECT_FALSE(ParseTime("-1d", 3600 * kSec).ok());
  EXPECT_FALSE(ParseTime("+1d", kMaxTimeMicros).ok());
}

TEST(ShellTimeFormatTest, NoZoneSaysHowToFixIt) {
  auto r = ParseTime("2026-03-01T10:00:00", kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("append Z for UTC"), std::string::npos)
      << r.status().message();
}

TEST(ShellTimeFormatTest, FormatsWithTheNeededPrecision) {
  EXPECT_EQ(FormatTime(kMar1), "2026-03-01T10:00:00Z");
  EXPECT_EQ(FormatTime(kMar1 + 250000), "2026-03-01T10:00:00.250Z");
  EXPECT_EQ(FormatTime(kMar1 + 250), "2026-03-01T10:00:00.000250Z");
  EXPECT_EQ(FormatTime(kMar1 + 123456), "2026-03-01T10:00:00.123456Z");
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTime(kMaxTimeMicros), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatTime(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(ShellTimeFormatTest, FormatThenParseIsIdentity) {
  // A spread of instants across the range, including sub-second ones.
  for (int64_t t : {int64_t{0}, int64_t{1}, int64_t{999}, int64_t{1000}, kMar1, kMar1 + 7,
                    int64_t{951782400} * kSec /* 2000-02-29 */, kMaxTimeMicros}) {
    ASSERT_OK_AND_ASSIGN(int64_t back, ParseTime(FormatTime(t), 0));
    EXPECT_EQ(back, t) << FormatTime(t);
  }
  std::mt19937_64 rng(testing::TestSeed());
  std::uniform_int_distribution<int64_t> any(0, kMaxTimeMicros);
  for (int i = 0; i < 2000; ++i) {
    int64_t t = any(rng);
    ASSERT_OK_AND_ASSIGN(int64_t back, ParseTime(FormatTime(t), 0));
    ASSERT_EQ(back, t) << FormatTime(t);
  }
}

TEST(ShellTimeFormatTest, ParsesDurations) {
  auto d = [](std::string_view text) {
    auto r = ParseDuration(text);
    EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    return r.ok() ? *r : -1;
  };
  EXPECT_EQ(d("0"), 0);
  EXPECT_EQ(d("90s"), 90 * kSec);
  EXPECT_EQ(d("5m"), 300 * kSec);
  EXPECT_EQ(d("1h"), 3600 * kSec);
  EXPECT_EQ(d("30d"), 30 * 86400 * kSec);
  EXPECT_EQ(d("2w"), 14 * 86400 * kSec);
  EXPECT_EQ(d("250ms"), 250000);
  EXPECT_EQ(d("7us"), 7);
  EXPECT_EQ(d("1h30m"), 5400 * kSec);
  EXPECT_EQ(d("1m500ms"), 60 * kSec + 500000);
  EXPECT_EQ(d("0s"), 0);
}

TEST(ShellTimeFormatTest, RejectsMalformedDurations) {
  for (std::string_view bad : {"", "5", "h", "-5m", "5 m", "5M", "1.5h", "5x", "5mm", "1h-2m",
                               "99999999999999999999s", "9223372036854775807d", "30d "}) {
    auto r = ParseDuration(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' parsed as " << (r.ok() ? *r : 0);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << bad;
    }
  }
}

TEST(ShellTimeFormatTest, FormatsDurationsLargestUnitsFirst) {
  EXPECT_EQ(FormatDuration(0), "0");
  EXPECT_EQ(FormatDuration(90 * kSec), "1m30s");
  EXPECT_EQ(FormatDuration(30LL * 86400 * kSec), "30d");
  EXPECT_EQ(FormatDuration(3600 * kSec), "1h");
  EXPECT_EQ(FormatDuration(250000), "250ms");
  EXPECT_EQ(FormatDuration(86400 * kSec + 1), "1d1us");
  for (int64_t us : {int64_t{1}, int64_t{1001}, 5400 * kSec, int64_t{123456789012345}}) {
    ASSERT_OK_AND_ASSIGN(int64_t back, ParseDuration(FormatDuration(us)));
    EXPECT_EQ(back, us) << FormatDuration(us);
  }
}

}  // namespace
}  // namespace asof::shell
