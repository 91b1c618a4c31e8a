#include "tools/asof-import/byte_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "tests/tools/import_test_files.h"
#include "tests/util/test_util.h"

namespace asof::import {
namespace {

using asof::testing::TempDir;
using testing::Gzip;
using testing::WriteFile;
using testing::Zstd;

Result<std::string> ReadAll(ByteSource& source) {
  std::string out;
  char buf[7];  // small, to cross buffer boundaries
  while (true) {
    ASSIGN_OR_RETURN(size_t n, source.Read(buf, sizeof(buf)));
    if (n == 0) return out;
    out.append(buf, n);
  }
}

std::string Sample() {
  std::string s;
  for (int i = 0; i < 5000; ++i) s += "line " + std::to_string(i) + ",value\n";
  return s;
}

TEST(ByteSourceTest, ReadsPlainGzipAndZstdByMagicNotName) {
  TempDir dir;
  const std::string data = Sample();
  struct Case {
    std::string bytes;
    Compression compression;
  };
  for (const Case& c : {Case{data, Compression::kNone}, Case{Gzip(data), Compression::kGzip},
                        Case{Zstd(data), Compression::kZstd}}) {
    std::string path = dir.path() + "/input.txt";  // the name says nothing
    WriteFile(path, c.bytes);
    ASSERT_OK_AND_ASSIGN(auto source, ByteSource::OpenFile(path));
    EXPECT_EQ(source->compression(), c.compression);
    ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(*source));
    EXPECT_EQ(got, data);
    EXPECT_EQ(source->decompressed_bytes(), data.size());
  }
}

TEST(ByteSourceTest, ConcatenatedGzipMembersAndZstdFramesAreOneStream) {
  TempDir dir;
  std::string path = dir.path() + "/multi";
  WriteFile(path, Gzip("a,b\n") + Gzip("1,2\n"));
  ASSERT_OK_AND_ASSIGN(auto gz, ByteSource::OpenFile(path));
  ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(*gz));
  EXPECT_EQ(got, "a,b\n1,2\n");
  WriteFile(path, Zstd("a,b\n") + Zstd("1,2\n"));
  ASSERT_OK_AND_ASSIGN(auto zst, ByteSource::OpenFile(path));
  ASSERT_OK_AND_ASSIGN(got, ReadAll(*zst));
  EXPECT_EQ(got, "a,b\n1,2\n");
}

TEST(ByteSourceTest, TruncatedGzipIsAnErrorNotAShortInput) {
  TempDir dir;
  std::string gz = Gzip(Sample());
  for (size_t keep : {gz.size() - 1, gz.size() - 8, gz.size() / 2, size_t{12}}) {
    std::string path = dir.path() + "/t.gz";
    WriteFile(path, gz.substr(0, keep));
    ASSERT_OK_AND_ASSIGN(auto source, ByteSource::OpenFile(path));
    Result<std::string> got = ReadAll(*source);
    ASSERT_FALSE(got.ok()) << "kept " << keep;
    EXPECT_EQ(got.status().code(), ErrorCode::kInternal);
    EXPECT_NE(got.status().message().find("t.gz"), std::string::npos);
  }
}

TEST(ByteSourceTest, TruncatedZstdIsAnErrorNotAShortInput) {
  TempDir dir;
  std::string zst = Zstd(Sample());
  for (size_t keep : {zst.size() - 1, zst.size() / 2, size_t{6}}) {
    std::string path = dir.path() + "/t.zst";
    WriteFile(path, zst.substr(0, keep));
    ASSERT_OK_AND_ASSIGN(auto source, ByteSource::OpenFile(path));
    Result<std::string> got = ReadAll(*source);
    ASSERT_FALSE(got.ok()) << "kept " << keep;
    EXPECT_EQ(got.status().code(), ErrorCode::kInternal);
    EXPECT_NE(got.status().message().find("truncated zstd"), std::string::npos);
  }
}

TEST(ByteSourceTest, CorruptGzipIsAnError) {
  TempDir dir;
  std::string gz = Gzip(Sample());
  for (size_t i = 20; i < 40; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  std::string path = dir.path() + "/c.gz";
  WriteFile(path, gz);
  ASSERT_OK_AND_ASSIGN(auto source, ByteSource::OpenFile(path));
  Result<std::string> got = ReadAll(*source);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::kInternal);
}

TEST(ByteSourceTest, MissingFileIsNotFound) {
  Result<std::unique_ptr<ByteSource>> source = ByteSource::OpenFile("/nonexistent/x.csv");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), ErrorCode::kNotFound);
}

TEST(ByteSourceTest, ReadsAGzipStreamFromAPipe) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string data = Sample();
  const std::string gz = Gzip(data);
  std::thread writer([&] {
    size_t off = 0;
    while (off < gz.size()) {
      ssize_t n = ::write(fds[1], gz.data() + off, std::min<size_t>(1000, gz.size() - off));
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(fds[1]);
  });
  ASSERT_OK_AND_ASSIGN(auto source, ByteSource::OpenFd(fds[0], "-", true));
  Result<std::string> got = ReadAll(*source);
  writer.join();
  ASSERT_OK(got);
  EXPECT_EQ(*got, data);
}

TEST(ByteSourceTest, EmptyAndTinyPipeInputs) {
  for (std::string data : {std::string(), std::string("a"), std::string("\x1f")}) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    ASSERT_EQ(::write(fds[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
    ::close(fds[1]);
    ASSERT_OK_AND_ASSIGN(auto source, ByteSource::OpenFd(fds[0], "-", true));
    ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(*source));
    EXPECT_EQ(got, data);
  }
}

TEST(LineReaderTest, SplitsLinesKeepsCrSkipsBomAndReadsALastLineWithoutNewline) {
  TempDir dir;
  std::string path = dir.path() + "/l";
  WriteFile(path,
            "\xEF\xBB\xBF"
            "a,b\r\n\nlast");
  ASSERT_OK_AND_ASSIGN(auto source, ByteSource::OpenFile(path));
  LineReader lines(std::move(source));
  std::string line;
  ASSERT_OK_AND_ASSIGN(bool got, lines.ReadLine(&line));
  ASSERT_TRUE(got);
  EXPECT_EQ(line, "a,b\r");
  ASSERT_OK_AND_ASSIGN(got, lines.ReadLine(&line));
  EXPECT_TRUE(got);
  EXPECT_EQ(line, "");
  ASSERT_OK_AND_ASSIGN(got, lines.ReadLine(&line));
  EXPECT_TRUE(got);
  EXPECT_EQ(line, "last");
  EXPECT_EQ(lines.line_number(), 3u);
  ASSERT_OK_AND_ASSIGN(got, lines.ReadLine(&line));
  EXPECT_FALSE(got);
}

TEST(LineReaderTest, LinesLongerThanTheReadBuffer) {
  TempDir dir;
  std::string path = dir.path() + "/long.gz";
  std::string long_line(3 << 20, 'x');
  WriteFile(path, Gzip(long_line + "\nshort\n"));
  ASSERT_OK_AND_ASSIGN(auto source, ByteSource::OpenFile(path));
  LineReader lines(std::move(source));
  std::string line;
  ASSERT_OK_AND_ASSIGN(bool got, lines.ReadLine(&line));
  ASSERT_TRUE(got);
  EXPECT_EQ(line, long_line);
  ASSERT_OK_AND_ASSIGN(got, lines.ReadLine(&line));
  EXPECT_EQ(line, "short");
}

}  // namespace
}  // namespace asof::import
