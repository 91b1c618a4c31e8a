#include "engine/internal/baseline_store.h"

#include <rocksdb/write_batch.h>

#include <algorithm>

#include "engine/internal/engine_impl.h"

namespace asof::internal {

namespace {

std::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

Status NoSuchBaseline(std::string_view id) {
  return NotFound("baseline '" + std::string(id) + "' does not exist");
}

}  // namespace

Result<std::unique_ptr<BaselineStore>> BaselineStore::Load(rocksdb::DB* db,
                                                           rocksdb::ColumnFamilyHandle* cf,
                                                           const Registry* registry,
                                                           const Clock* clock) {
  std::unique_ptr<BaselineStore> store(new BaselineStore(db, cf, registry, clock));
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  it->Seek(std::string(kDriftBaselinePrefix));
  while (it->Valid() && View(it->key()).starts_with(kDriftBaselinePrefix)) {
    BaselineKey key;
    if (!ParseBaselineKey(View(it->key()), &key)) return Internal("corrupt baseline key");
    if (!key.is_info) {  // a sketch whose info record is missing: not a baseline
      it->Next();
      continue;
    }
    ASSIGN_OR_RETURN(BaselineRecord record, DecodeBaselineRecord(View(it->value())));
    std::string id(key.id);
    store->records_.emplace(id, std::move(record));
    // Skip the baseline's sketches: every key of `id` is below prefix · 01.
    std::string next = BaselinePrefix(id);
    next.back() = '\x01';
    it->Seek(next);
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "loading drift baselines"));
  return store;
}

BaselineInfo BaselineStore::InfoOf(const std::string& id, const BaselineRecord& r) const {
  BaselineInfo info;
  info.id = id;
  info.origin = r.origin;
  info.created_ts = r.created_ts;
  info.updated_ts = r.updated_ts;
  info.rows = r.rows;
  for (uint32_t feature_id : r.feature_ids) {
    // Features are never removed from the registry; a missing one would be a bug
    // elsewhere, and listing the rest is more useful than failing.
    if (FeaturePtr f = registry_->FindById(feature_id)) info.features.push_back(std::move(f));
  }
  return info;
}

Status BaselineStore::WriteLocked(std::string_view id, const BaselineRecord& record,
                                  const FeatureSketches& sketches) {
  rocksdb::WriteBatch batch;
  RETURN_IF_ERROR(
      FromRocks(batch.Put(cf_, BaselinePrefix(id), EncodeBaselineRecord(record)), "baseline"));
  for (const auto& [feature_id, sketch] : sketches) {
    RETURN_IF_ERROR(FromRocks(batch.Put(cf_, BaselineSketchKey(id, feature_id), sketch.Serialize()),
                              "baseline"));
  }
  return FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "writing a drift baseline");
}

Result<std::optional<drift::ValueSketch>> BaselineStore::ReadSketchLocked(
    std::string_view id, uint32_t feature_id) const {
  std::string bytes;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf_, BaselineSketchKey(id, feature_id), &bytes);
  if (s.IsNotFound()) return std::optional<drift::ValueSketch>();
  RETURN_IF_ERROR(FromRocks(s, "reading a drift baseline"));
  ASSIGN_OR_RETURN(drift::ValueSketch sketch, DecodeStoredSketch(bytes, "baseline sketch"));
  return std::optional<drift::ValueSketch>(std::move(sketch));
}

Status BaselineStore::Merge(std::string_view id, std::string_view origin, FeatureSketches sketches,
                            uint64_t rows) {
  RETURN_IF_ERROR(ValidateBaselineId(id));
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = clock_->NowMicros();
  auto existing = records_.find(id);
  const bool exists = existing != records_.end();
  BaselineRecord record;
  if (exists) {
    record = existing->second;
  } else {
    record.origin = std::string(origin);
    record.created_ts = now;
  }
  for (auto& [feature_id, sketch] : sketches) {
    if (!exists) continue;
    ASSIGN_OR_RETURN(std::optional<drift::ValueSketch> stored, ReadSketchLocked(id, feature_id));
    if (stored) {
      stored->Merge(sketch);
      sketch = std::move(*stored);
    }
  }
  record.rows += rows;
  record.updated_ts = std::max(record.updated_ts, now);
  for (const auto& [feature_id, sketch] : sketches) record.feature_ids.push_back(feature_id);
  std::sort(record.feature_ids.begin(), record.feature_ids.end());
  record.feature_ids.erase(std::unique(record.feature_ids.begin(), record.feature_ids.end()),
                           record.feature_ids.end());
  RETURN_IF_ERROR(WriteLocked(id, record, sketches));
  records_.insert_or_assign(std::string(id), std::move(record));
  return Status::Ok();
}

