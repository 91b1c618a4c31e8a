#include "tools/asof-export/export_job.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <future>
#include <memory>
#include <utility>
#include <vector>

#include "engine/engine.h"  // kMaxEntityIdBytes, kMaxEventTs (constants only)
#include "tools/asof-export/progress.h"
#include "tools/asof-export/row_format.h"
#include "tools/asof-import/mapping.h"
#include "tools/asof-import/record_reader.h"
#include "wire/client.h"

namespace asof::exporter {

namespace {

// Label rows on their way to the server: the formatted label part of each output line
// and the (entity id, time) to join.
struct Chunk {
  std::vector<std::string> lines;
  std::vector<wire::AsOfRowT> rows;
};

// stdout, or FILE.partial renamed to FILE by Commit(); the destructor removes a partial
// file that was not committed.
class Output {
 public:
  static Result<std::unique_ptr<Output>> Open(const std::string& path) {
    auto out = std::unique_ptr<Output>(new Output());
    if (path == "-") {
      out->file_ = stdout;
      return out;
    }
    out->path_ = path;
    out->partial_ = path + ".partial";
    out->file_ = std::fopen(out->partial_.c_str(), "wb");
    if (out->file_ == nullptr) {
      return InvalidArgument("cannot create " + out->partial_ + ": " + std::strerror(errno));
    }
    return out;
  }
  ~Output() {
    if (file_ != nullptr && file_ != stdout) {
      std::fclose(file_);
      std::remove(partial_.c_str());
    }
  }

  Status Write(std::string_view text) {
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
      return Internal("cannot write " + name() + ": " + std::strerror(errno));
    }
    return Status::Ok();
  }

  Status Commit() {
    if (file_ == stdout) {
      if (std::fflush(stdout) != 0) return Internal(std::string("stdout: ") + std::strerror(errno));
      return Status::Ok();
    }
    std::FILE* f = std::exchange(file_, nullptr);
    if (std::fclose(f) != 0) {
      std::remove(partial_.c_str());
      return Internal("cannot write " + partial_ + ": " + std::strerror(errno));
    }
    if (std::rename(partial_.c_str(), path_.c_str()) != 0) {
      std::remove(partial_.c_str());
      return Internal("cannot rename " + partial_ + " to " + path_ + ": " + std::strerror(errno));
    }
    return Status::Ok();
  }

  std::string name() const { return file_ == stdout ? "stdout" : partial_; }

 private:
  Output() = default;
  std::FILE* file_ = nullptr;
  std::string path_;
  std::string partial_;
};

Result<size_t> ColumnIndex(const std::vector<std::string>& columns, const std::string& name,
                           std::string_view flag) {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return i;
  }
  std::string header;
  for (const std::string& c : columns) header += (header.empty() ? "" : ", ") + c;
  return InvalidArgument("the labels have no column '" + name + "' (" + std::string(flag) +
                         "); their columns: " + header);
}

// Joins one chunk on the server and returns its output lines. Runs on a worker thread.
Result<std::string> JoinChunk(Client& client, const ExportOptions& options, const RowFormat& format,
                              Chunk chunk) {
  std::string out;
  const size_t nf = format.num_features();
  Status status = client.AsOfRead(
      options.entity_type, options.features, options.replay, chunk.rows,
      [&](const wire::AsOfReadChunkT& answer) -> Status {
        if (answer.values.size() != size_t{answer.num_rows} * nf) {
          return Internal("as-of chunk has " + std::to_string(answer.values.size()) +
                          " values for " + std::to_string(answer.num_rows) + " rows x " +
                          std::to_string(nf) + " features");
        }
        for (size_t r = 0; r < answer.num_rows; ++r) {
          std::string& line = chunk.lines[answer.first_row + r];
          format.AppendFeatures(answer.values, r * nf, &line);
          out += line;
          std::string().swap(line);  // the label text is done with: give it back
        }
        return Status::Ok();
      },
      options.dataset_id);
  RETURN_IF_ERROR(status);
  return out;
}

// The reading side: label rows into chunks, bad rows counted and reported.
class LabelSource {
 public:
  LabelSource(const ExportOptions& options, import::RecordReader& reader, const RowFormat& format,
              size_t entity_index, size_t ts_index)
      : options_(options),
        reader_(reader),
        format_(format),
        entity_index_(entity_index),
        ts_index_(ts_index) {}

  // The next chunk; an empty one at the end of the input.
  Result<Chunk> Next() {
    Chunk chunk;
    chunk.lines.reserve(options_.chunk_rows);
    chunk.rows.reserve(options_.chunk_rows);
    while (chunk.rows.size() < options_.chunk_rows) {
      Result<std::optional<import::InputRecord>> next = reader_.Next();
      if (!next.ok()) {
        if (next.status().code() != ErrorCode::kInvalidArgument) return next.status();
        RETURN_IF_ERROR(Bad(next.status().message()));
        continue;
      }
      if (!next->has_value()) break;
      const import::InputRecord& record = **next;
      Result<wire::AsOfRowT> row = RowOf(record);
      if (!row.ok()) {
        RETURN_IF_ERROR(Bad(record.source + ":" + std::to_string(record.line) + ": " +
                            std::string(row.status().message())));
        continue;
      }
      std::string line;
      format_.AppendLabels(record, &line);
      chunk.lines.push_back(std::move(line));
      chunk.rows.push_back(std::move(*row));
    }
    return chunk;
  }

