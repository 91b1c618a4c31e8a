#include "engine/internal/latest_merge_operator.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "engine/internal/latest_record.h"
#include "tests/engine/find_bin.h"
#include "tests/util/test_util.h"

namespace asof::internal {
namespace {

// Delegates to the operator under test and counts which entry points RocksDB used, so
// the test can prove that both the full and the partial merge ran.
class CountingMergeOperator final : public rocksdb::MergeOperator {
 public:
  explicit CountingMergeOperator(std::shared_ptr<rocksdb::MergeOperator> inner)
      : inner_(std::move(inner)) {}
  const char* Name() const override { return inner_->Name(); }

  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    full_.fetch_add(1, std::memory_order_relaxed);
    if (in.existing_value != nullptr) full_with_base_.fetch_add(1, std::memory_order_relaxed);
    return inner_->FullMergeV2(in, out);
  }
  bool PartialMergeMulti(const rocksdb::Slice& key, const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value, rocksdb::Logger* logger) const override {
    partial_.fetch_add(1, std::memory_order_relaxed);
    return inner_->PartialMergeMulti(key, operands, new_value, logger);
  }

  int full() const { return full_.load(); }
  int full_with_base() const { return full_with_base_.load(); }
  int partial() const { return partial_.load(); }

 private:
  std::shared_ptr<rocksdb::MergeOperator> inner_;
  mutable std::atomic<int> full_{0}, full_with_base_{0}, partial_{0};
};

struct Bin {
  uint32_t feature_id;
  int64_t event_ts;
  int64_t ingest_ts;
  std::string value;
  bool operator==(const Bin&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Bin& b) {
  return os << "{f=" << b.feature_id << " e=" << b.event_ts << " i=" << b.ingest_ts
            << " v=" << b.value << "}";
}

std::string EncodeOperand(const std::vector<Bin>& bins) {
  std::vector<BinView> views;
  for (const Bin& b : bins) views.push_back({b.feature_id, b.event_ts, b.ingest_ts, b.value});
  std::string out;
  EncodeWinners(&views, &out);
  return out;
}

// The expected state: per key, per feature, the winning bin.
class Model {
 public:
  void Apply(const std::string& key, const std::vector<Bin>& bins) {
    for (const Bin& b : bins) {
      auto [it, inserted] = state_[key].emplace(b.feature_id, b);
      if (!inserted && std::make_pair(b.event_ts, b.ingest_ts) >
                           std::make_pair(it->second.event_ts, it->second.ingest_ts)) {
        it->second = b;
      }
    }
  }
  std::vector<Bin> Expected(const std::string& key) const {
    std::vector<Bin> out;
    auto it = state_.find(key);
    if (it == state_.end()) return out;
    for (const auto& [f, b] : it->second) out.push_back(b);
    return out;
  }
  const std::map<std::string, std::map<uint32_t, Bin>>& state() const { return state_; }

 private:
  std::map<std::string, std::map<uint32_t, Bin>> state_;
};

class LatestMergeOperatorTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void TearDown() override { Close(); }

  void Open() {
    rocksdb::DBOptions db_options;
    db_options.create_if_missing = true;
    db_options.create_missing_column_families = true;
    rocksdb::ColumnFamilyOptions cf_options;
    cf_options.merge_operator = merge_;
    cf_options.disable_auto_compactions = true;  // the test decides when to compact
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
        {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
        {"latest", cf_options}};
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    ASSERT_TRUE(rocksdb::DB::Open(db_options, dir_.path(), cfs, &handles, &raw).ok());
    db_.reset(raw);
    default_cf_ = handles[0];
    cf_ = handles[1];
  }

  void Close() {
    if (!db_) return;
    db_->DestroyColumnFamilyHandle(default_cf_).PermitUncheckedError();
    db_->DestroyColumnFamilyHandle(cf_).PermitUncheckedError();
    db_->Close().PermitUncheckedError();
    db_.reset();
  }

  void ExpectMatches(const Model& model, const std::string& when) {
    for (const auto& [key, bins] : model.state()) {
      std::string record;
      rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_, key, &record);
      ASSERT_TRUE(s.ok()) << when << ": " << s.ToString();
      std::vector<BinView> views;
      ASSERT_TRUE(DecodeLatestRecord(record, &views)) << when;
      std::vector<Bin> got;
      for (const BinView& v : views) {
        got.push_back({v.feature_id, v.event_ts, v.ingest_ts, std::string(v.value)});
      }
      ASSERT_EQ(got, model.Expected(key)) << when << ", key " << key;
    }
  }

  asof::testing::TempDir dir_;
  std::shared_ptr<CountingMergeOperator> merge_ =
      std::make_shared<CountingMergeOperator>(NewLatestMergeOperator());
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* default_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_ = nullptr;
};