Result<BaselineInfo> BaselineStore::Create(std::string_view id, std::string_view origin,
                                           const FeatureSketches& sketches, uint64_t rows) {
  RETURN_IF_ERROR(ValidateBaselineId(id));
  std::lock_guard<std::mutex> lock(mu_);
  if (records_.contains(id)) {
    return Conflict("baseline '" + std::string(id) + "' already exists");
  }
  const int64_t now = clock_->NowMicros();
  BaselineRecord record{std::string(origin), now, now, rows, {}};
  for (const auto& [feature_id, sketch] : sketches) record.feature_ids.push_back(feature_id);
  std::sort(record.feature_ids.begin(), record.feature_ids.end());
  RETURN_IF_ERROR(WriteLocked(id, record, sketches));
  auto [it, inserted] = records_.emplace(std::string(id), std::move(record));
  return InfoOf(it->first, it->second);
}

bool BaselineStore::Exists(std::string_view id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return records_.contains(id);
}

std::vector<BaselineInfo> BaselineStore::List() const {
  std::vector<BaselineInfo> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, record] : records_) out.push_back(InfoOf(id, record));
  }
  std::stable_sort(out.begin(), out.end(), [](const BaselineInfo& a, const BaselineInfo& b) {
    return a.created_ts > b.created_ts;
  });
  return out;
}

Result<BaselineInfo> BaselineStore::Get(std::string_view id) const {
  RETURN_IF_ERROR(ValidateBaselineId(id));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = records_.find(id);
  if (it == records_.end()) return NoSuchBaseline(id);
  return InfoOf(it->first, it->second);
}

Status BaselineStore::Delete(std::string_view id) {
  RETURN_IF_ERROR(ValidateBaselineId(id));
  std::lock_guard<std::mutex> lock(mu_);
  auto found = records_.find(id);
  if (found == records_.end()) return NoSuchBaseline(id);
  rocksdb::WriteBatch batch;
  const std::string prefix = BaselinePrefix(id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_));
  for (it->Seek(prefix); it->Valid() && View(it->key()).starts_with(prefix); it->Next()) {
    RETURN_IF_ERROR(FromRocks(batch.Delete(cf_, it->key()), "baseline"));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading a drift baseline"));
  RETURN_IF_ERROR(FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "deleting a baseline"));
  records_.erase(found);
  return Status::Ok();
}

std::optional<std::string> BaselineStore::NewestWith(uint32_t feature_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string* best = nullptr;
  int64_t best_ts = 0;
  for (const auto& [id, record] : records_) {
    if (!std::binary_search(record.feature_ids.begin(), record.feature_ids.end(), feature_id)) {
      continue;
    }
    // Ties on created_ts go to the smaller id, as in List().
    if (best == nullptr || record.created_ts > best_ts) {
      best = &id;
      best_ts = record.created_ts;
    }
  }
  return best ? std::optional<std::string>(*best) : std::nullopt;
}

std::set<uint32_t> BaselineStore::FeatureIds() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<uint32_t> out;
  for (const auto& [id, record] : records_) {
    out.insert(record.feature_ids.begin(), record.feature_ids.end());
  }
  return out;
}

Result<std::optional<drift::ValueSketch>> BaselineStore::Sketch(std::string_view id,
                                                                uint32_t feature_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!records_.contains(id)) return NoSuchBaseline(id);
  return ReadSketchLocked(id, feature_id);
}

}  // namespace asof::internal
