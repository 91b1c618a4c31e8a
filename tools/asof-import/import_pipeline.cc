#include "tools/asof-import/import_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <variant>

#include "engine/engine.h"
#include "tools/asof-import/background_reader.h"
#include "tools/asof-import/external_sorter.h"
#include "tools/asof-import/offline_node.h"
#include "tools/asof-import/progress.h"
#include "tools/asof-import/rejects_writer.h"
#include "tools/asof-import/row_validator.h"
#include "tools/asof-import/sst_builder.h"
#include "tools/asof-import/type_inference.h"
#include "tools/asof-import/uploader.h"

namespace asof::import {
namespace {

using Clock = std::chrono::steady_clock;

// --register infers types from this many leading records (kept and validated after).
constexpr size_t kInferenceSample = 10000;

// A failure with the exit code it maps to.
struct Failure {
  int exit_code;
  Status status;
};

std::string IsoTime(int64_t us) {
  std::time_t s = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string PerSecond(uint64_t n, double seconds) {
  return Progress::Count(seconds > 0 ? static_cast<uint64_t>(static_cast<double>(n) / seconds) : n);
}

RejectsFormat RejectsFormatFor(const std::string& path) {
  auto ends = [&](std::string_view s) {
    return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  return ends(".jsonl") || ends(".ndjson") ? RejectsFormat::kJsonLines : RejectsFormat::kCsv;
}

class Importer {
 public:
  Importer(const ImportOptions& options, const std::atomic<bool>& interrupted)
      : options_(options), interrupted_(interrupted), progress_(options.progress) {}

  int Run() {
    start_ = Clock::now();
    std::optional<Failure> failure = RunSteps();
    progress_.Clear();
    if (node_ != nullptr) {
      session_.reset();  // abort before the node goes away
      client_.reset();
      Status stopped = node_->Stop();
      if (!stopped.ok() && !failure) failure = Failure{kExitError, stopped};
    }
    if (!failure) return kExitOk;
    std::fprintf(stderr, "asof-import: %s\n", failure->status.ToString().c_str());
    if (failure->exit_code != kExitUsage && failure->exit_code != kExitOk) {
      std::fprintf(stderr, "asof-import: nothing was loaded\n");
    }
    return failure->exit_code;
  }

 private:
  std::optional<Failure> RunSteps();
  std::optional<Failure> Setup();
  std::optional<Failure> Features();
  std::optional<Failure> Read();
  std::optional<Failure> Handle(Pending pending);
  std::optional<Failure> Load(const LoadScan& scan);
  Status CheckInterrupted() const {
    if (interrupted_.load(std::memory_order_relaxed)) return Unavailable("interrupted");
    return Status::Ok();
  }
  Failure Fail(const Status& s) const {
    return Failure{s.message() == "interrupted" && interrupted_ ? kExitInterrupted : kExitError, s};
  }
  void PrintSummary(const LoadScan& scan, std::string_view outcome);
  // One entity's rows are put in history order in an eighth of the sort's memory.
  GroupOptions Groups() const {
    return {sorter_->dir(), std::max<size_t>(options_.memory_mb << 17, 1u << 20)};
  }

  const ImportOptions& options_;
  const std::atomic<bool>& interrupted_;
  Progress progress_;
  Clock::time_point start_;

  Mapping mapping_;
  ResolvedMapping resolved_;
  std::unique_ptr<RecordReader> reader_;
  // Destroyed in reverse: the load is aborted, then the node stopped, then the scratch
  // directory (sort runs, SST files, the node's log) removed.
  std::unique_ptr<ExternalSorter> sorter_;
  std::unique_ptr<OfflineNode> node_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<LoadSession> session_;
  std::unique_ptr<RejectsWriter> rejects_;
  std::optional<RowValidator> validator_;
  std::deque<Pending> sampled_;
  uint32_t entity_type_id_ = 0;
  uint64_t rows_read_ = 0;
  uint64_t rows_valid_ = 0;
  std::string key_, value_;  // of the sorted row being added
};

std::optional<Failure> Importer::RunSteps() {
  if (auto f = Setup()) return f;
  if (auto f = Features()) return f;
  if (auto f = Read()) return f;
  progress_.Phase("sorting", sorter_->records());
  sorter_->Finish();
  auto on_progress = [this](uint64_t done) {
    progress_.Step(done);
    return CheckInterrupted();
  };
  auto stream = sorter_->Open();
  if (!stream.ok()) return Fail(stream.status());
  Result<LoadScan> scan = ScanSorted(**stream, mapping_.entity_type, Groups(), on_progress);
  if (!scan.ok()) return Fail(scan.status());
  if (options_.dry_run) {
    PrintSummary(*scan, "dry run, nothing loaded");
    return std::nullopt;
  }
  if (scan->values == 0) {
    PrintSummary(*scan, "nothing to load");
    return std::nullopt;
  }
  return Load(*scan);
}

std::optional<Failure> Importer::Setup() {
  auto mapping = MappingFromFlags(options_.mapping);
  if (!mapping.ok()) return Failure{kExitUsage, mapping.status()};
  mapping_ = *mapping;
  auto reader = RecordReader::Open(options_.input);
  if (!reader.ok()) {
    int code = reader.status().code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitError;
    return Failure{code, reader.status()};
  }
  reader_ = std::move(*reader);
  auto resolved = ResolveMapping(mapping_, reader_->columns());
  if (!resolved.ok()) return Failure{kExitUsage, resolved.status()};
  resolved_ = *resolved;

  auto sorter = ExternalSorter::Create({options_.memory_mb << 20, options_.tmp_dir});
  if (!sorter.ok()) return Fail(sorter.status());
  sorter_ = std::move(*sorter);

  ClientOptions client_options = options_.client;
  if (!options_.offline_dir.empty()) {
    auto asofd = FindAsofd(options_.asofd_path);
    if (!asofd.ok()) return Failure{kExitUsage, asofd.status()};
    auto node = OfflineNode::Start(*asofd, options_.offline_dir, sorter_->dir());
    if (!node.ok()) return Fail(node.status());
    node_ = std::move(*node);
    client_options.host = "127.0.0.1";
    client_options.port = node_->port();
    client_options.token.clear();
  }
  client_options.client_name = "asof-import";
  auto client = Client::Connect(client_options);
  if (!client.ok()) return Fail(client.status());
  client_ = std::move(*client);
  auto rejects =
      RejectsWriter::Open(options_.rejects_path, RejectsFormatFor(options_.rejects_path));
  if (!rejects.ok()) return Fail(rejects.status());
  rejects_ = std::move(*rejects);
  return std::nullopt;
}

// Resolves the entity type and the features (creating them with --register) and builds
// the validator.
std::optional<Failure> Importer::Features() {
  auto types = client_->ListEntityTypes();
  if (!types.ok()) return Fail(types.status());
  for (const auto& t : *types) {
    if (t.name == mapping_.entity_type) entity_type_id_ = t.id;
  }
  bool dry = options_.dry_run;
  if (entity_type_id_ == 0) {
    if (!options_.register_features) {
      return Failure{kExitUsage, NotFound("entity type '" + mapping_.entity_type +
                                          "' is not registered (--register creates it)")};
    }
    if (dry) {
      std::fprintf(stderr, "would register entity type %s\n", mapping_.entity_type.c_str());
      entity_type_id_ = UINT32_MAX;
    } else {
      auto created = client_->RegisterEntityType(mapping_.entity_type, "created by asof-import");
      if (!created.ok()) return Fail(created.status());
      entity_type_id_ = created->id;
      std::fprintf(stderr, "registered entity type %s\n", mapping_.entity_type.c_str());
    }
  }
  wire::ListFeaturesRequestT filter;
  filter.entity = mapping_.entity_type;
  auto listed = client_->ListFeatures(filter);
  if (!listed.ok()) return Fail(listed.status());
  std::vector<wire::FeatureT> features;
  for (const auto& f : listed->features) features.push_back(*f);

  auto unknown = UnknownFeatures(resolved_, features);
  if (!unknown.empty() && options_.register_features) {
    TypeInference inference(unknown, mapping_.null_markers);
    while (sampled_.size() < kInferenceSample) {
      auto next = reader_->Next();
      if (!next.ok() && next.status().code() == ErrorCode::kInvalidArgument) {
        sampled_.emplace_back(
            RowValidator::MalformedRecord(next.status(), reader_->last_bad_record()));
        continue;
      }
      if (!next.ok()) return Fail(next.status());
      if (!next->has_value()) break;
      inference.Observe(**next);
      sampled_.emplace_back(std::move(**next));
    }
    auto specs = inference.Specs(mapping_.entity_type);
    if (!specs.ok()) return Failure{kExitUsage, specs.status()};
    uint32_t fake_id = UINT32_MAX - 1;
    for (const wire::FeatureSpecT& spec : *specs) {
      std::string type(ValueTypeName(static_cast<ValueType>(spec.value_type)));
      if (dry) {
        std::fprintf(stderr, "would register feature %s (%s)\n", spec.name.c_str(), type.c_str());
        wire::FeatureT f;  // stands in for the feature so the dry run validates its column
        f.spec = std::make_unique<wire::FeatureSpecT>(spec);
        f.id = fake_id--;
        f.version = 1;
        features.push_back(std::move(f));
        continue;
      }
      auto registered = client_->RegisterFeature(spec);
      if (!registered.ok()) return Fail(registered.status());
      std::fprintf(stderr, "registered feature %s (%s)\n", spec.name.c_str(), type.c_str());
      features.push_back(*registered->feature);
    }
  }
  auto validator = RowValidator::Create(mapping_, resolved_, features);
  if (!validator.ok()) return Failure{kExitUsage, validator.status()};
  validator_.emplace(std::move(*validator));
  return std::nullopt;
}

std::optional<Failure> Importer::Read() {
  progress_.Phase("reading");
  while (!sampled_.empty()) {
    Pending p = std::move(sampled_.front());
    sampled_.pop_front();
    if (auto f = Handle(std::move(p))) return f;
  }
  const uint64_t bytes_total = reader_->bytes_total();
  BackgroundReader records(*reader_);
  while (true) {
    RecordBatch batch = records.Next();
    for (Pending& pending : batch.records) {
      if (auto f = Handle(std::move(pending))) return f;
    }
    progress_.Reading({rows_read_, rejects_->total(), batch.bytes_read, bytes_total});
    if (!batch.status.ok()) return Fail(batch.status);
    if (batch.end) break;
  }
  Status closed = rejects_->Close();
  if (!closed.ok()) return Fail(closed);
  return std::nullopt;
}

std::optional<Failure> Importer::Handle(Pending pending) {
  if (Status s = CheckInterrupted(); !s.ok()) return Fail(s);
  ++rows_read_;
  std::optional<Reject> reject;
  if (auto* bad = std::get_if<Reject>(&pending)) {
    reject = std::move(*bad);
  } else {
    RowValidator::Outcome outcome = validator_->Validate(std::get<InputRecord>(pending));
    if (auto* r = std::get_if<Reject>(&outcome)) {
      reject = std::move(*r);
    } else {
      const ImportRow& row = std::get<ImportRow>(outcome);
      uint64_t seq = rows_valid_++;
      if (row.cells.empty()) return std::nullopt;
      key_.clear();
      AppendRowSortKey(entity_type_id_, row.entity_id, row.event_ts, seq, &key_);
      value_.clear();
      AppendRowSortValue(row.cells, &value_);
      if (Status s = sorter_->Add(key_, value_); !s.ok()) return Fail(s);
      return std::nullopt;
    }
  }
  if (Status s = rejects_->Write(*reject); !s.ok()) return Fail(s);
  if (rejects_->total() > options_.max_rejects) {
    progress_.Clear();
    std::string where = options_.rejects_path.empty() ? "" : "; see " + options_.rejects_path;
    return Failure{kExitTooManyRejects,
                   Unprocessable("more than --max-rejects " + std::to_string(options_.max_rejects) +
                                 " rejected rows (the last: " + reject->source + " line " +
                                 std::to_string(reject->line) + ", " +
                                 std::string(RejectReasonName(reject->reason)) + ": " +
                                 reject->message + ")" + where)};
  }
  return std::nullopt;
}

std::optional<Failure> Importer::Load(const LoadScan& scan) {
  auto session = LoadSession::Begin(*client_, scan.fingerprint);
  if (!session.ok()) return Fail(session.status());
  session_ = std::move(*session);
  if (session_->already_loaded()) {
    progress_.Clear();
    std::printf("already loaded at %s; nothing to do\n", IsoTime(session_->loaded_at_us()).c_str());
    return std::nullopt;
  }
  progress_.Phase("writing and uploading", sorter_->records());
  SstBuildOptions build;
  build.dir = sorter_->dir();
  build.ingest_ts = session_->ingest_ts();
  build.target_file_bytes = options_.sst_file_bytes;
  build.groups = Groups();
  build.on_progress = [this](uint64_t done) {
    progress_.Step(done);
    return CheckInterrupted();
  };
  auto stream = sorter_->Open();
  if (!stream.ok()) return Fail(stream.status());
  Status built = BuildSstFiles(**stream, build, [this](const SstFile& file) -> Status {
    RETURN_IF_ERROR(CheckInterrupted());
    RETURN_IF_ERROR(session_->Upload(file));
    std::error_code ec;
    std::filesystem::remove(file.path, ec);  // uploaded: only the disk space matters now
    return CheckInterrupted();
  });
  if (!built.ok()) return Fail(built);
  progress_.Phase("committing");
  progress_.Step(0);
  auto committed = session_->Commit();
  if (!committed.ok()) return Fail(committed.status());
  PrintSummary(scan, "loaded");
  return std::nullopt;
}

void Importer::PrintSummary(const LoadScan& scan, std::string_view outcome) {
  progress_.Clear();
  double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  std::string rejects = rejects_->Summary();
  std::printf(
      "%s: %s rows read, %s rows loaded, %s values (%s entities), %s, %s superseded; %.1f s, "
      "%s rows/s, %s values/s\n",
      std::string(outcome).c_str(), Progress::Count(rows_read_).c_str(),
      Progress::Count(outcome == "loaded" ? rows_valid_ : 0).c_str(),
      Progress::Count(scan.values).c_str(), Progress::Count(scan.entities).c_str(), rejects.c_str(),
      Progress::Count(scan.superseded).c_str(), seconds, PerSecond(rows_read_, seconds).c_str(),
      PerSecond(scan.values, seconds).c_str());
  if (session_ != nullptr && outcome == "loaded") {
    std::printf("ingest_ts %" PRId64 " (%s), %zu files, %s uploaded, fingerprint %s\n",
                session_->ingest_ts(), IsoTime(session_->ingest_ts()).c_str(), session_->files(),
                Progress::Bytes(session_->bytes_uploaded()).c_str(), scan.fingerprint.c_str());
  }
  std::printf("phases: %s\n", progress_.Timings().c_str());
  std::fflush(stdout);
}

}  // namespace

int RunImport(const ImportOptions& options, const std::atomic<bool>& interrupted) {
  return Importer(options, interrupted).Run();
}

}  // namespace asof::import
