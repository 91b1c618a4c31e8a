// Online reads: one MultiGet of the entities' `latest` records, then a bin lookup per
// feature. A bin dated after now (a future event) falls back to a history seek at now, so
// online at now always equals as-of at now.
#include "engine/internal/engine_impl.h"
#include "engine/internal/history_lookup.h"
#include "engine/internal/keys.h"
#include "engine/internal/latest_record.h"
#include "engine/internal/record_validation.h"
#include "engine/internal/serve_value.h"

namespace asof::internal {

Result<OnlineResult> EngineImpl::ReadOnline(const OnlineRequest& request) {
  ASSIGN_OR_RETURN(Registry::Resolved resolved,
                   registry_->ResolveMany(request.entity_type, request.features));
  OnlineResult out;
  out.features = std::move(resolved.features);
  const size_t n = request.entity_ids.size();
  out.num_entities = n;
  out.values.resize(n * out.features.size());

  std::vector<std::string> keys(n);
  std::vector<rocksdb::Slice> key_slices(n);
  for (size_t i = 0; i < n; ++i) {
    Status id_ok = CheckEntityId(request.entity_ids[i]);
    if (!id_ok.ok()) return InvalidArgument(id_ok.message());
    AppendEntityKey(resolved.entity_type_id, request.entity_ids[i], &keys[i]);
    key_slices[i] = keys[i];
  }
  std::vector<rocksdb::PinnableSlice> records(n);
  std::vector<rocksdb::Status> statuses(n);
  db_->MultiGet(rocksdb::ReadOptions(), cfs_[kLatestCf], n, key_slices.data(), records.data(),
                statuses.data());

  const int64_t now = options_.clock->NowMicros();
  std::unique_ptr<HistoryLookup> history;  // only for future-dated bins, which are rare
  std::vector<BinView> bins;               // of one entity's record, decoded once for all features
  for (size_t i = 0; i < n; ++i) {
    if (!statuses[i].ok() && !statuses[i].IsNotFound()) {
      return FromRocks(statuses[i], "online read");
    }
    bins.clear();
    if (statuses[i].ok() &&
        !DecodeLatestRecord(std::string_view(records[i].data(), records[i].size()), &bins)) {
      return Internal("corrupt latest record");
    }
    for (size_t j = 0; j < out.features.size(); ++j) {
      const Feature& f = *out.features[j];
      const BinView* bin = LookupBin(bins, f.id);
      StoredVersion version;
      const StoredVersion* chosen = nullptr;
      if (bin != nullptr && bin->event_ts <= now) {
        version = StoredVersion{bin->event_ts, bin->ingest_ts, bin->value};
        chosen = &version;
      } else if (bin != nullptr) {
        if (!history) {
          history = std::make_unique<HistoryLookup>(db_.get(), cfs_[kHistoryCf], nullptr);
        }
        ASSIGN_OR_RETURN(chosen, history->Find(keys[i], f.id, now, AsOfMode::kEventTime));
      }
      ASSIGN_OR_RETURN(out.values[i * out.features.size() + j], ServeVersion(f, chosen, now));
    }
  }
  drift_->ObserveServed(out, now);
  served_log_->ObserveServed(request, out, now);
  return out;
}

}  // namespace asof::internal
