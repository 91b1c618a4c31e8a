#include "tools/asof-import/record_reader.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <string_view>

#include "tools/asof-import/byte_source.h"
#include "tools/asof-import/record_parsers.h"

namespace asof::import {

namespace {

namespace fs = std::filesystem;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::optional<InputFormat> FormatFromName(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view z : {".gz", ".gzip", ".zst", ".zstd"}) {
    if (EndsWith(name, z)) {
      name.resize(name.size() - z.size());
      break;
    }
  }
  if (EndsWith(name, ".csv") || EndsWith(name, ".tsv")) return InputFormat::kCsv;
  if (EndsWith(name, ".jsonl") || EndsWith(name, ".ndjson") || EndsWith(name, ".json")) {
    return InputFormat::kJsonLines;
  }
  return std::nullopt;
}

// The files of an input, in reading order, and their total size. Hidden files and the
// markers that Spark and Hadoop leave in output folders (_SUCCESS, .crc) are not parts.
Status ListFiles(const std::string& path, std::vector<std::string>* files, uint64_t* total) {
  if (path == "-") {
    files->push_back(path);
    return Status::Ok();
  }
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return NotFound(path + ": no such file or folder");
  if (!fs::is_directory(st)) {
    files->push_back(path);
    *total = fs::file_size(path, ec);
    return Status::Ok();
  }
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || name[0] == '_' || EndsWith(name, ".crc")) continue;
    if (!it->is_regular_file(ec)) continue;
    files->push_back(it->path().string());
    *total += it->file_size(ec);
  }
  if (ec) return Internal(path + ": cannot list the folder: " + ec.message());
  if (files->empty()) return InvalidArgument(path + ": the folder holds no part files");
  std::sort(files->begin(), files->end());
  return Status::Ok();
}

class FileSetReader final : public RecordReader {
 public:
  FileSetReader(InputOptions options, std::vector<std::string> files, uint64_t total)
      : options_(std::move(options)), files_(std::move(files)), bytes_total_(total) {}

  // Fixes the format and the columns from the first file that holds any record.
  Status Start() {
    while (true) {
      ASSIGN_OR_RETURN(bool opened, OpenNextFile());
      if (!opened) return InvalidArgument(options_.path + ": the input is empty");
      if (!format_) {
        format_ = options_.format ? options_.format : FormatFromName(files_[next_file_ - 1]);
      }
      if (!format_) {  // from the content; an empty part tells nothing
        ASSIGN_OR_RETURN(int first, current_->PeekByte());
        if (first < 0) {
          CloseFile();
          continue;
        }
        format_ = first == '{' ? InputFormat::kJsonLines : InputFormat::kCsv;
      }
      if (*format_ == InputFormat::kCsv) {
        ASSIGN_OR_RETURN(bool got, ReadCsvRecord(*current_, options_.csv_delimiter, &header_));
        if (!got) {
          CloseFile();
          continue;
        }
        return SetCsvColumns();
      }
      Result<bool> got = ReadJsonRecord(*current_, &json_, &header_);
      if (!got.ok() && got.status().code() == ErrorCode::kInvalidArgument) {
        return InvalidArgument(got.status().message() +
                               " (the first record fixes the columns of a JSON Lines input)");
      }
      RETURN_IF_ERROR(got.status());
      if (!*got) {
        CloseFile();
        continue;
      }
      columns_ = json_.names;
      pending_ = std::move(header_);
      pending_->source = current_->source().name();
      return Status::Ok();
    }
  }

  const std::vector<std::string>& columns() const override { return columns_; }

