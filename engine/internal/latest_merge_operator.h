// Merge operator of the `latest` column family: per feature bin, the greatest event_ts
// wins, ties go to the greater ingest_ts. The merge is associative and commutative, so
// writers add operands without reading, and bulk loads cannot overwrite fresher values.
#pragma once

#include <rocksdb/merge_operator.h>

#include <memory>

namespace asof::internal {

std::shared_ptr<rocksdb::MergeOperator> NewLatestMergeOperator();

}  // namespace asof::internal
