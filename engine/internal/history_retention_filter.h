// Compaction filter of `history`: drops versions older than their feature's retention,
// but always keeps, per (entity, feature), the newest version at or before the cutoff:
// it is the as-of answer at the start of the retention window.
//
// It only drops a version after seeing, in the same compaction, a newer version that is
// itself at or before the cutoff (and therefore kept), so versions split across levels
// are never all dropped.
#pragma once

#include <rocksdb/compaction_filter.h>

#include <cstdint>
#include <functional>
#include <memory>

#include "engine/clock.h"

namespace asof::internal {

// Retention of a feature id in microseconds; 0 (or unknown feature) keeps forever.
using RetentionLookup = std::function<int64_t(uint32_t feature_id)>;

std::shared_ptr<rocksdb::CompactionFilterFactory> NewHistoryRetentionFilterFactory(
    RetentionLookup retention, const Clock* clock);

}  // namespace asof::internal
