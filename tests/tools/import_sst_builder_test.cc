// SST builder: history puts and latest merge operands as the engine reads them (keys,
// ingest_ts, values, newest bin per feature), ties superseded by the later row and
// counted, files rolled at the target size, and an order-independent fingerprint.
#include "tools/asof-import/sst_builder.h"

#include <gtest/gtest.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>

#include <algorithm>
#include <map>
#include <random>
#include <thread>
#include <tuple>

#include "engine/internal/keys.h"
#include "engine/internal/latest_record.h"
#include "engine/internal/value_codec.h"
#include "tests/util/test_util.h"

namespace asof::import {
namespace {

struct Cell {
  std::string entity;
  uint32_t feature;
  int64_t event_ts;
  int64_t value;
};

std::string Encoded(int64_t v) {
  std::string out;
  internal::EncodeValue(Value::Int64(v), &out);
  return out;
}

struct Built {
  std::vector<SstFile> files;
  LoadScan scan;
  // (entity, feature, event_ts) -> value, from the history files
  std::map<std::tuple<std::string, uint32_t, int64_t>, std::string> history;
  // (entity, feature) -> (event_ts, value), from the latest files
  std::map<std::pair<std::string, uint32_t>, std::pair<int64_t, std::string>> latest;
};

// Reading a file of merge operands needs a merge operator; each entity has exactly one
// operand and no base value, so returning it unchanged shows what the file holds.
class SingleOperand final : public rocksdb::MergeOperator {
 public:
  const char* Name() const override { return "test.SingleOperand"; }
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    if (in.existing_value != nullptr || in.operand_list.size() != 1) return false;
    out->new_value.assign(in.operand_list[0].data(), in.operand_list[0].size());
    return true;
  }
};

constexpr uint32_t kType = 7;
constexpr int64_t kIngestTs = 1'700'000'000'000'000;

std::string EntityOf(std::string_view entity_key) { return std::string(entity_key.substr(8)); }

// Input rows: consecutive cells of the same entity and event_ts form one row (each
// feature at most once), so a test can mix one-cell and many-cell rows.
struct BuildOptions {
  uint64_t target_file_bytes = 256ull << 20;
  size_t group_memory_bytes = 64u << 20;  // one entity's rows in memory
};

Built Build(const std::vector<Cell>& cells, BuildOptions build = {}) {
  testing::TempDir tmp;
  Built b;
  auto sorter = ExternalSorter::Create({8 << 10, tmp.path()});
  EXPECT_TRUE(sorter.ok());
  std::string key, value;
  std::vector<ImportCell> row;
  uint64_t seq = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    row.push_back(ImportCell{cells[i].feature, Encoded(cells[i].value)});
    bool row_ends = i + 1 == cells.size() || cells[i + 1].entity != cells[i].entity ||
                    cells[i + 1].event_ts != cells[i].event_ts ||
                    std::any_of(row.begin(), row.end(), [&](const ImportCell& c) {
                      return c.feature_id == cells[i + 1].feature;
                    });
    if (!row_ends) continue;
    key.clear();
    value.clear();
    AppendRowSortKey(kType, cells[i].entity, cells[i].event_ts, seq++, &key);
    AppendRowSortValue(row, &value);
    EXPECT_OK((*sorter)->Add(key, value));
    row.clear();
  }
  (*sorter)->Finish();
  GroupOptions groups{tmp.path(), build.group_memory_bytes};
  auto stream = (*sorter)->Open();
  auto scan = ScanSorted(**stream, "user", groups, nullptr);
  EXPECT_TRUE(scan.ok()) << scan.status().ToString();
  b.scan = *scan;
  stream = (*sorter)->Open();
  SstBuildOptions options{tmp.path(), kIngestTs, build.target_file_bytes, nullptr, groups};
  EXPECT_OK(BuildSstFiles(**stream, options, [&](const SstFile& f) -> Status {
    b.files.push_back(f);
    rocksdb::Options reader_options;
    reader_options.merge_operator = std::make_shared<SingleOperand>();
    rocksdb::SstFileReader reader(reader_options);
    EXPECT_TRUE(reader.Open(f.path).ok());
    EXPECT_TRUE(reader.VerifyChecksum().ok());
    std::unique_ptr<rocksdb::Iterator> it(reader.NewIterator(rocksdb::ReadOptions()));
    uint64_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
      std::string_view k = it->key().ToStringView(), v = it->value().ToStringView();
      if (f.latest) {
        std::vector<internal::BinView> bins;
        EXPECT_TRUE(internal::DecodeLatestRecord(v, &bins));
        for (const auto& bin : bins) {
          EXPECT_EQ(bin.ingest_ts, kIngestTs);
          auto [pos, fresh] = b.latest.emplace(std::pair(EntityOf(k), bin.feature_id),
                                               std::pair(bin.event_ts, std::string(bin.value)));
          EXPECT_TRUE(fresh) << "an entity in two operands";
        }
      } else {
        internal::HistoryKey h;
        EXPECT_TRUE(internal::ParseHistoryKey(k, &h));
        EXPECT_EQ(h.ingest_ts, kIngestTs);
        auto [pos, fresh] = b.history.emplace(
            std::tuple(EntityOf(h.prefix.substr(0, h.prefix.size() - 4)), h.feature_id, h.event_ts),
            std::string(v));
        EXPECT_TRUE(fresh) << "a history key twice";
      }
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    EXPECT_EQ(n, f.entries);
    return Status::Ok();
  }));
  return b;
}

