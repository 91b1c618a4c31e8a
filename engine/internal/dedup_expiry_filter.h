// Compaction filter of `dedup`: forgets event ids first accepted longer ago than the
// dedup window. Reads check the window too, so an expired id not yet compacted away is
// still treated as expired.
#pragma once

#include <rocksdb/compaction_filter.h>

#include <cstdint>
#include <memory>

#include "engine/clock.h"

namespace asof::internal {

std::shared_ptr<rocksdb::CompactionFilterFactory> NewDedupExpiryFilterFactory(int64_t window_us,
                                                                              const Clock* clock);

}  // namespace asof::internal
