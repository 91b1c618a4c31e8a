// Compaction filter of `history`: drops versions older than their feature's retention
// while every as-of read at a T inside the retention window (T >= now - retention) keeps
// its answer, in both modes.
//
// Versions dated at or after the cutoff are kept. Below the cutoff, scanning newest
// first, a version v is dropped only when an already kept version w below the cutoff
// shadows it: w.ingest_ts <= max(v.ingest_ts, cutoff), so at every T >= cutoff at which
// replay could see v it also sees w, which wins. In event-time mode this keeps exactly
// the newest version below the cutoff (the answer at the cutoff); replay mode may keep a
// few more (late arrivals).
//
// Only versions seen in the same compaction shadow each other, so versions split across
// levels are never all dropped.
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
