// Drift over the native protocol, end to end: the real asof-export records a training
// set as a drift baseline (AsOfReadRequest.baseline_id), online reads feed the served
// side, and Client::Drift / Client::Baselines (DriftRequest, BaselinesRequest) report
// them; unknown features and baselines, malformed requests and roles are errors.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/integration/test_tokens.h"
#include "tests/util/test_util.h"
#include "wire/client.h"

namespace asof::testing {
namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kMar1 = 1772323200 * kSecond;  // 2026-03-01T00:00:00Z
constexpr int kUsers = 1500;                     // > the default min_samples (1000)

// "ds-" YYYYMMDD "T" HHMMSS "Z-" and six hex digits.
constexpr size_t kGeneratedIdLength = 26;

bool LooksLikeGeneratedDatasetId(std::string_view id) {
  // 9: a decimal digit, #: a lowercase hex digit, ?: T or Z (checked below).
  constexpr std::string_view kShape = "ds-99999999?999999?-######";
  static_assert(kShape.size() == kGeneratedIdLength);
  if (id.size() != kGeneratedIdLength) return false;
  for (size_t i = 0; i < kShape.size(); ++i) {
    const char c = id[i];
    switch (kShape[i]) {
      case '9':
        if (c < '0' || c > '9') return false;
        break;
      case '#':
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        break;
      case '?':
        break;
      default:
        if (c != kShape[i]) return false;
    }
  }
  return id[11] == 'T' && id[18] == 'Z';
}

std::string UserId(int i) { return "u" + std::to_string(i); }

class ExportDriftTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    config_dir_ = new TempDir();
    const std::string path = config_dir_->path() + "/asofd.toml";
    std::ofstream(path) << kTestTokensToml;
    daemon_ = new Daemon(ASOFD_PATH, TestDaemonFlags({"--config", path}));
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
    delete config_dir_;
  }
  static ClientOptions Options(const char* token) {
    ClientOptions o = OptionsFor(*daemon_);
    o.token = token;
    return o;
  }
  void SetUp() override {
    ASSERT_OK(*start_status_);
    ASSERT_OK_AND_ASSIGN(client_, Client::Connect(Options(kWriterA)));
  }

  // Every user has `stable` = i % 10 and `shifted` = i % 10 at 01:00; at 03:00 `shifted`
  // moves to 100 + i % 10. Labels at 02:00 see the old values; online reads the new.
  static Status LoadHistory() {
    ASSIGN_OR_RETURN(std::unique_ptr<Client> client, Client::Connect(Options(kAdminX)));
    RETURN_IF_ERROR(client->RegisterEntityType("user", "").status());
    RETURN_IF_ERROR(client->RegisterFeature(Spec("user", "stable", vt::kDouble)).status());
    RETURN_IF_ERROR(client->RegisterFeature(Spec("user", "shifted", vt::kDouble)).status());
    std::vector<wire::WriteRecordT> batch;
    for (int i = 0; i < kUsers; ++i) {
      batch.push_back(Record("user", UserId(i), "stable", Double(i % 10), kMar1 + kHour));
      batch.push_back(Record("user", UserId(i), "shifted", Double(i % 10), kMar1 + kHour));
      batch.push_back(
          Record("user", UserId(i), "shifted", Double(100 + i % 10), kMar1 + 3 * kHour));
    }
    ASSIGN_OR_RETURN(wire::WriteResponseT r, client->Write(batch));
    if (r.accepted != batch.size()) return Internal("history not accepted");
    return Status::Ok();
  }

  // A labels file of every user at 02:00 plus one bad row (no entity id).
  std::string WriteLabels() {
    const std::string path = dir_.path() + "/labels.csv";
    std::ofstream out(path);
    out << "entity_id,timestamp,y\n";
    for (int i = 0; i < kUsers; ++i) out << UserId(i) << ",2026-03-01T02:00:00Z," << i % 2 << "\n";
    out << ",2026-03-01T02:00:00Z,1\n";
    return path;
  }

  // As a reader: an export is a read, and recording its baseline comes with it.
  ProcessResult Export(std::vector<std::string> args) {
    std::vector<std::string> argv = {ASOF_EXPORT_PATH,
                                     "--port",
                                     std::to_string(daemon_->port()),
                                     "--token",
                                     kReaderA,
                                     "--entity-type",
                                     "user",
                                     "--features",
                                     "stable,shifted",
                                     "--labels",
                                     WriteLabels(),
                                     "--max-bad-rows",
                                     "1",
                                     "--chunk-rows",
                                     "400",
                                     "-o",
                                     dir_.path() + "/train.csv"};
    argv.insert(argv.end(), args.begin(), args.end());
    Result<ProcessResult> r = RunProcess(argv, std::chrono::seconds(60));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ProcessResult{};
  }

  Result<wire::BaselineEntryT> FindBaseline(const std::string& id) {
    wire::BaselinesRequestT list;
    ASSIGN_OR_RETURN(wire::BaselinesResponseT r, client_->Baselines(list));
    for (auto& b : r.baselines) {
      if (b->id == id) return std::move(*b);
    }
    return NotFound("no baseline " + id);
  }

  // Serves every user's `stable` and `shifted` once.
  void ServeAll() {
    std::vector<std::string> ids;
    for (int i = 0; i < kUsers; ++i) ids.push_back(UserId(i));
    ASSERT_OK_AND_ASSIGN(wire::OnlineReadResponseT r,
                         client_->OnlineRead("user", ids, {"stable", "shifted"}));
    ASSERT_EQ(r.values.size(), 2u * kUsers);
  }

  static TempDir* config_dir_;
  static Daemon* daemon_;
  static Status* start_status_;
  TempDir dir_;
  std::unique_ptr<Client> client_;
};

