// The bulk-load protocol end to end (wire/README.md "Bulk load"): a real asofd, SST files
// built here as asof-import builds them, uploaded with asof::Client in pipelined chunks,
// committed, and read back online and as of; a bad checksum applies nothing; a closed
// connection's staging is deleted; a repeated fingerprint is already loaded; readers
// are refused; chunks out of order and other connections' loads are refused; sealed
// files are checked at the seal and verified before the commit, whose error names the
// file and entry that failed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/integration/test_tokens.h"
#include "tests/util/bulk_sst.h"
#include "tests/util/test_util.h"
#include "wire/client.h"

namespace asof::testing {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kHour = 3600LL * 1000000;

class BulkLoadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    config_dir_ = new TempDir();
    const std::string path = config_dir_->path() + "/asofd.toml";
    std::ofstream(path) << kTestTokensToml;
    daemon_ = new Daemon(ASOFD_PATH, TestDaemonFlags({"--config", path}));
    start_status_ = new Status(daemon_->Start());
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
  void TearDown() override { ASSERT_TRUE(daemon_->running()) << "asofd died:\n" << daemon_->log(); }

  // Registers `entity` with an INT64 feature `age`; remembers their ids.
  void Register(const std::string& entity) {
    ASSERT_OK_AND_ASSIGN(wire::EntityTypeT et, client_->RegisterEntityType(entity, ""));
    ASSERT_OK_AND_ASSIGN(auto f, client_->RegisterFeature(Spec(entity, "age", vt::kInt64)));
    ASSERT_NE(f.feature, nullptr);
    entity_ = entity;
    type_id_ = et.id;
    age_id_ = f.feature->id;
  }

  std::vector<BulkVersion> Versions(int n, int64_t event_ts) {
    std::vector<BulkVersion> out;
    for (int i = 0; i < n; ++i) {
      out.push_back({type_id_, "e" + std::to_string(i), age_id_, event_ts, Value::Int64(i)});
    }
    return out;
  }

  // Builds and uploads a history and a latest file for `versions`; their BulkFiles.
  std::vector<wire::BulkFileT> Upload(Client* client, const Client::BulkLoad& load,
                                      const std::vector<BulkVersion>& versions) {
    const int64_t ts = load.begin.ingest_ts;
    const std::string h = files_.path() + "/" + std::to_string(load.begin.load_id) + "-h.sst";
    const std::string l = files_.path() + "/" + std::to_string(load.begin.load_id) + "-l.sst";
    EXPECT_OK(WriteHistorySst(h, versions, ts));
    EXPECT_OK(WriteLatestSst(l, versions, ts));
    std::vector<wire::BulkFileT> out;
    for (uint32_t i = 0; i < 2; ++i) {
      // Small chunks, so that many are in flight at once.
      Result<Client::UploadedFile> up =
          client->BulkLoadUploadFile(load, i, i == 0 ? h : l, /*chunk_bytes=*/512, 4);
      EXPECT_OK(up);
      wire::BulkFileT f;
      f.file_index = i;
      f.kind = i == 0 ? wire::BulkFileKind::History : wire::BulkFileKind::Latest;
      f.size = up.ok() ? up->size : 0;
      f.xxh3 = up.ok() ? up->xxh3 : 0;
      f.entries = versions.size();
      out.push_back(f);
    }
    return out;
  }

  std::string StagingDir(uint64_t load_id) {
    return daemon_->data_dir() + "/bulk/" + std::to_string(load_id);
  }

  wire::FeatureValueT Online(const std::string& id) {
    auto r = client_->OnlineRead(entity_, {id}, {"age"});
    EXPECT_OK(r);
    if (!r.ok() || r->values.size() != 1) return {};
    return *r->values[0];
  }

  static TempDir* config_dir_;
  static Daemon* daemon_;
  static Status* start_status_;
  std::unique_ptr<Client> client_;
  TempDir files_;
  std::string entity_;
  uint32_t type_id_ = 0, age_id_ = 0;
};

TempDir* BulkLoadTest::config_dir_ = nullptr;
Daemon* BulkLoadTest::daemon_ = nullptr;
Status* BulkLoadTest::start_status_ = nullptr;

