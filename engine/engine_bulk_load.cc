// Bulk load: hand out a load's ingest_ts, verify its SST files entry by entry, and ingest
// them together with the load's fingerprint in one IngestExternalFiles call, which RocksDB
// records atomically in the MANIFEST across column families: after a crash the store
// holds all of a load (fingerprint included) or none of it.
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <system_error>

#include "engine/internal/bulk_load_verify.h"
#include "engine/internal/coding.h"
#include "engine/internal/engine_impl.h"
#include "engine/internal/keys.h"

namespace asof::internal {

namespace {

constexpr std::string_view kFingerprintPrefix = "bulk:";

std::string FingerprintKey(std::string_view fingerprint) {
  std::string key(kFingerprintPrefix);
  key.append(fingerprint);
  return key;
}

// Writes the one-entry SST file that records the fingerprint in the default column
// family, so that it is ingested in the same atomic step as the data.
Status WriteFingerprintFile(const std::string& path, std::string_view fingerprint,
                            int64_t ingest_ts) {
  rocksdb::SstFileWriter writer{rocksdb::EnvOptions(), rocksdb::Options()};
  std::string value;
  PutBE64(&value, static_cast<uint64_t>(ingest_ts));
  rocksdb::Status s = writer.Open(path);
  if (s.ok()) s = writer.Put(FingerprintKey(fingerprint), value);
  if (s.ok()) s = writer.Finish();
  return FromRocks(s, "writing the bulk-load fingerprint file " + path);
}

}  // namespace

Result<int64_t> EngineImpl::ReserveIngestTs() {
  std::lock_guard<std::mutex> lock(write_mu_);
  const int64_t ts = NextIngestTs(options_.clock->NowMicros());
  std::string hwm;
  PutBE64(&hwm, static_cast<uint64_t>(ts));
  // Always synced: the load's files become durable at ingestion whatever sync_writes
  // says, and a high-water mark lost behind them could hand the same ingest_ts out again.
  rocksdb::WriteOptions wo;
  wo.sync = true;
  RETURN_IF_ERROR(FromRocks(db_->Put(wo, cfs_[kDefaultCf], kIngestHwmKey, hwm),
                            "persisting the ingest high-water mark"));
  return ts;
}

Result<std::optional<int64_t>> EngineImpl::BulkLoadApplied(std::string_view fingerprint) {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cfs_[kDefaultCf], FingerprintKey(fingerprint), &value);
  if (s.IsNotFound()) return std::optional<int64_t>();
  RETURN_IF_ERROR(FromRocks(s, "reading a bulk-load fingerprint"));
  if (value.size() != 8) return Internal("corrupt bulk-load fingerprint record");
  return std::optional<int64_t>(static_cast<int64_t>(LoadBE64(value.data())));
}

// The files verified so far, by path; each file's figures are kept on their own so that
// Ingest adds up exactly the files it is given.
class BulkLoadSessionImpl final : public BulkLoadSession {
 public:
  BulkLoadSessionImpl(EngineImpl* engine, int64_t ingest_ts)
      : engine_(engine), ingest_ts_(ingest_ts) {}

  int64_t ingest_ts() const override { return ingest_ts_; }

  Status Verify(const std::string& path, BulkFileKind kind) override {
    const int64_t now = engine_->options_.clock->NowMicros();
    auto checked = std::make_unique<Checked>(kind, *engine_->registry_, ingest_ts_,
                                             now + engine_->options_.max_future_skew_us);
    checked->status = checked->verifier.VerifyFile(path, kind);
    Status status = checked->status;
    std::lock_guard lock(mu_);
    verified_[path] = std::move(checked);
    return status;
  }

  Result<BulkLoadResult> Ingest(const BulkLoadFiles& files, std::string_view fingerprint) override;

 private:
  struct Checked {
    Checked(BulkFileKind k, const Registry& registry, int64_t ingest_ts, int64_t max_event_ts)
        : kind(k), verifier(registry, ingest_ts, max_event_ts) {}
    BulkFileKind kind;
    BulkLoadVerifier verifier;
    Status status;
  };
  // The outcome for `path` verified as `kind`, verifying it now when that was not done.
  Result<const Checked*> Outcome(const std::string& path, BulkFileKind kind) {
    {
      std::lock_guard lock(mu_);
      auto it = verified_.find(path);
      if (it != verified_.end() && it->second->kind == kind) return it->second.get();
    }
    (void)Verify(path, kind);
    std::lock_guard lock(mu_);
    return verified_.at(path).get();
  }

  EngineImpl* const engine_;
  const int64_t ingest_ts_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Checked>> verified_;  // guarded by mu_
  bool spent_ = false;
};

