// The command line of asof-export (`asof-export --help` prints it; tools/README.md,
// "asof-export", explains it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tools/asof-import/mapping.h"
#include "tools/asof-import/record_reader.h"
#include "wire/client.h"

namespace asof::exporter {

enum class OutputFormat : uint8_t { kCsv, kJsonLines };

struct ExportOptions {
  ClientOptions client;  // host, port, token, request timeout

  // The labels: a file, a folder of part files or "-" (stdin); CSV or JSON Lines, plain
  // or compressed (tools/asof-import/record_reader.h).
  import::InputOptions labels;
  std::string entity_column = "entity_id";
  std::string ts_column = "timestamp";
  import::TimestampFormat ts_format = import::TimestampFormat::kIso8601;

  std::string entity_type;            // required
  std::vector<std::string> features;  // required: "name" or "name@N", one column each
  bool replay = false;                // --mode replay: also ingest_ts <= T
  bool status_columns = false;        // a <feature>__status column after each feature

  OutputFormat output_format = OutputFormat::kCsv;
  std::string output = "-";  // a file (written as FILE.partial, renamed when complete) or "-"

  uint32_t chunk_rows = 50'000;  // label rows per as-of request
  uint32_t parallel = 2;         // as-of requests in flight (one connection each)
  uint64_t max_bad_rows = 0;     // label rows that may be skipped (reported) before failing

  // The drift baseline the exported rows are recorded under (AsOfReadRequest.baseline_id):
  // --dataset-id, or "ds-<UTC time>-<random hex>"; empty with --no-baseline.
  std::string dataset_id;
  bool quiet = false;  // no progress bar and no summary
};

struct ParsedOptions {
  ExportOptions options;
  // Set when the program should exit at once with this code (--help, bad arguments);
  // CLI11 has printed why.
  std::optional<int> exit_code;
};

// Parses and validates argv. Never throws.
ParsedOptions ParseOptions(int argc, char** argv);

}  // namespace asof::exporter
