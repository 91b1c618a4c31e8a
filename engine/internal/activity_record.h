// Persisted write activity of one feature version (engine/doc/formats.md, "Activity
// records"), so that freshness survives a restart without a scan of the data.
//
//   key   (default CF): "act:" · feature_id(BE32)
//   value: 01 · last_event_ts svarint · last_ingest_ts svarint · values_written varint
//
// Every write batch adds one merge operand per feature it touched (the batch's own
// figures); the merge keeps the greatest timestamps and sums the counts. It is
// associative and commutative, so writers never read before writing and a bulk load
// recording its figures concurrently with streamed writes loses nothing.
#pragma once

#include <rocksdb/merge_operator.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/engine.h"

namespace asof::internal {

inline constexpr std::string_view kActivityKeyPrefix = "act:";

std::string ActivityKey(uint32_t feature_id);
// False when `key` is not an activity key.
bool ParseActivityKey(std::string_view key, uint32_t* feature_id);

// Encodes last_event_ts, last_ingest_ts and values_written of `a`.
void EncodeActivity(const FeatureActivity& a, std::string* out);
// False (and `a` unspecified) on a truncated record, trailing bytes or an unknown version.
bool DecodeActivity(std::string_view in, FeatureActivity* a);
// Folds `delta` into `into`: greatest timestamps, summed counts.
void MergeActivity(const FeatureActivity& delta, FeatureActivity* into);

// The merge operator of the default column family ("asof.ActivityMerge.v1"). A record
// that does not decode fails the merge (reported as corruption) rather than being dropped.
std::shared_ptr<rocksdb::MergeOperator> NewActivityMergeOperator();

}  // namespace asof::internal
