// A single-feature lookup in a `latest` record as the engine does it (decode the record,
// then look the bin up), for the record and merge-operator tests.
#pragma once

#include <string_view>
#include <vector>

#include "engine/internal/latest_record.h"

namespace asof::internal {

// 1 when found (fills *out), 0 when absent, -1 when the record is corrupt.
inline int FindBin(std::string_view record, uint32_t feature_id, BinView* out) {
  std::vector<BinView> bins;
  if (!DecodeLatestRecord(record, &bins)) return -1;
  const BinView* bin = LookupBin(bins, feature_id);
  if (bin == nullptr) return 0;
  *out = *bin;
  return 1;
}

}  // namespace asof::internal
