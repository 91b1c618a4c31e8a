#include "tools/asof-import/sst_builder.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <xxhash.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "engine/internal/coding.h"
#include "engine/internal/keys.h"
#include "engine/internal/latest_record.h"

namespace asof::import {
namespace {

using internal::HistoryKeySize;
using internal::LoadBE16;
using internal::LoadBE32;
using internal::LoadBE64;

// The same name and cut as the engine's history prefix extractor
// (engine/internal/column_families.cc), so asofd uses the prefix bloom filters of the
// files it ingests. A different name would only make RocksDB skip those filters.
class HistoryPrefixTransform final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "asof.HistoryPrefix.v1"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), key.size() - 16);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return key.size() >= HistoryKeySize(0) &&
           key.size() == HistoryKeySize(LoadBE16(key.data() + 6));
  }
};

// One parsed sort record. Views into the stream's current record.
struct Cell {
  std::string_view entity_key;
  std::string_view cell_key;  // entity key · feature · ~event_ts (the tie group)
  uint32_t feature_id;
  int64_t event_ts;
};

Cell ParseSortKey(std::string_view key) {
  size_t entity_size = internal::EntityKeySize(LoadBE16(key.data() + 6));
  ASOF_CHECK(key.size() == entity_size + 20) << "malformed sort key";
  Cell c;
  c.entity_key = key.substr(0, entity_size);
  c.cell_key = key.substr(0, key.size() - 8);
  c.feature_id = LoadBE32(key.data() + entity_size);
  c.event_ts = static_cast<int64_t>(~LoadBE64(key.data() + entity_size + 4));
  return c;
}

// Walks the sorted stream, telling kept cells from superseded ones: the first cell of a
// tie group is the latest input row.
class CellWalker {
 public:
  CellWalker(SortedStream& stream, const ProgressFn& on_progress)
      : stream_(stream), on_progress_(on_progress) {}

  // The next kept cell; false at the end.
  Result<bool> Next(Cell* cell) {
    while (true) {
      ASSIGN_OR_RETURN(bool more, stream_.Next());
      if (!more) return false;
      if (++records_ % (64 * 1024) == 0 && on_progress_) RETURN_IF_ERROR(on_progress_(records_));
      *cell = ParseSortKey(stream_.key());
      if (have_prev_ && cell->cell_key == prev_) {
        ++superseded_;
        continue;
      }
      prev_.assign(cell->cell_key);
      have_prev_ = true;
      return true;
    }
  }
  std::string_view value() const { return stream_.value(); }
  uint64_t superseded() const { return superseded_; }

 private:
  SortedStream& stream_;
  const ProgressFn& on_progress_;
  std::string prev_;
  bool have_prev_ = false;
  uint64_t records_ = 0;
  uint64_t superseded_ = 0;
};

void HashFramed(XXH3_state_t* state, std::string_view bytes) {
  std::string len;
  internal::PutBE32(&len, static_cast<uint32_t>(bytes.size()));
  XXH3_128bits_update(state, len.data(), len.size());
  XXH3_128bits_update(state, bytes.data(), bytes.size());
}

rocksdb::Options WriterOptions(bool latest) {
  rocksdb::Options options;
  options.compression = rocksdb::kLZ4Compression;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.format_version = 5;
  table.whole_key_filtering = latest;
  if (latest) {
    table.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  } else {
    options.prefix_extractor = std::make_shared<HistoryPrefixTransform>();
  }
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

// One kind of file, rolled at the target size.
class RollingWriter {
 public:
  RollingWriter(const SstBuildOptions& build, bool latest,
                const std::function<Status(const SstFile&)>& on_file)
      : build_(build), latest_(latest), on_file_(on_file), options_(WriterOptions(latest)) {}

  Status Add(std::string_view key, std::string_view value) {
    if (writer_ == nullptr) {
      path_ = build_.dir + (latest_ ? "/latest-" : "/history-") + std::to_string(files_++) + ".sst";
      writer_ = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(), options_);
      RETURN_IF_ERROR(Check(writer_->Open(path_)));
    }
    RETURN_IF_ERROR(Check(latest_ ? writer_->Merge(key, value) : writer_->Put(key, value)));
    if (writer_->FileSize() >= build_.target_file_bytes) return Close();
    return Status::Ok();
  }

  Status Close() {
    if (writer_ == nullptr) return Status::Ok();
    rocksdb::ExternalSstFileInfo info;
    Status s = Check(writer_->Finish(&info));
    writer_.reset();
    RETURN_IF_ERROR(s);
    return on_file_(SstFile{path_, latest_, info.num_entries, info.file_size});
  }

 private:
  Status Check(const rocksdb::Status& s) const {
    if (s.ok()) return Status::Ok();
    return Internal("writing " + path_ + ": " + s.ToString());
  }

  const SstBuildOptions& build_;
  const bool latest_;
  const std::function<Status(const SstFile&)>& on_file_;
  const rocksdb::Options options_;
  std::unique_ptr<rocksdb::SstFileWriter> writer_;
  std::string path_;
  int files_ = 0;
};

