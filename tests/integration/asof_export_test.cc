// asof-export end to end: a real asofd holds the history (written through the Client),
// the real asof-export binary runs as a subprocess on a labels file, and its output must
// equal the expected text byte for byte. Covers every value status, ttl, defaults, the
// replay mode, chunking with several reads in flight, JSON Lines in and out, verbatim
// label columns, and the failures (unknown feature, missing column, bad rows).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/util/test_util.h"
#include "wire/client.h"

namespace asof::testing {
namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kMar1 = 1772323200 * kSecond;  // 2026-03-01T00:00:00Z

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class AsofExportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    daemon_ = new Daemon(ASOFD_PATH, TestDaemonFlags());
    start_status_ = new Status(daemon_->Start());
    if (start_status_->ok()) *start_status_ = LoadHistory();
  }
  static void TearDownTestSuite() {
    if (daemon_->running()) {
      Result<int> code = daemon_->Stop();
      EXPECT_TRUE(code.ok() && *code == 0) << code.status().ToString() << "\n" << daemon_->log();
    }
    delete daemon_;
    delete start_status_;
  }
  void SetUp() override { ASSERT_OK(*start_status_); }

  // user 1: score 1.5 at 10:00 and 2.25 at 12:00 (written late, out of order); fresh
  // (ttl 1h) 7 at 10:00; tag "a,b" at 09:00, then an explicit null at 11:00.
  // user 2: score 0.1 at 10:00; fresh 9 at 11:30. user 3: nothing. fresh has default -1.
  static Status LoadHistory() {
    ASSIGN_OR_RETURN(std::unique_ptr<Client> client, Client::Connect(OptionsFor(*daemon_)));
    RETURN_IF_ERROR(client->RegisterEntityType("user", "").status());
    RETURN_IF_ERROR(client->RegisterFeature(Spec("user", "score", vt::kDouble)).status());
    wire::FeatureSpecT fresh = Spec("user", "fresh", vt::kInt64);
    fresh.ttl_us = kHour;
    fresh.default_value = std::make_unique<wire::ValueT>(Int64(-1));
    RETURN_IF_ERROR(client->RegisterFeature(fresh).status());
    RETURN_IF_ERROR(client->RegisterFeature(Spec("user", "tag", vt::kString)).status());
    const int64_t t = kMar1;
    std::vector<std::vector<wire::WriteRecordT>> batches;
    batches.emplace_back();
    batches.back().push_back(Record("user", "1", "score", Double(2.25), t + 12 * kHour));
    batches.back().push_back(Record("user", "1", "fresh", Int64(7), t + 10 * kHour));
    batches.back().push_back(Record("user", "1", "tag", String("a,b"), t + 9 * kHour));
    batches.back().push_back(Record("user", "1", "tag", std::nullopt, t + 11 * kHour));
    batches.back().push_back(Record("user", "2", "score", Double(0.1), t + 10 * kHour));
    batches.back().push_back(Record("user", "2", "fresh", Int64(9), t + 11 * kHour + kHour / 2));
    batches.emplace_back();
    batches.back().push_back(Record("user", "1", "score", Double(1.5), t + 10 * kHour));
    for (const auto& batch : batches) {
      ASSIGN_OR_RETURN(wire::WriteResponseT r, client->Write(batch));
      if (r.accepted != batch.size()) return Internal("history not accepted");
    }
    return Status::Ok();
  }

  // Runs asof-export with `args` (after the connection flags); the output file path is
  // out_path().
  ProcessResult Export(std::vector<std::string> args) {
    std::vector<std::string> argv = {ASOF_EXPORT_PATH, "--port", std::to_string(daemon_->port()),
                                     "--entity-type", "user"};
    argv.insert(argv.end(), args.begin(), args.end());
    Result<ProcessResult> r = RunProcess(argv, std::chrono::seconds(60));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ProcessResult{};
  }
  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }
  std::string out_path() const { return Path("out"); }

  static Daemon* daemon_;
  static Status* start_status_;
  TempDir dir_;
};

Daemon* AsofExportTest::daemon_ = nullptr;
Status* AsofExportTest::start_status_ = nullptr;

// Times: before anything, exactly at an event, between, after the ttl, with an offset
// (written back as given), and a user with no history. Labels carry through verbatim,
// quoting included where needed.
const char kLabelsCsv[] =
    "entity_id,timestamp,label,note\n"
    "1,2026-03-01T08:00:00Z,0,before\n"
    "1,2026-03-01T10:00:00Z,1,\"exact, at 10:00\"\n"
    "1,2026-03-01T12:30:00+01:00,0,11:30 UTC\n"
    "2,2026-03-01T11:00:00Z,1,\n"
    "1,2026-03-01T13:00:00Z,1,\"after \"\"ttl\"\"\"\n"
    "3,2026-03-01T13:00:00Z,0,nobody\n"
    "2,2026-03-01 12:30:00,1,space form\n";

