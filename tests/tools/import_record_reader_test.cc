#include "tools/asof-import/record_reader.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/tools/import_test_files.h"
#include "tests/util/test_util.h"

namespace asof::import {
namespace {

using asof::testing::TempDir;
using testing::Gzip;
using testing::WriteFile;
using testing::Zstd;

using Fields = std::vector<std::optional<std::string>>;

Result<std::unique_ptr<RecordReader>> OpenText(const TempDir& dir, const std::string& name,
                                               const std::string& bytes,
                                               std::optional<InputFormat> format = {}) {
  std::string path = dir.path() + "/" + name;
  WriteFile(path, bytes);
  return RecordReader::Open({path, format, ','});
}

// Every record, or the first error.
Result<std::vector<InputRecord>> ReadAll(RecordReader& reader) {
  std::vector<InputRecord> records;
  while (true) {
    ASSIGN_OR_RETURN(std::optional<InputRecord> r, reader.Next());
    if (!r) return records;
    records.push_back(std::move(*r));
  }
}

TEST(CsvReaderTest, HeaderAndRecords) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto reader, OpenText(dir, "a.csv", "id,ts,x\nu1,2024-01-01,1\nu2,,\n"));
  EXPECT_EQ(reader->columns(), (std::vector<std::string>{"id", "ts", "x"}));
  ASSERT_OK_AND_ASSIGN(auto records, ReadAll(*reader));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields, (Fields{"u1", "2024-01-01", "1"}));
  EXPECT_EQ(records[0].line, 2u);
  EXPECT_EQ(records[0].text, "u1,2024-01-01,1");
  EXPECT_EQ(records[0].source, dir.path() + "/a.csv");
  EXPECT_TRUE(records[0].kinds.empty());
  EXPECT_EQ(records[1].fields, (Fields{"u2", "", ""}));
  EXPECT_EQ(reader->bytes_total(), reader->bytes_read());
}

TEST(CsvReaderTest, QuotedFieldsWithDelimitersQuotesAndNewlines) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto reader, OpenText(dir, "q.csv",
                                             "id,note\n"
                                             "\"a,b\",\"she said \"\"hi\"\"\"\n"
                                             "c,\"two\nlines\"\n"
                                             "d,\"\"\n"
                                             "e,x\n"));
  ASSERT_OK_AND_ASSIGN(auto records, ReadAll(*reader));
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].fields, (Fields{"a,b", "she said \"hi\""}));
  EXPECT_EQ(records[1].fields, (Fields{"c", "two\nlines"}));
  EXPECT_EQ(records[1].line, 3u);
  EXPECT_EQ(records[1].text, "c,\"two\nlines\"");
  EXPECT_EQ(records[2].fields, (Fields{"d", ""}));
  EXPECT_EQ(records[3].line, 6u);  // line numbers count the embedded newline
}

TEST(CsvReaderTest, CrlfBomAndBlankLines) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(
      auto reader, OpenText(dir, "w.csv", "\xEF\xBB\xBFid,note\r\n\r\nu1,\"a\r\nb\"\r\nu2,z\r\n"));
  EXPECT_EQ(reader->columns(), (std::vector<std::string>{"id", "note"}));
  ASSERT_OK_AND_ASSIGN(auto records, ReadAll(*reader));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields, (Fields{"u1", "a\r\nb"}));
  EXPECT_EQ(records[1].fields, (Fields{"u2", "z"}));
}

TEST(CsvReaderTest, OtherDelimiter) {
  TempDir dir;
  std::string path = dir.path() + "/t.tsv";
  WriteFile(path, "id\tx\nu,1,5\t2\n");
  ASSERT_OK_AND_ASSIGN(auto reader, RecordReader::Open({path, {}, '\t'}));
  ASSERT_OK_AND_ASSIGN(auto records, ReadAll(*reader));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (Fields{"u,1,5", "2"}));
}

TEST(CsvReaderTest, RaggedRowIsAnErrorAndReadingGoesOn) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto reader, OpenText(dir, "r.csv", "a,b\n1,2\n1,2,3\n4\n5,6\n"));
  ASSERT_OK_AND_ASSIGN(auto first, reader->Next());
  ASSERT_TRUE(first);
  for (uint64_t line : {3u, 4u}) {
    Result<std::optional<InputRecord>> bad = reader->Next();
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(bad.status().message().find("r.csv:" + std::to_string(line)), std::string::npos)
        << bad.status().message();
    EXPECT_EQ(reader->last_bad_record().line, line);
  }
  EXPECT_EQ(reader->last_bad_record().text, "4");
  ASSERT_OK_AND_ASSIGN(auto last, reader->Next());
  ASSERT_TRUE(last);
  EXPECT_EQ(last->fields, (Fields{"5", "6"}));
}