// The newest bin per feature of the current entity, flushed as one merge operand.
class LatestAccumulator {
 public:
  void Reset(std::string_view entity_key) {
    entity_key_.assign(entity_key);
    values_.clear();
    bins_.clear();
  }
  bool empty() const { return bins_.empty(); }
  const std::string& entity_key() const { return entity_key_; }

  void Add(uint32_t feature_id, int64_t event_ts, std::string_view value) {
    bins_.push_back(Pending{feature_id, event_ts, values_.size(), value.size()});
    values_.append(value);
  }

  const std::string& Encode(int64_t ingest_ts) {
    views_.clear();
    for (const Pending& p : bins_) {
      views_.push_back(internal::BinView{p.feature_id, p.event_ts, ingest_ts,
                                         std::string_view(values_).substr(p.offset, p.size)});
    }
    internal::EncodeWinners(&views_, &record_);
    return record_;
  }

 private:
  struct Pending {
    uint32_t feature_id;
    int64_t event_ts;
    size_t offset, size;
  };
  std::string entity_key_;
  std::string values_;  // bins' values back to back: views are taken only in Encode
  std::vector<Pending> bins_;
  std::vector<internal::BinView> views_;
  std::string record_;
};

}  // namespace

void AppendSortKey(uint32_t entity_type_id, std::string_view entity_id, uint32_t feature_id,
                   int64_t event_ts, uint64_t seq, std::string* out) {
  internal::AppendEntityKey(entity_type_id, entity_id, out);
  internal::PutBE32(out, feature_id);
  internal::PutBE64(out, ~static_cast<uint64_t>(event_ts));
  internal::PutBE64(out, ~seq);
}

Result<LoadScan> ScanSorted(SortedStream& stream, std::string_view entity_type,
                            const ProgressFn& on_progress) {
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(),
                                                                 &XXH3_freeState);
  XXH3_128bits_reset(state.get());
  HashFramed(state.get(), "asof-import/1");
  HashFramed(state.get(), entity_type);

  LoadScan scan;
  CellWalker walker(stream, on_progress);
  std::string entity;
  Cell cell;
  while (true) {
    ASSIGN_OR_RETURN(bool more, walker.Next(&cell));
    if (!more) break;
    ++scan.values;
    if (scan.entities == 0 || cell.entity_key != entity) {
      ++scan.entities;
      entity.assign(cell.entity_key);
    }
    HashFramed(state.get(), cell.cell_key);
    HashFramed(state.get(), walker.value());
  }
  scan.superseded = walker.superseded();
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state.get()));
  scan.fingerprint = "xxh3-128:";
  for (unsigned char b : canonical.digest) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", b);
    scan.fingerprint += hex;
  }
  return scan;
}

Status BuildSstFiles(SortedStream& stream, const SstBuildOptions& options,
                     const std::function<Status(const SstFile&)>& on_file) {
  RollingWriter history(options, /*latest=*/false, on_file);
  RollingWriter latest(options, /*latest=*/true, on_file);
  LatestAccumulator entity;
  CellWalker walker(stream, options.on_progress);
  std::string key;
  std::string last_feature_key;  // entity key · feature of the last kept cell
  Cell cell;
  while (true) {
    ASSIGN_OR_RETURN(bool more, walker.Next(&cell));
    if (!more) break;
    if (entity.empty() || cell.entity_key != entity.entity_key()) {
      if (!entity.empty()) {
        RETURN_IF_ERROR(latest.Add(entity.entity_key(), entity.Encode(options.ingest_ts)));
      }
      entity.Reset(cell.entity_key);
      last_feature_key.clear();
    }
    std::string_view feature_key = cell.cell_key.substr(0, cell.entity_key.size() + 4);
    if (feature_key != last_feature_key) {  // the newest event_ts of this feature
      entity.Add(cell.feature_id, cell.event_ts, walker.value());
      last_feature_key.assign(feature_key);
    }
    key.assign(cell.cell_key);
    internal::PutBE64(&key, ~static_cast<uint64_t>(options.ingest_ts));
    RETURN_IF_ERROR(history.Add(key, walker.value()));
  }
  if (!entity.empty()) {
    RETURN_IF_ERROR(latest.Add(entity.entity_key(), entity.Encode(options.ingest_ts)));
  }
  RETURN_IF_ERROR(history.Close());
  return latest.Close();
}

}  // namespace asof::import
