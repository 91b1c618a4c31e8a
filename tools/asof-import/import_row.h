// The hand-off between the input side of asof-import (reading, mapping, validation) and
// its output side (sorting, SST files, upload): one validated input row.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace asof::import {

// One feature value of a row, already validated against the feature's registered type
// and encoded with the engine's value codec (engine/internal/value_codec.h). An
// explicit null (a null marker in the input) is the encoding of a null Value.
struct ImportCell {
  uint32_t feature_id = 0;
  std::string encoded_value;
};

struct ImportRow {
  uint64_t line = 0;  // 1-based line (CSV: record) number in its input, for messages
  std::string entity_id;
  int64_t event_ts = 0;           // microseconds since the epoch, UTC
  std::vector<ImportCell> cells;  // one per mapped feature column that is not absent
};

}  // namespace asof::import
