// ServedLogImpl: the ServedLog of engine/served_log.h over the default column family.
//
// Buffering: one mutex-protected vector rather than per-thread buffers. ObserveServed
// builds its sampled rows outside the lock and takes it once per request that sampled
// anything (never per row, never when nothing was sampled), so the critical section is a
// few moves; per-thread buffers would need a registry of threads for the flusher to
// drain and would hold rows of idle threads indefinitely. At rate 0 the hot path is the
// single `on_` branch.
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <random>
#include <stop_token>
#include <thread>

#include "engine/internal/coding.h"
#include "engine/internal/engine_impl.h"
#include "engine/internal/monitor_factories.h"
#include "engine/internal/served_row_codec.h"

namespace asof::internal {
namespace {

// The sequence high-water mark (BE64: every seq below it has been handed out), written
// with each flush so that keys stay unique across restarts even if the clock steps back.
constexpr std::string_view kSeqHwmKey = "slog_hwm";
constexpr int64_t kExpireEveryUs = 60LL * 1000000;

bool ValidRate(double r) { return std::isfinite(r) && r >= 0.0 && r <= 1.0; }

Status Validate(const ServedLogOptions& o) {
  if (!ValidRate(o.sample_rate)) return InvalidArgument("served log: sample_rate not in [0, 1]");
  for (const auto& [entity, rate] : o.entity_rates) {
    if (entity.empty()) return InvalidArgument("served log: empty entity type in rates");
    if (!ValidRate(rate)) {
      return InvalidArgument("served log: rate of '" + entity + "' not in [0, 1]");
    }
  }
  if (o.retention_us <= 0) return InvalidArgument("served log: retention must be > 0");
  if (o.flush_interval_us <= 0) return InvalidArgument("served log: flush_interval must be > 0");
  if (o.max_buffered == 0) return InvalidArgument("served log: max_buffered must be > 0");
  return Status::Ok();
}

// One Bernoulli draw from a generator private to the calling thread.
bool Sampled(double rate) {
  if (rate >= 1.0) return true;
  thread_local std::mt19937_64 gen{
      std::hash<std::thread::id>{}(std::this_thread::get_id()) ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
  return static_cast<double>(gen() >> 11) * 0x1.0p-53 < rate;
}

class ServedLogImpl final : public ServedLog {
 public:
  ServedLogImpl(const MonitorContext& context, const ServedLogOptions& options)
      : ctx_(context), options_(options) {
    on_ = options_.sample_rate > 0 ||
          std::any_of(options_.entity_rates.begin(), options_.entity_rates.end(),
                      [](const auto& e) { return e.second > 0; });
  }

  ~ServedLogImpl() override {
    if (thread_.joinable()) {
      thread_.request_stop();
      thread_.join();
    }
    (void)FlushNow();  // nothing to report to on close; a failure loses only these rows
  }

  Status Start() {
    std::string hwm;
    rocksdb::Status s = ctx_.db->Get(rocksdb::ReadOptions(), ctx_.cf, kSeqHwmKey, &hwm);
    if (s.ok()) {
      if (hwm.size() != 8) return Internal("corrupt served-log sequence");
      next_seq_.store(LoadBE64(hwm.data()));
    } else if (!s.IsNotFound()) {
      return FromRocks(s, "served log open");
    }
    RETURN_IF_ERROR(ExpireOld());
    if (on_) thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
    return Status::Ok();
  }

  const ServedLogOptions& options() const override { return options_; }

  void ObserveServed(const OnlineRequest& request, const OnlineResult& result,
                     int64_t now) override {
    if (!on_) return;
    const double rate = RateOf(request.entity_type);
    if (rate <= 0) return;
    std::vector<ServedRow> rows;
    std::vector<std::string> names;
    const size_t nf = result.features.size();
    for (size_t i = 0; i < result.num_entities && i < request.entity_ids.size(); ++i) {
      if (!Sampled(rate)) continue;
      if (names.empty()) {
        names.reserve(nf);
        for (const FeaturePtr& f : result.features) {
          names.push_back(f->spec.name + "@" + std::to_string(f->version));
        }
      }
      ServedRow& row = rows.emplace_back();
      row.request_ts = now;
      row.entity_type = request.entity_type;
      row.entity_id = request.entity_ids[i];
      row.features = names;
      row.values.assign(result.values.begin() + static_cast<ptrdiff_t>(i * nf),
                        result.values.begin() + static_cast<ptrdiff_t>((i + 1) * nf));
    }
    if (rows.empty()) return;
    sampled_.fetch_add(rows.size(), std::memory_order_relaxed);
    size_t kept = 0;
    bool full;
    {
      std::lock_guard lock(mu_);
      kept = std::min(rows.size(),
                      options_.max_buffered - std::min(options_.max_buffered, buffer_.size()));
      for (size_t i = 0; i < kept; ++i) {
        rows[i].seq = next_seq_.fetch_add(1, std::memory_order_relaxed);
        buffer_.push_back(std::move(rows[i]));
      }
      full = buffer_.size() >= options_.max_buffered;
    }
    if (kept < rows.size()) dropped_.fetch_add(rows.size() - kept, std::memory_order_relaxed);
    if (full) cv_.notify_one();
  }

  Result<std::vector<ServedRow>> Read(const ServedLogQuery& query) override {
    std::vector<ServedRow> out;
    if (query.limit == 0 || query.to_ts < query.from_ts) return out;
    std::string begin = ServedRowKey(query.from_ts, 0);
    if (query.after) {
      if (query.after->first == INT64_MAX && query.after->second == UINT64_MAX) return out;
      const std::string after = ServedRowKey(query.after->first, query.after->second);
      // The smallest key greater than `after` (all keys have the same length).
      if (after >= begin) begin = after + '\0';
    }
    const std::string end = query.to_ts == INT64_MAX ? std::string("slog;")  // ':' + 1
                                                     : ServedRowKey(query.to_ts + 1, 0);
    rocksdb::Slice end_slice(end);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &end_slice;
    std::unique_ptr<rocksdb::Iterator> it(ctx_.db->NewIterator(ro, ctx_.cf));
    for (it->Seek(begin); it->Valid() && out.size() < query.limit; it->Next()) {
      ServedRow row;
      const rocksdb::Slice key = it->key();
      if (!ParseServedRowKey(std::string_view(key.data(), key.size()), &row.request_ts, &row.seq)) {
        return Internal("corrupt served-log key");
      }
      RETURN_IF_ERROR(
          DecodeServedRow(std::string_view(it->value().data(), it->value().size()), &row));
      if (!query.entity_type.empty() && row.entity_type != query.entity_type) continue;
      out.push_back(std::move(row));
    }
    if (!it->status().ok()) return FromRocks(it->status(), "served log read");
    return out;
  }

  Status Flush() override { return FlushNow(); }

  Status ExpireOld() override {
    std::lock_guard lock(write_mu_);
    const int64_t now = ctx_.clock->NowMicros();
    last_expire_ = now;
    const int64_t cutoff = now - options_.retention_us;
    if (cutoff <= 0) return Status::Ok();
    const std::string begin = ServedRowKey(0, 0);
    const std::string end = ServedRowKey(cutoff, 0);
    rocksdb::Slice end_slice(end);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &end_slice;
    uint64_t count = 0;
    {
      std::unique_ptr<rocksdb::Iterator> it(ctx_.db->NewIterator(ro, ctx_.cf));
      for (it->Seek(begin); it->Valid(); it->Next()) ++count;
      if (!it->status().ok()) return FromRocks(it->status(), "served log expiry");
    }
    if (count == 0) return Status::Ok();
    rocksdb::Status s = ctx_.db->DeleteRange(rocksdb::WriteOptions(), ctx_.cf, begin, end);
    if (!s.ok()) return FromRocks(s, "served log expiry");
    expired_.fetch_add(count, std::memory_order_relaxed);
    return Status::Ok();
  }

  ServedLogStats stats() const override {
    return ServedLogStats{sampled_.load(), written_.load(), dropped_.load(), expired_.load()};
  }

 private:
  double RateOf(std::string_view entity_type) const {
    auto it = options_.entity_rates.find(entity_type);
    return it == options_.entity_rates.end() ? options_.sample_rate : it->second;
  }

  // Writes whatever is buffered in one batch (not synced: a crash loses at most the
  // rows of the last flushes, which the log's contract allows).
  Status FlushNow() {
    std::lock_guard write_lock(write_mu_);
    std::vector<ServedRow> rows;
    {
      std::lock_guard lock(mu_);
      rows.swap(buffer_);
    }
    if (rows.empty()) return Status::Ok();
    rocksdb::WriteBatch batch;
    std::string value;
    for (const ServedRow& row : rows) {
      value.clear();
      EncodeServedRow(row, &value);
      batch.Put(ctx_.cf, ServedRowKey(row.request_ts, row.seq), value);
    }
    std::string hwm;
    PutBE64(&hwm, next_seq_.load());
    batch.Put(ctx_.cf, kSeqHwmKey, hwm);
    rocksdb::Status s = ctx_.db->Write(rocksdb::WriteOptions(), &batch);
    if (!s.ok()) {
      dropped_.fetch_add(rows.size(), std::memory_order_relaxed);
      return FromRocks(s, "served log flush");
    }
    written_.fetch_add(rows.size(), std::memory_order_relaxed);
    return Status::Ok();
  }

  void Run(std::stop_token stop) {
    const auto interval = std::chrono::microseconds(options_.flush_interval_us);
    while (!stop.stop_requested()) {
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, stop, interval, [&] { return buffer_.size() >= options_.max_buffered; });
      }
      if (stop.stop_requested()) break;
      // Errors are counted (dropped) and retried at the next interval.
      (void)FlushNow();
      bool expire;
      {
        std::lock_guard lock(write_mu_);
        expire = ctx_.clock->NowMicros() - last_expire_ >= kExpireEveryUs;
      }
      if (expire) (void)ExpireOld();
    }
  }

  const MonitorContext ctx_;
  const ServedLogOptions options_;
  bool on_ = false;  // some rate is above 0

  std::atomic<uint64_t> next_seq_{0};
  std::atomic<uint64_t> sampled_{0};
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> expired_{0};

  std::mutex mu_;
  std::condition_variable_any cv_;
  std::vector<ServedRow> buffer_;  // guarded by mu_

  std::mutex write_mu_;      // serializes flushes and expiry; taken before mu_
  int64_t last_expire_ = 0;  // guarded by write_mu_

  std::jthread thread_;  // started by Start when on_; stopped first by the destructor
};

}  // namespace

Result<std::unique_ptr<ServedLog>> NewServedLog(const MonitorContext& context,
                                                const ServedLogOptions& options) {
  RETURN_IF_ERROR(Validate(options));
  auto log = std::make_unique<ServedLogImpl>(context, options);
  RETURN_IF_ERROR(log->Start());
  return std::unique_ptr<ServedLog>(std::move(log));
}

}  // namespace asof::internal
