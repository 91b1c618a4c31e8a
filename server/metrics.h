// Metrics: asofd's Prometheus metrics and their text exposition (format 0.0.4), served
// at GET /metrics on the HTTP port.
//
// Families (all prefixed asof_):
//   http_requests_total{route,code}                 counter, per route pattern name and status
//   native_requests_total{type,code}                counter, per request type and error code name
//   request_duration_seconds{protocol,operation}    histogram; operation: online, asof,
//                                                   ingest, registry, other
//   inflight_requests{protocol}                     gauge
//   write_group_duration_seconds                    histogram: one group commit (WAL write,
//                                                   and fsync with sync_writes)
//   records_total{outcome}                          counter: accepted, duplicate, rejected
//   rate_limited_total, shed_total                  counters: 429s and 503s from overload
//   block_cache_hits_total, block_cache_misses_total, block_cache_hit_ratio
//   feature_last_event_timestamp_seconds{entity,feature}, feature_values_written_total{...}
//   feature_staleness_seconds{entity,feature}, stale_features (Engine::Freshness)
//   feature_drift_ks{entity,feature,version}, drifting_features (DriftMonitor::Drift)
//   connections{protocol}, up, build_info{version}
//
// Hot-path cost: the native and histogram updates are relaxed atomic adds into fixed
// arrays (no lock, no allocation); HTTP counters are indexed by the router's route id.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "wire/frame.h"

namespace asof::server {

enum class Protocol : uint8_t { kNative = 0, kHttp = 1, kResp = 2 };
inline constexpr size_t kNumProtocols = 3;
enum class Operation : uint8_t { kOnline = 0, kAsOf = 1, kIngest = 2, kRegistry = 3, kOther = 4 };
inline constexpr size_t kNumOperations = 5;

// A histogram with fixed upper bounds (seconds), lock-free.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double seconds);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // Appends the _bucket/_sum/_count lines for `name` with `labels` ("a=\"b\"" or empty).
  void Render(std::string_view name, std::string_view labels, std::string* out) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1 (+Inf)
  std::atomic<uint64_t> sum_ns_{0};
  std::atomic<uint64_t> count_{0};
};

class Metrics {
 public:
  // `engine` (not owned) supplies cache and per-feature figures at render time.
  explicit Metrics(Engine* engine);
  ~Metrics();

  // HTTP routes are registered once at start-up (HttpApi does it); ids index counters.
  // Route 0 is "unmatched" (404 / 405 before any route).
  size_t AddHttpRoute(std::string_view name);
  void CountHttp(size_t route_id, int status);
  void CountNative(wire::MessageType type, ErrorCode code);
  void ObserveLatency(Protocol protocol, Operation operation, double seconds);
  void ObserveWriteGroup(double seconds);
  void CountRecords(const WriteResult& result);
  void CountRateLimited();
  void CountShed();

  std::atomic<int64_t>& inflight(Protocol p) { return inflight_[static_cast<size_t>(p)]; }
  std::atomic<int64_t>& connections(Protocol p) { return connections_[static_cast<size_t>(p)]; }

  // The whole exposition; passes `promtool check metrics`.
  std::string Render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::array<std::atomic<int64_t>, kNumProtocols> inflight_{};
  std::array<std::atomic<int64_t>, kNumProtocols> connections_{};
};

}  // namespace asof::server
