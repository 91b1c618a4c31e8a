#include "engine/internal/latest_cache.h"

#include <xxhash.h>

namespace asof::internal {

namespace {
// Per map entry (node, bucket, string headers) and per FIFO entry, beyond the bytes.
constexpr size_t kEntryOverhead = 96;
constexpr size_t kFifoOverhead = 48;

size_t EntryBytes(std::string_view key, std::string_view record) {
  return key.size() + record.size() + kEntryOverhead;
}
size_t FifoBytes(std::string_view key) { return key.size() + kFifoOverhead; }
}  // namespace

LatestCache::LatestCache(size_t capacity_bytes) : shard_capacity_(capacity_bytes / kShards) {}

size_t LatestCache::KeyHash::operator()(std::string_view key) const {
  return XXH3_64bits(key.data(), key.size());
}

LatestCache::Shard& LatestCache::ShardOf(std::string_view key) {
  // The top bits pick the shard; the map's buckets use the hash modulo a prime.
  return shards_[XXH3_64bits(key.data(), key.size()) >> 58];
}

bool LatestCache::Lookup(std::string_view key, std::string* record, bool* present, Ticket* ticket) {
  if (!enabled()) return false;
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.map.find(key);
  if (it == shard.map.end()) {
    ticket->generation = shard.generation;
    return false;
  }
  record->assign(it->second.record);
  *present = it->second.present;
  return true;
}

void LatestCache::Insert(std::string_view key, std::string_view record, bool present,
                         Ticket ticket) {
  if (!enabled()) return;
  const size_t need = EntryBytes(key, record) + FifoBytes(key);
  if (need > shard_capacity_) return;
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  if (shard.generation != ticket.generation) return;  // a write came in between
  auto [it, inserted] = shard.map.try_emplace(std::string(key));
  if (!inserted) shard.bytes -= EntryBytes(key, it->second.record);
  it->second.record.assign(record);
  it->second.present = present;
  it->second.insert_id = shard.next_insert_id++;
  shard.fifo.emplace_back(std::string(key), it->second.insert_id);
  shard.bytes += need;
  while (shard.bytes > shard_capacity_ && !shard.fifo.empty()) EvictOldest(shard);
}

void LatestCache::EvictOldest(Shard& shard) {
  auto& [key, insert_id] = shard.fifo.front();
  auto it = shard.map.find(key);
  // The key may have been invalidated, or inserted again since (a later FIFO entry).
  if (it != shard.map.end() && it->second.insert_id == insert_id) {
    shard.bytes -= EntryBytes(key, it->second.record);
    shard.map.erase(it);
  }
  shard.bytes -= FifoBytes(key);
  shard.fifo.pop_front();
}

void LatestCache::Invalidate(std::string_view key) {
  if (!enabled()) return;
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  ++shard.generation;
  auto it = shard.map.find(key);
  if (it == shard.map.end()) return;
  shard.bytes -= EntryBytes(key, it->second.record);
  shard.map.erase(it);
}

void LatestCache::InvalidateAll() {
  if (!enabled()) return;
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    ++shard.generation;
    shard.map.clear();
    shard.fifo.clear();
    shard.bytes = 0;
  }
}

size_t LatestCache::entries() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    n += shard.map.size();
  }
  return n;
}

size_t LatestCache::bytes() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    n += shard.bytes;
  }
  return n;
}

}  // namespace asof::internal