TEST_F(LatestMergeOperatorTest, RandomOperandsMatchModel) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  Model model;
  // ingest_ts is unique, as the engine's clock makes it, but arrives out of order (bulk
  // loads and streams interleave).
  std::vector<int64_t> ingest_pool(2000 * 4);
  std::iota(ingest_pool.begin(), ingest_pool.end(), 1);
  std::shuffle(ingest_pool.begin(), ingest_pool.end(), rng);
  size_t next_ingest = 0;
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (int step = 0; step < 2000; ++step) {
    const std::string key = "entity-" + std::to_string(rng() % 12);
    std::vector<Bin> bins;
    const int n = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
      // Few event times so that ties (decided by ingest_ts) are common.
      bins.push_back({static_cast<uint32_t>(rng() % 6), static_cast<int64_t>(rng() % 8),
                      ingest_pool[next_ingest++],
                      "v" + std::to_string(step) + "." + std::to_string(i)});
    }
    ASSERT_TRUE(db_->Merge(rocksdb::WriteOptions(), cf_, key, EncodeOperand(bins)).ok());
    model.Apply(key, bins);

    switch (rng() % 100) {
      case 0:
      case 1:
      case 2:
        ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions(), cf_).ok());
        break;
      case 3:
        ASSERT_TRUE(db_->CompactRange(compact, cf_, nullptr, nullptr).ok());
        break;
      case 4:
        ExpectMatches(model, "step " + std::to_string(step));
        break;
      case 5:
        Close();
        Open();
        break;
      default:
        break;
    }
  }
  ExpectMatches(model, "before the final compaction");
  ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions(), cf_).ok());
  ASSERT_TRUE(db_->CompactRange(compact, cf_, nullptr, nullptr).ok());
  ExpectMatches(model, "after the final compaction");
  EXPECT_GT(merge_->full(), 0);
  EXPECT_GT(merge_->full_with_base(), 0);
  EXPECT_GT(merge_->partial(), 0) << "PartialMergeMulti never ran; the test lost its point";
}

// Operands from different writers can arrive in any order; the final record must not
// depend on it. Writes the same operands in two different orders to two keys.
TEST_F(LatestMergeOperatorTest, OrderOfOperandsDoesNotMatter) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  std::vector<std::string> operands;
  for (int i = 0; i < 200; ++i) {
    operands.push_back(EncodeOperand({{static_cast<uint32_t>(rng() % 4),
                                       static_cast<int64_t>(rng() % 5), i, std::to_string(i)}}));
  }
  std::vector<std::string> shuffled = operands;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  for (size_t i = 0; i < operands.size(); ++i) {
    ASSERT_TRUE(db_->Merge(rocksdb::WriteOptions(), cf_, "a", operands[i]).ok());
    ASSERT_TRUE(db_->Merge(rocksdb::WriteOptions(), cf_, "b", shuffled[i]).ok());
    if (i % 37 == 0) {
      ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions(), cf_).ok());
    }
  }
  std::string a, b;
  ASSERT_TRUE(db_->Get(rocksdb::ReadOptions(), cf_, "a", &a).ok());
  ASSERT_TRUE(db_->Get(rocksdb::ReadOptions(), cf_, "b", &b).ok());
  EXPECT_EQ(a, b);
  ASSERT_TRUE(db_->CompactRange(rocksdb::CompactRangeOptions(), cf_, nullptr, nullptr).ok());
  std::string a2;
  ASSERT_TRUE(db_->Get(rocksdb::ReadOptions(), cf_, "a", &a2).ok());
  EXPECT_EQ(a2, a);
}

TEST_F(LatestMergeOperatorTest, CorruptOperandFailsTheReadNotTheProcess) {
  const std::string good = EncodeOperand({{1, 10, 10, "ten"}});
  ASSERT_TRUE(db_->Merge(rocksdb::WriteOptions(), cf_, "bad", good).ok());
  // Claims three bins but holds none.
  ASSERT_TRUE(db_->Merge(rocksdb::WriteOptions(), cf_, "bad", std::string("\x03\x01\x02", 3)).ok());
  ASSERT_TRUE(db_->Merge(rocksdb::WriteOptions(), cf_, "good", good).ok());

  std::string record;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_, "bad", &record);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  // Other keys are unaffected.
  ASSERT_TRUE(db_->Get(rocksdb::ReadOptions(), cf_, "good", &record).ok());
  BinView bin;
  ASSERT_EQ(FindBin(record, 1, &bin), 1);
  EXPECT_EQ(bin.value, "ten");
}

TEST_F(LatestMergeOperatorTest, CorruptBaseValueFailsTheRead) {
  ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), cf_, "k", "\xff\xff").ok());
  ASSERT_TRUE(db_->Merge(rocksdb::WriteOptions(), cf_, "k", EncodeOperand({{1, 1, 1, "x"}})).ok());
  std::string record;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_, "k", &record);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

}  // namespace
}  // namespace asof::internal
