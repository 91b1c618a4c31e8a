// Engine lifecycle: open, close, statistics, maintenance.
#include <rocksdb/convenience.h>
#include <rocksdb/statistics.h>

#include "engine/internal/coding.h"
#include "engine/internal/engine_impl.h"
#include "engine/internal/keys.h"
#include "engine/internal/monitor_factories.h"

namespace asof {

using internal::EngineImpl;

std::string_view ValueStatusName(ValueStatus s) {
  switch (s) {
    case ValueStatus::kPresent:
      return "PRESENT";
    case ValueStatus::kNullValue:
      return "NULL_VALUE";
    case ValueStatus::kNotFound:
      return "NOT_FOUND";
    case ValueStatus::kOutsideMaxAge:
      return "OUTSIDE_MAX_AGE";
  }
  return "UNKNOWN";
}

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  if (options.path.empty()) return InvalidArgument("engine path is empty");
  if (options.clock == nullptr) return InvalidArgument("engine clock is null");
  auto engine = std::make_unique<EngineImpl>(options);
  RETURN_IF_ERROR(engine->OpenDb());
  return std::unique_ptr<Engine>(std::move(engine));
}

Result<std::vector<FeatureValue>> Engine::ReadAsOf(const AsOfSpec& spec,
                                                   std::span<const AsOfRow> rows) {
  ASSIGN_OR_RETURN(auto join, StartAsOf(spec));
  return join->Next(rows);
}

namespace internal {

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::Ok();
  std::string message = std::string(context) + ": " + s.ToString();
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) return Unavailable(std::move(message));
  // RocksDB reports a held LOCK file as an IOError mentioning the lock.
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return Unavailable(message + " (is another asofd using this data directory?)");
  }
  return Internal(std::move(message));
}

Status EngineImpl::OpenDb() {
  tuning_ = MakeTuning(options_, [this](uint32_t feature_id) -> int64_t {
    Registry* registry = registry_for_filters_.load(std::memory_order_acquire);
    if (registry == nullptr) return 0;
    FeaturePtr f = registry->FindById(feature_id);
    return f ? f->spec.retention_us : 0;
  });
  rocksdb::DB* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(tuning_.db, options_.path, tuning_.cfs, &cfs_, &raw),
                            "opening " + options_.path));
  db_.reset(raw);
  ASSIGN_OR_RETURN(registry_, Registry::Load(db_.get(), cfs_[kRegistryCf], options_.clock,
                                             options_.sync_writes));
  registry_for_filters_.store(registry_.get(), std::memory_order_release);
  RETURN_IF_ERROR(LoadWriteState());
  RETURN_IF_ERROR(LoadActivity());
  const MonitorContext monitor{db_.get(), cfs_[kDefaultCf], registry_.get(), options_.clock};
  ASSIGN_OR_RETURN(drift_, NewDriftMonitor(monitor, options_.drift));
  ASSIGN_OR_RETURN(served_log_, NewServedLog(monitor, options_.served_log));
  return Status::Ok();
}

Status EngineImpl::LoadWriteState() {
  std::string hwm;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[kDefaultCf], kIngestHwmKey, &hwm);
  if (s.ok() && hwm.size() == 8) {
    last_ingest_ts_ = static_cast<int64_t>(LoadBE64(hwm.data()));
  } else if (!s.IsNotFound()) {
    return s.ok() ? Internal("corrupt ingest high-water mark") : FromRocks(s, "reading state");
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kDlqCf]));
  it->SeekToLast();
  if (it->Valid()) {
    int64_t ts;
    uint64_t seq;
    if (!ParseDeadLetterKey(std::string_view(it->key().data(), it->key().size()), &ts, &seq)) {
      return Internal("corrupt dead-letter key");
    }
    next_dlq_seq_ = seq + 1;
    last_dlq_ts_ = ts;
  }
  return FromRocks(it->status(), "reading dead letters");
}

int64_t EngineImpl::NextIngestTs(int64_t now) {
  last_ingest_ts_ = std::max(now, last_ingest_ts_ + 1);
  return last_ingest_ts_;
}

EngineImpl::~EngineImpl() {
  if (!db_) return;
  registry_for_filters_.store(nullptr, std::memory_order_release);
  // Both persist what they hold in memory; the served log also stops its thread.
  served_log_.reset();
  drift_.reset();
  // Background compactions may still call the retention lookup; stop them first.
  rocksdb::CancelAllBackgroundWork(db_.get(), /*wait=*/true);
  registry_.reset();
  for (auto* h : cfs_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  db_->Close().PermitUncheckedError();
}

EngineStats EngineImpl::stats() const {
  EngineStats s;
  s.records_accepted = accepted_.load(std::memory_order_relaxed);
  s.records_duplicate = duplicates_.load(std::memory_order_relaxed);
  s.records_rejected = rejected_.load(std::memory_order_relaxed);
  s.block_cache_hits = tuning_.db.statistics->getTickerCount(rocksdb::BLOCK_CACHE_HIT);
  s.block_cache_misses = tuning_.db.statistics->getTickerCount(rocksdb::BLOCK_CACHE_MISS);
  return s;
}

Status EngineImpl::CompactAll() {
  rocksdb::CompactRangeOptions opts;
  opts.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (size_t i = 0; i < cfs_.size(); ++i) {
    RETURN_IF_ERROR(FromRocks(db_->Flush(rocksdb::FlushOptions(), cfs_[i]), "flush"));
    RETURN_IF_ERROR(FromRocks(db_->CompactRange(opts, cfs_[i], nullptr, nullptr), "compaction"));
  }
  return Status::Ok();
}

}  // namespace internal
}  // namespace asof
