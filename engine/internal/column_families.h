// Every RocksDB tuning knob of the engine, in one place: the column families, their
// table options (block cache, bloom filters, prefix extractor, pinned index and filter
// blocks), merge operator and compaction filters, and the DB-wide options.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <memory>
#include <vector>

#include "engine/engine.h"
#include "engine/internal/history_retention_filter.h"

namespace asof::internal {

// Position of each column family in the descriptor list and in the handle vector.
enum Cf : size_t { kDefaultCf = 0, kLatestCf, kHistoryCf, kRegistryCf, kDedupCf, kDlqCf, kNumCfs };

struct CfTuning {
  rocksdb::DBOptions db;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;  // indexed by Cf
  std::shared_ptr<rocksdb::Cache> block_cache;
};

CfTuning MakeTuning(const EngineOptions& options, RetentionLookup retention);

}  // namespace asof::internal
