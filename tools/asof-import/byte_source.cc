#include "tools/asof-import/byte_source.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace asof::import {

namespace {

constexpr size_t kInputBufferBytes = 256 << 10;

// The raw bytes of a descriptor, the first few of which were read ahead to detect the
// compression and are handed out again first.
class FdInput {
 public:
  FdInput(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~FdInput() {
    if (owned_) ::close(fd_);
  }
  FdInput(const FdInput&) = delete;
  FdInput& operator=(const FdInput&) = delete;

  // Reads ahead up to 4 bytes (fewer only at the end of the input).
  Status Peek(const std::string& name) {
    char magic[4] = {};
    size_t got = 0;
    while (got < sizeof(magic)) {
      ASSIGN_OR_RETURN(size_t n, ReadFd(magic + got, sizeof(magic) - got, name));
      if (n == 0) break;
      got += n;
    }
    prefix_.assign(magic, got);
    return Status::Ok();
  }

  // Whether the input starts with the n bytes at m.
  bool StartsWith(const char* m, size_t n) const {
    return prefix_.size() >= n && std::memcmp(prefix_.data(), m, n) == 0;
  }

  Result<size_t> Read(char* buf, size_t n, const std::string& name) {
    if (prefix_pos_ < prefix_.size()) {
      size_t k = std::min(n, prefix_.size() - prefix_pos_);
      std::memcpy(buf, prefix_.data() + prefix_pos_, k);
      prefix_pos_ += k;
      return k;
    }
    return ReadFd(buf, n, name);
  }

 private:
  Result<size_t> ReadFd(char* buf, size_t n, const std::string& name) {
    while (true) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) return static_cast<size_t>(r);
      if (errno != EINTR) return Internal(name + ": read failed: " + std::strerror(errno));
    }
  }

  int fd_;
  bool owned_;
  std::string prefix_;
  size_t prefix_pos_ = 0;
};

class PlainSource final : public ByteSource {
 public:
  PlainSource(std::unique_ptr<FdInput> in, std::string name)
      : ByteSource(std::move(name), Compression::kNone), in_(std::move(in)) {}

  Result<size_t> Read(char* buf, size_t n) override {
    ASSIGN_OR_RETURN(size_t got, in_->Read(buf, n, name()));
    decompressed_ += got;
    return got;
  }

 private:
  std::unique_ptr<FdInput> in_;
};

// The decompression loop shared by gzip and zstd: `Decode` turns buffered input into
// output and says whether a member/frame ended; running out of input inside one is a
// truncated stream.
class DecompressingSource : public ByteSource {
 public:
  DecompressingSource(std::unique_ptr<FdInput> in, std::string name, Compression compression)
      : ByteSource(std::move(name), compression),
        in_(std::move(in)),
        input_(kInputBufferBytes, '\0') {}

  Result<size_t> Read(char* buf, size_t n) override {
    if (n == 0) return size_t{0};
    while (true) {
      if (in_pos_ == in_end_ && !in_eof_) {
        ASSIGN_OR_RETURN(size_t got, in_->Read(input_.data(), input_.size(), name()));
        in_pos_ = 0;
        in_end_ = got;
        in_eof_ = got == 0;
      }
      bool no_input = in_pos_ == in_end_ && in_eof_;
      if (no_input && !in_member_) return size_t{0};
      if (!in_member_) {
        RETURN_IF_ERROR(StartMember());
        in_member_ = true;
      }
      bool ended = false;
      ASSIGN_OR_RETURN(size_t produced, Decode(buf, n, &ended));
      if (ended) in_member_ = false;
      decompressed_ += produced;
      if (produced > 0) return produced;
      if (no_input && in_member_) {
        return Internal(name() + ": truncated " + std::string(Kind()) +
                        " stream (the file ends inside compressed data)");
      }
    }
  }

 protected:
  virtual Status StartMember() = 0;
  virtual Result<size_t> Decode(char* buf, size_t n, bool* ended) = 0;
  virtual const char* Kind() const = 0;

  std::unique_ptr<FdInput> in_;
  std::string input_;
  size_t in_pos_ = 0;
  size_t in_end_ = 0;
  bool in_eof_ = false;
  bool in_member_ = true;
};

class GzipSource final : public DecompressingSource {
 public:
  GzipSource(std::unique_ptr<FdInput> in, std::string name)
      : DecompressingSource(std::move(in), std::move(name), Compression::kGzip) {}
  ~GzipSource() override {
    if (initialized_) inflateEnd(&z_);
  }

  Status Init() {
    std::memset(&z_, 0, sizeof(z_));
    if (inflateInit2(&z_, 15 + 16) != Z_OK) return Internal(name() + ": inflateInit2 failed");
    initialized_ = true;
    return Status::Ok();
  }

 protected:
  Status StartMember() override {
    if (inflateReset(&z_) != Z_OK) return Internal(name() + ": inflateReset failed");
    return Status::Ok();
  }

