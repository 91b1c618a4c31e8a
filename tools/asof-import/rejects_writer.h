// Writes rejected records to a file (CSV or JSON Lines) and counts them per reason for
// the summary. The file has the columns source, line, column, reason, message, text.
//
// Thread-safety: not thread-safe; one writer per load.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "engine/status.h"
#include "tools/asof-import/reject.h"

namespace asof::import {

enum class RejectsFormat : uint8_t { kCsv, kJsonLines };

class RejectsWriter {
 public:
  // `path` empty: count only, write nothing. Otherwise the file is created (truncated),
  // with a header line for CSV. kInternal when it cannot be created.
  static Result<std::unique_ptr<RejectsWriter>> Open(const std::string& path, RejectsFormat format);
  ~RejectsWriter();
  RejectsWriter(const RejectsWriter&) = delete;
  RejectsWriter& operator=(const RejectsWriter&) = delete;

  // Counts and writes one reject. kInternal on a write error.
  Status Write(const Reject& reject);
  // Flushes and closes the file; further writes only count. kInternal on error.
  Status Close();

  uint64_t total() const { return total_; }
  uint64_t count(RejectReason reason) const { return counts_[static_cast<int>(reason)]; }
  // "0 rejects" or "3 rejects (2 wrong_type, 1 bad_event_ts)", most frequent first.
  std::string Summary() const;

 private:
  RejectsWriter(std::FILE* file, std::string path, RejectsFormat format)
      : file_(file), path_(std::move(path)), format_(format) {}

  std::FILE* file_ = nullptr;
  std::string path_;
  RejectsFormat format_;
  uint64_t total_ = 0;
  std::array<uint64_t, kRejectReasonCount> counts_{};
};

}  // namespace asof::import
