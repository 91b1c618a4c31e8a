// LatestCache: whole `latest` records by entity key, in front of RocksDB, for online reads.
//
// A hit costs one hash lookup and a copy of the record; a RocksDB Get of a record held in
// its row cache costs the memtable and level search, the row cache's own lookup and a
// merge, about half of a cached RESP HMGET's CPU (perf/RESULTS.md). Absent entities are
// cached too.
//
// Coherence: every writer of `latest` calls Invalidate (or InvalidateAll) after its write
// reached RocksDB, whether or not it succeeded. A reader that misses gets a ticket from
// Lookup, reads RocksDB, and Inserts with that ticket; the insert is dropped when its
// shard saw an invalidation since the ticket, because the record read may predate that
// write. So once a write has returned, no read that starts later can see an older record.
//
// Memory: at most capacity_bytes of keys, records and bookkeeping, in 64 shards of
// equal budget, each evicting its oldest inserts first. capacity_bytes == 0 disables it:
// Lookup always misses and Insert keeps nothing.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace asof::internal {

class LatestCache {
 public:
  explicit LatestCache(size_t capacity_bytes);

  struct Ticket {
    uint64_t generation = 0;
  };
  // On a hit copies the record into *record and sets *present (false: the entity has no
  // record) and returns true. On a miss returns false and sets *ticket for Insert.
  bool Lookup(std::string_view key, std::string* record, bool* present, Ticket* ticket);
  // Caches what a read after Lookup found (present false: no record), unless the key's
  // shard was invalidated since the ticket.
  void Insert(std::string_view key, std::string_view record, bool present, Ticket ticket);
  void Invalidate(std::string_view key);
  void InvalidateAll();

  bool enabled() const { return shard_capacity_ > 0; }
  // Approximate figures for tests and metrics.
  size_t entries() const;
  size_t bytes() const;

 private:
  static constexpr size_t kShards = 64;  // ShardOf takes the hash's top 6 bits
  struct Entry {
    std::string record;
    bool present = false;
    uint64_t insert_id = 0;  // which insert of the key the FIFO entry refers to
  };
  struct KeyHash {
    using is_transparent = void;  // find(string_view) without building a std::string
    size_t operator()(std::string_view key) const;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>> map;
    std::deque<std::pair<std::string, uint64_t>> fifo;  // (key, insert_id), oldest first
    uint64_t generation = 0;
    uint64_t next_insert_id = 0;
    size_t bytes = 0;  // map entries and fifo entries, with a fixed overhead each
  };
  Shard& ShardOf(std::string_view key);
  void EvictOldest(Shard& shard);

  const size_t shard_capacity_;
  std::array<Shard, kShards> shards_;
};

}  // namespace asof::internal
