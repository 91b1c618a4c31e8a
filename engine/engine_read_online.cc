// Online reads: the entities' `latest` records from the cache (latest_cache.h), the others
// with one Get (one entity) or MultiGet, then the requested bins of each record in one pass. A bin
// dated after now (a future event) falls back to a history seek at now, so online at now always
// equals as-of at now.
#include <algorithm>
#include <optional>

#include "engine/internal/engine_impl.h"
#include "engine/internal/history_lookup.h"
#include "engine/internal/keys.h"
#include "engine/internal/latest_cache.h"
#include "engine/internal/latest_record.h"
#include "engine/internal/record_validation.h"
#include "engine/internal/serve_value.h"

namespace asof::internal {

namespace {

// The buffers of one online read. Each thread keeps one, so that the common read of one
// entity allocates none of them; reads of more than kMaxKeptEntities entities, and a read
// nested in another on the same thread, use their own so that a thread never keeps more
// than a few records' worth of memory.
struct OnlineScratch {
  std::string keys;  // the entities' keys, back to back
  std::vector<size_t> key_ends;
  std::vector<rocksdb::Slice> key_slices;
  std::vector<rocksdb::PinnableSlice> records;
  std::vector<rocksdb::Status> statuses;
  // The entities the cache did not have, and what RocksDB answered for them.
  std::vector<uint32_t> missed;
  std::vector<LatestCache::Ticket> tickets;
  std::vector<rocksdb::Slice> missed_keys;
  std::vector<rocksdb::PinnableSlice> missed_records;
  std::vector<rocksdb::Status> missed_statuses;
  std::vector<uint32_t> order;   // indices of the request's features, by feature id
  std::vector<uint32_t> wanted;  // their feature ids, ascending
  std::vector<uint32_t> slot;    // of feature j in `wanted` and `found`
  std::vector<std::optional<BinView>> found;
  bool in_use = false;
};
constexpr size_t kMaxKeptEntities = 16;

// Releases what the records pin (block cache blocks, memtable references) when the read
// ends however it ends: a kept PinnableSlice must not pin anything between reads.
class ScratchLease {
 public:
  ScratchLease(OnlineScratch* s, size_t n) : s_(s), n_(n) {
    s_->in_use = true;
    if (s_->records.size() < n_) s_->records.resize(n_);
    if (s_->statuses.size() < n_) s_->statuses.resize(n_);
    s_->key_ends.resize(n_);
    s_->key_slices.resize(n_);
    s_->keys.clear();
  }
  ~ScratchLease() {
    for (size_t i = 0; i < n_; ++i) s_->records[i].Reset();
    for (rocksdb::PinnableSlice& r : s_->missed_records) r.Reset();
    s_->in_use = false;
  }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;

