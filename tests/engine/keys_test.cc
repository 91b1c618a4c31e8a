#include "engine/internal/keys.h"

#include <gtest/gtest.h>
#include <rocksdb/comparator.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "engine/internal/coding.h"
#include "tests/util/test_util.h"

namespace asof::internal {
namespace {

// RocksDB's default comparator: the order the column families actually use.
bool BytewiseLess(const std::string& a, const std::string& b) {
  return rocksdb::BytewiseComparator()->Compare(a, b) < 0;
}

bool IsPrefix(std::string_view prefix, std::string_view s) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

std::string EntityKey(uint32_t type_id, std::string_view id) {
  std::string key;
  AppendEntityKey(type_id, id, &key);
  return key;
}

std::string HistoryKeyOf(uint32_t type_id, std::string_view id, uint32_t feature_id,
                         int64_t event_ts, int64_t ingest_ts) {
  std::string key = EntityKey(type_id, id);
  AppendHistorySuffix(feature_id, event_ts, ingest_ts, &key);
  return key;
}

std::string RandomId(std::mt19937_64& rng, size_t max_len) {
  std::string id(std::uniform_int_distribution<size_t>(1, max_len)(rng), '\0');
  // Include NUL and high bytes: ids are arbitrary bytes inside keys.
  for (char& c : id) c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
  return id;
}

TEST(PartitionTest, InRangeAndDeterministic) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  std::set<uint16_t> seen;
  for (int i = 0; i < 20000; ++i) {
    const uint32_t type_id = static_cast<uint32_t>(rng());
    const std::string id = RandomId(rng, 40);
    const uint16_t p = PartitionOf(type_id, id);
    EXPECT_LT(p, kNumPartitions);
    EXPECT_EQ(p, PartitionOf(type_id, std::string(id))) << "not deterministic";
    seen.insert(p);
  }
  // 20000 uniform draws over 4096 partitions miss ~31 of them on average; a hash that
  // ignores its input, or a modulus that never reaches the top, would not get close.
  EXPECT_GT(seen.size(), 3900u);
}

TEST(PartitionTest, DependsOnTypeAndId) {
  int type_differs = 0, id_differs = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string id = "user-" + std::to_string(i);
    if (PartitionOf(1, id) != PartitionOf(2, id)) ++type_differs;
    if (PartitionOf(1, id) != PartitionOf(1, id + "x")) ++id_differs;
  }
  EXPECT_GT(type_differs, 190);
  EXPECT_GT(id_differs, 190);
}

TEST(PartitionTest, IsTheFirstTwoBytesOfEveryKey) {
  const std::vector<std::string> ids = {"1", "12", std::string("a\0b", 3), std::string(1024, 'z')};
  for (const std::string& id : ids) {
    const std::string key = EntityKey(7, id);
    EXPECT_EQ(LoadBE16(key.data()), PartitionOf(7, id));
    const std::string hkey = HistoryKeyOf(7, id, 3, 100, 200);
    EXPECT_EQ(LoadBE16(hkey.data()), PartitionOf(7, id));
  }
}

TEST(EntityKeyTest, LayoutAndSize) {
  const std::string key = EntityKey(0x01020304, "abc");
  ASSERT_EQ(key.size(), EntityKeySize(3));
  EXPECT_EQ(key.substr(2, 4), std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ(key.substr(6, 2), std::string("\x00\x03", 2));
  EXPECT_EQ(key.substr(8), "abc");
}

TEST(EntityKeyTest, DifferentIdsNeverPrefixEachOther) {
  const std::vector<std::string> ids = {"1",
                                        "12",
                                        "123",
                                        "2",
                                        "a",
                                        std::string("a\0", 2),
                                        "a\x01",
                                        std::string("\0", 1),
                                        "\xff",
                                        "\xff\xff",
                                        "user:1",
                                        "user:10",
                                        std::string(1023, 'x') + "y",
                                        std::string(1024, 'x'),
                                        std::string(1024, '\0')};
  for (const std::string& a : ids) {
    for (const std::string& b : ids) {
      if (a == b) continue;
      for (uint32_t type_a : {1u, 2u}) {
        const std::string ka = EntityKey(type_a, a);
        const std::string kb = EntityKey(1, b);
        EXPECT_FALSE(IsPrefix(ka, kb)) << "entity key of '" << a << "' prefixes '" << b << "'";
        // An entity's history keys must also stay outside every other entity's range.
        const std::string ha = HistoryKeyOf(type_a, a, 5, 100, 100);
        EXPECT_FALSE(IsPrefix(ka, HistoryKeyOf(1, b, 5, 100, 100)));
        EXPECT_FALSE(IsPrefix(kb, ha));
      }
    }
  }
}

TEST(EntityKeyTest, RandomPrefixPairsNeverPrefixEachOther) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  for (int i = 0; i < 5000; ++i) {
    const std::string a = RandomId(rng, 30);
    const std::string b = a + RandomId(rng, 5);  // a is a strict prefix of b
    const std::string ka = EntityKey(9, a);
    const std::string kb = EntityKey(9, b);
    ASSERT_FALSE(IsPrefix(ka, kb));
    ASSERT_FALSE(IsPrefix(kb, ka));
    // The (entity, feature) prefix of one is not a prefix of the other's history keys.
    const std::string ha = HistoryKeyOf(9, a, 1, 5, 5);
    const std::string hb = HistoryKeyOf(9, b, 1, 5, 5);
    ASSERT_FALSE(IsPrefix(ha.substr(0, HistoryPrefixSize(a.size())), hb));
  }
}

