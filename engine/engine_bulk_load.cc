// Bulk load: hand out a load's ingest_ts, verify its SST files entry by entry, and ingest
// them together with the load's fingerprint in one IngestExternalFiles call, which RocksDB
// records atomically in the MANIFEST across column families: after a crash the store
// holds all of a load (fingerprint included) or none of it.
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>

#include <filesystem>
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

Result<BulkLoadResult> EngineImpl::IngestBulkLoad(const BulkLoadFiles& files, int64_t ingest_ts,
                                                  std::string_view fingerprint) {
  if (fingerprint.empty()) return InvalidArgument("bulk load: the fingerprint is empty");
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    if (ingest_ts <= 0 || ingest_ts > last_ingest_ts_) {
      return InvalidArgument("bulk load: ingest_ts " + std::to_string(ingest_ts) +
                             " was not handed out by ReserveIngestTs");
    }
  }
  std::lock_guard<std::mutex> bulk_lock(bulk_mu_);
  ASSIGN_OR_RETURN(std::optional<int64_t> applied, BulkLoadApplied(fingerprint));
  if (applied.has_value()) {
    return Conflict("bulk load: fingerprint already applied with ingest_ts " +
                    std::to_string(*applied));
  }

  const int64_t now = options_.clock->NowMicros();
  BulkLoadVerifier verifier(*registry_, ingest_ts, now + options_.max_future_skew_us);
  for (const std::string& path : files.history) {
    RETURN_IF_ERROR(verifier.VerifyFile(path, BulkFileKind::kHistory));
  }
  for (const std::string& path : files.latest) {
    RETURN_IF_ERROR(verifier.VerifyFile(path, BulkFileKind::kLatest));
  }

  // The fingerprint file goes next to the load's own files (the caller's staging area),
  // or into the data directory for a load without files.
  std::filesystem::path dir = options_.path;
  if (!files.history.empty()) dir = std::filesystem::path(files.history.front()).parent_path();
  if (files.history.empty() && !files.latest.empty()) {
    dir = std::filesystem::path(files.latest.front()).parent_path();
  }
  const std::string fp_path =
      (dir / ("fingerprint-" + std::to_string(ingest_ts) + ".sst")).string();
  RETURN_IF_ERROR(WriteFingerprintFile(fp_path, fingerprint, ingest_ts));

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
    arg.column_family = cfs_[cf];
    arg.external_files = paths;
    arg.options = io;
    args.push_back(std::move(arg));
  };
  add(kHistoryCf, files.history);
  add(kLatestCf, files.latest);
  add(kDefaultCf, {fp_path});
  rocksdb::Status s = db_->IngestExternalFiles(args);
  if (!s.ok()) {
    std::error_code ec;
    std::filesystem::remove(fp_path, ec);  // best effort: the caller's staging goes anyway
    return FromRocks(s, "ingesting the bulk load");
  }
  if (!verifier.activity().empty()) RecordActivity(verifier.activity());
  return BulkLoadResult{verifier.history_entries(), verifier.latest_entries()};
}

}  // namespace asof::internal