  Result<size_t> Decode(char* buf, size_t n, bool* ended) override {
    z_.next_in = reinterpret_cast<Bytef*>(input_.data() + in_pos_);
    z_.avail_in = static_cast<uInt>(in_end_ - in_pos_);
    z_.next_out = reinterpret_cast<Bytef*>(buf);
    z_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    uInt out_before = z_.avail_out;
    int ret = inflate(&z_, Z_NO_FLUSH);
    in_pos_ = in_end_ - z_.avail_in;
    if (ret == Z_STREAM_END) {
      *ended = true;
    } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
      return Internal(name() + ": corrupt gzip data (" +
                      std::string(z_.msg != nullptr ? z_.msg : zError(ret)) + ")");
    }
    return static_cast<size_t>(out_before - z_.avail_out);
  }

  const char* Kind() const override { return "gzip"; }

 private:
  z_stream z_;
  bool initialized_ = false;
};

class ZstdSource final : public DecompressingSource {
 public:
  ZstdSource(std::unique_ptr<FdInput> in, std::string name)
      : DecompressingSource(std::move(in), std::move(name), Compression::kZstd),
        dctx_(ZSTD_createDCtx()) {}
  ~ZstdSource() override { ZSTD_freeDCtx(dctx_); }

  Status Init() {
    if (dctx_ == nullptr) return Internal(name() + ": ZSTD_createDCtx failed");
    return Status::Ok();
  }

 protected:
  Status StartMember() override { return Status::Ok(); }  // frames follow each other

  Result<size_t> Decode(char* buf, size_t n, bool* ended) override {
    ZSTD_inBuffer in{input_.data() + in_pos_, in_end_ - in_pos_, 0};
    ZSTD_outBuffer out{buf, n, 0};
    size_t ret = ZSTD_decompressStream(dctx_, &out, &in);
    in_pos_ += in.pos;
    if (ZSTD_isError(ret)) {
      return Internal(name() + ": corrupt zstd data (" + ZSTD_getErrorName(ret) + ")");
    }
    *ended = ret == 0;
    return out.pos;
  }

  const char* Kind() const override { return "zstd"; }

 private:
  ZSTD_DCtx* dctx_;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> ByteSource::OpenFile(const std::string& path) {
  if (path == "-") return OpenFd(STDIN_FILENO, "-", false);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::string message = path + ": " + std::strerror(errno);
    if (errno == ENOENT) return NotFound(message);
    return Internal(message);
  }
  return OpenFd(fd, path, true);
}

Result<std::unique_ptr<ByteSource>> ByteSource::OpenFd(int fd, std::string name, bool owned) {
  auto in = std::make_unique<FdInput>(fd, owned);
  RETURN_IF_ERROR(in->Peek(name));
  if (in->StartsWith("\x1f\x8b", 2)) {
    auto source = std::make_unique<GzipSource>(std::move(in), std::move(name));
    RETURN_IF_ERROR(source->Init());
    return std::unique_ptr<ByteSource>(std::move(source));
  }
  if (in->StartsWith("\x28\xb5\x2f\xfd", 4)) {
    auto source = std::make_unique<ZstdSource>(std::move(in), std::move(name));
    RETURN_IF_ERROR(source->Init());
    return std::unique_ptr<ByteSource>(std::move(source));
  }
  return std::unique_ptr<ByteSource>(std::make_unique<PlainSource>(std::move(in), std::move(name)));
}

LineReader::LineReader(std::unique_ptr<ByteSource> source)
    : source_(std::move(source)), buffer_(1 << 20, '\0') {}

Status LineReader::Fill() {
  ASSIGN_OR_RETURN(size_t got, source_->Read(buffer_.data(), buffer_.size()));
  pos_ = 0;
  end_ = got;
  if (got == 0) eof_ = true;
  if (!started_) {
    started_ = true;
    // A BOM split across reads is not worth handling: sources return >= 3 bytes first.
    if (end_ >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
  }
  return Status::Ok();
}

Result<int> LineReader::PeekByte() {
  while (pos_ == end_ && !eof_) RETURN_IF_ERROR(Fill());
  if (pos_ == end_) return -1;
  return static_cast<int>(static_cast<unsigned char>(buffer_[pos_]));
}

Result<bool> LineReader::ReadLine(std::string* line) {
  line->clear();
  bool any = false;
  while (true) {
    if (pos_ == end_) {
      if (eof_) break;
      RETURN_IF_ERROR(Fill());
      continue;
    }
    any = true;
    const char* begin = buffer_.data() + pos_;
    const void* nl = std::memchr(begin, '\n', end_ - pos_);
    size_t len = nl != nullptr ? static_cast<const char*>(nl) - begin : end_ - pos_;
    if (line->size() + len > kMaxLineBytes) {
      return Internal(source_->name() + ":" + std::to_string(line_number_ + 1) +
                      ": line longer than " + std::to_string(kMaxLineBytes >> 20) + " MiB");
    }
    line->append(begin, len);
    pos_ += len;
    if (nl != nullptr) {
      ++pos_;
      break;
    }
  }
  if (!any) return false;
  ++line_number_;
  return true;
}

}  // namespace asof::import
