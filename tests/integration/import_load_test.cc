// asof-import end to end: the real binary against a real asofd. Round trip (online and
// as of), an older snapshot after fresher streamed writes, loading twice, --max-rejects
// and --dry-run applying nothing, and --offline into a stopped node's directory.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/import_util.h"

namespace asof::testing {
namespace {

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(daemon_.Start());
    ConnectAndRegister();
  }
  void ConnectAndRegister() {
    auto client = Client::Connect(OptionsFor(daemon_));
    ASSERT_OK(client.status());
    client_ = std::move(*client);
    RegisterImportSchema(*client_);
  }
  void Reconnect() {
    auto client = Client::Connect(OptionsFor(daemon_));
    ASSERT_OK(client.status());
    client_ = std::move(*client);
  }
  std::string Path(const std::string& name) const { return tmp_.path() + "/" + name; }

  TempDir tmp_;
  Daemon daemon_{ASOFD_PATH, TestDaemonFlags()};
  std::unique_ptr<Client> client_;
};

TEST_F(ImportTest, RoundTripOnlineAndAsOf) {
  uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  Model model = WriteSnapshot(Path("snap.csv"), 300, 8, seed);
  // A small sort budget and small files: the external merge and file rolling are used.
  ProcessResult run =
      RunImport(daemon_, {Path("snap.csv"), "--memory-mb", "1", "--sst-file-mb", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("loaded: 2,400 rows read, 2,400 rows loaded, 7,200 values"),
            std::string::npos)
      << run.output;
  // The last line says how long each phase took, in order.
  size_t at = run.output.find("\nphases: reading ");
  ASSERT_NE(at, std::string::npos) << run.output;
  std::string phases = run.output.substr(at + 1, run.output.find('\n', at + 1) - at - 1);
  size_t sorting = phases.find(" s, sorting "), writing = phases.find(" s, writing and uploading ");
  size_t committing = phases.find(" s, committing ");
  EXPECT_TRUE(sorting != std::string::npos && writing != std::string::npos &&
              committing != std::string::npos && sorting < writing && writing < committing &&
              phases.ends_with(" s"))
      << phases;
  ExpectOnline(*client_, model);
  ExpectAsOf(*client_, model, seed);
}

TEST_F(ImportTest, TiesKeepTheLaterRowAndAreCounted) {
  std::ofstream(Path("ties.csv")) << "entity_id,event_ts,clicks\n"
                                  << "a,100,1\n"
                                  << "a,100,2\n"
                                  << "a,50,3\n";
  ProcessResult run = RunImport(daemon_, {Path("ties.csv"), "-f", "clicks"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("1 superseded"), std::string::npos) << run.output;
  auto read = client_->OnlineRead("user", {"a"}, {"clicks"});
  ASSERT_OK(read.status());
  ASSERT_EQ(read->values[0]->status, vs::kPresent);
  EXPECT_EQ(read->values[0]->value->i, 2);
}

TEST_F(ImportTest, OlderSnapshotDoesNotOverwriteFresherStreamedValues) {
  int64_t base = 1'600'000'000'000'000;
  ASSERT_OK(
      client_->Write({Record("user", "u0", "clicks", Int64(111), base + 100'000'000)}).status());
  std::ofstream(Path("old.csv")) << "entity_id,event_ts,clicks\n"
                                 << "u0," << base << ",7\n"
                                 << "u1," << base << ",8\n";
  ProcessResult run = RunImport(daemon_, {Path("old.csv"), "-f", "clicks"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto read = client_->OnlineRead("user", {"u0", "u1"}, {"clicks"});
  ASSERT_OK(read.status());
  EXPECT_EQ(read->values[0]->value->i, 111);  // streamed, fresher
  EXPECT_EQ(read->values[1]->value->i, 8);
  // History holds both versions of u0.
  std::vector<wire::AsOfRowT> rows(2);
  rows[0].entity_id = "u0";
  rows[0].ts = base + 1;
  rows[1].entity_id = "u0";
  rows[1].ts = base + 100'000'000;
  std::vector<int64_t> got;
  ASSERT_OK(client_->AsOfRead("user", {"clicks"}, false, rows, [&](const wire::AsOfReadChunkT& c) {
    for (const auto& v : c.values) got.push_back(v->value ? v->value->i : -1);
    return Status::Ok();
  }));
  EXPECT_EQ(got, (std::vector<int64_t>{7, 111}));
}

TEST_F(ImportTest, LoadingTwiceLeavesTheSameState) {
  Model model = WriteSnapshot(Path("snap.csv"), 50, 3, 7);
  ProcessResult first = RunImport(daemon_, {Path("snap.csv")});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  auto stats = client_->Stats();
  ASSERT_OK(stats.status());
  ProcessResult second = RunImport(daemon_, {Path("snap.csv")});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("already loaded at "), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("nothing to do"), std::string::npos) << second.output;
  ExpectOnline(*client_, model);
  ExpectAsOf(*client_, model, 7);
  // The same rows in another order are the same snapshot.
  std::ifstream in(Path("snap.csv"));
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::reverse(lines.begin() + 1, lines.end());
  std::ofstream out(Path("reordered.csv"));
  for (const auto& l : lines) out << l << "\n";
  out.close();
  ProcessResult third = RunImport(daemon_, {Path("reordered.csv")});
  ASSERT_EQ(third.exit_code, 0) << third.output;
  EXPECT_NE(third.output.find("already loaded at "), std::string::npos) << third.output;
}

TEST_F(ImportTest, TooManyRejectsAbortsWithNothingApplied) {
  std::ofstream(Path("bad.csv")) << "entity_id,event_ts,clicks\n"
                                 << "a,100,1\n"
                                 << "b,100,x\n"
                                 << "c,100,2.5\n"
                                 << "d,notatime,3\n";
  ProcessResult run = RunImport(daemon_, {Path("bad.csv"), "-f", "clicks", "--max-rejects", "2",
                                          "--rejects", Path("rej.csv")});
  EXPECT_EQ(run.exit_code, 3) << run.output;
  EXPECT_NE(run.output.find("nothing was loaded"), std::string::npos) << run.output;
  auto read = client_->OnlineRead("user", {"a"}, {"clicks"});
  ASSERT_OK(read.status());
  EXPECT_EQ(read->values[0]->status, vs::kNotFound);
  std::ifstream rejects(Path("rej.csv"));
  std::string text((std::istreambuf_iterator<char>(rejects)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("wrong_type"), std::string::npos) << text;

  // Within the limit the valid rows load and the rejects are reported.
  ProcessResult ok = RunImport(daemon_, {Path("bad.csv"), "-f", "clicks", "--max-rejects", "3"});
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("3 rejects"), std::string::npos) << ok.output;
  read = client_->OnlineRead("user", {"a"}, {"clicks"});
  ASSERT_OK(read.status());
  EXPECT_EQ(read->values[0]->value->i, 1);
}

TEST_F(ImportTest, DryRunAppliesNothing) {
  Model model = WriteSnapshot(Path("snap.csv"), 20, 2, 3);
  ProcessResult run = RunImport(daemon_, {Path("snap.csv"), "--dry-run"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("dry run, nothing loaded: 40 rows read"), std::string::npos)
      << run.output;
  EXPECT_EQ(CountOnline(*client_, model), 0u);
}

TEST_F(ImportTest, UnknownColumnNeedsRegister) {
  std::ofstream(Path("new.csv")) << "entity_id,event_ts,clicks,fresh\n"
                                 << "a,100,1,0.5\n";
  ProcessResult run = RunImport(daemon_, {Path("new.csv")});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("fresh"), std::string::npos) << run.output;
  run = RunImport(daemon_, {Path("new.csv"), "--register"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("registered feature fresh (DOUBLE)"), std::string::npos) << run.output;
  auto read = client_->OnlineRead("user", {"a"}, {"fresh"});
  ASSERT_OK(read.status());
  EXPECT_EQ(read->values[0]->value->d, 0.5);
}

TEST_F(ImportTest, OfflineIntoAStoppedNodesDirectory) {
  Model model = WriteSnapshot(Path("snap.csv"), 40, 3, 11);
  client_.reset();
  // A running node holds the directory: the private asofd cannot open it.
  std::vector<std::string> argv = {
      ASOF_IMPORT_PATH,   "-e",      "user",     "--ts-format",   "epoch_us", "--offline",
      daemon_.data_dir(), "--asofd", ASOFD_PATH, Path("snap.csv")};
  auto busy = RunProcess(argv, std::chrono::seconds(300));
  ASSERT_OK(busy.status());
  EXPECT_EQ(busy->exit_code, 1) << busy->output;
  EXPECT_NE(busy->output.find("is a node still running on it"), std::string::npos) << busy->output;

  ASSERT_OK_AND_ASSIGN(int code, daemon_.Stop());
  ASSERT_EQ(code, 0);
  auto run = RunProcess(argv, std::chrono::seconds(300));
  ASSERT_OK(run.status());
  ASSERT_EQ(run->exit_code, 0) << run->output;
  ASSERT_OK(daemon_.Start());
  Reconnect();
  ExpectOnline(*client_, model);
  ExpectAsOf(*client_, model, 11);
}

}  // namespace
}  // namespace asof::testing
