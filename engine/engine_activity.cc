// Per-feature write activity: the timestamps and counts persisted as merge operands in
// the default column family (internal/activity_record.h), mirrored in memory together
// with a per-minute ring for "values in the last hour".
#include <algorithm>

#include "engine/internal/activity_record.h"
#include "engine/internal/engine_impl.h"

namespace asof::internal {

namespace {

constexpr int64_t kMinuteUs = 60LL * 1000000;

int64_t MinuteOf(int64_t micros) { return micros >= 0 ? micros / kMinuteUs : -1; }

}  // namespace

Status EngineImpl::AppendActivity(const std::map<uint32_t, FeatureActivity>& batch,
                                  rocksdb::WriteBatch* wb) const {
  std::string value;
  for (const auto& [id, delta] : batch) {
    value.clear();
    EncodeActivity(delta, &value);
    RETURN_IF_ERROR(FromRocks(wb->Merge(cfs_[kDefaultCf], ActivityKey(id), value), "activity"));
  }
  return Status::Ok();
}

void EngineImpl::FoldActivity(const std::map<uint32_t, FeatureActivity>& batch, int64_t now) {
  const int64_t minute = MinuteOf(now);
  const size_t slot = static_cast<size_t>(std::max<int64_t>(minute, 0) % 60);
  std::lock_guard<std::mutex> lock(activity_mu_);
  for (const auto& [id, delta] : batch) {
    ActivityState& a = activity_[id];
    MergeActivity(delta, &a.persisted);
    a.persisted.feature_id = id;
    if (a.minute_of[slot] != minute) {
      a.minute_of[slot] = minute;
      a.counts[slot] = 0;
    }
    a.counts[slot] += delta.values_written;
  }
}

void EngineImpl::RecordActivity(const std::map<uint32_t, FeatureActivity>& batch) {
  rocksdb::WriteBatch wb;
  if (AppendActivity(batch, &wb).ok()) {
    rocksdb::WriteOptions wo;
    wo.sync = options_.sync_writes;
    // Advisory figures: a failed write leaves them in memory only, and the data written
    // before this call stays applied either way.
    db_->Write(wo, &wb).PermitUncheckedError();
  }
  FoldActivity(batch, options_.clock->NowMicros());
}

Status EngineImpl::LoadActivity() {
  std::map<uint32_t, ActivityState> loaded;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kDefaultCf]));
  for (it->Seek(kActivityKeyPrefix); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(kActivityKeyPrefix)) break;
    uint32_t id = 0;
    FeatureActivity a;
    if (!ParseActivityKey(key, &id) ||
        !DecodeActivity(std::string_view(it->value().data(), it->value().size()), &a)) {
      return Internal("corrupt activity record");
    }
    a.feature_id = id;
    loaded[id].persisted = a;
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading activity"));
  std::lock_guard<std::mutex> lock(activity_mu_);
  activity_ = std::move(loaded);
  return Status::Ok();
}

std::vector<FeatureActivity> EngineImpl::Activity() const {
  const int64_t minute = MinuteOf(options_.clock->NowMicros());
  std::lock_guard<std::mutex> lock(activity_mu_);
  std::vector<FeatureActivity> out;
  out.reserve(activity_.size());
  for (const auto& [id, a] : activity_) {
    FeatureActivity& f = out.emplace_back(a.persisted);
    for (size_t i = 0; i < a.counts.size(); ++i) {
      // A minute stamped in the future (the clock stepped back) is not "the last hour".
      if (a.counts[i] != 0 && a.minute_of[i] > minute - 60 && a.minute_of[i] <= minute) {
        f.values_last_hour += a.counts[i];
      }
    }
  }
  return out;
}

}  // namespace asof::internal
