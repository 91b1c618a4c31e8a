#include "server/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace asof::server {

int RateLimiter::Acquire(const std::string& key, double rate, double burst, int64_t now_us) {
  if (!(rate > 0)) return 0;
  // A bucket smaller than one token could never grant anything.
  const double capacity = burst > 0 ? std::max(burst, 1.0) : std::max(rate, 1.0);
  Shard& shard = shards_[std::hash<std::string>{}(key) % shards_.size()];
  std::lock_guard lock(shard.mu);
  Bucket& b = shard.buckets[key];
  if (b.fresh) {
    b.fresh = false;
    b.tokens = capacity;
    b.last_us = now_us;
  } else if (now_us > b.last_us) {
    // Callers on different threads may pass slightly older times: those just refill
    // nothing rather than moving the bucket's clock backwards.
    b.tokens = std::min(capacity, b.tokens + static_cast<double>(now_us - b.last_us) * rate / 1e6);
    b.last_us = now_us;
  }
  // A lowered burst (config reload, another route's setting) takes effect at once.
  b.tokens = std::min(b.tokens, capacity);
  // Refills add fractions (0.1 ten times is 0.999...): a hair of slack keeps a steady
  // client at exactly the rate from being refused for rounding.
  constexpr double kSlack = 1e-9;
  if (b.tokens >= 1.0 - kSlack) {
    b.tokens -= 1.0;
    return 0;
  }
  const double wait_s = std::ceil((1.0 - b.tokens) / rate);
  return static_cast<int>(std::clamp(wait_s, 1.0, 1e9));
}

}  // namespace asof::server