TempDir* ExportDriftTest::config_dir_ = nullptr;
Daemon* ExportDriftTest::daemon_ = nullptr;
Status* ExportDriftTest::start_status_ = nullptr;

TEST_F(ExportDriftTest, ExportRecordsABaselineThatDriftIsMeasuredAgainst) {
  ProcessResult r = Export({"--dataset-id", "ds-train-1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("dataset id: ds-train-1 (drift baseline)"), std::string::npos)
      << r.output;

  // One baseline row per label row written (the bad row was never sent).
  ASSERT_OK_AND_ASSIGN(wire::BaselineEntryT b, FindBaseline("ds-train-1"));
  EXPECT_EQ(b.origin, "export");
  EXPECT_EQ(b.rows, static_cast<uint64_t>(kUsers));
  EXPECT_EQ(b.features, (std::vector<std::string>{"user:stable@1", "user:shifted@1"}));

  ServeAll();
  wire::DriftRequestT query;
  query.baseline_id = "ds-train-1";
  ASSERT_OK_AND_ASSIGN(wire::DriftResponseT drift, client_->Drift(query));
  ASSERT_EQ(drift.features.size(), 2u);
  for (const auto& d : drift.features) {
    SCOPED_TRACE(d->name);
    EXPECT_EQ(d->baseline_id, "ds-train-1");
    EXPECT_EQ(d->baseline_count, static_cast<uint64_t>(kUsers));
    EXPECT_GE(d->served_count, static_cast<uint64_t>(kUsers));
    ASSERT_TRUE(d->has_ks);
    ASSERT_TRUE(d->has_psi);
    if (d->name == "stable") {
      // Served exactly the training values: the statistic is within the sketch's bound.
      EXPECT_LE(d->ks, d->ks_error_bound + 1e-9);
      EXPECT_FALSE(d->drifting) << d->note;
    } else {
      EXPECT_GE(d->ks, 1.0 - d->ks_error_bound - 1e-9);  // disjoint supports
      EXPECT_TRUE(d->drifting) << d->note;
    }
  }

  // One feature by name; the thresholds come back with the answer.
  query.entity_type = "user";
  query.feature = "shifted";
  ASSERT_OK_AND_ASSIGN(drift, client_->Drift(query));
  ASSERT_EQ(drift.features.size(), 1u);
  EXPECT_EQ(drift.features[0]->name, "shifted");
  EXPECT_GT(drift.ks_threshold, 0);
  EXPECT_GT(drift.psi_threshold, 0);
  EXPECT_GT(drift.min_samples, 0u);
}

TEST_F(ExportDriftTest, DefaultDatasetIdIsGeneratedAndNoBaselineRecordsNone) {
  ProcessResult r = Export({});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // std::regex is avoided on purpose: GCC 12 with -O3 and ASan warns inside <regex>.
  const std::string_view kLabel = "dataset id: ";
  const size_t at = r.output.find(kLabel);
  ASSERT_NE(at, std::string::npos) << r.output;
  const std::string id = r.output.substr(at + kLabel.size(), kGeneratedIdLength);
  EXPECT_TRUE(LooksLikeGeneratedDatasetId(id)) << id;
  EXPECT_EQ(r.output.substr(at + kLabel.size() + id.size(), 7), " (drift") << r.output;
  ASSERT_OK_AND_ASSIGN(wire::BaselineEntryT b, FindBaseline(id));
  EXPECT_EQ(b.rows, static_cast<uint64_t>(kUsers));

  wire::BaselinesRequestT list;
  ASSERT_OK_AND_ASSIGN(wire::BaselinesResponseT before, client_->Baselines(list));
  r = Export({"--no-baseline"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("dataset id"), std::string::npos) << r.output;
  ASSERT_OK_AND_ASSIGN(wire::BaselinesResponseT after, client_->Baselines(list));
  EXPECT_EQ(after.baselines.size(), before.baselines.size());
}

TEST_F(ExportDriftTest, BadDatasetIdsAreRefusedBeforeConnecting) {
  EXPECT_EQ(Export({"--dataset-id", "has space"}).exit_code, 2);
  EXPECT_EQ(Export({"--dataset-id", std::string(65, 'a')}).exit_code, 2);
  EXPECT_EQ(Export({"--dataset-id", "x", "--no-baseline"}).exit_code, 2);
}

TEST_F(ExportDriftTest, DeletedBaselineIsGone) {
  ProcessResult r = Export({"--dataset-id", "ds-doomed"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  wire::BaselinesRequestT del;
  del.action = "delete";
  del.id = "ds-doomed";
  ASSERT_OK(client_->Baselines(del).status());
  EXPECT_EQ(FindBaseline("ds-doomed").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(client_->Baselines(del).status().code(), ErrorCode::kNotFound);
  wire::DriftRequestT query;
  query.baseline_id = "ds-doomed";
  EXPECT_EQ(client_->Drift(query).status().code(), ErrorCode::kNotFound);
}

TEST_F(ExportDriftTest, UnknownFeatureOrBaselineIsNotFound) {
  wire::DriftRequestT query;
  query.entity_type = "user";
  query.feature = "nope";
  EXPECT_EQ(client_->Drift(query).status().code(), ErrorCode::kNotFound);
  query.feature = "stable";
  query.baseline_id = "no-such-baseline";
  EXPECT_EQ(client_->Drift(query).status().code(), ErrorCode::kNotFound);
}

TEST_F(ExportDriftTest, MalformedRequestsAreInvalidArguments) {
  wire::DriftRequestT drift;
  drift.window_us = -1;
  EXPECT_EQ(client_->Drift(drift).status().code(), ErrorCode::kInvalidArgument);

  auto baselines = [&](std::string action, std::string id, int64_t from, int64_t to) {
    wire::BaselinesRequestT r;
    r.action = std::move(action);
    r.id = std::move(id);
    r.from_ts = from;
    r.to_ts = to;
    return client_->Baselines(r).status().code();
  };
  EXPECT_EQ(baselines("bogus", "x", 0, 0), ErrorCode::kInvalidArgument);
  EXPECT_EQ(baselines("delete", "", 0, 0), ErrorCode::kInvalidArgument);
  EXPECT_EQ(baselines("list", "x", 0, 0), ErrorCode::kInvalidArgument);
  EXPECT_EQ(baselines("from_window", "", 0, 10), ErrorCode::kInvalidArgument);
  EXPECT_EQ(baselines("from_window", "w", 10, 0), ErrorCode::kInvalidArgument);
  EXPECT_EQ(baselines("from_window", "bad id!", 0, 10), ErrorCode::kInvalidArgument);
  // An as-of read with a bad baseline id fails as a whole.
  wire::AsOfRowT row;
  row.entity_id = UserId(1);
  row.ts = kMar1 + 2 * kHour;
  EXPECT_EQ(client_
                ->AsOfRead(
                    "user", {"stable"}, false, {row},
                    [](const wire::AsOfReadChunkT&) { return Status::Ok(); }, "bad id!")
                .code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(ExportDriftTest, BaselineFromServedWindow) {
  ServeAll();
  wire::BaselinesRequestT take;
  take.action = "from_window";
  take.id = "window-1";
  take.from_ts = NowMicros() - kHour;
  take.to_ts = NowMicros();
  ASSERT_OK_AND_ASSIGN(wire::BaselinesResponseT r, client_->Baselines(take));
  ASSERT_EQ(r.baselines.size(), 1u);
  EXPECT_EQ(r.baselines[0]->id, "window-1");
  EXPECT_EQ(r.baselines[0]->origin, "window");
  EXPECT_GE(r.baselines[0]->rows, 2u * kUsers);
  EXPECT_EQ(client_->Baselines(take).status().code(), ErrorCode::kConflict);
}

TEST_F(ExportDriftTest, ReadersListAndQueryButDoNotChangeBaselines) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> reader, Client::Connect(Options(kReaderA)));
  wire::BaselinesRequestT list;
  EXPECT_OK(reader->Baselines(list).status());
  wire::BaselinesRequestT del;
  del.action = "delete";
  del.id = "anything";
  EXPECT_EQ(reader->Baselines(del).status().code(), ErrorCode::kPermissionDenied);
  wire::BaselinesRequestT take;
  take.action = "from_window";
  take.id = "reader-window";
  take.to_ts = NowMicros();
  EXPECT_EQ(reader->Baselines(take).status().code(), ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace asof::testing
