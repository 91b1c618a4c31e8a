// BackgroundReader: a RecordReader drained on a thread of its own, in batches, so that
// reading (decompression, CSV / JSON parsing) overlaps with the validation and sorting
// the caller does. At most kMaxBatches batches wait, which bounds the memory.
//
// Thread-safety: Next() from one thread at a time; the RecordReader must not be used by
// anyone else until the BackgroundReader is destroyed (which stops and joins its thread).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "tools/asof-import/record_reader.h"
#include "tools/asof-import/reject.h"

namespace asof::import {

// A record read, or one that could not be read (kMalformedRecord, for the rejects file).
using Pending = std::variant<InputRecord, Reject>;

struct RecordBatch {
  std::vector<Pending> records;  // in input order
  uint64_t bytes_read = 0;       // the reader's bytes_read() after the last of them
  bool end = false;              // no batch follows; `status` says why
  Status status;                 // not OK: the input broke off (RecordReader::Next's error)
};

class BackgroundReader {
 public:
  explicit BackgroundReader(RecordReader& reader);
  ~BackgroundReader();
  BackgroundReader(const BackgroundReader&) = delete;
  BackgroundReader& operator=(const BackgroundReader&) = delete;

  // The next batch, waiting for it. Not to be called after a batch with `end`.
  RecordBatch Next();

 private:
  static constexpr size_t kBatchRecords = 1024;
  static constexpr size_t kMaxBatches = 4;
  void Run();

  RecordReader& reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RecordBatch> ready_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace asof::import