 private:
  OnlineScratch* s_;
  size_t n_;
};

// Fills s->records and s->statuses (OK or NotFound) for the first n keys: from the
// cache where it has them, the rest with one Get or MultiGet, which then go into the
// cache. kInternal on a RocksDB error.
Status ReadLatestRecords(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* latest, LatestCache& cache,
                         size_t n, OnlineScratch* s) {
  s->missed.clear();
  s->tickets.clear();
  for (size_t i = 0; i < n; ++i) {
    const std::string_view key(s->key_slices[i].data(), s->key_slices[i].size());
    bool present = false;
    LatestCache::Ticket ticket;
    if (cache.Lookup(key, s->records[i].GetSelf(), &present, &ticket)) {
      s->records[i].PinSelf();
      s->statuses[i] = present ? rocksdb::Status::OK() : rocksdb::Status::NotFound();
    } else {
      s->missed.push_back(static_cast<uint32_t>(i));
      s->tickets.push_back(ticket);
    }
  }
  const size_t k = s->missed.size();
  if (k == 0) return Status::Ok();
  static const rocksdb::ReadOptions kReadOptions;  // built once: its constructor is not free
  if (k == 1) {
    // A one-key MultiGet pays for its batching machinery (contexts, sorting, level
    // pickers) without anything to batch.
    const size_t i = s->missed[0];
    s->statuses[i] = db->Get(kReadOptions, latest, s->key_slices[i], &s->records[i]);
  } else if (k == n) {
    db->MultiGet(kReadOptions, latest, n, s->key_slices.data(), s->records.data(),
                 s->statuses.data());
  } else {
    // Only some missed: MultiGet wants its keys side by side, so they are gathered, and
    // the answers copied back.
    s->missed_keys.resize(k);
    if (s->missed_records.size() < k) s->missed_records.resize(k);
    s->missed_statuses.resize(k);
    for (size_t j = 0; j < k; ++j) s->missed_keys[j] = s->key_slices[s->missed[j]];
    db->MultiGet(kReadOptions, latest, k, s->missed_keys.data(), s->missed_records.data(),
                 s->missed_statuses.data());
    for (size_t j = 0; j < k; ++j) {
      const size_t i = s->missed[j];
      s->statuses[i] = s->missed_statuses[j];
      s->records[i].PinSelf(s->missed_records[j]);
      s->missed_records[j].Reset();
    }
  }
  for (size_t j = 0; j < k; ++j) {
    const size_t i = s->missed[j];
    const rocksdb::Status& st = s->statuses[i];
    if (!st.ok() && !st.IsNotFound()) return FromRocks(st, "online read");
    const std::string_view key(s->key_slices[i].data(), s->key_slices[i].size());
    cache.Insert(key, std::string_view(s->records[i].data(), s->records[i].size()), st.ok(),
                 s->tickets[j]);
  }
  return Status::Ok();
}

}  // namespace

Result<OnlineResult> EngineImpl::ReadOnline(const OnlineRequest& request) {
  ASSIGN_OR_RETURN(Registry::Resolved resolved,
                   registry_->ResolveMany(request.entity_type, request.features));
  OnlineResult out;
  out.features = std::move(resolved.features);
  const size_t n = request.entity_ids.size();
  const size_t m = out.features.size();
  out.num_entities = n;
  out.values.resize(n * m);

  thread_local OnlineScratch kept;
  std::optional<OnlineScratch> own;
  OnlineScratch& s = n <= kMaxKeptEntities && !kept.in_use ? kept : own.emplace();
  ScratchLease lease(&s, n);

  for (size_t i = 0; i < n; ++i) {
    Status id_ok = CheckEntityId(request.entity_ids[i]);
    if (!id_ok.ok()) return InvalidArgument(id_ok.message());
    AppendEntityKey(resolved.entity_type_id, request.entity_ids[i], &s.keys);
    s.key_ends[i] = s.keys.size();
  }
  // Slices only once all keys are appended: appending may move the buffer.
  for (size_t i = 0, begin = 0; i < n; begin = s.key_ends[i++]) {
    s.key_slices[i] = rocksdb::Slice(s.keys.data() + begin, s.key_ends[i] - begin);
  }
  RETURN_IF_ERROR(ReadLatestRecords(db_.get(), cfs_[kLatestCf], latest_cache_, n, &s));

  // Sorted once per request so that each record is walked once, in feature-id order.
  s.order.resize(m);
  for (size_t j = 0; j < m; ++j) s.order[j] = static_cast<uint32_t>(j);
  std::sort(s.order.begin(), s.order.end(),
            [&](uint32_t a, uint32_t b) { return out.features[a]->id < out.features[b]->id; });
  s.wanted.resize(m);
  s.slot.resize(m);
  for (size_t k = 0; k < m; ++k) {
    s.wanted[k] = out.features[s.order[k]]->id;
    s.slot[s.order[k]] = static_cast<uint32_t>(k);
  }
  s.found.resize(m);

  const int64_t now = options_.clock->NowMicros();
  std::unique_ptr<HistoryLookup> history;  // only for future-dated bins, which are rare
  for (size_t i = 0; i < n; ++i) {
    if (s.statuses[i].ok()) {  // else NotFound: ReadLatestRecords returned any other error
      if (!SelectBins(std::string_view(s.records[i].data(), s.records[i].size()), s.wanted,
                      s.found)) {
        return Internal("corrupt latest record");
      }
    } else {
      std::fill(s.found.begin(), s.found.end(), std::nullopt);
    }
    // In request order, so that the first error reported is the same as feature by feature.
    for (size_t j = 0; j < m; ++j) {
      const Feature& f = *out.features[j];
      const std::optional<BinView>& bin = s.found[s.slot[j]];
      StoredVersion version;
      const StoredVersion* chosen = nullptr;
      if (bin.has_value() && bin->event_ts <= now) {
        version = StoredVersion{bin->event_ts, bin->ingest_ts, bin->value};
        chosen = &version;
      } else if (bin.has_value()) {
        if (!history) {
          history = std::make_unique<HistoryLookup>(db_.get(), cfs_[kHistoryCf], nullptr);
        }
        const std::string_view key(s.key_slices[i].data(), s.key_slices[i].size());
        ASSIGN_OR_RETURN(chosen, history->Find(key, f.id, now, AsOfMode::kEventTime));
      }
      RETURN_IF_ERROR(ServeVersionInto(f, chosen, now, &out.values[i * m + j]));
    }
  }
  drift_->ObserveServed(out, now);
  served_log_->ObserveServed(request, out, now);
  return out;
}

}  // namespace asof::internal