TEST_F(BulkLoadTest, UploadCommitReadBackThenAlreadyLoaded) {
  Register("bl_a");
  ASSERT_FALSE(HasFatalFailure());
  const int64_t event_ts = NowMicros() - kHour;
  ASSERT_OK_AND_ASSIGN(Client::BulkLoad load, client_->BulkLoadBegin("fp-a"));
  ASSERT_FALSE(load.begin.already_loaded);
  ASSERT_NE(load.begin.load_id, 0u);
  std::vector<wire::BulkFileT> files = Upload(client_.get(), load, Versions(200, event_ts));
  ASSERT_FALSE(HasFailure());
  EXPECT_TRUE(fs::exists(StagingDir(load.begin.load_id)));
  ASSERT_OK_AND_ASSIGN(wire::BulkLoadCommitResponseT done, client_->BulkLoadCommit(load, files));
  EXPECT_EQ(done.history_entries, 200u);
  EXPECT_EQ(done.latest_entries, 200u);
  EXPECT_EQ(done.ingest_ts, load.begin.ingest_ts);
  EXPECT_FALSE(fs::exists(StagingDir(load.begin.load_id))) << "staging is deleted";

  wire::FeatureValueT v = Online("e7");
  EXPECT_EQ(v.status, vs::kPresent);
  ASSERT_NE(v.value, nullptr);
  EXPECT_EQ(v.value->i, 7);
  EXPECT_EQ(v.ingest_ts, load.begin.ingest_ts);
  EXPECT_EQ(v.event_ts, event_ts);

  std::vector<wire::AsOfRowT> rows(2);
  rows[0].entity_id = "e199";
  rows[0].ts = event_ts;
  rows[1].entity_id = "e199";
  rows[1].ts = event_ts - 1;
  std::vector<uint8_t> statuses;
  ASSERT_OK(client_->AsOfRead(entity_, {"age"}, false, rows, [&](const wire::AsOfReadChunkT& c) {
    for (const auto& fv : c.values) statuses.push_back(fv->status);
    return Status::Ok();
  }));
  EXPECT_EQ(statuses, (std::vector<uint8_t>{vs::kPresent, vs::kNotFound}));

  ASSERT_OK_AND_ASSIGN(Client::BulkLoad again, client_->BulkLoadBegin("fp-a"));
  EXPECT_TRUE(again.begin.already_loaded);
  EXPECT_EQ(again.begin.load_id, 0u);
  EXPECT_EQ(again.begin.loaded_at_us, load.begin.ingest_ts);
}

TEST_F(BulkLoadTest, BadChecksumAtCommitAppliesNothing) {
  Register("bl_b");
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK_AND_ASSIGN(Client::BulkLoad load, client_->BulkLoadBegin("fp-b"));
  std::vector<wire::BulkFileT> files =
      Upload(client_.get(), load, Versions(10, NowMicros() - kHour));
  ASSERT_FALSE(HasFailure());
  files[1].xxh3 ^= 1;
  Result<wire::BulkLoadCommitResponseT> done = client_->BulkLoadCommit(load, files);
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.status().code(), ErrorCode::kInvalidArgument) << done.status().ToString();
  EXPECT_NE(done.status().message().find("xxh3"), std::string::npos) << done.status().ToString();
  EXPECT_EQ(Online("e1").status, vs::kNotFound);
  EXPECT_FALSE(fs::exists(StagingDir(load.begin.load_id)));
  // Not recorded as loaded: the same input can be loaded again.
  ASSERT_OK_AND_ASSIGN(Client::BulkLoad retry, client_->BulkLoadBegin("fp-b"));
  EXPECT_FALSE(retry.begin.already_loaded);
  ASSERT_OK(client_->BulkLoadAbort(retry));
}

TEST_F(BulkLoadTest, ClosingTheConnectionDeletesItsStaging) {
  Register("bl_c");
  ASSERT_FALSE(HasFatalFailure());
  std::string staging;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> other, Client::Connect(Options(kWriterA)));
    ASSERT_OK_AND_ASSIGN(Client::BulkLoad load, other->BulkLoadBegin("fp-c"));
    Upload(other.get(), load, Versions(10, NowMicros() - kHour));
    ASSERT_FALSE(HasFailure());
    staging = StagingDir(load.begin.load_id);
    EXPECT_TRUE(fs::exists(staging + "/0.sst"));
    // The client goes, and with it the load's connection.
  }
  // The server notices the close asynchronously: wait for the effect, not for a time.
  while (fs::exists(staging)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_OK_AND_ASSIGN(Client::BulkLoad again, client_->BulkLoadBegin("fp-c"));
  EXPECT_FALSE(again.begin.already_loaded) << "the aborted load's fingerprint is free again";
  ASSERT_OK(client_->BulkLoadAbort(again));
  EXPECT_FALSE(fs::exists(StagingDir(again.begin.load_id)));
}

