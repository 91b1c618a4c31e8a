#include "engine/internal/latest_record.h"
#include "tests/engine/find_bin.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "engine/internal/coding.h"
#include "engine/internal/value_codec.h"
#include "tests/util/test_util.h"

namespace asof::internal {
namespace {

// A bin that owns its value, so tests can build and compare them freely.
struct Bin {
  uint32_t feature_id;
  int64_t event_ts;
  int64_t ingest_ts;
  std::string value;
  BinView view() const { return {feature_id, event_ts, ingest_ts, value}; }
  bool operator==(const Bin&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Bin& b) {
  return os << "{f=" << b.feature_id << " e=" << b.event_ts << " i=" << b.ingest_ts
            << " v=" << b.value.size() << "B}";
}

std::string Encode(const std::vector<Bin>& bins) {
  std::vector<BinView> views;
  for (const Bin& b : bins) views.push_back(b.view());
  std::string out = "stale contents that must be replaced";
  EncodeWinners(&views, &out);
  return out;
}

std::vector<Bin> Decode(std::string_view record) {
  std::vector<BinView> views;
  EXPECT_TRUE(DecodeLatestRecord(record, &views));
  std::vector<Bin> out;
  for (const BinView& v : views) {
    out.push_back({v.feature_id, v.event_ts, v.ingest_ts, std::string(v.value)});
  }
  return out;
}

std::string EncodedValue(const Value& v) {
  std::string out;
  EncodeValue(v, &out);
  return out;
}

// The reference: per feature, the bin with the greatest (event_ts, ingest_ts), sorted by
// feature id. Written without BinWins on purpose.
std::vector<Bin> Winners(const std::vector<Bin>& bins) {
  std::map<uint32_t, Bin> best;
  for (const Bin& b : bins) {
    auto [it, inserted] = best.emplace(b.feature_id, b);
    if (!inserted && std::make_pair(b.event_ts, b.ingest_ts) >
                         std::make_pair(it->second.event_ts, it->second.ingest_ts)) {
      it->second = b;
    }
  }
  std::vector<Bin> out;
  for (auto& [id, b] : best) out.push_back(b);
  return out;
}

// One bin (feature 1) whose value length promises 1000 bytes where 5 follow.
std::string ValueLengthPastTheEnd() {
  std::string record;
  PutVarint64(&record, 1);
  PutRaw(&record, uint32_t{1});
  PutRaw(&record, int64_t{1});
  PutRaw(&record, int64_t{1});
  PutVarint64(&record, 1000);
  record += "short";
  return record;
}

TEST(LatestRecordTest, EmptyRecord) {
  const std::string record = Encode({});
  EXPECT_EQ(record, std::string(1, '\0'));
  EXPECT_TRUE(Decode(record).empty());
  BinView bin;
  EXPECT_EQ(FindBin(record, 1, &bin), 0);
}

TEST(LatestRecordTest, EncodeWinnersKeepsGreatestEventThenIngestPerFeature) {
  const std::vector<Bin> bins = {
      {7, 100, 5, EncodedValue(Value::Int64(1))},
      {3, 50, 1, EncodedValue(Value::String("old"))},
      {7, 200, 1, EncodedValue(Value::Int64(2))},  // newer event, older ingest: wins
      {3, 50, 9, EncodedValue(Value::String("tie, later ingest"))},
      {7, 150, 99, EncodedValue(Value::Int64(3))},
      {3, 49, 100, EncodedValue(Value::String("older event"))},
      {1, 0, 0, EncodedValue(Value())},
  };
  const std::vector<Bin> got = Decode(Encode(bins));
  const std::vector<Bin> want = {bins[6], bins[3], bins[2]};
  EXPECT_EQ(got, want);
  EXPECT_EQ(got, Winners(bins));
}

TEST(LatestRecordTest, BinWinsOrdersByEventThenIngest) {
  BinView a{1, 10, 5, ""}, b{1, 10, 6, ""}, c{1, 11, 0, ""};
  EXPECT_TRUE(BinWins(b, a));
  EXPECT_FALSE(BinWins(a, b));
  EXPECT_TRUE(BinWins(c, b));
  EXPECT_FALSE(BinWins(b, c));
  EXPECT_FALSE(BinWins(a, a));
}

TEST(LatestRecordTest, DecodeRoundTrip) {
  std::vector<Bin> bins;
  const uint32_t features[] = {0, 1, 2, 300, 70000, 0xffffffff};
  for (size_t i = 0; i < std::size(features); ++i) {
    bins.push_back({features[i], static_cast<int64_t>(i) * 1000 - 1, INT64_MAX - int64_t(i),
                    std::string(i * 50, static_cast<char>('a' + i))});
  }
  bins[0].value = "";
  bins[1].value = std::string("\0\xff\0", 3);
  const std::string record = Encode(bins);
  EXPECT_EQ(Decode(record), bins);
}

TEST(LatestRecordTest, FindBinFoundAbsentCorrupt) {
  std::vector<Bin> bins = {{2, 20, 21, "two"}, {5, 50, 51, "five"}, {9, 90, 91, "nine"}};
  const std::string record = Encode(bins);
  for (const Bin& b : bins) {
    BinView got;
    ASSERT_EQ(FindBin(record, b.feature_id, &got), 1) << b;
    EXPECT_EQ(got.feature_id, b.feature_id);
    EXPECT_EQ(got.event_ts, b.event_ts);
    EXPECT_EQ(got.ingest_ts, b.ingest_ts);
    EXPECT_EQ(got.value, b.value);
    // The value borrows from the record.
    EXPECT_GE(got.value.data(), record.data());
    EXPECT_LE(got.value.data() + got.value.size(), record.data() + record.size());
  }
  BinView got;
  for (uint32_t absent : {0u, 1u, 3u, 6u, 10u, 0xffffffffu}) {
    EXPECT_EQ(FindBin(record, absent, &got), 0) << absent;
  }
  EXPECT_EQ(FindBin("", 5, &got), -1);
  EXPECT_EQ(FindBin("\x80", 5, &got), -1);                   // unterminated count
  EXPECT_EQ(FindBin(std::string(1, '\x03'), 5, &got), -1);   // 3 bins promised, none there
  EXPECT_EQ(FindBin(std::string(11, '\xff'), 5, &got), -1);  // overlong varint
}

// Every strict prefix of a valid record is rejected: a truncated record is never read as
// a shorter one.
TEST(LatestRecordTest, EveryTruncationIsDetected) {
  const std::vector<Bin> bins = {{1, 10, 11, EncodedValue(Value::Double(1.5))},
                                 {4, 40, 41, ""},
                                 {8, 80, 81, std::string(200, 'x')}};
  const std::string record = Encode(bins);
  for (size_t n = 0; n < record.size(); ++n) {
    const std::string prefix = record.substr(0, n);  // own buffer: ASan sees overreads
    std::vector<BinView> out;
    EXPECT_FALSE(DecodeLatestRecord(prefix, &out)) << "prefix of " << n << " bytes";
    BinView bin;
    // Looking for a feature after every bin forces a walk through the whole record.
    EXPECT_EQ(FindBin(prefix, 100, &bin), -1) << "prefix of " << n << " bytes";
  }
}

TEST(LatestRecordTest, CorruptRecordsAreRejected) {
  const std::string record = Encode({{1, 10, 11, "abc"}, {2, 20, 21, "de"}});
  std::vector<BinView> out;
  EXPECT_FALSE(DecodeLatestRecord(record + "x", &out)) << "trailing byte";
  out.clear();
  EXPECT_FALSE(DecodeLatestRecord(std::string(10, '\xff') + '\x01', &out)) << "huge count";

  // A count far beyond what the bytes could hold must fail without allocating for it.
  std::string huge_count;
  PutVarint64(&huge_count, uint64_t{1} << 60);
  huge_count += record.substr(1);
  out.clear();
  EXPECT_FALSE(DecodeLatestRecord(huge_count, &out));
  BinView bin;
  EXPECT_EQ(FindBin(huge_count, 100, &bin), -1);

  // A value length pointing past the end.
  const std::string long_value = ValueLengthPastTheEnd();
  out.clear();
  EXPECT_FALSE(DecodeLatestRecord(long_value, &out));
  EXPECT_EQ(FindBin(long_value, 1, &bin), -1);
  EXPECT_EQ(FindBin(long_value, 2, &bin), -1);
}

TEST(LatestRecordTest, RandomCorruptionNeverCrashes) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  std::vector<Bin> bins;
  for (uint32_t f = 0; f < 6; ++f) bins.push_back({f * 3, int64_t(f), int64_t(f), "val"});
  const std::string record = Encode(bins);
  int rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string mutated = record;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) mutated[rng() % mutated.size()] = static_cast<char>(rng());
    if (rng() % 4 == 0) mutated.resize(rng() % mutated.size());
    std::vector<BinView> out;
    const bool ok = DecodeLatestRecord(mutated, &out);
    if (!ok) ++rejected;
    for (const BinView& b : out) {  // whatever was decoded lies inside the input
      ASSERT_GE(b.value.data(), mutated.data());
      ASSERT_LE(b.value.data() + b.value.size(), mutated.data() + mutated.size());
    }
    BinView bin;
    const int found = FindBin(mutated, static_cast<uint32_t>(rng() % 20), &bin);
    ASSERT_TRUE(found == -1 || found == 0 || found == 1);
  }
  EXPECT_GT(rejected, 0);
}

