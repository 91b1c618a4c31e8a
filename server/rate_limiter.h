// RateLimiter: one token bucket per key (a token name), refilled continuously at `rate`
// per second up to `burst`. A request takes one token or is refused with the whole
// seconds until one is available (for Retry-After).
//
// Thread-safety: Acquire may be called from many threads; buckets are sharded by key
// so threads rarely contend.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace asof::server {

class RateLimiter {
 public:
  // 0 when allowed (a token was taken), else the seconds to wait, >= 1. rate <= 0 means
  // unlimited; burst <= 0 means max(rate, 1).
  int Acquire(const std::string& key, double rate, double burst, int64_t now_us);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t last_us = 0;
    bool fresh = true;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
  };
  std::array<Shard, 16> shards_;
};

}  // namespace asof::server