TEST_F(BulkLoadTest, ReaderIsRefused) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> reader, Client::Connect(Options(kReaderA)));
  Result<Client::BulkLoad> load = reader->BulkLoadBegin("fp-r");
  EXPECT_EQ(load.status().code(), ErrorCode::kPermissionDenied) << load.status().ToString();
}

TEST_F(BulkLoadTest, ChunksOutOfOrderAndOtherConnectionsLoadsAreRefused) {
  ASSERT_OK_AND_ASSIGN(Client::BulkLoad load, client_->BulkLoadBegin("fp-d"));
  const std::vector<uint8_t> bytes(100, 7);
  ASSERT_OK(client_->BulkLoadChunk(load, 0, 0, bytes));
  Status gap = client_->BulkLoadChunk(load, 0, 200, bytes);
  EXPECT_EQ(gap.code(), ErrorCode::kInvalidArgument) << gap.ToString();
  Status overlap = client_->BulkLoadChunk(load, 0, 50, bytes);
  EXPECT_EQ(overlap.code(), ErrorCode::kInvalidArgument) << overlap.ToString();
  ASSERT_OK(client_->BulkLoadChunk(load, 0, 100, bytes));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> other, Client::Connect(Options(kWriterA)));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Connection> conn, other->connection());
  Client::BulkLoad stolen{conn, load.begin};
  EXPECT_EQ(other->BulkLoadChunk(stolen, 0, 200, bytes).code(), ErrorCode::kNotFound);
  EXPECT_EQ(other->BulkLoadAbort(stolen).code(), ErrorCode::kNotFound);

  // A commit whose sizes do not match what was staged.
  wire::BulkFileT f;
  f.file_index = 0;
  f.size = 999;
  Result<wire::BulkLoadCommitResponseT> done = client_->BulkLoadCommit(load, {f});
  EXPECT_EQ(done.status().code(), ErrorCode::kInvalidArgument) << done.status().ToString();
  ASSERT_OK(client_->BulkLoadAbort(load));
  EXPECT_FALSE(fs::exists(StagingDir(load.begin.load_id)));
}

// Sealing: each file is checked (size, xxh3) when sealed and verified in the background;
// the commit then applies the load as without seals. A sealed file takes no more chunks
// and is sealed once.
TEST_F(BulkLoadTest, SealedFilesCommitAndReadBack) {
  Register("bl_s");
  ASSERT_FALSE(HasFatalFailure());
  const int64_t event_ts = NowMicros() - kHour;
  ASSERT_OK_AND_ASSIGN(Client::BulkLoad load, client_->BulkLoadBegin("fp-s"));
  std::vector<wire::BulkFileT> files = Upload(client_.get(), load, Versions(50, event_ts));
  ASSERT_FALSE(HasFailure());
  for (const wire::BulkFileT& f : files) {
    ASSERT_OK_AND_ASSIGN(bool sealed, client_->BulkLoadSeal(load, f));
    EXPECT_TRUE(sealed);
  }
  Result<bool> twice = client_->BulkLoadSeal(load, files[0]);
  EXPECT_EQ(twice.status().code(), ErrorCode::kInvalidArgument) << twice.status().ToString();
  EXPECT_NE(twice.status().message().find("already sealed"), std::string::npos);
  const std::vector<uint8_t> more(10, 1);
  Status chunk = client_->BulkLoadChunk(load, 0, files[0].size, more);
  EXPECT_EQ(chunk.code(), ErrorCode::kInvalidArgument) << chunk.ToString();
  EXPECT_NE(chunk.message().find("sealed"), std::string::npos) << chunk.ToString();

  ASSERT_OK_AND_ASSIGN(wire::BulkLoadCommitResponseT done, client_->BulkLoadCommit(load, files));
  EXPECT_EQ(done.history_entries, 50u);
  EXPECT_EQ(done.latest_entries, 50u);
  EXPECT_FALSE(fs::exists(StagingDir(load.begin.load_id)));
  wire::FeatureValueT v = Online("e42");
  EXPECT_EQ(v.status, vs::kPresent);
  ASSERT_NE(v.value, nullptr);
  EXPECT_EQ(v.value->i, 42);
}