  Result<std::optional<InputRecord>> Next() override {
    if (done_) return std::optional<InputRecord>();
    if (pending_) {
      std::optional<InputRecord> record = std::move(pending_);
      pending_.reset();
      return record;
    }
    while (true) {
      if (current_ == nullptr) {
        Result<bool> opened = OpenNextPart();
        if (!opened.ok() || !*opened) {
          done_ = true;
          if (!opened.ok()) return opened.status();
          return std::optional<InputRecord>();
        }
      }
      InputRecord record;
      Result<bool> got = *format_ == InputFormat::kCsv
                             ? ReadCsvRecord(*current_, options_.csv_delimiter, &record)
                             : ReadJsonRecord(*current_, &json_, &record);
      record.source = current_->source().name();
      if (!got.ok()) {
        if (got.status().code() != ErrorCode::kInvalidArgument) {
          done_ = true;
          return got.status();
        }
        last_bad_ = std::move(record);
        last_bad_.fields.clear();
        last_bad_.kinds.clear();
        return got.status();
      }
      if (!*got) {
        CloseFile();
        continue;
      }
      if (record.fields.size() != columns_.size()) {
        Status ragged =
            InvalidArgument(record.source + ":" + std::to_string(record.line) + ": " +
                            std::to_string(record.fields.size()) + " fields, the header has " +
                            std::to_string(columns_.size()));
        last_bad_ = std::move(record);
        last_bad_.fields.clear();
        return ragged;
      }
      return std::optional<InputRecord>(std::move(record));
    }
  }

  const InputRecord& last_bad_record() const override { return last_bad_; }

  uint64_t bytes_read() const override {
    return bytes_done_ + (current_ ? current_->source().decompressed_bytes() : 0);
  }
  uint64_t bytes_total() const override { return bytes_total_; }

 private:
  Result<bool> OpenNextFile() {
    if (next_file_ == files_.size()) return false;
    ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source,
                     ByteSource::OpenFile(files_[next_file_++]));
    current_ = std::make_unique<LineReader>(std::move(source));
    return true;
  }

  // Opens the next part file; a CSV part repeats the header, which must match.
  Result<bool> OpenNextPart() {
    while (true) {
      ASSIGN_OR_RETURN(bool opened, OpenNextFile());
      if (!opened) return false;
      if (*format_ != InputFormat::kCsv) return true;
      InputRecord header;
      ASSIGN_OR_RETURN(bool got, ReadCsvRecord(*current_, options_.csv_delimiter, &header));
      if (!got) {
        CloseFile();
        continue;
      }
      if (header.fields != header_.fields) {
        return Unprocessable(current_->source().name() + ": its header '" + header.text +
                             "' differs from the first part's '" + header_.text + "'");
      }
      return true;
    }
  }

  Status SetCsvColumns() {
    std::set<std::string> seen;
    for (const auto& field : header_.fields) {
      if (field->empty()) {
        return InvalidArgument(options_.path + ": the header has an empty column name: '" +
                               header_.text + "'");
      }
      if (!seen.insert(*field).second) {
        return InvalidArgument(options_.path + ": the header names column '" + *field + "' twice");
      }
      columns_.push_back(*field);
    }
    return Status::Ok();
  }

  void CloseFile() {
    bytes_done_ += current_->source().decompressed_bytes();
    current_.reset();
  }

  InputOptions options_;
  std::vector<std::string> files_;
  size_t next_file_ = 0;
  std::optional<InputFormat> format_;
  std::unique_ptr<LineReader> current_;
  InputRecord header_;  // CSV: the first file's header; JSON Lines: the first record
  JsonColumns json_;
  std::vector<std::string> columns_;
  std::optional<InputRecord> pending_;
  InputRecord last_bad_;
  bool done_ = false;
  uint64_t bytes_done_ = 0;
  uint64_t bytes_total_ = 0;
};

}  // namespace

Result<std::unique_ptr<RecordReader>> RecordReader::Open(const InputOptions& options) {
  std::vector<std::string> files;
  uint64_t total = 0;
  RETURN_IF_ERROR(ListFiles(options.path, &files, &total));
  auto reader = std::make_unique<FileSetReader>(options, std::move(files), total);
  RETURN_IF_ERROR(reader->Start());
  return std::unique_ptr<RecordReader>(std::move(reader));
}

}  // namespace asof::import
