// As-of joins: each chunk of rows is visited in key order (entity, feature, T descending)
// so the history iterator only moves forward, then answered in the caller's row order.
#include <algorithm>
#include <numeric>

#include "engine/internal/engine_impl.h"
#include "engine/internal/history_lookup.h"
#include "engine/internal/keys.h"
#include "engine/internal/record_validation.h"

namespace asof::internal {

namespace {

class AsOfJoinImpl final : public AsOfJoin {
 public:
  AsOfJoinImpl(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* history, uint32_t entity_type_id,
               std::vector<FeaturePtr> features, AsOfMode mode,
               std::unique_ptr<BaselineRecorder> baseline)
      : db_(db),
        snapshot_(db->GetSnapshot()),
        lookup_(db, history, snapshot_),
        entity_type_id_(entity_type_id),
        features_(std::move(features)),
        mode_(mode),
        baseline_(std::move(baseline)) {
    by_id_.resize(features_.size());
    std::iota(by_id_.begin(), by_id_.end(), 0);
    std::sort(by_id_.begin(), by_id_.end(),
              [&](size_t a, size_t b) { return features_[a]->id < features_[b]->id; });
  }
  ~AsOfJoinImpl() override {
    // The training set's distribution goes in once, whatever the number of chunks. A
    // destructor has no one to report to; a failed write leaves that baseline without
    // this join's rows, and the data itself is untouched.
    if (baseline_) baseline_->Commit().IgnoreError();
    db_->ReleaseSnapshot(snapshot_);
  }

  const std::vector<FeaturePtr>& features() const override { return features_; }

  Result<std::vector<FeatureValue>> Next(std::span<const AsOfRow> rows) override {
    const size_t nf = features_.size();
    std::vector<std::string> keys(rows.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      Status id_ok = CheckEntityId(rows[r].entity_id);
      if (!id_ok.ok()) return InvalidArgument("row " + std::to_string(r) + ": " + id_ok.message());
      AppendEntityKey(entity_type_id_, rows[r].entity_id, &keys[r]);
    }
    std::vector<size_t> order(rows.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      int c = keys[a].compare(keys[b]);
      return c != 0 ? c < 0 : rows[a].ts > rows[b].ts;
    });

    std::vector<FeatureValue> out(rows.size() * nf);
    for (size_t begin = 0; begin < order.size();) {
      size_t end = begin + 1;  // [begin, end): rows of one entity, T descending
      while (end < order.size() && keys[order[end]] == keys[order[begin]]) ++end;
      for (size_t j : by_id_) {
        const Feature& f = *features_[j];
        for (size_t k = begin; k < end; ++k) {
          size_t r = order[k];
          ASSIGN_OR_RETURN(const StoredVersion* v, lookup_.Find(keys[r], f.id, rows[r].ts, mode_));
          ASSIGN_OR_RETURN(out[r * nf + j], ServeVersion(f, v, rows[r].ts));
        }
      }
      begin = end;
    }
    if (baseline_) RETURN_IF_ERROR(baseline_->Add(features_, out));
    return out;
  }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
  HistoryLookup lookup_;
  const uint32_t entity_type_id_;
  const std::vector<FeaturePtr> features_;
  std::vector<size_t> by_id_;  // feature positions ordered by feature id
  const AsOfMode mode_;
  std::unique_ptr<BaselineRecorder> baseline_;  // null: no baseline recorded
};

}  // namespace

Result<std::unique_ptr<AsOfJoin>> EngineImpl::StartAsOf(const AsOfSpec& spec) {
  ASSIGN_OR_RETURN(Registry::Resolved resolved,
                   registry_->ResolveMany(spec.entity_type, spec.features));
  std::unique_ptr<BaselineRecorder> baseline;
  if (!spec.baseline_id.empty()) {
    ASSIGN_OR_RETURN(baseline, drift_->RecordBaseline(spec.baseline_id, spec.baseline_origin));
  }
  return std::unique_ptr<AsOfJoin>(
      std::make_unique<AsOfJoinImpl>(db_.get(), cfs_[kHistoryCf], resolved.entity_type_id,
                                     std::move(resolved.features), spec.mode, std::move(baseline)));
}

}  // namespace asof::internal
