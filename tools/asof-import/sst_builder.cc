#include "tools/asof-import/sst_builder.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <xxhash.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
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

// One kept cell, in history order. Views stay valid until the next CellStream::Next.
struct Cell {
  std::string_view entity_key;
  std::string_view cell_key;  // entity key · feature_id · ~event_ts: a history key's front
  uint32_t feature_id;
  int64_t event_ts;
  std::string_view value;
};

Status Malformed(std::string_view what) {
  return Internal("malformed sorted row (" + std::string(what) + "); a sort run is damaged");
}

// Turns the sorted rows into cells in history order, one entity at a time: the entity's
// cells are ordered by feature, stably, so within a feature they keep the rows' order
// (newest event_ts first, then the latest input row), and the first cell of a tie is the
// one kept.
class CellStream {
 public:
  CellStream(SortedStream& rows, const GroupOptions& options, const ProgressFn& on_progress)
      : rows_(rows), options_(options), on_progress_(on_progress) {}

  // The next kept cell; false at the end.
  Result<bool> Next(Cell* cell) {
    while (true) {
      if (!in_group_) {
        ASSIGN_OR_RETURN(bool more, LoadGroup());
        if (!more) return false;
      }
      GroupCell c{};
      std::string_view value;
      ASSIGN_OR_RETURN(bool have, NextInGroup(&c, &value));
      if (!have) {
        in_group_ = false;
        continue;
      }
      if (have_prev_ && c.feature_id == prev_feature_ && c.event_ts == prev_ts_) {
        ++superseded_;
        continue;
      }
      have_prev_ = true;
      prev_feature_ = c.feature_id;
      prev_ts_ = c.event_ts;
      key_.resize(entity_.size());
      internal::PutBE32(&key_, c.feature_id);
      internal::PutBE64(&key_, ~static_cast<uint64_t>(c.event_ts));
      *cell = Cell{std::string_view(key_).substr(0, entity_.size()), key_, c.feature_id, c.event_ts,
                   value};
      return true;
    }
  }
  uint64_t superseded() const { return superseded_; }

 private:
  struct GroupCell {
    uint32_t feature_id;
    int64_t event_ts;
    size_t offset, size;  // of the value in values_
  };

  Result<bool> Advance() {
    ASSIGN_OR_RETURN(have_row_, rows_.Next());
    if (have_row_ && ++rows_read_ % (64 * 1024) == 0 && on_progress_) {
      RETURN_IF_ERROR(on_progress_(rows_read_));
    }
    return have_row_;
  }

  // The entity key of the stream's current row, checked.
  Result<std::string_view> RowEntity() const {
    std::string_view key = rows_.key();
    if (key.size() < internal::EntityKeySize(0) ||
        key.size() != internal::EntityKeySize(LoadBE16(key.data() + 6)) + 16) {
      return Malformed("key size");
    }
    return key.substr(0, key.size() - 16);
  }

  Result<bool> LoadGroup() {
    if (!have_row_) {
      ASSIGN_OR_RETURN(bool more, Advance());
      if (!more) return false;
    }
    ASSIGN_OR_RETURN(std::string_view entity, RowEntity());
    entity_.assign(entity);
    key_.assign(entity);
    values_.clear();
    cells_.clear();
    next_ = 0;
    spilled_.reset();  // before the sorter it reads
    spill_.reset();
    in_order_ = true;
    while (true) {
      RETURN_IF_ERROR(AddRow());
      ASSIGN_OR_RETURN(bool more, Advance());
      if (!more) break;
      ASSIGN_OR_RETURN(entity, RowEntity());
      if (entity != entity_) break;
    }
    if (spill_ != nullptr) {
      spill_->Finish();
      ASSIGN_OR_RETURN(spilled_, spill_->Open());
    } else if (!in_order_) {
      std::stable_sort(cells_.begin(), cells_.end(), [](const GroupCell& a, const GroupCell& b) {
        return a.feature_id < b.feature_id;
      });
    }
    in_group_ = true;
    have_prev_ = false;
    return true;
  }