Result<BulkLoadResult> BulkLoadSessionImpl::Ingest(const BulkLoadFiles& files,
                                                   std::string_view fingerprint) {
  if (fingerprint.empty()) return InvalidArgument("bulk load: the fingerprint is empty");
  if (spent_) return InvalidArgument("bulk load: this load was already ingested or failed");
  spent_ = true;
  std::lock_guard<std::mutex> bulk_lock(engine_->bulk_mu_);
  ASSIGN_OR_RETURN(std::optional<int64_t> applied, engine_->BulkLoadApplied(fingerprint));
  if (applied.has_value()) {
    return Conflict("bulk load: fingerprint already applied with ingest_ts " +
                    std::to_string(*applied));
  }

  // History files first, then latest, each in the caller's order: the first failure
  // reported is the one a single pass over the files would have met first.
  BulkLoadResult result;
  std::map<uint32_t, FeatureActivity> activity;
  std::set<uint32_t> feature_ids;
  auto collect = [&](const std::vector<std::string>& paths, BulkFileKind kind) -> Status {
    for (const std::string& path : paths) {
      ASSIGN_OR_RETURN(const Checked* c, Outcome(path, kind));
      RETURN_IF_ERROR(c->status);
      result.history_entries += c->verifier.history_entries();
      result.latest_entries += c->verifier.latest_entries();
      for (const auto& [id, a] : c->verifier.activity()) {
        FeatureActivity& sum = activity[id];
        sum.last_event_ts = sum.values_written == 0 ? a.last_event_ts
                                                    : std::max(sum.last_event_ts, a.last_event_ts);
        sum.feature_id = id;
        sum.last_ingest_ts = a.last_ingest_ts;
        sum.values_written += a.values_written;
      }
      for (uint32_t id : c->verifier.feature_ids()) feature_ids.insert(id);
    }
    return Status::Ok();
  };
  RETURN_IF_ERROR(collect(files.history, BulkFileKind::kHistory));
  RETURN_IF_ERROR(collect(files.latest, BulkFileKind::kLatest));
  // Files may have been verified long before: a feature deprecated since then is refused
  // now, as Verify would refuse it.
  for (uint32_t id : feature_ids) {
    FeaturePtr f = engine_->registry_->FindById(id);
    if (f == nullptr || f->deprecated) {
      return InvalidArgument("bulk load: feature " +
                             (f == nullptr ? "id " + std::to_string(id)
                                           : f->spec.name + "@" + std::to_string(f->version)) +
                             " was deprecated or removed while the load was verified; nothing "
                             "was applied");
    }
  }

  // The fingerprint file goes next to the load's own files (the caller's staging area),
  // or into the data directory for a load without files.
  std::filesystem::path dir = engine_->options_.path;
  if (!files.history.empty()) dir = std::filesystem::path(files.history.front()).parent_path();
  if (files.history.empty() && !files.latest.empty()) {
    dir = std::filesystem::path(files.latest.front()).parent_path();
  }
  const std::string fp_path =
      (dir / ("fingerprint-" + std::to_string(ingest_ts_) + ".sst")).string();
  RETURN_IF_ERROR(WriteFingerprintFile(fp_path, fingerprint, ingest_ts_));

  rocksdb::IngestExternalFileOptions io;
  io.move_files = true;
  io.allow_global_seqno = true;
  io.ingest_behind = false;
  io.snapshot_consistency = true;
  io.write_global_seqno =
      false;  // leaves the files untouched; new RocksDB reads seqno from the MANIFEST
  std::vector<rocksdb::IngestExternalFileArg> args;
  auto add = [&](Cf cf, const std::vector<std::string>& paths) {
    if (paths.empty()) return;
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = engine_->cfs_[cf];
    arg.external_files = paths;
    arg.options = io;
    args.push_back(std::move(arg));
  };
  add(kHistoryCf, files.history);
  add(kLatestCf, files.latest);
  add(kDefaultCf, {fp_path});
  rocksdb::Status s = engine_->db_->IngestExternalFiles(args);
  // Whatever the outcome: a failed ingestion may still have applied (an I/O error after
  // the MANIFEST write), and dropping cached records is always safe.
  engine_->latest_cache_.InvalidateAll();
  if (!s.ok()) {
    std::error_code ec;
    std::filesystem::remove(fp_path, ec);  // best effort: the caller's staging goes anyway
    return FromRocks(s, "ingesting the bulk load");
  }
  if (!activity.empty()) engine_->RecordActivity(activity);
  return result;
}

Result<std::unique_ptr<BulkLoadSession>> EngineImpl::StartBulkLoad(int64_t ingest_ts) {
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    if (ingest_ts <= 0 || ingest_ts > last_ingest_ts_) {
      return InvalidArgument("bulk load: ingest_ts " + std::to_string(ingest_ts) +
                             " was not handed out by ReserveIngestTs");
    }
  }
  return std::unique_ptr<BulkLoadSession>(new BulkLoadSessionImpl(this, ingest_ts));
}

}  // namespace asof::internal

namespace asof {

Result<BulkLoadResult> Engine::IngestBulkLoad(const BulkLoadFiles& files, int64_t ingest_ts,
                                              std::string_view fingerprint) {
  if (fingerprint.empty()) return InvalidArgument("bulk load: the fingerprint is empty");
  ASSIGN_OR_RETURN(std::unique_ptr<BulkLoadSession> load, StartBulkLoad(ingest_ts));
  return load->Ingest(files, fingerprint);
}

}  // namespace asof
