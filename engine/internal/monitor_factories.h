// Factories of the engine's monitors (engine/drift_monitor.h, engine/served_log.h), so
// EngineImpl needs neither implementation's header. Both keep their records in the
// default column family under their own key prefixes (engine/doc/formats.md).
#pragma once

#include <rocksdb/db.h>

#include <memory>

#include "engine/clock.h"
#include "engine/drift_monitor.h"
#include "engine/registry.h"
#include "engine/served_log.h"
#include "engine/status.h"

namespace asof::internal {

// What a monitor may use; none of it is owned, all of it outlives the monitor.
struct MonitorContext {
  rocksdb::DB* db;
  rocksdb::ColumnFamilyHandle* cf;  // the default column family
  Registry* registry;
  const Clock* clock;
};

// Loads persisted state (closed windows and baselines are read lazily or now, the
// implementation's choice). kInvalidArgument for options out of range.
Result<std::unique_ptr<DriftMonitor>> NewDriftMonitor(const MonitorContext& context,
                                                      const DriftOptions& options);
// Starts the background flush thread (when sampling is on).
Result<std::unique_ptr<ServedLog>> NewServedLog(const MonitorContext& context,
                                                const ServedLogOptions& options);

}  // namespace asof::internal
