// Internal to asof_import_input: one input file (or stdin / a pipe) as a stream of
// decompressed bytes, and a line reader over it. The compression (none, gzip, zstd) is
// detected from the magic bytes; concatenated gzip members and zstd frames are read as
// one stream, as `zcat` does.
//
// Thread-safety: not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/status.h"

namespace asof::import {

enum class Compression : uint8_t { kNone, kGzip, kZstd };

class ByteSource {
 public:
  // Opens a file ("-": stdin). kNotFound when it does not exist, kInternal otherwise.
  static Result<std::unique_ptr<ByteSource>> OpenFile(const std::string& path);
  // Reads from an open descriptor; `name` is used in messages. Closes it when `owned`.
  static Result<std::unique_ptr<ByteSource>> OpenFd(int fd, std::string name, bool owned);
  virtual ~ByteSource() = default;

  // Up to `n` decompressed bytes into `buf`; 0 at the end of the stream. kInternal (with
  // the name) on an I/O error, corrupt data, or a stream that ends inside a gzip member
  // or zstd frame (a truncated file is an error, never a short input).
  virtual Result<size_t> Read(char* buf, size_t n) = 0;

  const std::string& name() const { return name_; }
  Compression compression() const { return compression_; }
  uint64_t decompressed_bytes() const { return decompressed_; }

 protected:
  ByteSource(std::string name, Compression compression)
      : name_(std::move(name)), compression_(compression) {}
  uint64_t decompressed_ = 0;

 private:
  std::string name_;
  Compression compression_;
};

// Lines of a ByteSource, with a bounded length. The terminator ("\n") is stripped; a
// "\r" before it is kept (CSV decides what it means inside quotes). A UTF-8 BOM at the
// start of the stream is skipped.
class LineReader {
 public:
  static constexpr size_t kMaxLineBytes = 64 << 20;

  explicit LineReader(std::unique_ptr<ByteSource> source);

  // Reads the next line into *line; false at the end. kInternal from the source, or for a
  // line over kMaxLineBytes (the rest of the input cannot be delimited reliably).
  Result<bool> ReadLine(std::string* line);
  // The first byte of the next line without consuming it; -1 at the end.
  Result<int> PeekByte();

  uint64_t line_number() const { return line_number_; }  // of the last line read
  const ByteSource& source() const { return *source_; }

 private:
  Status Fill();

  std::unique_ptr<ByteSource> source_;
  std::string buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool started_ = false;
  uint64_t line_number_ = 0;
};

}  // namespace asof::import
