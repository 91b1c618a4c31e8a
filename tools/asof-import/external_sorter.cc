#include "tools/asof-import/external_sorter.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <queue>
#include <thread>

namespace asof::import {
namespace {

constexpr size_t kEntryOverhead = sizeof(ExternalSorter::Entry);
constexpr size_t kIoBuffer = 1u << 20;
constexpr size_t kPrefetchAhead = 8;
constexpr size_t kParallelSortFrom = 1u << 16;

std::string ErrnoText() { return std::strerror(errno); }

// A run file: records as u32le key size · u32le value size · key · value.
void PutU32(std::FILE* f, uint32_t v) {
  unsigned char b[4] = {static_cast<unsigned char>(v), static_cast<unsigned char>(v >> 8),
                        static_cast<unsigned char>(v >> 16), static_cast<unsigned char>(v >> 24)};
  std::fwrite(b, 1, 4, f);
}

class MemorySource final : public SortedStream {
 public:
  MemorySource(const std::string& chunk, const std::vector<ExternalSorter::Entry>& entries)
      : chunk_(chunk), entries_(entries) {}
  Result<bool> Next() override {
    if (next_ >= entries_.size()) return false;
    // Sorted records lie scattered over the chunk: fetch a few ahead so that reading
    // them in order does not wait on memory for each one.
    if (next_ + kPrefetchAhead < entries_.size()) {
      const auto& ahead = entries_[next_ + kPrefetchAhead];
      const char* p = chunk_.data() + ahead.offset;
      const size_t size = size_t{ahead.key_size} + ahead.value_size;
      for (size_t at = 0; at < size && at < 512; at += 64) __builtin_prefetch(p + at);
    }
    const auto& e = entries_[next_++];
    key_ = std::string_view(chunk_).substr(e.offset, e.key_size);
    value_ = std::string_view(chunk_).substr(e.offset + e.key_size, e.value_size);
    return true;
  }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }

 private:
  const std::string& chunk_;
  const std::vector<ExternalSorter::Entry>& entries_;
  size_t next_ = 0;
  std::string_view key_, value_;
};

class FileSource final : public SortedStream {
 public:
  static Result<std::unique_ptr<FileSource>> Open(const std::string& path, size_t buffer_bytes) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return Internal("cannot open sort run " + path + ": " + ErrnoText());
    return std::unique_ptr<FileSource>(new FileSource(path, f, buffer_bytes));
  }
  ~FileSource() override { std::fclose(file_); }

  Result<bool> Next() override {
    unsigned char header[8];
    size_t n = std::fread(header, 1, sizeof header, file_);
    if (n == 0 && std::feof(file_)) return false;
    if (n != sizeof header) return Broken();
    auto u32 = [&](int at) {
      return uint32_t{header[at]} | uint32_t{header[at + 1]} << 8 | uint32_t{header[at + 2]} << 16 |
             uint32_t{header[at + 3]} << 24;
    };
    key_.resize(u32(0));
    value_.resize(u32(4));
    if (std::fread(key_.data(), 1, key_.size(), file_) != key_.size()) return Broken();
    if (std::fread(value_.data(), 1, value_.size(), file_) != value_.size()) return Broken();
    return true;
  }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }

 private:
  FileSource(std::string path, std::FILE* f, size_t buffer_bytes)
      : path_(std::move(path)), file_(f), buffer_(buffer_bytes) {
    std::setvbuf(file_, buffer_.data(), _IOFBF, buffer_.size());
  }
  Status Broken() const { return Internal("sort run " + path_ + " is truncated or unreadable"); }

  const std::string path_;
  std::FILE* file_;
  std::vector<char> buffer_;
  std::string key_, value_;
};

// K-way merge: a min-heap of sources by their current key.
class MergeStream final : public SortedStream {
 public:
  explicit MergeStream(std::vector<std::unique_ptr<SortedStream>> sources)
      : sources_(std::move(sources)) {}

  Result<bool> Next() override {
    if (!started_) {
      started_ = true;
      for (auto& s : sources_) {
        ASSIGN_OR_RETURN(bool more, s->Next());
        if (more) heap_.push(s.get());
      }
    } else if (!heap_.empty()) {
      SortedStream* top = heap_.top();
      heap_.pop();
      ASSIGN_OR_RETURN(bool more, top->Next());
      if (more) heap_.push(top);
    }
    return !heap_.empty();
  }
  std::string_view key() const override { return heap_.top()->key(); }
  std::string_view value() const override { return heap_.top()->value(); }

 private:
  struct Greater {
    bool operator()(const SortedStream* a, const SortedStream* b) const {
      return a->key() > b->key();
    }
  };
  std::vector<std::unique_ptr<SortedStream>> sources_;
  std::priority_queue<SortedStream*, std::vector<SortedStream*>, Greater> heap_;
  bool started_ = false;
};

}  // namespace

