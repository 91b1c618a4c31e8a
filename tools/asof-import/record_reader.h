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
  std::string path;                   // a file, a folder of part files, or "-" for stdin
  std::optional<InputFormat> format;  // unset: from the extension (.csv, .jsonl/.ndjson,
                                      // also under .gz/.zst), else from the first byte
  char csv_delimiter = ',';
};

// One record. `fields` is aligned with RecordReader::columns(); an absent field (a JSON
// member that is missing or null) is nullopt; CSV fields are always present (null
// markers are the mapping's business, not the reader's).
//
// JSON Lines fields keep their JSON type in `kinds` (aligned with `fields`; empty for
// CSV, whose fields are all text): a string field holds the unescaped string, a number
// or boolean its JSON text, an array or object its JSON text (compact); a missing member
// is kAbsent and an explicit null kNull (both nullopt in `fields`).
enum class FieldKind : uint8_t { kText, kAbsent, kNull, kString, kNumber, kBool, kArray, kObject };

struct InputRecord {
  std::string source;  // the file it came from ("-" for stdin)
  uint64_t line = 0;   // 1-based line where the record starts in `source`
  std::vector<std::optional<std::string>> fields;
  std::vector<FieldKind> kinds;  // JSON Lines only
  std::string text;              // the original text of the record, for rejects files

  FieldKind kind(size_t i) const { return kinds.empty() ? FieldKind::kText : kinds[i]; }
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
  // with the source in the message, and ends the input. A CSV part file whose header
  // differs from the first part's is kUnprocessable and ends the input too.
  virtual Result<std::optional<InputRecord>> Next() = 0;

  // After Next() returned kInvalidArgument: the source, line and text of the record that
  // could not be read (no fields), for the rejects file.
  virtual const InputRecord& last_bad_record() const = 0;

  // Decompressed bytes consumed so far and the total on-disk size of the input (0 for
  // stdin), for progress reporting.
  virtual uint64_t bytes_read() const = 0;
  virtual uint64_t bytes_total() const = 0;
};

}  // namespace asof::import
