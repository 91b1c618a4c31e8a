// RateLimiter: token-bucket arithmetic with explicit times (no sleeps), the burst, the
// Retry-After seconds, independent keys, and concurrent callers never over-granted.
#include "server/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace asof::server {
namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kT0 = 1000 * kSecond;

TEST(RateLimiterTest, UnlimitedWhenRateIsNotPositive) {
  RateLimiter limiter;
  for (int i = 0; i < 10000; ++i) {
    ASSERT_EQ(limiter.Acquire("k", 0, 0, kT0), 0);
    ASSERT_EQ(limiter.Acquire("k", -1, 5, kT0), 0);
  }
}

TEST(RateLimiterTest, BurstThenRefusedWithTheWait) {
  RateLimiter limiter;
  // 2 per second, bucket of 5: five at once, then the sixth waits for a token.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter.Acquire("k", 2, 5, kT0), 0) << i;
  EXPECT_EQ(limiter.Acquire("k", 2, 5, kT0), 1);  // 0.5 s to the next token: rounded up
  // Half a second later one token is back, and only one.
  EXPECT_EQ(limiter.Acquire("k", 2, 5, kT0 + kSecond / 2), 0);
  EXPECT_EQ(limiter.Acquire("k", 2, 5, kT0 + kSecond / 2), 1);
  // After a long idle time the bucket is full again, never fuller.
  const int64_t later = kT0 + 3600 * kSecond;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter.Acquire("k", 2, 5, later), 0) << i;
  EXPECT_NE(limiter.Acquire("k", 2, 5, later), 0);
}

TEST(RateLimiterTest, SteadyRateIsGrantedExactly) {
  RateLimiter limiter;
  // 10/s, burst 1: one request every 100 ms is always granted, none in between.
  int granted = 0;
  for (int64_t t = 0; t < 10 * kSecond; t += kSecond / 100) {
    if (limiter.Acquire("k", 10, 1, kT0 + t) == 0) ++granted;
  }
  EXPECT_EQ(granted, 100);
}

TEST(RateLimiterTest, RetryAfterIsWholeSecondsUntilATokenIsBack) {
  RateLimiter limiter;
  // 0.1/s, burst 1: after the first, the next token is 10 s away.
  EXPECT_EQ(limiter.Acquire("slow", 0.1, 1, kT0), 0);
  EXPECT_EQ(limiter.Acquire("slow", 0.1, 1, kT0), 10);
  EXPECT_EQ(limiter.Acquire("slow", 0.1, 1, kT0 + 2500000), 8);  // 7.5 s left: 8
  EXPECT_EQ(limiter.Acquire("slow", 0.1, 1, kT0 + 9999999), 1);  // a microsecond left
  EXPECT_EQ(limiter.Acquire("slow", 0.1, 1, kT0 + 10 * kSecond), 0);
  EXPECT_EQ(limiter.Acquire("slow", 0.1, 1, kT0 + 10 * kSecond), 10);
  // Fast rates still say at least 1 (Retry-After has whole seconds).
  RateLimiter fast;
  EXPECT_EQ(fast.Acquire("f", 1000, 1, kT0), 0);
  EXPECT_EQ(fast.Acquire("f", 1000, 1, kT0), 1);
}

TEST(RateLimiterTest, DefaultBurstIsOneSecondOfRateAndAtLeastOne) {
  RateLimiter limiter;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Acquire("three", 3, 0, kT0), 0) << i;
  EXPECT_NE(limiter.Acquire("three", 3, 0, kT0), 0);
  // Below one per second, and a burst below one, would otherwise never grant anything.
  EXPECT_EQ(limiter.Acquire("half", 0.5, 0, kT0), 0);
  EXPECT_EQ(limiter.Acquire("half", 0.5, 0, kT0), 2);
  EXPECT_EQ(limiter.Acquire("tiny-burst", 5, 0.2, kT0), 0);
  EXPECT_NE(limiter.Acquire("tiny-burst", 5, 0.2, kT0), 0);
}

TEST(RateLimiterTest, KeysHaveIndependentBuckets) {
  RateLimiter limiter;
  EXPECT_EQ(limiter.Acquire("a", 1, 1, kT0), 0);
  EXPECT_NE(limiter.Acquire("a", 1, 1, kT0), 0);
  // "b" is untouched by "a" running dry, as are many other keys (several shards).
  EXPECT_EQ(limiter.Acquire("b", 1, 1, kT0), 0);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(limiter.Acquire("key" + std::to_string(i), 1, 1, kT0), 0) << i;
  }
  EXPECT_NE(limiter.Acquire("a", 1, 1, kT0), 0);
  EXPECT_NE(limiter.Acquire("b", 1, 1, kT0), 0);
}

TEST(RateLimiterTest, TimeGoingBackwardsRefillsNothing) {
  RateLimiter limiter;
  EXPECT_EQ(limiter.Acquire("k", 1, 1, kT0), 0);
  EXPECT_NE(limiter.Acquire("k", 1, 1, kT0 - 100 * kSecond), 0);
  // And the bucket's clock did not move back: one second after kT0 is one token.
  EXPECT_EQ(limiter.Acquire("k", 1, 1, kT0 + kSecond), 0);
  EXPECT_NE(limiter.Acquire("k", 1, 1, kT0 + kSecond), 0);
}

TEST(RateLimiterTest, ConcurrentCallersNeverGetMoreThanTheBucket) {
  RateLimiter limiter;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5000;
  constexpr double kBurst = 1000;
  std::atomic<int> granted{0};
  std::atomic<int> granted_other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // A frozen clock: nothing refills, so exactly the burst can be granted.
        if (limiter.Acquire("shared", 1, kBurst, kT0) == 0) granted.fetch_add(1);
        if (limiter.Acquire("other" + std::to_string(t % 2), 1, 10, kT0) == 0) {
          granted_other.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(granted.load(), static_cast<int>(kBurst));
  EXPECT_EQ(granted_other.load(), 20);
}

}  // namespace
}  // namespace asof::server