TEST(CsvReaderTest, MalformedQuotes) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto reader, OpenText(dir, "m.csv", "a,b\n\"x\"y,1\n2,3\n\"open,4\n"));
  Result<std::optional<InputRecord>> bad = reader->Next();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("after a closing quote"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(auto ok, reader->Next());
  ASSERT_TRUE(ok);
  bad = reader->Next();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unterminated"), std::string::npos);
  EXPECT_EQ(reader->last_bad_record().line, 4u);
  ASSERT_OK_AND_ASSIGN(auto end, reader->Next());
  EXPECT_FALSE(end);
}

TEST(CsvReaderTest, BadHeaders) {
  TempDir dir;
  auto dup = OpenText(dir, "d.csv", "a,b,a\n1,2,3\n");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("twice"), std::string::npos);
  auto empty_name = OpenText(dir, "e.csv", "a,,b\n");
  ASSERT_FALSE(empty_name.ok());
  auto empty = OpenText(dir, "z.csv", "");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), ErrorCode::kInvalidArgument);
  auto missing = RecordReader::Open({dir.path() + "/nope.csv", {}, ','});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
}

TEST(RecordReaderTest, CompressedFilesAndDetection) {
  TempDir dir;
  const std::string csv = "id,x\nu,1\n";
  for (auto [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"a.csv.gz", Gzip(csv)}, {"b.zst", Zstd(csv)}, {"c.data", csv}}) {
    ASSERT_OK_AND_ASSIGN(auto reader, OpenText(dir, name, bytes));
    ASSERT_OK_AND_ASSIGN(auto records, ReadAll(*reader));
    ASSERT_EQ(records.size(), 1u) << name;
    EXPECT_EQ(records[0].fields, (Fields{"u", "1"}));
    EXPECT_EQ(reader->bytes_read(), csv.size());
  }
  // JSON Lines by extension under compression, and by the first byte.
  for (auto [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"d.jsonl.gz", Gzip("{\"id\":\"u\"}\n")}, {"e.txt", "{\"id\":\"u\"}\n"}}) {
    ASSERT_OK_AND_ASSIGN(auto reader, OpenText(dir, name, bytes));
    ASSERT_OK_AND_ASSIGN(auto records, ReadAll(*reader));
    ASSERT_EQ(records.size(), 1u) << name;
    EXPECT_EQ(records[0].kinds, std::vector<FieldKind>{FieldKind::kString});
  }
}

TEST(RecordReaderTest, TruncatedGzipEndsTheInputWithAnError) {
  TempDir dir;
  std::string csv = "id,x\n";
  for (int i = 0; i < 20000; ++i) csv += "u" + std::to_string(i) + "," + std::to_string(i) + "\n";
  std::string gz = Gzip(csv);
  ASSERT_OK_AND_ASSIGN(auto reader, OpenText(dir, "t.csv.gz", gz.substr(0, gz.size() * 2 / 3)));
  Status error;
  uint64_t rows = 0;
  while (true) {
    Result<std::optional<InputRecord>> r = reader->Next();
    if (!r.ok()) {
      error = r.status();
      break;
    }
    if (!*r) break;
    ++rows;
  }
  EXPECT_EQ(error.code(), ErrorCode::kInternal) << rows << " rows, no error";
  EXPECT_NE(error.message().find("t.csv.gz"), std::string::npos);
  EXPECT_LT(rows, 20000u);
  ASSERT_OK_AND_ASSIGN(auto after, reader->Next());
  EXPECT_FALSE(after);
}

TEST(RecordReaderTest, FolderOfPartFilesInNameOrder) {
  TempDir dir;
  std::string parts = dir.path() + "/parts";
  std::filesystem::create_directory(parts);
  WriteFile(parts + "/part-0002.csv", "id,x\nc,3\n");
  WriteFile(parts + "/part-0000.csv.gz", Gzip("id,x\na,1\n"));
  WriteFile(parts + "/part-0001.csv.zst", Zstd("id,x\r\nb,2\r\n"));
  WriteFile(parts + "/part-0003.csv", "");  // empty part
  WriteFile(parts + "/_SUCCESS", "");
  WriteFile(parts + "/.part-0000.csv.crc", "garbage");
  ASSERT_OK_AND_ASSIGN(auto reader, RecordReader::Open({parts, {}, ','}));
  ASSERT_OK_AND_ASSIGN(auto records, ReadAll(*reader));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields[0], "a");
  EXPECT_EQ(records[1].fields[0], "b");
  EXPECT_EQ(records[2].fields[0], "c");
  EXPECT_EQ(records[2].source, parts + "/part-0002.csv");
  EXPECT_EQ(records[2].line, 2u);
  EXPECT_GT(reader->bytes_total(), 0u);
}