  uint64_t bad_rows() const { return bad_rows_; }

 private:
  Result<wire::AsOfRowT> RowOf(const import::InputRecord& record) const {
    const std::optional<std::string>& id = record.fields[entity_index_];
    if (!id.has_value() || id->empty()) return InvalidArgument("no entity id");
    if (id->size() > kMaxEntityIdBytes) {
      return InvalidArgument("entity id longer than " + std::to_string(kMaxEntityIdBytes) +
                             " bytes");
    }
    const std::optional<std::string>& ts = record.fields[ts_index_];
    if (!ts.has_value() || ts->empty()) return InvalidArgument("no time in " + options_.ts_column);
    ASSIGN_OR_RETURN(int64_t micros, import::ParseTimestamp(*ts, options_.ts_format));
    if (micros < 0 || micros > kMaxEventTs) {
      return InvalidArgument("time '" + *ts + "' is outside 1970..9999");
    }
    wire::AsOfRowT row;
    row.entity_id = *id;
    row.ts = micros;
    return row;
  }

  Status Bad(std::string_view what) {
    ++bad_rows_;
    if (bad_rows_ > options_.max_bad_rows) {
      return InvalidArgument("bad label row: " + std::string(what) +
                             (options_.max_bad_rows > 0
                                  ? " (more than --max-bad-rows " +
                                        std::to_string(options_.max_bad_rows) + " bad rows)"
                                  : ""));
    }
    std::fprintf(stderr, "asof-export: skipped bad label row: %.*s\n",
                 static_cast<int>(what.size()), what.data());
    return Status::Ok();
  }

  const ExportOptions& options_;
  import::RecordReader& reader_;
  const RowFormat& format_;
  const size_t entity_index_;
  const size_t ts_index_;
  uint64_t bad_rows_ = 0;
};

}  // namespace

Status RunExport(const ExportOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<import::RecordReader> reader,
                   import::RecordReader::Open(options.labels));
  const std::vector<std::string>& columns = reader->columns();
  ASSIGN_OR_RETURN(size_t entity_index,
                   ColumnIndex(columns, options.entity_column, "--entity-column"));
  ASSIGN_OR_RETURN(size_t ts_index, ColumnIndex(columns, options.ts_column, "--ts-column"));
  const OutputFormat output_format = options.output_format;
  ASSIGN_OR_RETURN(RowFormat format,
                   RowFormat::Make(output_format, options.labels.csv_delimiter, columns,
                                   options.features, options.status_columns));

  ASSIGN_OR_RETURN(std::unique_ptr<Client> client, Client::Connect(options.client));
  // Unknown entity type or feature: fail before reading a single label.
  RETURN_IF_ERROR(client->AsOfRead(options.entity_type, options.features, options.replay, {},
                                   [](const wire::AsOfReadChunkT&) { return Status::Ok(); }));

  ASSIGN_OR_RETURN(std::unique_ptr<Output> output, Output::Open(options.output));
  RETURN_IF_ERROR(output->Write(format.Header()));

  Progress progress(!options.quiet, reader->bytes_total());
  LabelSource labels(options, *reader, format, entity_index, ts_index);
  // Each read with its number of rows (a line count would be fooled by quoted newlines).
  std::deque<std::pair<size_t, std::future<Result<std::string>>>> in_flight;
  uint64_t rows_written = 0;
  bool sent_rows = false;  // some rows may be in the drift baseline already
  // Waits for the oldest read and writes its lines.
  auto drain_one = [&]() -> Status {
    const size_t rows = in_flight.front().first;
    Result<std::string> text = in_flight.front().second.get();
    in_flight.pop_front();
    RETURN_IF_ERROR(text.status());
    RETURN_IF_ERROR(output->Write(*text));
    rows_written += rows;
    progress.Update(rows_written, reader->bytes_read());
    return Status::Ok();
  };
  Status status = [&]() -> Status {
    while (true) {
      ASSIGN_OR_RETURN(Chunk chunk, labels.Next());
      if (chunk.rows.empty()) break;
      const size_t rows = chunk.rows.size();
      if (in_flight.size() >= options.parallel) RETURN_IF_ERROR(drain_one());
      sent_rows = true;
      in_flight.emplace_back(
          rows, std::async(std::launch::async, JoinChunk, std::ref(*client), std::cref(options),
                           std::cref(format), std::move(chunk)));
    }
    while (!in_flight.empty()) RETURN_IF_ERROR(drain_one());
    return Status::Ok();
  }();
  in_flight.clear();  // an error left reads running: wait for them before the client goes
  if (!status.ok()) {
    progress.Abandon();
    if (!options.dataset_id.empty() && sent_rows) {
      std::fprintf(stderr,
                   "asof-export: the drift baseline %s holds part of this export; remove it "
                   "with: asof -c 'baselines --delete %s'\n",
                   options.dataset_id.c_str(), options.dataset_id.c_str());
    }
    return status;
  }
  RETURN_IF_ERROR(output->Commit());
  std::string what = std::to_string(options.features.size()) + " features " +
                     (options.output == "-" ? "to stdout" : "to " + options.output);
  if (!options.dataset_id.empty())
    what += "; dataset id: " + options.dataset_id + " (drift baseline)";
  progress.Finish(rows_written, labels.bad_rows(), what);
  return Status::Ok();
}

}  // namespace asof::exporter