// Merging is associative and commutative: splitting the bins into operands in any way,
// and merging those in any order and grouping, gives the same record as one merge.
TEST(LatestRecordTest, MergeIsAssociativeAndCommutative) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  for (int round = 0; round < 300; ++round) {
    const int n = 1 + static_cast<int>(rng() % 60);
    const uint32_t num_features = 1 + static_cast<uint32_t>(rng() % 8);
    // ingest_ts is unique (as the engine's clock makes it), event_ts often ties.
    std::vector<int64_t> ingest(n);
    std::iota(ingest.begin(), ingest.end(), 1000);
    std::shuffle(ingest.begin(), ingest.end(), rng);
    std::vector<Bin> bins;
    for (int i = 0; i < n; ++i) {
      bins.push_back({static_cast<uint32_t>(rng() % num_features) * 17,
                      static_cast<int64_t>(rng() % 5), ingest[i],
                      EncodedValue(Value::Int64(static_cast<int64_t>(rng())))});
    }
    const std::string expected = Encode(Winners(bins));
    ASSERT_EQ(Encode(bins), expected);

    // Random partition into operands.
    std::shuffle(bins.begin(), bins.end(), rng);
    std::vector<std::string> operands;
    for (size_t i = 0; i < bins.size();) {
      size_t len = 1 + rng() % 5;
      std::vector<Bin> group(bins.begin() + i, bins.begin() + std::min(bins.size(), i + len));
      operands.push_back(Encode(group));
      i += len;
    }
    // Random merge tree: repeatedly merge two random operands (a partial merge).
    while (operands.size() > 1) {
      std::shuffle(operands.begin(), operands.end(), rng);
      const size_t k = 2 + rng() % std::min<size_t>(3, operands.size() - 1);
      std::vector<BinView> views;
      for (size_t j = 0; j < k; ++j) {
        ASSERT_TRUE(DecodeLatestRecord(operands[operands.size() - 1 - j], &views));
      }
      std::string merged;
      EncodeWinners(&views, &merged);
      operands.resize(operands.size() - k);
      operands.push_back(merged);
    }
    ASSERT_EQ(operands[0], expected) << "round " << round;
  }
}