TEST(EntityKeyTest, EntityKeyPrefixesItsOwnHistoryKeys) {
  const std::string id("n\0ul", 4);
  const std::string key = EntityKey(3, id);
  const std::string h1 = HistoryKeyOf(3, id, 1, 10, 20);
  const std::string h2 = HistoryKeyOf(3, id, 2, 10, 20);
  EXPECT_TRUE(IsPrefix(key, h1));
  EXPECT_TRUE(IsPrefix(key, h2));
  EXPECT_EQ(h1.size(), HistoryKeySize(id.size()));
  // Versions of one feature share the (entity, feature) prefix; other features do not.
  EXPECT_EQ(h1.substr(0, HistoryPrefixSize(4)),
            HistoryKeyOf(3, id, 1, 99, 1).substr(0, HistoryPrefixSize(4)));
  EXPECT_NE(h1.substr(0, HistoryPrefixSize(4)), h2.substr(0, HistoryPrefixSize(4)));
}

TEST(HistoryKeyTest, NewestEventFirstThenNewestIngestFirst) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  std::vector<std::pair<int64_t, int64_t>> versions = {{0, 0},
                                                       {0, 1},
                                                       {1, 0},
                                                       {kMaxEventTs, 0},
                                                       {kMaxEventTs, kMaxEventTs},
                                                       {0, std::numeric_limits<int64_t>::max()}};
  std::uniform_int_distribution<int64_t> any_ts(0, kMaxEventTs);
  std::uniform_int_distribution<int64_t> few_ts(0, 5);
  for (int i = 0; i < 500; ++i) {
    // Many equal event_ts so the ingest_ts tie-break is exercised.
    versions.emplace_back(i % 2 ? any_ts(rng) : few_ts(rng), i % 3 ? any_ts(rng) : few_ts(rng));
  }
  std::sort(versions.begin(), versions.end());
  versions.erase(std::unique(versions.begin(), versions.end()), versions.end());

  const std::string id("id\0x", 4);
  std::vector<std::string> keys;
  for (auto [e, g] : versions) keys.push_back(HistoryKeyOf(11, id, 42, e, g));
  std::sort(keys.begin(), keys.end(), BytewiseLess);

  // Expected: event_ts descending, then ingest_ts descending.
  std::vector<std::pair<int64_t, int64_t>> expected = versions;
  std::sort(expected.rbegin(), expected.rend());
  ASSERT_EQ(keys.size(), expected.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    HistoryKey k;
    ASSERT_TRUE(ParseHistoryKey(keys[i], &k));
    EXPECT_EQ(k.event_ts, expected[i].first) << "at " << i;
    EXPECT_EQ(k.ingest_ts, expected[i].second) << "at " << i;
  }
}

TEST(HistoryKeyTest, FeaturesAscendWithinAnEntity) {
  const std::string id = "e";
  // Feature order dominates timestamps: every version of feature 1 before any of 2.
  EXPECT_TRUE(BytewiseLess(HistoryKeyOf(1, id, 1, 0, 0), HistoryKeyOf(1, id, 2, kMaxEventTs, 9)));
  EXPECT_TRUE(BytewiseLess(HistoryKeyOf(1, id, 255, 0, 0), HistoryKeyOf(1, id, 256, 5, 5)));
  EXPECT_TRUE(
      BytewiseLess(HistoryKeyOf(1, id, 0xfffffffe, 0, 0), HistoryKeyOf(1, id, 0xffffffff, 1, 1)));
}

