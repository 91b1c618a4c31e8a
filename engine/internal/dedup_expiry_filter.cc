#include "engine/internal/dedup_expiry_filter.h"

#include <string>

#include "engine/internal/coding.h"

namespace asof::internal {

namespace {

class DedupExpiryFilter final : public rocksdb::CompactionFilter {
 public:
  explicit DedupExpiryFilter(int64_t oldest_kept) : oldest_kept_(oldest_kept) {}
  const char* Name() const override { return "asof.DedupExpiry"; }

  bool Filter(int level, const rocksdb::Slice& key, const rocksdb::Slice& value,
              std::string* new_value, bool* value_changed) const override {
    if (value.size() != 8) return false;  // not ours to judge; keep
    return static_cast<int64_t>(LoadBE64(value.data())) < oldest_kept_;
  }

 private:
  const int64_t oldest_kept_;
};

class DedupExpiryFilterFactory final : public rocksdb::CompactionFilterFactory {
 public:
  DedupExpiryFilterFactory(int64_t window_us, const Clock* clock)
      : window_us_(window_us), clock_(clock) {}
  const char* Name() const override { return "asof.DedupExpiryFactory"; }

  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& context) override {
    return std::make_unique<DedupExpiryFilter>(clock_->NowMicros() - window_us_);
  }

 private:
  const int64_t window_us_;
  const Clock* clock_;
};

}  // namespace

std::shared_ptr<rocksdb::CompactionFilterFactory> NewDedupExpiryFilterFactory(int64_t window_us,
                                                                              const Clock* clock) {
  return std::make_shared<DedupExpiryFilterFactory>(window_us, clock);
}

}  // namespace asof::internal
