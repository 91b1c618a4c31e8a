#include "tools/asof-import/rejects_writer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "tests/util/test_util.h"

namespace asof::import {
namespace {

using asof::testing::TempDir;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(RejectsWriterTest, CsvFileQuotesWhatNeedsIt) {
  TempDir dir;
  std::string path = dir.path() + "/rejects.csv";
  ASSERT_OK_AND_ASSIGN(auto writer, RejectsWriter::Open(path, RejectsFormat::kCsv));
  ASSERT_OK(writer->Write(
      {"in.csv", 3, "x", RejectReason::kWrongType, "'1.5' is not INT64", "u1,\"a,b\",1.5"}));
  ASSERT_OK(writer->Write({"in.csv", 9, "", RejectReason::kMalformedRecord, "3 fields", "a\nb"}));
  ASSERT_OK(writer->Close());
  EXPECT_EQ(Slurp(path),
            "source,line,column,reason,message,text\n"
            "in.csv,3,x,wrong_type,'1.5' is not INT64,\"u1,\"\"a,b\"\",1.5\"\n"
            "in.csv,9,,malformed_record,3 fields,\"a\nb\"\n");
}

TEST(RejectsWriterTest, JsonLinesFile) {
  TempDir dir;
  std::string path = dir.path() + "/rejects.jsonl";
  ASSERT_OK_AND_ASSIGN(auto writer, RejectsWriter::Open(path, RejectsFormat::kJsonLines));
  ASSERT_OK(writer->Write({"-", 2, "ts", RejectReason::kBadEventTs, "bad", "{\"ts\":\"x\"}"}));
  ASSERT_OK(writer->Close());
  boost::json::value v = boost::json::parse(Slurp(path));
  EXPECT_EQ(v.at("source"), "-");
  EXPECT_EQ(v.at("line"), 2);
  EXPECT_EQ(v.at("column"), "ts");
  EXPECT_EQ(v.at("reason"), "bad_event_ts");
  EXPECT_EQ(v.at("text"), "{\"ts\":\"x\"}");
}

TEST(RejectsWriterTest, CountsAndSummary) {
  ASSERT_OK_AND_ASSIGN(auto writer, RejectsWriter::Open("", RejectsFormat::kCsv));
  EXPECT_EQ(writer->Summary(), "0 rejects");
  ASSERT_OK(writer->Write({"a", 1, "", RejectReason::kBadEventTs, "", ""}));
  EXPECT_EQ(writer->Summary(), "1 reject (1 bad_event_ts)");
  ASSERT_OK(writer->Write({"a", 2, "", RejectReason::kWrongType, "", ""}));
  ASSERT_OK(writer->Write({"a", 3, "", RejectReason::kWrongType, "", ""}));
  EXPECT_EQ(writer->total(), 3u);
  EXPECT_EQ(writer->count(RejectReason::kWrongType), 2u);
  EXPECT_EQ(writer->Summary(), "3 rejects (2 wrong_type, 1 bad_event_ts)");
  ASSERT_OK(writer->Close());
}

TEST(RejectsWriterTest, UnwritablePath) {
  auto writer = RejectsWriter::Open("/nonexistent/dir/r.csv", RejectsFormat::kCsv);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), ErrorCode::kInternal);
}

TEST(RejectReasonTest, NamesRoundTrip) {
  for (int i = 0; i < kRejectReasonCount; ++i) {
    auto reason = static_cast<RejectReason>(i);
    EXPECT_EQ(ParseRejectReason(RejectReasonName(reason)), reason);
  }
  EXPECT_FALSE(ParseRejectReason("nope"));
}

}  // namespace
}  // namespace asof::import
