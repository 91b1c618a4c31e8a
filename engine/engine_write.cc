// The write path: validate each record, skip duplicates, and apply the accepted ones,
// their dedup entries and the dead letters in one atomic WriteBatch.
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <map>
#include <unordered_set>

#include "engine/internal/coding.h"
#include "engine/internal/dead_letter_codec.h"
#include "engine/internal/engine_impl.h"
#include "engine/internal/keys.h"
#include "engine/internal/latest_record.h"
#include "engine/internal/record_validation.h"
#include "engine/internal/value_codec.h"

namespace asof::internal {

namespace {

// The accepted records of a batch grouped per entity, so that each entity gets one
// `latest` merge operand however many of its features the batch writes.
class LatestOperands {
 public:
  void Add(std::string entity_key, BinView bin) {
    by_entity_[std::move(entity_key)].push_back(bin);
  }

  void AppendTo(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* cf,
                rocksdb::Status* status) {
    std::string operand;
    for (auto& [key, bins] : by_entity_) {
      EncodeWinners(&bins, &operand);
      *status = batch->Merge(cf, key, operand);
      if (!status->ok()) return;
    }
  }

  // After the batch was written (or failed to be): cached records of its entities are
  // stale or may be.
  void Invalidate(LatestCache& cache) const {
    for (const auto& [key, bins] : by_entity_) cache.Invalidate(key);
  }

 private:
  std::map<std::string, std::vector<BinView>> by_entity_;
};

}  // namespace

Result<WriteResult> EngineImpl::Write(std::span<const WriteRecord> records) {
  WriteResult result;
  std::lock_guard<std::mutex> lock(write_mu_);
  const int64_t now = options_.clock->NowMicros();
  RecordValidator validator(*registry_, options_, now);

  rocksdb::WriteBatch batch;
  LatestOperands latest;
  // Encoded values must stay put while bins borrow them.
  std::vector<std::string> encoded(records.size());
  std::unordered_set<std::string_view> batch_event_ids;
  std::map<uint32_t, FeatureActivity> activity;
  std::string key;
  rocksdb::Status s;
  auto reject = [&](size_t i, Status reason) {
    std::string value;
    EncodeDeadLetter(records[i], reason, &value);
    last_dlq_ts_ = std::max(last_dlq_ts_, now);
    s = batch.Put(cfs_[kDlqCf], DeadLetterKey(last_dlq_ts_, next_dlq_seq_++), value);
    result.problems.push_back({i, RecordOutcome::kRejected, std::move(reason)});
    ++result.rejected;
  };

  for (size_t i = 0; i < records.size() && s.ok(); ++i) {
    const WriteRecord& r = records[i];
    Result<ValidRecord> valid = validator.Validate(r);
    if (!valid.ok()) {
      reject(i, valid.status());
      continue;
    }
    if (!r.event_id.empty()) {
      bool seen = batch_event_ids.count(r.event_id) > 0;
      if (!seen) {
        std::string first;
        rocksdb::Status g = db_->Get(rocksdb::ReadOptions(), cfs_[kDedupCf], r.event_id, &first);
        if (!g.ok() && !g.IsNotFound()) return FromRocks(g, "dedup lookup");
        seen = g.ok() && first.size() == 8 &&
               static_cast<int64_t>(LoadBE64(first.data())) >= now - options_.dedup_window_us;
      }
      if (seen) {
        result.problems.push_back({i, RecordOutcome::kDuplicate, Status::Ok()});
        ++result.duplicates;
        continue;
      }
      batch_event_ids.insert(r.event_id);
    }

    const int64_t ingest_ts = NextIngestTs(now);
    const uint32_t feature_id = valid->feature->id;
    EncodeValue(r.value, &encoded[i]);
    key.clear();
    AppendEntityKey(valid->entity_type_id, r.entity_id, &key);
    latest.Add(key, BinView{feature_id, *r.event_ts, ingest_ts, encoded[i]});
    AppendHistorySuffix(feature_id, *r.event_ts, ingest_ts, &key);
    s = batch.Put(cfs_[kHistoryCf], key, encoded[i]);
    if (s.ok() && !r.event_id.empty()) {
      std::string ts;
      PutBE64(&ts, static_cast<uint64_t>(ingest_ts));
      s = batch.Put(cfs_[kDedupCf], r.event_id, ts);
    }
    FeatureActivity& a = activity[feature_id];
    a.last_event_ts = a.values_written == 0 ? *r.event_ts : std::max(a.last_event_ts, *r.event_ts);
    a.last_ingest_ts = ingest_ts;
    ++a.values_written;
    ++result.accepted;
  }
  if (s.ok()) latest.AppendTo(&batch, cfs_[kLatestCf], &s);
  if (s.ok() && result.accepted > 0) {
    std::string hwm;
    PutBE64(&hwm, static_cast<uint64_t>(last_ingest_ts_));
    s = batch.Put(cfs_[kDefaultCf], kIngestHwmKey, hwm);
  }
  RETURN_IF_ERROR(FromRocks(s, "building write batch"));
  RETURN_IF_ERROR(AppendActivity(activity, &batch));

  if (batch.Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.sync = options_.sync_writes;
    rocksdb::Status written = db_->Write(wo, &batch);
    latest.Invalidate(latest_cache_);
    RETURN_IF_ERROR(FromRocks(written, "write"));
  }
  accepted_.fetch_add(result.accepted, std::memory_order_relaxed);
  duplicates_.fetch_add(result.duplicates, std::memory_order_relaxed);
  rejected_.fetch_add(result.rejected, std::memory_order_relaxed);
  if (!activity.empty()) FoldActivity(activity, now);
  return result;
}

}  // namespace asof::internal
