// Reading tabular input (CSV with a header, or JSON Lines) record by record, from a file,
// a folder of part files (read in name order) or stdin ("-"), plain or compressed (gzip,
// zstd; detected from the magic bytes, not the file name). Shared by asof-import (the
// snapshot) and asof-export (the labels). Memory is bounded by one record, whatever the
// input size.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/status.h"

namespace asof::import {

enum class InputFormat : uint8_t { kCsv, kJsonLines };

struct InputOptions {
  std::string path;  // a file, a folder of part files, or "-" for stdin
  std::optional<InputFormat> format;  // unset: from the extension (.csv, .jsonl/.ndjson,
                                      // also under .gz/.zst), else from the first byte
  char csv_delimiter = ',';
};

// One record. `fields` is aligned with RecordReader::columns(); an absent field (a JSON
// member that is missing or null) is nullopt; CSV fields are always present (null
// markers are the mapping's business, not the reader's).
struct InputRecord {
  std::string source;  // the file it came from ("-" for stdin)
  uint64_t line = 0;   // 1-based line where the record starts in `source`
  std::vector<std::optional<std::string>> fields;
  std::string text;    // the original text of the record, for rejects files
};

class RecordReader {
 public:
  // Opens the input and reads the header (CSV) or fixes the column set (JSON Lines: the
  // members of the first record, in order; later records may omit members or add
  // members, which are an error per record). kNotFound for a missing path,
  // kInvalidArgument for an empty input or an unreadable header.
  static Result<std::unique_ptr<RecordReader>> Open(const InputOptions& options);
  virtual ~RecordReader() = default;

  virtual const std::vector<std::string>& columns() const = 0;

  // The next record; nullopt at the end of the input. A record that cannot be read (a
  // ragged CSV row, a line that is not a JSON object) is returned as a Status of
  // kInvalidArgument whose message names source and line, and reading can go on with
  // the next record; a broken stream (truncated gzip/zstd, an I/O error) is kInternal
  // with the source in the message, and ends the input.
  virtual Result<std::optional<InputRecord>> Next() = 0;

  // Decompressed bytes consumed so far and the total on-disk size of the input (0 for
  // stdin), for progress reporting.
  virtual uint64_t bytes_read() const = 0;
  virtual uint64_t bytes_total() const = 0;
};

}  // namespace asof::import
