// From sorted rows to the SST files of a bulk load (engine/doc/formats.md).
//
// asof-import sorts one record per valid input row (not per cell: twenty times fewer
// records to sort for a row of twenty features):
//
//   key   = entity key · ~event_ts BE64 · ~seq BE64
//   value = the row's cells, each feature_id BE32 · size BE32 · encoded Value
//
// so one entity's rows are adjacent, newest event_ts first and, among rows with the same
// event_ts, the latest input row (greatest seq) first. The history column family wants
// cells ordered by (entity, feature, ~event_ts): each entity's rows are turned into that
// order in memory (or, past `group_memory_bytes`, through a sort of their own, so one
// entity with more rows than RAM still loads). The sorted rows are read twice:
//
//   1. ScanSorted: counts and the load's fingerprint, before the load begins (the server
//      hands out the ingest_ts at Begin, and the fingerprint is what Begin checks);
//   2. BuildSstFiles: the files, with that ingest_ts.
//
// Two cells with the same (entity, feature, event_ts) would get the same history key:
// the later input row wins and the other is counted as superseded, never dropped
// silently.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"
#include "tools/asof-import/external_sorter.h"
#include "tools/asof-import/import_row.h"

namespace asof::import {

// Appends the sort key of one row to `out`; `seq` is the row's position in the input.
void AppendRowSortKey(uint32_t entity_type_id, std::string_view entity_id, int64_t event_ts,
                      uint64_t seq, std::string* out);
// Appends the sort value of one row (its cells, in any order; feature ids distinct).
void AppendRowSortValue(const std::vector<ImportCell>& cells, std::string* out);

// How the rows of one entity are put in history order.
struct GroupOptions {
  std::string scratch_dir;                       // for the sort of an oversized entity
  size_t group_memory_bytes = size_t{64} << 20;  // one entity's rows held in memory
};

struct LoadScan {
  // Identifies what the load writes: "xxh3-128:" and 32 hex digits over the entity type
  // and every cell that is kept (history key without ingest_ts, and value), in key
  // order. The same rows give the same fingerprint whatever their order in the input
  // or across part files; a changed value, row or feature version gives another.
  std::string fingerprint;
  uint64_t values = 0;      // cells kept: one history entry each
  uint64_t superseded = 0;  // cells replaced by a later input row with the same event_ts
  uint64_t entities = 0;    // one latest merge operand each
};

// Pass 1. `on_progress` (may be empty) is called every 64 Ki rows with the number read
// so far; a non-OK status from it stops the scan and is returned. kInternal when a
// sorted record is malformed (a damaged sort run).
using ProgressFn = std::function<Status(uint64_t rows)>;
Result<LoadScan> ScanSorted(SortedStream& stream, std::string_view entity_type,
                            const GroupOptions& groups, const ProgressFn& on_progress);

struct SstFile {
  std::string path;
  bool latest = false;  // false: history puts; true: latest merge operands
  uint64_t entries = 0;
  uint64_t size = 0;
};

// asof-import's --sst-file-mb default: asofd verifies each file as it arrives, so the
// last one, verified at commit, is what the user waits for (perf/RESULTS.md).
constexpr uint64_t kDefaultSstFileBytes = 32ull << 20;

struct SstBuildOptions {
  std::string dir;        // where the files go (named history-N.sst, latest-N.sst)
  int64_t ingest_ts = 0;  // from BulkLoadBegin: every version carries it
  uint64_t target_file_bytes = kDefaultSstFileBytes;  // a file is closed once it reaches this
  ProgressFn on_progress;
  GroupOptions groups;
};

// Pass 2. Writes history and latest files side by side (each sorted, no key twice) and
// calls `on_file` for each finished file, in the order they finish; the callee owns the
// file from then on (asof-import uploads and deletes it). A non-OK status from `on_file`
// stops the build. kInternal on a RocksDB error, naming the file.
Status BuildSstFiles(SortedStream& stream, const SstBuildOptions& options,
                     const std::function<Status(const SstFile&)>& on_file);

}  // namespace asof::import