  Status AddRow() {
    std::string_view key = rows_.key();
    const int64_t event_ts = static_cast<int64_t>(~LoadBE64(key.data() + key.size() - 16));
    std::string_view row = rows_.value();
    while (!row.empty()) {
      if (row.size() < 8) return Malformed("cell header");
      const uint32_t feature_id = LoadBE32(row.data());
      const uint32_t size = LoadBE32(row.data() + 4);
      if (row.size() - 8 < size) return Malformed("cell size");
      std::string_view value = row.substr(8, size);
      row.remove_prefix(8 + size);
      if (spill_ != nullptr) {
        RETURN_IF_ERROR(Spill(feature_id, event_ts, value));
        continue;
      }
      if (!cells_.empty() && feature_id <= cells_.back().feature_id) in_order_ = false;
      cells_.push_back(GroupCell{feature_id, event_ts, values_.size(), value.size()});
      values_.append(value);
      if (values_.size() + cells_.size() * sizeof(GroupCell) > options_.group_memory_bytes) {
        RETURN_IF_ERROR(StartSpill());
      }
    }
    return Status::Ok();
  }

  // An entity too large for memory: its cells go through an external sort keyed by
  // feature_id · position, which is the stable order by feature.
  Status StartSpill() {
    ASSIGN_OR_RETURN(spill_,
                     ExternalSorter::Create({options_.group_memory_bytes, options_.scratch_dir}));
    for (const GroupCell& c : cells_) {
      RETURN_IF_ERROR(
          Spill(c.feature_id, c.event_ts, std::string_view(values_).substr(c.offset, c.size)));
    }
    cells_.clear();
    values_.clear();
    values_.shrink_to_fit();
    return Status::Ok();
  }

  Status Spill(uint32_t feature_id, int64_t event_ts, std::string_view value) {
    spill_key_.clear();
    internal::PutBE32(&spill_key_, feature_id);
    internal::PutBE64(&spill_key_, spill_position_++);
    spill_value_.clear();
    internal::PutBE64(&spill_value_, static_cast<uint64_t>(event_ts));
    spill_value_.append(value);
    return spill_->Add(spill_key_, spill_value_);
  }

  Result<bool> NextInGroup(GroupCell* cell, std::string_view* value) {
    if (spilled_ == nullptr) {
      if (next_ == cells_.size()) return false;
      *cell = cells_[next_++];
      *value = std::string_view(values_).substr(cell->offset, cell->size);
      return true;
    }
    ASSIGN_OR_RETURN(bool more, spilled_->Next());
    if (!more) return false;
    std::string_view k = spilled_->key(), v = spilled_->value();
    cell->feature_id = LoadBE32(k.data());
    cell->event_ts = static_cast<int64_t>(LoadBE64(v.data()));
    *value = v.substr(8);
    return true;
  }

  SortedStream& rows_;
  const GroupOptions& options_;
  const ProgressFn& on_progress_;
  bool have_row_ = false;  // the stream's current row is the first of the next entity
  uint64_t rows_read_ = 0;

  // The current entity.
  bool in_group_ = false;
  std::string entity_;
  std::string values_;  // its cells' values back to back
  std::vector<GroupCell> cells_;
  bool in_order_ = true;  // cells_ is already in feature order (one row, features sorted)
  size_t next_ = 0;
  std::unique_ptr<ExternalSorter> spill_;
  std::unique_ptr<SortedStream> spilled_;
  uint64_t spill_position_ = 0;
  std::string spill_key_, spill_value_;

  std::string key_;  // the current cell's entity key · feature_id · ~event_ts
  bool have_prev_ = false;
  uint32_t prev_feature_ = 0;
  int64_t prev_ts_ = 0;
  uint64_t superseded_ = 0;
};