Result<std::unique_ptr<ExternalSorter>> ExternalSorter::Create(const Options& options) {
  std::string parent = options.tmp_dir;
  if (parent.empty()) {
    const char* env = std::getenv("TMPDIR");
    parent = env != nullptr && *env != '\0' ? env : "/tmp";
  }
  std::string pattern = parent + "/asof-import-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Internal("cannot create a temporary directory under " + parent + ": " + ErrnoText());
  }
  return std::unique_ptr<ExternalSorter>(new ExternalSorter(options, pattern));
}

ExternalSorter::ExternalSorter(const Options& options, std::string dir)
    : options_(options), dir_(std::move(dir)) {
  // Reserved, not touched: pages become resident only as records arrive, and the chunk
  // never reallocates (which would briefly need twice the budget).
  chunk_.reserve(std::max<size_t>(options_.memory_bytes, 1u << 16));
}

ExternalSorter::~ExternalSorter() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);  // best effort: nothing to report to at this point
}

Status ExternalSorter::Add(std::string_view key, std::string_view value) {
  ASOF_CHECK(!finished_) << "ExternalSorter::Add after Finish";
  size_t need = key.size() + value.size();
  size_t used = chunk_.size() + entries_.size() * kEntryOverhead;
  if (!entries_.empty() && used + need + kEntryOverhead > options_.memory_bytes) {
    RETURN_IF_ERROR(Spill());
  }
  entries_.push_back(
      Entry{chunk_.size(), static_cast<uint32_t>(key.size()), static_cast<uint32_t>(value.size())});
  chunk_.append(key);
  chunk_.append(value);
  ++records_;
  return Status::Ok();
}

void ExternalSorter::SortChunk() {
  std::string_view chunk = chunk_;
  auto less = [chunk](const Entry& a, const Entry& b) {
    return chunk.substr(a.offset, a.key_size) < chunk.substr(b.offset, b.key_size);
  };
  // The two halves are sorted on two threads and then merged: the sort holds up the
  // reading of the input (a spill) or everything after it (the last chunk), and the
  // index is small next to the chunk, so the merge's second index costs little memory.
  if (entries_.size() < kParallelSortFrom) {
    std::sort(entries_.begin(), entries_.end(), less);
    return;
  }
  auto middle = entries_.begin() + static_cast<std::ptrdiff_t>(entries_.size() / 2);
  std::thread first([&] { std::sort(entries_.begin(), middle, less); });
  std::sort(middle, entries_.end(), less);
  first.join();
  std::vector<Entry> merged(entries_.size());
  std::merge(entries_.begin(), middle, middle, entries_.end(), merged.begin(), less);
  entries_.swap(merged);
}

Status ExternalSorter::Spill() {
  SortChunk();
  std::string path = dir_ + "/run-" + std::to_string(runs_.size());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Internal("cannot create sort run " + path + ": " + ErrnoText());
  std::vector<char> buffer(kIoBuffer);
  std::setvbuf(f, buffer.data(), _IOFBF, buffer.size());
  for (const Entry& e : entries_) {
    PutU32(f, e.key_size);
    PutU32(f, e.value_size);
    std::fwrite(chunk_.data() + e.offset, 1, size_t{e.key_size} + e.value_size, f);
  }
  bool failed = std::ferror(f) != 0;
  failed = std::fclose(f) != 0 || failed;
  if (failed) return Internal("cannot write sort run " + path + " (disk full?): " + ErrnoText());
  runs_.push_back(path);
  spilled_bytes_ += chunk_.size() + entries_.size() * 8;
  chunk_.clear();
  entries_.clear();
  return Status::Ok();
}

void ExternalSorter::Finish() {
  if (finished_) return;
  finished_ = true;
  SortChunk();
}

Result<std::unique_ptr<SortedStream>> ExternalSorter::Open() const {
  ASOF_CHECK(finished_) << "ExternalSorter::Open before Finish";
  auto memory = std::make_unique<MemorySource>(chunk_, entries_);
  if (runs_.empty()) return std::unique_ptr<SortedStream>(std::move(memory));
  // The read buffers share the memory budget, so many runs do not multiply it.
  size_t buffer_bytes =
      std::clamp<size_t>(options_.memory_bytes / (4 * runs_.size()), 64u << 10, kIoBuffer);
  std::vector<std::unique_ptr<SortedStream>> sources;
  for (const std::string& run : runs_) {
    ASSIGN_OR_RETURN(auto source, FileSource::Open(run, buffer_bytes));
    sources.push_back(std::move(source));
  }
  sources.push_back(std::move(memory));
  return std::unique_ptr<SortedStream>(std::make_unique<MergeStream>(std::move(sources)));
}

}  // namespace asof::import
