// ServedWindows: the sketches of served values not yet persisted, one shard per thread.
//
// Rationale: ObserveServed runs on every online read, from many threads at once. Each
// thread adds to its own shard (found through a thread_local pointer, created on the
// thread's first call), so the shard's mutex is contended only when a query or a
// persistence pass reads or drains the shards. Once a thread's window and feature
// sketches exist, Observe allocates nothing (beyond what a sketch's own compaction does).
//
// Concurrency: all methods are safe to call concurrently. Shards are owned by this object
// and live until it is destroyed (a thread that exits leaves its shard to the next thread
// that gets the same id), so the thread_local pointer never dangles: it is tagged with
// this object's process-unique id and ignored by any other instance.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "engine/drift/value_sketch.h"
#include "engine/engine.h"

namespace asof::internal {

// Sketches of one window (or of several merged), by feature id.
using FeatureSketches = std::unordered_map<uint32_t, drift::ValueSketch>;
// By window start.
using WindowSketches = std::map<int64_t, FeatureSketches>;

// Merges `from` into `into` (creating the feature's entry when missing).
void MergeSketches(const FeatureSketches& from, FeatureSketches* into);
void MergeSketch(uint32_t feature_id, const drift::ValueSketch& from, FeatureSketches* into);

class ServedWindows {
 public:
  // sample_rate in [0, 1]: each monitored value is kept with this probability.
  explicit ServedWindows(double sample_rate);
  ~ServedWindows();
  ServedWindows(const ServedWindows&) = delete;
  ServedWindows& operator=(const ServedWindows&) = delete;

  // Adds the monitored values of `result` to the calling thread's window `window_start`.
  void Observe(const OnlineResult& result, int64_t window_start);

  // Removes the windows starting before `before` from every shard, merged by window.
  WindowSketches Drain(int64_t before);

  // Merges (without removing) the windows starting in [from_ws, to_ws] into `out`: one
  // feature's, or every feature's when `feature` is unset.
  void Collect(int64_t from_ws, int64_t to_ws, std::optional<uint32_t> feature,
               FeatureSketches* out);

 private:
  struct Shard {
    std::mutex mu;
    WindowSketches windows;              // guarded by mu
    int64_t current_start = 0;           // guarded by mu; valid when current != nullptr
    FeatureSketches* current = nullptr;  // guarded by mu: &windows[current_start]
    uint64_t rng = 0;                    // the owning thread's sampling state
  };
  Shard* LocalShard();
  bool Sampled(Shard* shard);

  const uint64_t uid_;  // process-unique, tags the thread_local cache
  const bool sample_all_;
  const uint64_t sample_threshold_;  // a draw below it is kept

  std::mutex shards_mu_;
  std::unordered_map<std::thread::id, std::unique_ptr<Shard>> shards_;  // guarded by shards_mu_
};

}  // namespace asof::internal
