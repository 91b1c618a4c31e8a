#include "engine/internal/column_families.h"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>

#include "engine/internal/activity_record.h"
#include "engine/internal/dedup_expiry_filter.h"
#include "engine/internal/keys.h"
#include "engine/internal/latest_merge_operator.h"

namespace asof::internal {

namespace {

// The (entity, feature) part of a history key: everything but the two inverted
// timestamps. As-of seeks stay inside one prefix, so a prefix bloom filter answers
// "this entity never had this feature" without touching data blocks.
class HistoryPrefixTransform final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "asof.HistoryPrefix.v1"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), key.size() - 16);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return key.size() >= HistoryKeySize(0) && key.size() == HistoryKeySize(LoadEntityIdLen(key));
  }

 private:
  static size_t LoadEntityIdLen(const rocksdb::Slice& key) {
    auto u = reinterpret_cast<const unsigned char*>(key.data());
    return (size_t{u[6]} << 8) | u[7];
  }
};

rocksdb::BlockBasedTableOptions TableOptions(const std::shared_ptr<rocksdb::Cache>& cache,
                                             bool whole_key_filtering) {
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  t.whole_key_filtering = whole_key_filtering;
  // Index and filter blocks live in the block cache (so memory is bounded by one
  // number) but are pinned there, so a point lookup never waits for them.
  t.cache_index_and_filter_blocks = true;
  t.metadata_cache_options.top_level_index_pinning = rocksdb::PinningTier::kAll;
  t.metadata_cache_options.partition_pinning = rocksdb::PinningTier::kAll;
  t.metadata_cache_options.unpartitioned_pinning = rocksdb::PinningTier::kAll;
  t.format_version = 5;
  return t;
}

rocksdb::ColumnFamilyOptions BaseCf(const EngineOptions& options) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = options.write_buffer_bytes;
  cf.compression = rocksdb::kLZ4Compression;
  cf.bottommost_compression = rocksdb::kZSTD;
  cf.level_compaction_dynamic_level_bytes = true;
  return cf;
}

}  // namespace

CfTuning MakeTuning(const EngineOptions& options, RetentionLookup retention) {
  CfTuning t;
  t.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);

  t.db.create_if_missing = true;
  t.db.create_missing_column_families = true;
  t.db.max_background_jobs = 2;
  t.db.bytes_per_sync = 1 << 20;
  // The default and registry column families are written rarely; without a cap their
  // unflushed memtables would pin old WAL files for ever during bulk loads.
  t.db.max_total_wal_size = 512ull << 20;
  t.db.use_direct_reads = options.direct_reads;
  t.db.statistics = rocksdb::CreateDBStatistics();
  // Tickers only (the metrics read block cache hits and misses): histograms cost about 5%
  // of the instructions of a cached online read.
  t.db.statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);

  t.cfs.resize(kNumCfs);
  // default: engine state; per-feature activity records are merged (activity_record.h).
  rocksdb::ColumnFamilyOptions default_cf = BaseCf(options);
  default_cf.merge_operator = NewActivityMergeOperator();
  t.cfs[kDefaultCf] = {rocksdb::kDefaultColumnFamilyName, default_cf};

  // latest: point lookups by entity key.
  rocksdb::ColumnFamilyOptions latest = BaseCf(options);
  auto latest_table = TableOptions(t.block_cache, /*whole_key_filtering=*/true);
  latest_table.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  latest.table_factory.reset(rocksdb::NewBlockBasedTableFactory(latest_table));
  latest.merge_operator = NewLatestMergeOperator();
  t.cfs[kLatestCf] = {"latest", latest};

  // history: seeks within an (entity, feature) prefix.
  rocksdb::ColumnFamilyOptions history = BaseCf(options);
  history.prefix_extractor = std::make_shared<HistoryPrefixTransform>();
  history.memtable_prefix_bloom_size_ratio = 0.05;
  history.table_factory.reset(
      rocksdb::NewBlockBasedTableFactory(TableOptions(t.block_cache, false)));
  history.compaction_filter_factory =
      NewHistoryRetentionFilterFactory(std::move(retention), options.clock);
  t.cfs[kHistoryCf] = {"history", history};

  t.cfs[kRegistryCf] = {"registry", BaseCf(options)};

  rocksdb::ColumnFamilyOptions dedup = BaseCf(options);
  dedup.table_factory.reset(rocksdb::NewBlockBasedTableFactory(TableOptions(t.block_cache, true)));
  dedup.compaction_filter_factory =
      NewDedupExpiryFilterFactory(options.dedup_window_us, options.clock);
  t.cfs[kDedupCf] = {"dedup", dedup};

  t.cfs[kDlqCf] = {"dlq", BaseCf(options)};
  return t;
}

}  // namespace asof::internal