// SelectBins against the reference DecodeLatestRecord + LookupBin; `found` starts dirty to
// show that every slot is written.
void ExpectSelectMatchesLookup(std::string_view record, std::vector<uint32_t> wanted) {
  std::sort(wanted.begin(), wanted.end());
  std::vector<BinView> bins;
  const bool decoded = DecodeLatestRecord(record, &bins);
  std::vector<std::optional<BinView>> found(wanted.size(), BinView{999, 9, 9, "dirty"});
  const bool selected = SelectBins(record, wanted, found);
  ASSERT_EQ(selected, decoded);
  if (!selected) return;
  for (size_t k = 0; k < wanted.size(); ++k) {
    const BinView* expected = LookupBin(bins, wanted[k]);
    ASSERT_EQ(found[k].has_value(), expected != nullptr) << "feature " << wanted[k];
    if (expected == nullptr) continue;
    EXPECT_EQ(found[k]->feature_id, expected->feature_id);
    EXPECT_EQ(found[k]->event_ts, expected->event_ts);
    EXPECT_EQ(found[k]->ingest_ts, expected->ingest_ts);
    EXPECT_EQ(found[k]->value.data(), expected->value.data());  // borrowed from the record
    EXPECT_EQ(found[k]->value.size(), expected->value.size());
  }
}

TEST(LatestRecordTest, SelectBinsPicksTheRequestedBins) {
  const std::string record = Encode({{2, 20, 21, EncodedValue(Value::Double(2.5))},
                                     {5, 50, 51, ""},
                                     {9, 90, 91, std::string(300, 'v')}});
  ExpectSelectMatchesLookup(record, {});
  ExpectSelectMatchesLookup(record, {5});
  ExpectSelectMatchesLookup(record, {1, 2, 3, 5, 9, 10});  // absent before, between, after
  ExpectSelectMatchesLookup(record, {9, 9, 2, 2, 2});      // asked for more than once
  ExpectSelectMatchesLookup(Encode({}), {1, 2});
  ExpectSelectMatchesLookup(record, {0, 0xffffffffu});

  std::vector<std::optional<BinView>> found(2);
  ASSERT_TRUE(SelectBins(record, std::vector<uint32_t>{5, 5}, found));
  ASSERT_TRUE(found[0].has_value() && found[1].has_value());
  EXPECT_EQ(found[0]->event_ts, 50);
  EXPECT_EQ(found[1]->ingest_ts, 51);
  EXPECT_TRUE(found[1]->value.empty());
}

