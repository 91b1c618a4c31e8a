#include "engine/internal/served_windows.h"

#include <functional>
#include <vector>

namespace asof::internal {

namespace {

std::atomic<uint64_t> next_uid{1};

uint64_t ThresholdOf(double rate) {
  if (rate <= 0) return 0;
  if (rate >= 1) return UINT64_MAX;
  return static_cast<uint64_t>(rate * 18446744073709551616.0);  // rate * 2^64
}

// xorshift64*: a few cycles per draw, good enough to decide sampling.
uint64_t NextRandom(uint64_t* state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

}  // namespace

void MergeSketch(uint32_t feature_id, const drift::ValueSketch& from, FeatureSketches* into) {
  auto it = into->find(feature_id);
  if (it == into->end()) {
    into->emplace(feature_id, from);
  } else {
    it->second.Merge(from);
  }
}

void MergeSketches(const FeatureSketches& from, FeatureSketches* into) {
  for (const auto& [id, sketch] : from) MergeSketch(id, sketch, into);
}

ServedWindows::ServedWindows(double sample_rate)
    : uid_(next_uid.fetch_add(1, std::memory_order_relaxed)),
      sample_all_(sample_rate >= 1),
      sample_threshold_(ThresholdOf(sample_rate)) {}

ServedWindows::~ServedWindows() = default;

ServedWindows::Shard* ServedWindows::LocalShard() {
  thread_local uint64_t cached_uid = 0;
  thread_local Shard* cached = nullptr;
  if (cached_uid == uid_) return cached;
  const std::thread::id me = std::this_thread::get_id();
  std::lock_guard<std::mutex> lock(shards_mu_);
  std::unique_ptr<Shard>& shard = shards_[me];
  if (!shard) {
    shard = std::make_unique<Shard>();
    // Distinct, non-zero seeds per thread and per monitor.
    shard->rng = (std::hash<std::thread::id>()(me) ^ (uid_ * 0x9E3779B97F4A7C15ULL)) | 1;
  }
  cached_uid = uid_;
  cached = shard.get();
  return cached;
}

bool ServedWindows::Sampled(Shard* shard) {
  return sample_all_ || NextRandom(&shard->rng) < sample_threshold_;
}

void ServedWindows::Observe(const OnlineResult& result, int64_t window_start) {
  if (!sample_all_ && sample_threshold_ == 0) return;
  const size_t nf = result.features.size();
  if (nf == 0 || result.num_entities == 0) return;
  Shard* shard = LocalShard();
  std::lock_guard<std::mutex> lock(shard->mu);
  if (shard->current == nullptr || shard->current_start != window_start) {
    shard->current = &shard->windows[window_start];
    shard->current_start = window_start;
  }
  FeatureSketches& sketches = *shard->current;
  for (size_t j = 0; j < nf; ++j) {
    const Feature& f = *result.features[j];
    if (!drift::ValueSketch::Monitored(f.spec.value_type)) continue;
    auto it = sketches.find(f.id);
    if (it == sketches.end()) {
      it = sketches.emplace(f.id, drift::ValueSketch(f.spec.value_type)).first;
    }
    for (size_t i = 0; i < result.num_entities; ++i) {
      if (Sampled(shard)) it->second.Add(result.values[i * nf + j]);
    }
  }
}

WindowSketches ServedWindows::Drain(int64_t before) {
  std::vector<Shard*> shards;
  {
    std::lock_guard<std::mutex> lock(shards_mu_);
    for (auto& [id, shard] : shards_) shards.push_back(shard.get());
  }
  WindowSketches out;
  for (Shard* shard : shards) {
    std::lock_guard<std::mutex> lock(shard->mu);
    auto end = shard->windows.lower_bound(before);
    for (auto it = shard->windows.begin(); it != end; ++it) {
      MergeSketches(it->second, &out[it->first]);
    }
    if (shard->current != nullptr && shard->current_start < before) shard->current = nullptr;
    shard->windows.erase(shard->windows.begin(), end);
  }
  return out;
}

void ServedWindows::Collect(int64_t from_ws, int64_t to_ws, std::optional<uint32_t> feature,
                            FeatureSketches* out) {
  std::vector<Shard*> shards;
  {
    std::lock_guard<std::mutex> lock(shards_mu_);
    for (auto& [id, shard] : shards_) shards.push_back(shard.get());
  }
  for (Shard* shard : shards) {
    std::lock_guard<std::mutex> lock(shard->mu);
    for (auto it = shard->windows.lower_bound(from_ws);
         it != shard->windows.end() && it->first <= to_ws; ++it) {
      if (!feature) {
        MergeSketches(it->second, out);
      } else if (auto f = it->second.find(*feature); f != it->second.end()) {
        MergeSketch(*feature, f->second, out);
      }
    }
  }
}

}  // namespace asof::internal
