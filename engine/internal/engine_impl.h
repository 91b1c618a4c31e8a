// EngineImpl: the Engine of engine.h over one RocksDB instance. Split across files by
// concern: engine_open.cc (lifecycle, stats), engine_write.cc (validation and the write
// batch), engine_read_online.cc, engine_read_asof.cc, engine_dlq.cc, engine_activity.cc.
//
// Concurrency: Write() holds write_mu_ for the whole batch, because the dedup check and
// the ingest_ts sequence must be atomic with the write. Reads take no engine lock.
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/engine.h"
#include "engine/internal/column_families.h"

namespace asof::internal {

class EngineImpl final : public Engine {
 public:
  explicit EngineImpl(const EngineOptions& options) : options_(options) {}
  ~EngineImpl() override;

  Status OpenDb();

  Registry& registry() override { return *registry_; }
  Result<WriteResult> Write(std::span<const WriteRecord> records) override;
  Result<OnlineResult> ReadOnline(const OnlineRequest& request) override;
  Result<std::unique_ptr<AsOfJoin>> StartAsOf(const AsOfSpec& spec) override;
  Result<std::vector<DeadLetter>> ListDeadLetters(std::optional<DeadLetterId> after,
                                                  size_t limit) override;
  Status AddDeadLetters(std::span<const DeadLetterInput> letters) override;
  EngineStats stats() const override;
  std::vector<FeatureActivity> Activity() const override;
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
  CfTuning tuning_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
  std::unique_ptr<Registry> registry_;
  // Read by compaction threads, which may start before the registry is loaded.
  std::atomic<Registry*> registry_for_filters_{nullptr};

  std::mutex write_mu_;
  int64_t last_ingest_ts_ = 0;  // guarded by write_mu_
  uint64_t next_dlq_seq_ = 1;   // guarded by write_mu_
  // Timestamp of the newest dead-letter key; new keys never sort before it, even when
  // the clock steps back, so listing "after" an id never misses newer letters.
  int64_t last_dlq_ts_ = 0;  // guarded by write_mu_

  // Per-feature write activity (engine_activity.cc). Its own lock, held only for the
  // in-memory update: Activity() must not wait for a write's I/O under write_mu_.
  void RecordActivity(const std::map<uint32_t, FeatureActivity>& batch);
  mutable std::mutex activity_mu_;
  std::map<uint32_t, FeatureActivity> activity_;  // guarded by activity_mu_

  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<uint64_t> rejected_{0};
};

// Resolves feature references of one entity type, in order; the first error wins.
Result<std::vector<FeaturePtr>> ResolveFeatures(const Registry& registry,
                                                std::string_view entity_type,
                                                const std::vector<std::string>& refs);

// Converts a RocksDB status to an engine Status (kInternal unless it says otherwise).
Status FromRocks(const rocksdb::Status& s, std::string_view context);

}  // namespace asof::internal