TEST(LatestRecordTest, SelectBinsMatchesLookupOnRandomRecords) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  for (int round = 0; round < 2000; ++round) {
    std::vector<Bin> bins;
    const int count = static_cast<int>(rng() % 12);
    for (int b = 0; b < count; ++b) {
      bins.push_back({static_cast<uint32_t>(rng() % 30), static_cast<int64_t>(rng() % 100),
                      static_cast<int64_t>(rng() % 100), std::string(rng() % 140, 'x')});
    }
    std::vector<uint32_t> wanted(rng() % 8);
    for (uint32_t& id : wanted) id = static_cast<uint32_t>(rng() % 32);
    ExpectSelectMatchesLookup(Encode(bins), wanted);
  }
}

TEST(LatestRecordTest, SelectBinsRejectsCorruptRecords) {
  const std::string record = Encode({{1, 10, 11, EncodedValue(Value::Double(1.5))},
                                     {4, 40, 41, ""},
                                     {8, 80, 81, std::string(200, 'x')}});
  const std::vector<std::vector<uint32_t>> asks = {{}, {1}, {4}, {8}, {1, 4, 8}, {100}};
  std::vector<std::optional<BinView>> found(3);
  for (size_t n = 0; n < record.size(); ++n) {
    const std::string prefix = record.substr(0, n);  // own buffer: ASan sees overreads
    for (const std::vector<uint32_t>& wanted : asks) {
      // Truncated in a bin that was not asked for, too: the whole record is checked.
      EXPECT_FALSE(SelectBins(prefix, wanted, std::span(found).first(wanted.size())))
          << "prefix of " << n << " bytes";
    }
  }
  for (const std::vector<uint32_t>& wanted : asks) {
    auto out = std::span(found).first(wanted.size());
    EXPECT_FALSE(SelectBins(record + "x", wanted, out)) << "trailing byte";
    EXPECT_FALSE(SelectBins(std::string(10, '\xff') + '\x01', wanted, out)) << "bad count";
    std::string huge_count;
    PutVarint64(&huge_count, uint64_t{1} << 60);
    EXPECT_FALSE(SelectBins(huge_count + record.substr(1), wanted, out)) << "huge count";
    std::string short_count;  // promises 2 bins, holds 3: the third is trailing garbage
    PutVarint64(&short_count, 2);
    EXPECT_FALSE(SelectBins(short_count + record.substr(1), wanted, out)) << "short count";
  }

  // A value length pointing past the end, in the bin asked for and in one skipped.
  const std::string long_value = ValueLengthPastTheEnd();
  EXPECT_FALSE(SelectBins(long_value, std::vector<uint32_t>{1}, std::span(found).first(1)));
  EXPECT_FALSE(SelectBins(long_value, std::vector<uint32_t>{2}, std::span(found).first(1)));

  // Bins out of feature-id order, which no writer produces.
  std::string unsorted;
  PutVarint64(&unsorted, 2);
  for (uint32_t id : {7u, 3u}) {
    PutRaw(&unsorted, id);
    PutRaw(&unsorted, int64_t{1});
    PutRaw(&unsorted, int64_t{1});
    PutLengthPrefixed(&unsorted, "v");
  }
  EXPECT_FALSE(SelectBins(unsorted, std::vector<uint32_t>{3}, std::span(found).first(1)));
}

TEST(LatestRecordTest, SelectBinsOnRandomCorruptionAgreesWithDecode) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  std::vector<Bin> bins;
  for (uint32_t f = 0; f < 6; ++f) bins.push_back({f * 3, int64_t(f), int64_t(f), "val"});
  const std::string record = Encode(bins);
  for (int i = 0; i < 20000; ++i) {
    std::string mutated = record;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) mutated[rng() % mutated.size()] = static_cast<char>(rng());
    if (rng() % 4 == 0) mutated.resize(rng() % mutated.size());
    std::vector<uint32_t> wanted(rng() % 4);
    for (uint32_t& id : wanted) id = static_cast<uint32_t>(rng() % 20);
    std::sort(wanted.begin(), wanted.end());
    std::vector<BinView> decoded;
    const bool decode_ok = DecodeLatestRecord(mutated, &decoded);
    const bool sorted = std::is_sorted(
        decoded.begin(), decoded.end(),
        [](const BinView& a, const BinView& b) { return a.feature_id < b.feature_id; });
    std::vector<std::optional<BinView>> found(wanted.size());
    const bool select_ok = SelectBins(mutated, wanted, found);
    // Same verdict, except that SelectBins also rejects bins out of order.
    ASSERT_EQ(select_ok, decode_ok && sorted);
    if (select_ok) ExpectSelectMatchesLookup(mutated, wanted);
    for (const std::optional<BinView>& b : found) {  // whatever was found lies inside the input
      if (!b.has_value()) continue;
      ASSERT_GE(b->value.data(), mutated.data());
      ASSERT_LE(b->value.data() + b->value.size(), mutated.data() + mutated.size());
    }
  }
}

}  // namespace
}  // namespace asof::internal
