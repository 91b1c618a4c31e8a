#include "engine/drift/category_counts.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "engine/internal/coding.h"
#include "tests/util/test_util.h"

namespace asof::drift {
namespace {

uint64_t CountOf(const CategoryCounts& c, std::string_view category) {
  auto it = c.counts().find(category);
  return it == c.counts().end() ? 0 : it->second;
}

TEST(CategoryCountsTest, CountsExactlyBelowTheCap) {
  CategoryCounts c;
  c.Update("a");
  c.Update("b", 5);
  c.Update("a");
  c.Update("ignored", 0);
  EXPECT_EQ(c.total(), 7u);
  EXPECT_EQ(c.counts().size(), 2u);
  EXPECT_EQ(CountOf(c, "a"), 2u);
  EXPECT_EQ(CountOf(c, "b"), 5u);
}

TEST(CategoryCountsTest, CapSendsNewValuesToOther) {
  CategoryCounts c(2);
  c.Update("a");
  c.Update("b");
  c.Update("c", 3);
  c.Update("d");
  c.Update("a", 10);  // known categories keep counting exactly
  EXPECT_EQ(c.total(), 16u);
  EXPECT_EQ(c.counts().size(), 3u);
  EXPECT_EQ(CountOf(c, "a"), 11u);
  EXPECT_EQ(CountOf(c, kOtherCategory), 4u);
  EXPECT_EQ(CountOf(c, "c"), 0u);
}

TEST(CategoryCountsTest, OtherCannotCollideWithUtf8Text) {
  EXPECT_EQ(kOtherCategory.size(), 6u);
  EXPECT_EQ(kOtherCategory[0], '\0');
  CategoryCounts c;
  c.Update("other");
  c.Update(kOtherCategory);
  EXPECT_EQ(CountOf(c, "other"), 1u);
  EXPECT_EQ(CountOf(c, kOtherCategory), 1u);
}

TEST(CategoryCountsTest, MergeAddsAndPrefersFrequentNewCategories) {
  CategoryCounts a(3), b;
  a.Update("x", 4);
  a.Update("y", 1);
  b.Update("x", 6);
  b.Update("rare", 1);
  b.Update("common", 50);
  b.Update("mid", 7);
  a.Merge(b);
  EXPECT_EQ(a.total(), 69u);
  EXPECT_EQ(CountOf(a, "x"), 10u);
  EXPECT_EQ(CountOf(a, "common"), 50u);  // the one free slot goes to the most frequent
  EXPECT_EQ(CountOf(a, kOtherCategory), 8u);

  CategoryCounts self;
  self.Update("s", 2);
  self.Merge(self);
  EXPECT_EQ(self.total(), 4u);
  EXPECT_EQ(CountOf(self, "s"), 4u);
}

TEST(CategoryCountsTest, TotalStaysExactUnderAnUnboundedVocabulary) {
  CategoryCounts c(100);
  std::mt19937_64 rng(1);
  uint64_t expected = 0;
  for (int i = 0; i < 20000; ++i) {
    uint64_t n = rng() % 5;
    c.Update(std::to_string(rng() % 100000), n);
    expected += n;
  }
  EXPECT_EQ(c.total(), expected);
  EXPECT_LE(c.counts().size(), 101u);
  uint64_t sum = 0;
  for (const auto& [category, count] : c.counts()) sum += count;
  EXPECT_EQ(sum, expected);
}

TEST(CategoryCountsTest, SerializeRoundTrip) {
  CategoryCounts c(3);
  for (std::string s : {"a", "b", "", "long category é", "c"}) c.Update(s, s.size() + 1);
  ASSERT_OK_AND_ASSIGN(CategoryCounts copy, CategoryCounts::Deserialize(c.Serialize()));
  EXPECT_EQ(copy.counts(), c.counts());
  EXPECT_EQ(copy.total(), c.total());
  EXPECT_EQ(copy.Serialize(), c.Serialize());
  copy.Update("new");  // the cap survived: still full
  EXPECT_EQ(CountOf(copy, "new"), 0u);

  ASSERT_OK_AND_ASSIGN(CategoryCounts empty,
                       CategoryCounts::Deserialize(CategoryCounts().Serialize()));
  EXPECT_TRUE(empty.empty());
}

void ExpectInvalid(std::string_view bytes, std::string_view what) {
  Result<CategoryCounts> r = CategoryCounts::Deserialize(bytes);
  ASSERT_FALSE(r.ok()) << what;
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << what;
}

std::string Encode(uint8_t version, uint64_t cap, uint64_t total,
                   std::initializer_list<std::pair<std::string_view, uint64_t>> entries) {
  std::string out(1, static_cast<char>(version));
  internal::PutVarint64(&out, cap);
  internal::PutVarint64(&out, total);
  internal::PutVarint64(&out, entries.size());
  for (const auto& [category, count] : entries) {
    internal::PutLengthPrefixed(&out, category);
    internal::PutVarint64(&out, count);
  }
  return out;
}

TEST(CategoryCountsTest, Malformed) {
  ASSERT_OK(CategoryCounts::Deserialize(Encode(1, 2, 3, {{"a", 1}, {"b", 2}})));
  ASSERT_OK(CategoryCounts::Deserialize(Encode(1, 1, 3, {{kOtherCategory, 1}, {"b", 2}})));
  ExpectInvalid(Encode(2, 2, 3, {{"a", 1}, {"b", 2}}), "version");
  ExpectInvalid(Encode(1, 2, 4, {{"a", 1}, {"b", 2}}), "total");
  ExpectInvalid(Encode(1, 2, 3, {{"b", 2}, {"a", 1}}), "order");
  ExpectInvalid(Encode(1, 2, 2, {{"a", 1}, {"a", 1}}), "duplicate");
  ExpectInvalid(Encode(1, 2, 1, {{"a", 1}, {"b", 0}}), "zero count");
  ExpectInvalid(Encode(1, 1, 2, {{"a", 1}, {"b", 1}}), "over the cap");
  ExpectInvalid(Encode(1, uint64_t{1} << 40, 0, {}), "huge cap");
  ExpectInvalid(Encode(1, 2, 0, {{"a", ~uint64_t{0}}, {"b", 2}}), "overflow");
  ExpectInvalid(Encode(1, 2, 3, {{"a", 1}, {"b", 2}}) + "x", "trailing");
  ExpectInvalid("", "empty");

  std::string good = Encode(1, 5, 10, {{"apple", 4}, {"kiwi", 6}});
  for (size_t len = 0; len < good.size(); ++len) {
    ExpectInvalid(good.substr(0, len), "truncated to " + std::to_string(len));
  }
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 20000; ++trial) {
    std::string bytes = good;
    bytes[rng() % bytes.size()] = static_cast<char>(rng());
    Result<CategoryCounts> r = CategoryCounts::Deserialize(bytes);
    if (r.ok()) {
      r->Update("z");
      EXPECT_GE(r->total(), 1u);
    }
  }
}

}  // namespace
}  // namespace asof::drift