TEST(HistoryKeyTest, ParseRoundTrips) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  const std::vector<std::string> ids = {"x",
                                        std::string("\0", 1),
                                        std::string("a\0b\0", 4),
                                        std::string(kMaxEntityIdBytes, '\xff'),
                                        std::string(kMaxEntityIdBytes, '\0'),
                                        ""};
  const std::vector<int64_t> ts = {0,
                                   1,
                                   kMaxEventTs,
                                   std::numeric_limits<int64_t>::max(),
                                   std::numeric_limits<int64_t>::min(),
                                   -1,
                                   static_cast<int64_t>(rng() >> 1)};
  for (const std::string& id : ids) {
    for (uint32_t feature : {0u, 1u, 0x80000000u, 0xffffffffu}) {
      for (int64_t e : ts) {
        for (int64_t g : {ts[0], ts[2], ts[4], ts[6]}) {
          const std::string key = HistoryKeyOf(0xdeadbeef, id, feature, e, g);
          HistoryKey k;
          ASSERT_TRUE(ParseHistoryKey(key, &k)) << id.size();
          EXPECT_EQ(k.prefix, std::string_view(key).substr(0, HistoryPrefixSize(id.size())));
          EXPECT_EQ(k.prefix, EntityKey(0xdeadbeef, id) + key.substr(EntityKeySize(id.size()), 4));
          EXPECT_EQ(k.feature_id, feature);
          EXPECT_EQ(k.event_ts, e);
          EXPECT_EQ(k.ingest_ts, g);
        }
      }
    }
  }
}

TEST(HistoryKeyTest, ParseRejectsWrongLengths) {
  const std::string key = HistoryKeyOf(1, "abc", 2, 3, 4);
  HistoryKey k;
  ASSERT_TRUE(ParseHistoryKey(key, &k));
  // Every other length is rejected, including every prefix (an entity key among them).
  for (size_t n = 0; n < key.size(); ++n) {
    EXPECT_FALSE(ParseHistoryKey(std::string_view(key).substr(0, n), &k)) << "prefix " << n;
  }
  EXPECT_FALSE(ParseHistoryKey(key + "x", &k));
  EXPECT_FALSE(ParseHistoryKey(key + key, &k));
  EXPECT_FALSE(ParseHistoryKey(EntityKey(1, "abc"), &k));
  EXPECT_FALSE(ParseHistoryKey(DeadLetterKey(5, 6), &k));
  // A length field that promises more (or fewer) id bytes than the key holds.
  std::string longer = key;
  longer[7] = 4;
  EXPECT_FALSE(ParseHistoryKey(longer, &k));
  std::string shorter = key;
  shorter[7] = 2;
  EXPECT_FALSE(ParseHistoryKey(shorter, &k));
  std::string huge = key;
  huge[6] = '\xff';
  huge[7] = '\xff';
  EXPECT_FALSE(ParseHistoryKey(huge, &k));
}

TEST(DeadLetterKeyTest, OrderedByTsThenSeqAndRoundTrips) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  std::vector<std::pair<int64_t, uint64_t>> ids = {
      {0, 0},   {0, 1},
      {1, 0},   {0, 255},
      {0, 256}, {255, 0},
      {256, 0}, {std::numeric_limits<int64_t>::max(), std::numeric_limits<uint64_t>::max()}};
  for (int i = 0; i < 500; ++i) {
    ids.emplace_back(static_cast<int64_t>(rng() >> (i % 2 ? 1 : 60)), rng() >> (i % 3 ? 0 : 60));
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());

  std::vector<std::string> keys;
  for (auto [ts, seq] : ids) keys.push_back(DeadLetterKey(ts, seq));
  std::shuffle(keys.begin(), keys.end(), rng);
  std::sort(keys.begin(), keys.end(), BytewiseLess);
  ASSERT_EQ(keys.size(), ids.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_EQ(keys[i].size(), 16u);
    int64_t ts;
    uint64_t seq;
    ASSERT_TRUE(ParseDeadLetterKey(keys[i], &ts, &seq));
    EXPECT_EQ(ts, ids[i].first);
    EXPECT_EQ(seq, ids[i].second);
  }
}

TEST(DeadLetterKeyTest, ParseRejectsWrongLengths) {
  const std::string key = DeadLetterKey(12345, 678);
  int64_t ts = -1;
  uint64_t seq = 0;
  for (size_t n = 0; n < key.size(); ++n) {
    EXPECT_FALSE(ParseDeadLetterKey(std::string_view(key).substr(0, n), &ts, &seq)) << n;
  }
  EXPECT_FALSE(ParseDeadLetterKey(key + '\0', &ts, &seq));
  EXPECT_FALSE(ParseDeadLetterKey(HistoryKeyOf(1, "a", 1, 1, 1), &ts, &seq));
  ASSERT_TRUE(ParseDeadLetterKey(key, &ts, &seq));
  EXPECT_EQ(ts, 12345);
  EXPECT_EQ(seq, 678u);
}

}  // namespace
}  // namespace asof::internal