TEST(SstBuilderTest, HistoryAndLatestAsTheEngineReadsThem) {
  std::vector<Cell> cells = {
      {"u1", 1, 100, 10}, {"u1", 1, 300, 30}, {"u1", 1, 200, 20},
      {"u1", 2, 50, 5},   {"u2", 1, 10, 1},   {"u1", 1, 300, 31},  // a tie: the later row wins
  };
  Built b = Build(cells);
  EXPECT_EQ(b.scan.values, 5u);
  EXPECT_EQ(b.scan.superseded, 1u);
  EXPECT_EQ(b.scan.entities, 2u);
  ASSERT_EQ(b.files.size(), 2u);
  EXPECT_EQ(b.history.size(), 5u);
  EXPECT_EQ(b.history[std::tuple("u1", 1u, int64_t{300})], Encoded(31));
  EXPECT_EQ(b.history[std::tuple("u1", 1u, int64_t{100})], Encoded(10));
  EXPECT_EQ(b.history[std::tuple("u1", 2u, int64_t{50})], Encoded(5));
  ASSERT_EQ(b.latest.size(), 3u);
  EXPECT_EQ(b.latest[std::pair("u1", 1u)], std::pair(int64_t{300}, Encoded(31)));
  EXPECT_EQ(b.latest[std::pair("u1", 2u)], std::pair(int64_t{50}, Encoded(5)));
  EXPECT_EQ(b.latest[std::pair("u2", 1u)], std::pair(int64_t{10}, Encoded(1)));
}

// Random rows of 1 to 6 of 6 features in random column order, many rows per entity with
// ties on event_ts, against a model where the later row wins a tie. `group_memory_bytes`
// small enough sends most entities through the external sort of an oversized entity.
void CheckRandomRowsAgainstAModel(size_t group_memory_bytes) {
  uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed) + ", group memory " +
               std::to_string(group_memory_bytes));
  std::mt19937 rng(seed);
  std::vector<Cell> cells;
  std::map<std::tuple<std::string, uint32_t, int64_t>, std::string> history;
  std::map<std::pair<std::string, uint32_t>, std::pair<int64_t, std::string>> latest;
  for (int r = 0; r < 5000; ++r) {
    std::string entity = "e" + std::to_string(rng() % 300);
    auto event_ts = static_cast<int64_t>(rng() % 40);
    std::vector<uint32_t> features = {1, 2, 3, 4, 5, 6};
    std::shuffle(features.begin(), features.end(), rng);
    features.resize(1 + rng() % features.size());
    for (uint32_t f : features) {
      Cell c{entity, f, event_ts, static_cast<int64_t>(rng())};
      cells.push_back(c);
      history[std::tuple(c.entity, c.feature, c.event_ts)] = Encoded(c.value);  // later wins
    }
  }
  for (const auto& [k, v] : history) {
    auto& l = latest[std::pair(std::get<0>(k), std::get<1>(k))];
    if (l.second.empty() || std::get<2>(k) >= l.first) l = {std::get<2>(k), v};
  }
  Built b = Build(cells, {.target_file_bytes = 32 << 10, .group_memory_bytes = group_memory_bytes});
  EXPECT_GT(b.files.size(), 4u);
  EXPECT_EQ(b.scan.values, history.size());
  EXPECT_EQ(b.scan.superseded, cells.size() - history.size());
  EXPECT_EQ(b.history, history);
  EXPECT_EQ(b.latest, latest);
  // The same rows give the same fingerprint whichever way each entity was ordered.
  EXPECT_EQ(b.scan.fingerprint, Build(cells).scan.fingerprint);
}

