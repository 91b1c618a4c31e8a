// Internal to asof_import_input: the CSV and JSON Lines record parsers over a LineReader,
// used by RecordReader (record_reader.cc) for each file of an input.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "engine/status.h"
#include "tools/asof-import/byte_source.h"
#include "tools/asof-import/record_reader.h"

namespace asof::import {

// Reads one CSV record (RFC 4180: quoted fields may hold the delimiter, "" and newlines;
// a final "\r" is a CRLF terminator) into out->fields, out->line and out->text. Blank
// lines are skipped. false at the end of the input. kInvalidArgument for a malformed
// record (out->line and out->text are set); kInternal from the source.
Result<bool> ReadCsvRecord(LineReader& in, char delimiter, InputRecord* out);

// The member set of a JSON Lines input, fixed by its first record.
struct JsonColumns {
  std::vector<std::string> names;
  std::unordered_map<std::string, size_t> index;
};

// Reads one non-blank line and parses it as a JSON object into out->fields and
// out->kinds (aligned with columns->names). When `columns` is empty, the record's members
// define it. false at the end of the input; kInvalidArgument for a line that is not a JSON
// object or has a member outside `columns` (out->line and out->text are set).
Result<bool> ReadJsonRecord(LineReader& in, JsonColumns* columns, InputRecord* out);

}  // namespace asof::import
