// RunExport: one training-set export, from the labels to the finished output.
//
// Data flow: the calling thread reads label rows (RecordReader), keeps each row's label
// columns as formatted text plus its (entity id, time), and hands every --chunk-rows
// rows to an as-of read on the server (Client::AsOfRead, whose answer streams back in
// chunks). Up to --parallel reads run at once on their own connections and threads; the
// calling thread writes their answers in input order. Memory is bounded by
// (parallel + 1) chunks on this side, and by the server's own chunking on the other.
//
// Before any label is read, the entity type and features are checked with an empty as-of
// read, so a typo fails at once. A label row that cannot be used (unreadable, no entity
// id, a bad time) is reported on stderr with its source and line, and skipped while
// --max-bad-rows allows; beyond that the export fails.
//
// Drift baseline: every chunk's read carries options.dataset_id (unless --no-baseline),
// and the server adds the rows it answers to that baseline, so the baseline holds exactly
// the rows written (bad label rows are never sent; the probe read carries no id). A failed
// export leaves the rows sent so far in it; stderr says how to delete it.
//
// Output: stdout, or FILE written as FILE.partial and renamed to FILE only when complete
// (a failed export leaves no FILE behind, and removes the partial one).
#pragma once

#include "engine/status.h"
#include "tools/asof-export/export_options.h"

namespace asof::exporter {

// OK when every label row (but the skipped bad ones) was written; the first error
// otherwise, with the label source and line when a row caused it.
Status RunExport(const ExportOptions& options);

}  // namespace asof::exporter