TEST(SstBuilderTest, RandomRowsRolledIntoManyFilesAgreeWithAModel) {
  CheckRandomRowsAgainstAModel(64u << 20);
}

TEST(SstBuilderTest, EntitiesLargerThanTheGroupMemoryAreSortedOnDisk) {
  CheckRandomRowsAgainstAModel(256);
}

TEST(SstBuilderTest, ADamagedSortedRowIsAnErrorNotACrash) {
  testing::TempDir tmp;
  auto sorter = ExternalSorter::Create({8 << 10, tmp.path()});
  ASSERT_TRUE(sorter.ok());
  std::string key, value;
  AppendRowSortKey(kType, "u1", 5, 0, &key);
  AppendRowSortValue({ImportCell{1, Encoded(7)}}, &value);
  value.pop_back();  // the cell claims one byte more than there is
  ASSERT_OK((*sorter)->Add(key, value));
  ASSERT_OK((*sorter)->Add("short", ""));
  (*sorter)->Finish();
  auto stream = (*sorter)->Open();
  auto scan = ScanSorted(**stream, "user", GroupOptions{tmp.path()}, nullptr);
  ASSERT_FALSE(scan.ok());
  EXPECT_EQ(scan.status().code(), ErrorCode::kInternal);
  EXPECT_NE(scan.status().message().find("malformed sorted row"), std::string::npos)
      << scan.status().ToString();
}

TEST(SstBuilderTest, FingerprintIgnoresInputOrderButNotContent) {
  std::vector<Cell> cells = {{"a", 1, 1, 1}, {"b", 1, 2, 2}, {"a", 2, 3, 3}, {"c", 1, 4, 4}};
  std::string base = Build(cells).scan.fingerprint;
  EXPECT_EQ(base.rfind("xxh3-128:", 0), 0u);
  EXPECT_EQ(base.size(), 9u + 32u);
  std::reverse(cells.begin(), cells.end());
  EXPECT_EQ(Build(cells).scan.fingerprint, base);
  cells[0].value = 5;
  EXPECT_NE(Build(cells).scan.fingerprint, base);
  cells[0].value = 4;
  cells.push_back({"d", 1, 1, 1});
  EXPECT_NE(Build(cells).scan.fingerprint, base);
}

// The history files are written on a thread of their own; an error from the callee
// (a failed upload) must stop the build and come back, on the caller's thread, without
// a hang or a further call.
TEST(SstBuilderTest, AnErrorFromOnFileStopsTheBuild) {
  testing::TempDir tmp;
  auto sorter = ExternalSorter::Create({64 << 20, tmp.path()});
  ASSERT_TRUE(sorter.ok());
  std::string key, value;
  for (int i = 0; i < 50000; ++i) {
    key.clear();
    value.clear();
    AppendRowSortKey(kType, "e" + std::to_string(i), 1, i, &key);
    AppendRowSortValue({ImportCell{1, Encoded(i)}, ImportCell{2, Encoded(-i)}}, &value);
    ASSERT_OK((*sorter)->Add(key, value));
  }
  (*sorter)->Finish();
  for (bool fail_latest : {false, true}) {
    SCOPED_TRACE(fail_latest ? "a latest file fails" : "a history file fails");
    auto stream = (*sorter)->Open();
    ASSERT_TRUE(stream.ok());
    SstBuildOptions options{tmp.path(), kIngestTs, 16 << 10, nullptr, GroupOptions{tmp.path()}};
    const std::thread::id caller = std::this_thread::get_id();
    int calls = 0;
    Status built = BuildSstFiles(**stream, options, [&](const SstFile& f) -> Status {
      EXPECT_EQ(std::this_thread::get_id(), caller);
      ++calls;
      if (f.latest == fail_latest) return Unavailable("upload failed");
      return Status::Ok();
    });
    EXPECT_EQ(built.code(), ErrorCode::kUnavailable) << built.ToString();
    EXPECT_EQ(built.message(), "upload failed");
    EXPECT_GE(calls, 1);
  }
}

TEST(SstBuilderTest, EmptyStreamWritesNoFile) {
  Built b = Build({});
  EXPECT_TRUE(b.files.empty());
  EXPECT_EQ(b.scan.values, 0u);
}

}  // namespace
}  // namespace asof::import