// xxh3-128 over length-framed byte strings. The framing goes through a buffer so that
// the hash state sees a few large updates instead of four small ones per cell (a
// streaming update costs far more than the bytes it hashes); the digest is the same.
class FramedHasher {
 public:
  FramedHasher() : state_(XXH3_createState(), &XXH3_freeState) {
    XXH3_128bits_reset(state_.get());
    buffer_.reserve(kFlushAt + 64);
  }
  void Add(std::string_view bytes) {
    internal::PutBE32(&buffer_, static_cast<uint32_t>(bytes.size()));
    buffer_.append(bytes);
    if (buffer_.size() >= kFlushAt) Flush();
  }
  XXH128_hash_t Digest() {
    Flush();
    return XXH3_128bits_digest(state_.get());
  }

 private:
  static constexpr size_t kFlushAt = 64 << 10;
  void Flush() {
    XXH3_128bits_update(state_.get(), buffer_.data(), buffer_.size());
    buffer_.clear();
  }
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state_;
  std::string buffer_;
};

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
      // Keep the file in the page cache (RocksDB's default drops it as it writes): the
      // upload reads it back at once, and would otherwise read it from the device.
      writer_ = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(), options_, nullptr,
                                                         /*invalidate_page_cache=*/false);
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

// The history writer on a thread of its own: it is half of the build's CPU (block
// building, LZ4, the prefix filter), and the other half (ordering cells, the latest
// records) need not wait for it. Entries are handed over in batches so that the
// hand-off costs little per entry. Files it finishes are passed to `on_file` on the
// caller's thread, at the next hand-off or at Finish, since the callee (the upload) is
// not thread-safe.
class HistoryPipe {
 public:
  HistoryPipe(const SstBuildOptions& build, const std::function<Status(const SstFile&)>& on_file)
      : on_file_(on_file), writer_(build, /*latest=*/false, collect_), thread_([this] { Run(); }) {}
  // Unless Finish returned, the writer stops at the next batch, leaving its current file
  // unfinished (the caller removes the scratch directory).
  ~HistoryPipe() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = aborted_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  HistoryPipe(const HistoryPipe&) = delete;
  HistoryPipe& operator=(const HistoryPipe&) = delete;

  Status Add(std::string_view key, std::string_view value) {
    current_.sizes.emplace_back(static_cast<uint32_t>(key.size()),
                                static_cast<uint32_t>(value.size()));
    current_.bytes.append(key);
    current_.bytes.append(value);
    if (current_.sizes.size() < kBatchEntries) return Status::Ok();
    return Hand(/*last=*/false);
  }

  // Writes what is left, closes the last file and passes it on.
  Status Finish() { return Hand(/*last=*/true); }

 private:
  static constexpr size_t kBatchEntries = 8192;
  static constexpr size_t kMaxReady = 4;

  struct Batch {
    std::string bytes;  // key, value, key, value, ...
    std::vector<std::pair<uint32_t, uint32_t>> sizes;
  };