TEST(RecordReaderTest, PartWithAnotherHeaderEndsTheInput) {
  TempDir dir;
  std::string parts = dir.path() + "/parts";
  std::filesystem::create_directory(parts);
  WriteFile(parts + "/p0.csv", "id,x\na,1\n");
  WriteFile(parts + "/p1.csv", "id,y\nb,2\n");
  ASSERT_OK_AND_ASSIGN(auto reader, RecordReader::Open({parts, {}, ','}));
  ASSERT_OK_AND_ASSIGN(auto first, reader->Next());
  ASSERT_TRUE(first);
  Result<std::optional<InputRecord>> bad = reader->Next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kUnprocessable);
  EXPECT_NE(bad.status().message().find("p1.csv"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(auto end, reader->Next());
  EXPECT_FALSE(end);
}

TEST(RecordReaderTest, FormatFromTheFirstPartThatHoldsBytes) {
  TempDir dir;
  std::string parts = dir.path() + "/parts";
  std::filesystem::create_directory(parts);
  WriteFile(parts + "/part-0", "");
  WriteFile(parts + "/part-1", Zstd("{\"id\":\"a\"}\n"));
  ASSERT_OK_AND_ASSIGN(auto reader, RecordReader::Open({parts, {}, ','}));
  ASSERT_OK_AND_ASSIGN(auto records, ReadAll(*reader));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].kinds, std::vector<FieldKind>{FieldKind::kString});
}

TEST(RecordReaderTest, EmptyFolder) {
  TempDir dir;
  auto reader = RecordReader::Open({dir.path(), {}, ','});
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), ErrorCode::kInvalidArgument);
}

TEST(JsonLinesReaderTest, KindsMissingMembersAndNulls) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(
      auto reader,
      OpenText(dir, "a.jsonl",
               "{\"id\":\"u1\",\"n\":1,\"d\":1.0,\"b\":true,\"l\":[1,2],\"o\":{\"k\":1}}\n"
               "\n"
               "{\"id\":7,\"n\":null}\r\n"
               "{\"n\":\"1\",\"id\":\"u3\",\"d\":1.5e3,\"b\":false,\"l\":[],\"o\":null}\n"));
  EXPECT_EQ(reader->columns(), (std::vector<std::string>{"id", "n", "d", "b", "l", "o"}));
  ASSERT_OK_AND_ASSIGN(auto records, ReadAll(*reader));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields, (Fields{"u1", "1", "1.0", "true", "[1,2]", "{\"k\":1}"}));
  EXPECT_EQ(records[0].kinds,
            (std::vector<FieldKind>{FieldKind::kString, FieldKind::kNumber, FieldKind::kNumber,
                                    FieldKind::kBool, FieldKind::kArray, FieldKind::kObject}));
  EXPECT_EQ(records[1].line, 3u);
  EXPECT_EQ(records[1].fields,
            (Fields{"7", std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt}));
  EXPECT_EQ(records[1].kinds,
            (std::vector<FieldKind>{FieldKind::kNumber, FieldKind::kNull, FieldKind::kAbsent,
                                    FieldKind::kAbsent, FieldKind::kAbsent, FieldKind::kAbsent}));
  EXPECT_EQ(records[1].text, "{\"id\":7,\"n\":null}");
  EXPECT_EQ(records[2].fields[1], "1");
  EXPECT_EQ(records[2].kinds[1], FieldKind::kString);
  EXPECT_EQ(records[2].fields[2], "1500.0");
}

TEST(JsonLinesReaderTest, BadLinesAreErrorsAndReadingGoesOn) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto reader, OpenText(dir, "b.ndjson",
                                             "{\"id\":\"u1\",\"x\":1}\n"
                                             "[1,2]\n"
                                             "{\"id\":\"u2\",\n"
                                             "{\"id\":\"u3\",\"y\":1}\n"
                                             "\"just a string\"\n"
                                             "{\"id\":\"u4\"}\n"));
  ASSERT_OK_AND_ASSIGN(auto first, reader->Next());
  ASSERT_TRUE(first);
  const char* expected[] = {"not a JSON object", "not valid JSON", "'y' is not among",
                            "not a JSON object"};
  uint64_t line = 2;
  for (const char* what : expected) {
    Result<std::optional<InputRecord>> bad = reader->Next();
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(bad.status().message().find(what), std::string::npos) << bad.status().message();
    EXPECT_NE(bad.status().message().find("b.ndjson:" + std::to_string(line)), std::string::npos);
    EXPECT_EQ(reader->last_bad_record().line, line);
    ++line;
  }
  ASSERT_OK_AND_ASSIGN(auto last, reader->Next());
  ASSERT_TRUE(last);
  EXPECT_EQ(last->fields[0], "u4");
  EXPECT_EQ(last->kinds[1], FieldKind::kAbsent);
}

TEST(JsonLinesReaderTest, UnreadableFirstRecordFailsOpen) {
  TempDir dir;
  auto reader = OpenText(dir, "c.jsonl", "{\"id\": \n{\"id\":1}\n", InputFormat::kJsonLines);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace asof::import
