// ExternalSorter: sorts (key, value) byte records by key in bounded memory, for inputs
// larger than RAM. Records accumulate in one in-memory chunk of at most memory_bytes
// (while a chunk is sorted, on two threads, its index is there twice: 16 bytes a record
// more); a full chunk is sorted and spilled to a run file in a private temporary directory;
// the sorted stream is a k-way merge of the runs and the last chunk (no file at all
// when everything fits in memory).
//
// Keys must be unique (asof-import makes them so with a sequence number); equal keys
// come out in an unspecified order. The temporary directory and everything in it are
// removed by the destructor, on every exit path that unwinds.
//
// Thread-safety: one thread at a time. A SortedStream borrows the sorter: it must not
// outlive it, and no record may be added once Finish() was called.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace asof::import {

// A cursor over records in key order.
class SortedStream {
 public:
  virtual ~SortedStream() = default;
  // Advances to the next record: false at the end. key() and value() stay valid until
  // the next call.
  virtual Result<bool> Next() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
};

class ExternalSorter {
 public:
  struct Options {
    size_t memory_bytes = 512u << 20;  // the in-memory chunk, records and their index
    std::string tmp_dir;               // parent of the private directory; empty: $TMPDIR or /tmp
  };

  // Creates the private temporary directory (asof-import-XXXXXX). kInternal when it
  // cannot be created.
  static Result<std::unique_ptr<ExternalSorter>> Create(const Options& options);
  ~ExternalSorter();
  ExternalSorter(const ExternalSorter&) = delete;
  ExternalSorter& operator=(const ExternalSorter&) = delete;

  // Copies the record in; may spill the chunk (kInternal on an I/O error, naming the file).
  Status Add(std::string_view key, std::string_view value);
  // Ends the input and sorts the last chunk, which stays in memory.
  void Finish();
  // A new stream over every record, from the start; callable any number of times after
  // Finish() (asof-import reads the sorted records twice: fingerprint, then SST files).
  Result<std::unique_ptr<SortedStream>> Open() const;

  // The private directory, also usable by the caller for its own scratch files (removed
  // with it).
  const std::string& dir() const { return dir_; }
  uint64_t records() const { return records_; }
  size_t runs() const { return runs_.size(); }
  uint64_t spilled_bytes() const { return spilled_bytes_; }

  struct Entry {
    uint64_t offset;  // in chunk_: key bytes, then value bytes
    uint32_t key_size;
    uint32_t value_size;
  };

 private:
  explicit ExternalSorter(const Options& options, std::string dir);
  void SortChunk();
  Status Spill();

  const Options options_;
  const std::string dir_;
  std::string chunk_;
  std::vector<Entry> entries_;
  std::vector<std::string> runs_;  // paths of the spilled runs
  uint64_t records_ = 0;
  uint64_t spilled_bytes_ = 0;
  bool finished_ = false;
};

}  // namespace asof::import
