// ExternalSorter: order, spilling to runs under a small budget, several passes, and the
// temporary directory's cleanup.
#include "tools/asof-import/external_sorter.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "tests/util/test_util.h"

namespace asof::import {
namespace {

std::vector<std::pair<std::string, std::string>> Drain(const ExternalSorter& sorter) {
  std::vector<std::pair<std::string, std::string>> out;
  auto stream = sorter.Open();
  EXPECT_TRUE(stream.ok()) << stream.status().ToString();
  while (true) {
    auto more = (*stream)->Next();
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    out.emplace_back((*stream)->key(), (*stream)->value());
  }
  return out;
}

void CheckSortsLike(size_t memory_bytes, int records, uint32_t seed, size_t min_runs) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  testing::TempDir tmp;
  ASSERT_OK_AND_ASSIGN(auto sorter, ExternalSorter::Create({memory_bytes, tmp.path()}));
  std::mt19937 rng(seed);
  std::map<std::string, std::string> expected;
  for (int i = 0; i < records; ++i) {
    std::string key(1 + rng() % 40, '\0');
    for (char& c : key) c = static_cast<char>(rng());  // any bytes, NULs included
    key += std::to_string(i);                          // unique
    std::string value(rng() % 100, static_cast<char>('a' + i % 26));
    expected[key] = value;
    ASSERT_OK(sorter->Add(key, value));
  }
  sorter->Finish();
  EXPECT_GE(sorter->runs(), min_runs);
  EXPECT_EQ(sorter->records(), static_cast<uint64_t>(records));
  std::vector<std::pair<std::string, std::string>> want(expected.begin(), expected.end());
  EXPECT_EQ(Drain(*sorter), want);
  EXPECT_EQ(Drain(*sorter), want);  // a second pass reads the same
}

TEST(ExternalSorterTest, InMemoryWhenItFits) { CheckSortsLike(64 << 20, 5000, 1, 0); }

TEST(ExternalSorterTest, SpillsAndMergesUnderASmallBudget) {
  CheckSortsLike(16 << 10, 20000, 2, 20);
}

// From 64 Ki records a chunk is sorted in two halves on two threads and merged: in
// memory, and in spilled runs of that size.
TEST(ExternalSorterTest, LargeChunksSortedInTwoHalves) {
  CheckSortsLike(256 << 20, 150000, 3, 0);
  CheckSortsLike(6 << 20, 150000, 4, 1);
}

TEST(ExternalSorterTest, EmptyInput) {
  testing::TempDir tmp;
  ASSERT_OK_AND_ASSIGN(auto sorter, ExternalSorter::Create({1 << 20, tmp.path()}));
  sorter->Finish();
  EXPECT_TRUE(Drain(*sorter).empty());
}

TEST(ExternalSorterTest, RemovesItsDirectoryOnDestruction) {
  testing::TempDir tmp;
  std::string dir;
  {
    ASSERT_OK_AND_ASSIGN(auto sorter, ExternalSorter::Create({4 << 10, tmp.path()}));
    dir = sorter->dir();
    for (int i = 0; i < 1000; ++i) ASSERT_OK(sorter->Add("k" + std::to_string(i), "value"));
    EXPECT_GT(sorter->runs(), 0u);
    EXPECT_TRUE(std::filesystem::exists(dir));
  }  // destroyed without Finish: an abort path
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(ExternalSorterTest, MissingTmpDirIsAnError) {
  auto sorter = ExternalSorter::Create({1 << 20, "/nonexistent/asof-test"});
  ASSERT_FALSE(sorter.ok());
  EXPECT_NE(sorter.status().message().find("/nonexistent/asof-test"), std::string::npos);
}

TEST(ExternalSorterTest, TruncatedRunIsAnErrorNotACrash) {
  testing::TempDir tmp;
  ASSERT_OK_AND_ASSIGN(auto sorter, ExternalSorter::Create({4 << 10, tmp.path()}));
  for (int i = 0; i < 1000; ++i) ASSERT_OK(sorter->Add("k" + std::to_string(i), "value"));
  sorter->Finish();
  std::string run = sorter->dir() + "/run-0";
  ASSERT_TRUE(std::filesystem::exists(run));
  std::filesystem::resize_file(run, std::filesystem::file_size(run) - 3);
  ASSERT_OK_AND_ASSIGN(auto stream, sorter->Open());
  Status failure;
  while (true) {
    auto more = stream->Next();
    if (!more.ok()) {
      failure = more.status();
      break;
    }
    if (!*more) break;
  }
  EXPECT_EQ(failure.code(), ErrorCode::kInternal) << failure.ToString();
}

}  // namespace
}  // namespace asof::import
