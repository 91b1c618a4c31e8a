#include "engine/internal/history_retention_filter.h"

#include <algorithm>
#include <string>

#include "engine/internal/keys.h"

namespace asof::internal {

namespace {

class HistoryRetentionFilter final : public rocksdb::CompactionFilter {
 public:
  HistoryRetentionFilter(const RetentionLookup* retention, int64_t now)
      : retention_(retention), now_(now) {}

  const char* Name() const override { return "asof.HistoryRetention"; }

  // Called in key order, so the versions of one (entity, feature) arrive newest first.
  bool Filter(int level, const rocksdb::Slice& key, const rocksdb::Slice& value,
              std::string* new_value, bool* value_changed) const override {
    HistoryKey k;
    if (!ParseHistoryKey(std::string_view(key.data(), key.size()), &k)) return false;
    if (k.prefix != prefix_) {
      prefix_.assign(k.prefix);
      min_kept_ingest_ = INT64_MAX;
      int64_t retention = (*retention_)(k.feature_id);
      cutoff_ = retention > 0 ? now_ - retention : INT64_MIN;
    }
    if (k.event_ts >= cutoff_) return false;
    if (min_kept_ingest_ <= std::max(k.ingest_ts, cutoff_)) return true;  // shadowed
    min_kept_ingest_ = std::min(min_kept_ingest_, k.ingest_ts);
    return false;
  }

 private:
  const RetentionLookup* retention_;
  const int64_t now_;
  // Filter() is const in RocksDB's interface but a filter object serves one compaction
  // on one thread, so this running state is safe.
  mutable std::string prefix_;
  mutable int64_t min_kept_ingest_ = INT64_MAX;  // among kept versions below the cutoff
  mutable int64_t cutoff_ = INT64_MIN;
};

class HistoryRetentionFilterFactory final : public rocksdb::CompactionFilterFactory {
 public:
  HistoryRetentionFilterFactory(RetentionLookup retention, const Clock* clock)
      : retention_(std::move(retention)), clock_(clock) {}

  const char* Name() const override { return "asof.HistoryRetentionFactory"; }

  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& context) override {
    return std::make_unique<HistoryRetentionFilter>(&retention_, clock_->NowMicros());
  }

 private:
  RetentionLookup retention_;
  const Clock* clock_;
};

}  // namespace

std::shared_ptr<rocksdb::CompactionFilterFactory> NewHistoryRetentionFilterFactory(
    RetentionLookup retention, const Clock* clock) {
  return std::make_shared<HistoryRetentionFilterFactory>(std::move(retention), clock);
}

}  // namespace asof::internal
