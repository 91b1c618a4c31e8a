// EngineImpl: the Engine of engine.h over one RocksDB instance. Split across files by
// concern: engine_open.cc (lifecycle, stats), engine_write.cc (validation and the write
// batch), engine_read_online.cc, engine_read_asof.cc, engine_dlq.cc, engine_activity.cc,
// engine_bulk_load.cc (ingesting verified SST files).
//
// Concurrency: Write() holds write_mu_ for the whole batch, because the dedup check and
// the ingest_ts sequence must be atomic with the write. Reads take no engine lock.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/engine.h"
#include "engine/internal/column_families.h"
#include "engine/internal/latest_cache.h"

namespace asof::internal {

class EngineImpl final : public Engine {
 public:
  explicit EngineImpl(const EngineOptions& options)
      : options_(options), latest_cache_(options.row_cache_bytes) {}
  ~EngineImpl() override;

  Status OpenDb();

  Registry& registry() override { return *registry_; }
  DriftMonitor& drift() override { return *drift_; }
  ServedLog& served_log() override { return *served_log_; }
  Result<WriteResult> Write(std::span<const WriteRecord> records) override;
  Result<OnlineResult> ReadOnline(const OnlineRequest& request) override;
  Result<std::unique_ptr<AsOfJoin>> StartAsOf(const AsOfSpec& spec) override;
  Result<std::vector<DeadLetter>> ListDeadLetters(std::optional<DeadLetterId> after,
                                                  size_t limit) override;
  Status AddDeadLetters(std::span<const DeadLetterInput> letters) override;
  Result<int64_t> ReserveIngestTs() override;
  Result<std::unique_ptr<BulkLoadSession>> StartBulkLoad(int64_t ingest_ts) override;
  Result<std::optional<int64_t>> BulkLoadApplied(std::string_view fingerprint) override;
  EngineStats stats() const override;
  std::vector<FeatureActivity> Activity() const override;
  std::vector<FeatureFreshness> Freshness(bool include_deprecated) const override;
  Status CompactAll() override;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Cf which) const { return cfs_[which]; }
  const EngineOptions& options() const { return options_; }

 private:
  Status LoadWriteState();
  // The next ingest_ts: strictly greater than every one handed out before, also across
  // restarts (the high-water mark is persisted with each batch).
  int64_t NextIngestTs(int64_t now);

  const EngineOptions options_;
  // Online reads look here first; every writer of `latest` invalidates what it wrote.
  LatestCache latest_cache_;
  CfTuning tuning_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
  std::unique_ptr<Registry> registry_;
  // Created after the registry, destroyed before it (they persist on close).
  std::unique_ptr<DriftMonitor> drift_;
  std::unique_ptr<ServedLog> served_log_;
  // Read by compaction threads, which may start before the registry is loaded.
  std::atomic<Registry*> registry_for_filters_{nullptr};

  // One bulk load ingests at a time (engine_bulk_load.cc): the fingerprint check and
  // the ingestion must not interleave with another load's. Never held with write_mu_
  // while verifying, so writes go on during a long verification.
  std::mutex bulk_mu_;
  friend class BulkLoadSessionImpl;  // engine_bulk_load.cc

  std::mutex write_mu_;
  int64_t last_ingest_ts_ = 0;  // guarded by write_mu_
  uint64_t next_dlq_seq_ = 1;   // guarded by write_mu_
  // Timestamp of the newest dead-letter key; new keys never sort before it, even when
  // the clock steps back, so listing "after" an id never misses newer letters.
  int64_t last_dlq_ts_ = 0;  // guarded by write_mu_

  // Per-feature write activity (engine_activity.cc). Its own lock, held only for the
  // in-memory update: Activity() must not wait for a write's I/O under write_mu_.
  //
  // Writers that build a WriteBatch add the batch's figures to it (AppendActivity) and
  // fold them into memory once it is written (FoldActivity). RecordActivity is for
  // writers without a batch (bulk loads): it persists in a write of its own, after the
  // data, then folds; if that write fails the figures stay in memory only.
  void RecordActivity(const std::map<uint32_t, FeatureActivity>& batch);
  Status AppendActivity(const std::map<uint32_t, FeatureActivity>& batch,
                        rocksdb::WriteBatch* wb) const;
  void FoldActivity(const std::map<uint32_t, FeatureActivity>& batch, int64_t now);
  Status LoadActivity();
  struct ActivityState {
    FeatureActivity persisted;  // values_last_hour unused
    // Values per clock minute; minute_of[i] says which minute counts[i] holds.
    std::array<int64_t, 60> minute_of{};
    std::array<uint64_t, 60> counts{};
  };
  mutable std::mutex activity_mu_;
  std::map<uint32_t, ActivityState> activity_;  // guarded by activity_mu_

  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<uint64_t> rejected_{0};
};

// Converts a RocksDB status to an engine Status (kInternal unless it says otherwise).
Status FromRocks(const rocksdb::Status& s, std::string_view context);

}  // namespace asof::internal