TEST_F(BulkLoadTest, SealWithWrongSizeOrXxh3IsRefused) {
  Register("bl_w");
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK_AND_ASSIGN(Client::BulkLoad load, client_->BulkLoadBegin("fp-w"));
  std::vector<wire::BulkFileT> files =
      Upload(client_.get(), load, Versions(10, NowMicros() - kHour));
  ASSERT_FALSE(HasFailure());
  wire::BulkFileT bad = files[0];
  bad.xxh3 ^= 1;
  Result<bool> r = client_->BulkLoadSeal(load, bad);
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().ToString();
  EXPECT_NE(r.status().message().find("file 0: xxh3 of the staged bytes differs"),
            std::string::npos)
      << r.status().ToString();
  bad = files[1];
  bad.size += 1;
  r = client_->BulkLoadSeal(load, bad);
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().ToString();
  EXPECT_NE(r.status().message().find("file 1: "), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("bytes staged, the seal says"), std::string::npos);
  bad.file_index = 7;
  r = client_->BulkLoadSeal(load, bad);
  EXPECT_NE(r.status().message().find("file 7 was never uploaded"), std::string::npos)
      << r.status().ToString();
  // A refused seal seals nothing: the right one still goes through, and a commit that
  // lists a sealed file as the other kind is refused.
  ASSERT_OK(client_->BulkLoadSeal(load, files[0]));
  std::vector<wire::BulkFileT> swapped = files;
  swapped[0].kind = wire::BulkFileKind::Latest;
  Result<wire::BulkLoadCommitResponseT> done = client_->BulkLoadCommit(load, swapped);
  EXPECT_EQ(done.status().code(), ErrorCode::kInvalidArgument) << done.status().ToString();
  EXPECT_NE(done.status().message().find("sealed as a history file"), std::string::npos)
      << done.status().ToString();
  EXPECT_EQ(Online("e1").status, vs::kNotFound);
  ASSERT_OK(client_->BulkLoadAbort(load));
}

// A file that fails verification after its seal fails the commit with the error naming
// the file and the entry; nothing is applied and the staging goes.
TEST_F(BulkLoadTest, CorruptSealedFileFailsTheCommitNamingFileAndEntry) {
  Register("bl_x");
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK_AND_ASSIGN(Client::BulkLoad load, client_->BulkLoadBegin("fp-x"));
  const int64_t ts = load.begin.ingest_ts;
  const std::vector<BulkVersion> versions = Versions(10, NowMicros() - kHour);
  const std::string h = files_.path() + "/x-h.sst";
  const std::string l = files_.path() + "/x-l.sst";
  ASSERT_OK(WriteHistorySst(h, versions, ts - 1));  // not the load's ingest_ts
  ASSERT_OK(WriteLatestSst(l, versions, ts));
  std::vector<wire::BulkFileT> files;
  for (uint32_t i = 0; i < 2; ++i) {
    ASSERT_OK_AND_ASSIGN(Client::UploadedFile up,
                         client_->BulkLoadUploadFile(load, i, i == 0 ? h : l));
    wire::BulkFileT f;
    f.file_index = i;
    f.kind = i == 0 ? wire::BulkFileKind::History : wire::BulkFileKind::Latest;
    f.size = up.size;
    f.xxh3 = up.xxh3;
    ASSERT_OK_AND_ASSIGN(bool sealed, client_->BulkLoadSeal(load, f));  // checks bytes only
    EXPECT_TRUE(sealed);
    files.push_back(f);
  }
  Result<wire::BulkLoadCommitResponseT> done = client_->BulkLoadCommit(load, files);
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.status().code(), ErrorCode::kInvalidArgument) << done.status().ToString();
  EXPECT_NE(done.status().message().find("history file "), std::string::npos)
      << done.status().ToString();
  EXPECT_NE(done.status().message().find("/0.sst: entry 0 "), std::string::npos)
      << done.status().ToString();
  EXPECT_NE(done.status().message().find("ingest_ts"), std::string::npos);
  EXPECT_EQ(Online("e1").status, vs::kNotFound);
  EXPECT_FALSE(fs::exists(StagingDir(load.begin.load_id)));
  ASSERT_OK_AND_ASSIGN(Client::BulkLoad retry, client_->BulkLoadBegin("fp-x"));
  EXPECT_FALSE(retry.begin.already_loaded);
  ASSERT_OK(client_->BulkLoadAbort(retry));
}

}  // namespace
}  // namespace asof::testing