TEST_F(AsofExportTest, CsvWithStatusColumnsExact) {
  WriteText(Path("labels.csv"), kLabelsCsv);
  ProcessResult r =
      Export({"--labels", Path("labels.csv"), "--features", "score,fresh,tag", "--status-columns",
              "--chunk-rows", "2", "--parallel", "3", "-o", out_path()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("asof-export: 7 rows in "), std::string::npos) << r.output;
  EXPECT_EQ(ReadAll(out_path()),
            "entity_id,timestamp,label,note,score,score__status,fresh,fresh__status,tag,"
            "tag__status\n"
            "1,2026-03-01T08:00:00Z,0,before,,NOT_FOUND,-1,NOT_FOUND,,NOT_FOUND\n"
            "1,2026-03-01T10:00:00Z,1,\"exact, at 10:00\",1.5,PRESENT,7,PRESENT,\"a,b\","
            "PRESENT\n"
            "1,2026-03-01T12:30:00+01:00,0,11:30 UTC,1.5,PRESENT,-1,OUTSIDE_MAX_AGE,,NULL_VALUE\n"
            "2,2026-03-01T11:00:00Z,1,,0.1,PRESENT,-1,NOT_FOUND,,NOT_FOUND\n"
            "1,2026-03-01T13:00:00Z,1,\"after \"\"ttl\"\"\",2.25,PRESENT,-1,OUTSIDE_MAX_AGE,,"
            "NULL_VALUE\n"
            "3,2026-03-01T13:00:00Z,0,nobody,,NOT_FOUND,-1,NOT_FOUND,,NOT_FOUND\n"
            "2,2026-03-01 12:30:00,1,space form,0.1,PRESENT,9,PRESENT,,NOT_FOUND\n");
  EXPECT_FALSE(std::filesystem::exists(out_path() + ".partial"));
}

TEST_F(AsofExportTest, TtlEdgeIsInclusive) {
  // fresh was written at 10:00 with a ttl of 1h: served at 11:00 exactly, stale 1 us later.
  WriteText(Path("labels.csv"), "entity_id,timestamp\n1,1772362800000000\n1,1772362800000001\n");
  ProcessResult r = Export({"--labels", Path("labels.csv"), "--ts-format", "epoch_us", "--features",
                            "fresh", "--status-columns", "-o", out_path()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadAll(out_path()),
            "entity_id,timestamp,fresh,fresh__status\n"
            "1,1772362800000000,7,PRESENT\n"
            "1,1772362800000001,-1,OUTSIDE_MAX_AGE\n");
}

TEST_F(AsofExportTest, JsonLinesInAndOut) {
  // Labels from JSON Lines keep their JSON types; a member missing in a row is null.
  WriteText(Path("labels.jsonl"),
            "{\"entity_id\":\"1\",\"timestamp\":\"2026-03-01T10:30:00Z\",\"y\":1.5,\"ok\":true}\n"
            "{\"entity_id\":\"2\",\"timestamp\":\"2026-03-01T10:30:00Z\",\"y\":null}\n");
  ProcessResult r = Export({"--labels", Path("labels.jsonl"), "--features", "score,tag",
                            "--output-format", "jsonl", "--status-columns", "-o", out_path()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadAll(out_path()),
            "{\"entity_id\":\"1\",\"timestamp\":\"2026-03-01T10:30:00Z\",\"y\":1.5,\"ok\":true,"
            "\"score\":1.5,\"score__status\":\"PRESENT\",\"tag\":\"a,b\",\"tag__status\":"
            "\"PRESENT\"}\n"
            "{\"entity_id\":\"2\",\"timestamp\":\"2026-03-01T10:30:00Z\",\"y\":null,\"ok\":null,"
            "\"score\":0.1,\"score__status\":\"PRESENT\",\"tag\":null,\"tag__status\":"
            "\"NOT_FOUND\"}\n");
}

TEST_F(AsofExportTest, ReplaySeesOnlyWhatWasIngestedByThen) {
  // Everything was ingested today, long after 2026-03-01: a replay then sees nothing.
  WriteText(Path("labels.csv"), "entity_id,timestamp\n1,2026-03-01T13:00:00Z\n");
  ProcessResult r = Export({"--labels", Path("labels.csv"), "--features", "score", "--mode",
                            "replay", "--status-columns", "-o", out_path()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadAll(out_path()),
            "entity_id,timestamp,score,score__status\n1,2026-03-01T13:00:00Z,,NOT_FOUND\n");
}

TEST_F(AsofExportTest, ManyRowsInOrderAcrossChunks) {
  std::string labels = "entity_id,timestamp,i\n";
  std::string expected = "entity_id,timestamp,i,score\n";
  for (int i = 0; i < 5000; ++i) {
    const bool late = i % 3 == 0;  // after 12:00: 2.25 for user 1
    const std::string ts = late ? "2026-03-01T12:00:00Z" : "2026-03-01T11:59:59.999999Z";
    const std::string user = i % 2 == 0 ? "1" : "2";
    labels += user + "," + ts + "," + std::to_string(i) + "\n";
    expected += user + "," + ts + "," + std::to_string(i) + "," +
                (user == "2" ? "0.1"
                 : late      ? "2.25"
                             : "1.5") +
                "\n";
  }
  WriteText(Path("labels.csv"), labels);
  ProcessResult r = Export({"--labels", Path("labels.csv"), "--features", "score", "--chunk-rows",
                            "333", "--parallel", "4", "-o", out_path()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadAll(out_path()), expected);
}

TEST_F(AsofExportTest, UnknownFeatureFailsBeforeAnyOutput) {
  WriteText(Path("labels.csv"), kLabelsCsv);
  ProcessResult r =
      Export({"--labels", Path("labels.csv"), "--features", "score,nope", "-o", out_path()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("error: NOT_FOUND"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out_path()));
  EXPECT_FALSE(std::filesystem::exists(out_path() + ".partial"));
}

TEST_F(AsofExportTest, MissingColumnNamesTheHeader) {
  WriteText(Path("labels.csv"), "user,ts\n1,2026-03-01T10:00:00Z\n");
  ProcessResult r =
      Export({"--labels", Path("labels.csv"), "--features", "score", "-o", out_path()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no column 'entity_id' (--entity-column); their columns: user, ts"),
            std::string::npos)
      << r.output;
  r = Export({"--labels", Path("labels.csv"), "--entity-column", "user", "--ts-column", "ts",
              "--features", "score", "-o", out_path()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadAll(out_path()), "user,ts,score\n1,2026-03-01T10:00:00Z,1.5\n");
}

TEST_F(AsofExportTest, FeatureColumnClashingWithALabelIsRefused) {
  WriteText(Path("labels.csv"), "entity_id,timestamp,score\n1,2026-03-01T10:00:00Z,1\n");
  ProcessResult r =
      Export({"--labels", Path("labels.csv"), "--features", "score", "-o", out_path()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("output column 'score'"), std::string::npos) << r.output;
}

TEST_F(AsofExportTest, BadRowsFailOrAreSkippedWithinTheLimit) {
  WriteText(Path("labels.csv"),
            "entity_id,timestamp\n"
            "1,2026-03-01T10:00:00Z\n"
            "1,yesterday\n"
            ",2026-03-01T10:00:00Z\n"
            "1,2026-03-01T10:00:00Z,extra\n"
            "2,2026-03-01T10:00:00Z\n");
  ProcessResult r =
      Export({"--labels", Path("labels.csv"), "--features", "score", "-o", out_path()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("labels.csv:3"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out_path()));
  EXPECT_FALSE(std::filesystem::exists(out_path() + ".partial"));

  r = Export({"--labels", Path("labels.csv"), "--features", "score", "--max-bad-rows", "2", "-o",
              out_path()});
  EXPECT_EQ(r.exit_code, 1) << r.output;  // three bad rows

  r = Export({"--labels", Path("labels.csv"), "--features", "score", "--max-bad-rows", "3", "-o",
              out_path()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("labels.csv:3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("labels.csv:4: no entity id"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("labels.csv:5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("3 bad label rows skipped"), std::string::npos) << r.output;
  EXPECT_EQ(ReadAll(out_path()),
            "entity_id,timestamp,score\n1,2026-03-01T10:00:00Z,1.5\n2,2026-03-01T10:00:00Z,0.1\n");
}

TEST_F(AsofExportTest, BadOptionsExitTwo) {
  ProcessResult r = Export({"--labels", Path("x.csv"), "--features", "score", "--mode", "later"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = Export({"--labels", Path("missing.csv"), "--features", "score", "-o", out_path()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
}

}  // namespace
}  // namespace asof::testing
