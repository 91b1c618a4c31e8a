// From sorted cells to the SST files of a bulk load (engine/doc/formats.md).
//
// asof-import sorts one record per cell: key = entity key · feature_id BE32 · ~event_ts
// BE64 · ~seq BE64, value = the encoded Value. The first 8 + id + 12 bytes are exactly a
// history key without its ~ingest_ts, so within one (entity, feature) the newest
// event_ts comes first, and among rows with the same event_ts the latest input row
// (greatest seq) comes first. The sorted stream is read twice:
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

#include "engine/status.h"
#include "tools/asof-import/external_sorter.h"

namespace asof::import {

// Appends the sort key of one cell to `out`; `seq` is the row's position in the input.
void AppendSortKey(uint32_t entity_type_id, std::string_view entity_id, uint32_t feature_id,
                   int64_t event_ts, uint64_t seq, std::string* out);

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

// Pass 1. `on_progress` (may be empty) is called every 64 Ki records with the number
// read so far; a non-OK status from it stops the scan and is returned.
using ProgressFn = std::function<Status(uint64_t records)>;
Result<LoadScan> ScanSorted(SortedStream& stream, std::string_view entity_type,
                            const ProgressFn& on_progress);

struct SstFile {
  std::string path;
  bool latest = false;  // false: history puts; true: latest merge operands
  uint64_t entries = 0;
  uint64_t size = 0;
};

struct SstBuildOptions {
  std::string dir;        // where the files go (named history-N.sst, latest-N.sst)
  int64_t ingest_ts = 0;  // from BulkLoadBegin: every version carries it
  uint64_t target_file_bytes = 256ull << 20;  // a file is closed once it reaches this
  ProgressFn on_progress;
};

// Pass 2. Writes history and latest files side by side (each sorted, no key twice) and
// calls `on_file` for each finished file, in the order they finish; the callee owns the
// file from then on (asof-import uploads and deletes it). A non-OK status from `on_file`
// stops the build. kInternal on a RocksDB error, naming the file.
Status BuildSstFiles(SortedStream& stream, const SstBuildOptions& options,
                     const std::function<Status(const SstFile&)>& on_file);

}  // namespace asof::import