  // Queues the current batch (waiting while the writer is kMaxReady behind), then passes
  // on the files the writer finished meanwhile. With `last`, waits for the writer to end.
  Status Hand(bool last) {
    std::vector<SstFile> finished;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return ready_.size() < kMaxReady || !status_.ok(); });
      RETURN_IF_ERROR(status_);
      if (!current_.sizes.empty()) ready_.push_back(std::move(current_));
      if (free_.empty()) {
        current_ = Batch{};
      } else {
        current_ = std::move(free_.back());
        free_.pop_back();
      }
      current_.bytes.clear();
      current_.sizes.clear();
      closing_ = last;
    }
    cv_.notify_all();
    if (last) {
      thread_.join();  // the writer's last store happens-before this
      RETURN_IF_ERROR(status_);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      finished.swap(finished_);
    }
    for (const SstFile& file : finished) RETURN_IF_ERROR(on_file_(file));
    return Status::Ok();
  }

  void Run() {
    while (true) {
      Batch batch;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !ready_.empty() || closing_; });
        if (aborted_) return;
        if (ready_.empty()) break;  // closing, and everything written
        batch = std::move(ready_.front());
        ready_.pop_front();
      }
      cv_.notify_all();
      Status s = Write(batch);
      std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(std::move(batch));
      if (!s.ok()) return Fail(s);
    }
    if (Status s = writer_.Close(); !s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      Fail(s);
    }
  }

  Status Write(const Batch& batch) {
    std::string_view bytes = batch.bytes;
    for (const auto& [key_size, value_size] : batch.sizes) {
      RETURN_IF_ERROR(writer_.Add(bytes.substr(0, key_size), bytes.substr(key_size, value_size)));
      bytes.remove_prefix(key_size + value_size);
    }
    return Status::Ok();
  }

  void Fail(const Status& s) {  // with mu_ held
    status_ = s;
    cv_.notify_all();
  }

  const std::function<Status(const SstFile&)>& on_file_;
  // The writer's own on_file, on its thread: keeps the file for the caller's thread.
  const std::function<Status(const SstFile&)> collect_ = [this](const SstFile& file) {
    std::lock_guard<std::mutex> lock(mu_);
    finished_.push_back(file);
    return Status::Ok();
  };
  Batch current_;  // the caller's

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> ready_;
  std::vector<Batch> free_;
  std::vector<SstFile> finished_;
  Status status_;  // the writer's first error
  bool closing_ = false, aborted_ = false;

  RollingWriter writer_;  // used by the thread only
  std::thread thread_;    // last: starts once everything above exists
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

void AppendRowSortKey(uint32_t entity_type_id, std::string_view entity_id, int64_t event_ts,
                      uint64_t seq, std::string* out) {
  internal::AppendEntityKey(entity_type_id, entity_id, out);
  internal::PutBE64(out, ~static_cast<uint64_t>(event_ts));
  internal::PutBE64(out, ~seq);
}

void AppendRowSortValue(const std::vector<ImportCell>& cells, std::string* out) {
  for (const ImportCell& cell : cells) {
    internal::PutBE32(out, cell.feature_id);
    internal::PutBE32(out, static_cast<uint32_t>(cell.encoded_value.size()));
    out->append(cell.encoded_value);
  }
}

Result<LoadScan> ScanSorted(SortedStream& stream, std::string_view entity_type,
                            const GroupOptions& groups, const ProgressFn& on_progress) {
  FramedHasher hash;
  hash.Add("asof-import/1");
  hash.Add(entity_type);

  LoadScan scan;
  CellStream cells(stream, groups, on_progress);
  std::string entity;
  Cell cell;
  while (true) {
    ASSIGN_OR_RETURN(bool more, cells.Next(&cell));
    if (!more) break;
    ++scan.values;
    if (scan.entities == 0 || cell.entity_key != entity) {
      ++scan.entities;
      entity.assign(cell.entity_key);
    }
    hash.Add(cell.cell_key);
    hash.Add(cell.value);
  }
  scan.superseded = cells.superseded();
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, hash.Digest());
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
  HistoryPipe history(options, on_file);
  RollingWriter latest(options, /*latest=*/true, on_file);
  LatestAccumulator entity;
  CellStream cells(stream, options.groups, options.on_progress);
  std::string key;
  std::string last_feature_key;  // entity key · feature of the last kept cell
  Cell cell;
  while (true) {
    ASSIGN_OR_RETURN(bool more, cells.Next(&cell));
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
      entity.Add(cell.feature_id, cell.event_ts, cell.value);
      last_feature_key.assign(feature_key);
    }
    key.assign(cell.cell_key);
    internal::PutBE64(&key, ~static_cast<uint64_t>(options.ingest_ts));
    RETURN_IF_ERROR(history.Add(key, cell.value));
  }
  if (!entity.empty()) {
    RETURN_IF_ERROR(latest.Add(entity.entity_key(), entity.Encode(options.ingest_ts)));
  }
  RETURN_IF_ERROR(history.Finish());
  return latest.Close();
}

}  // namespace asof::import
