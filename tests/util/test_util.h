// Helpers shared by the test suites: status assertions, temporary directories and
// seeded randomness.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "engine/status.h"

#define ASSERT_OK(expr)                                                                          \
  do {                                                                                           \
    const auto& asof_s_ = (expr);                                                                \
    ASSERT_TRUE(asof_s_.ok()) << #expr << ": " << ::asof::testing::StatusOf(asof_s_).ToString(); \
  } while (0)
#define EXPECT_OK(expr)                                                                          \
  do {                                                                                           \
    const auto& asof_s_ = (expr);                                                                \
    EXPECT_TRUE(asof_s_.ok()) << #expr << ": " << ::asof::testing::StatusOf(asof_s_).ToString(); \
  } while (0)
// ASSERT_OK_AND_ASSIGN(auto x, MakeX());
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(ASOF_CONCAT_(asof_r_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr)                   \
  auto tmp = (expr);                                                 \
  ASSERT_TRUE(tmp.ok()) << #expr << ": " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()

namespace asof::testing {

inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The seed of a randomized test: $ASOF_SEED when set (to replay a failure), otherwise
// fresh from std::random_device. Printed either way so a failure can be reproduced.
uint64_t TestSeed();

// A blocking TCP connection to 127.0.0.1:`port` (close-on-exec), or -1 when it fails.
// For tests that must send bytes no well-behaved client would.
int ConnectLoopback(uint16_t port);

}  // namespace asof::testing
