// --load: prepares the data a read workload needs, through the same native protocol.
#pragma once

#include <cstdint>

#include "engine/status.h"
#include "tools/asof-bench/options.h"

namespace asof::bench {

struct LoadResult {
  uint64_t records = 0;
  double seconds = 0;
};

// Registers the entity type and the DOUBLE features f0..f{M-1} (already registered ones
// with the same schema are left as they are), then writes one value of every feature
// for every entity 0..keyspace-1, dated kLoadAgeUs before now, in write requests of
// about options.load_batch records (whole entities), over max(connections, 4) parallel
// connections (at most 16). Fails on the first error: a rejected record, an error
// frame or a lost connection.
Result<LoadResult> LoadData(const BenchOptions& options);

}  // namespace asof::bench
