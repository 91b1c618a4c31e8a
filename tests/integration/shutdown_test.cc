// asofd as a process: graceful shutdown under load with nothing acknowledged lost, the
// data directory lock, the command line (--help, --version) and config files (errors
// that name the key or the line, settings that take effect).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/util/test_util.h"
#include "wire/client.h"

namespace asof::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// Writes batches of kBatch records to entities "<prefix><n>" until a write fails, keeping
// what was acknowledged.
class Writer {
 public:
  static constexpr int kBatch = 4;
  Writer(const ClientOptions& options, std::string prefix)
      : options_(options), prefix_(std::move(prefix)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Writer() { Join(); }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  int acked() const { return acked_.load(); }
  static int64_t ValueOf(int n) { return int64_t{n} * 3 + 1; }
  static int64_t EventTsOf(int n) { return 1000000 + n; }
  std::string Id(int n) const { return prefix_ + std::to_string(n); }
  // Set once the thread has ended: why the last write failed.
  const Status& end() const { return end_; }

 private:
  void Run() {
    auto client = Client::Connect(options_);
    if (!client.ok()) {
      end_ = client.status();
      return;
    }
    for (int n = 0;; n += kBatch) {
      std::vector<wire::WriteRecordT> batch;
      for (int k = n; k < n + kBatch; ++k) {
        batch.push_back(Record("sd", Id(k), "v", Int64(ValueOf(k)), EventTsOf(k)));
      }
      auto written = (*client)->Write(batch);
      if (!written.ok()) {
        end_ = written.status();
        return;
      }
      if (written->accepted != kBatch) {
        end_ = Internal("write not accepted");
        return;
      }
      acked_.store(n + kBatch);
    }
  }

  const ClientOptions options_;
  const std::string prefix_;
  std::atomic<int> acked_{0};
  Status end_;
  std::thread thread_;
};

TEST(ShutdownTest, SigtermUnderWriteLoadExitsCleanlyAndLosesNothingAcknowledged) {
  Daemon daemon(ASOFD_PATH, TestDaemonFlags({"--sync-writes", "true"}));
  ASSERT_OK(daemon.Start());
  {
    ASSERT_OK_AND_ASSIGN(auto client, Client::Connect(OptionsFor(daemon)));
    ASSERT_OK(client->RegisterEntityType("sd", ""));
    ASSERT_OK(client->RegisterFeature(Spec("sd", "v", vt::kInt64)));
  }
  std::vector<std::unique_ptr<Writer>> writers;
  for (const char* prefix : {"a", "b", "c"}) {
    writers.push_back(std::make_unique<Writer>(OptionsFor(daemon), prefix));
  }
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  while (writers[0]->acked() < 200 && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_GT(writers[0]->acked(), 0) << daemon.log();

  const auto sigterm = steady_clock::now();
  ASSERT_OK_AND_ASSIGN(int code, daemon.Stop(std::chrono::seconds(30)));
  const auto took = steady_clock::now() - sigterm;
  EXPECT_EQ(code, 0) << daemon.log();
  EXPECT_LT(took, std::chrono::seconds(10)) << "longer than shutdown_grace_ms";
  EXPECT_TRUE(Contains(daemon.log(), "stopped cleanly")) << daemon.log();
  for (auto& w : writers) {
    w->Join();
    EXPECT_EQ(w->end().code(), ErrorCode::kUnavailable) << w->end().ToString();
  }

  ASSERT_OK(daemon.Start());
  ASSERT_OK_AND_ASSIGN(auto client, Client::Connect(OptionsFor(daemon)));
  const std::vector<std::string> prefixes = {"a", "b", "c"};
  for (size_t w = 0; w < writers.size(); ++w) {
    const int acked = writers[w]->acked();
    std::vector<std::string> ids;
    std::vector<wire::AsOfRowT> rows;
    for (int n = 0; n < acked; ++n) {
      ids.push_back(writers[w]->Id(n));
      wire::AsOfRowT row;
      row.entity_id = ids.back();
      row.ts = Writer::EventTsOf(n);
      rows.push_back(row);
    }
    ASSERT_OK_AND_ASSIGN(auto online, client->OnlineRead("sd", ids, {"v"}));
    int lost = 0;
    for (int n = 0; n < acked; ++n) {
      const auto& v = *online.values[n];
      if (v.status != vs::kPresent || v.value == nullptr || v.value->i != Writer::ValueOf(n)) {
        ++lost;
      }
    }
    EXPECT_EQ(lost, 0) << "writer " << prefixes[w] << ": acknowledged writes missing online";
    int n = 0;
    lost = 0;
    ASSERT_OK(client->AsOfRead("sd", {"v"}, false, rows, [&](const wire::AsOfReadChunkT& c) {
      for (const auto& v : c.values) {
        if (v->status != vs::kPresent || v->value == nullptr || v->value->i != Writer::ValueOf(n)) {
          ++lost;
        }
        ++n;
      }
      return Status::Ok();
    }));
    EXPECT_EQ(n, acked);
    EXPECT_EQ(lost, 0) << "writer " << prefixes[w] << ": acknowledged writes missing as-of";
  }
}

TEST(ShutdownTest, SecondDaemonOnTheSameDataDirFailsAtOnce) {
  Daemon daemon(ASOFD_PATH, TestDaemonFlags());
  ASSERT_OK(daemon.Start());
  const auto start = steady_clock::now();
  ASSERT_OK_AND_ASSIGN(
      ProcessResult second,
      RunProcess({ASOFD_PATH, "--data-dir", daemon.data_dir(), "--port", "0", "--threads", "1"}));
  EXPECT_FALSE(second.timed_out);
  EXPECT_NE(second.exit_code, 0) << second.output;
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(Contains(second.output, "lock")) << second.output;
  EXPECT_TRUE(Contains(second.output, "another asofd")) << second.output;
  // The first one is unaffected.
  ASSERT_OK_AND_ASSIGN(auto client, Client::Connect(OptionsFor(daemon)));
  EXPECT_OK(client->Ping());
}

TEST(ShutdownTest, HelpAndVersion) {
  ASSERT_OK_AND_ASSIGN(ProcessResult help, RunProcess({ASOFD_PATH, "--help"}));
  EXPECT_EQ(help.exit_code, 0) << help.output;
  for (const char* flag : {"--config", "--data-dir", "--port"}) {
    EXPECT_TRUE(Contains(help.output, flag)) << flag << " missing from:\n" << help.output;
  }
  ASSERT_OK_AND_ASSIGN(ProcessResult version, RunProcess({ASOFD_PATH, "--version"}));
  EXPECT_EQ(version.exit_code, 0) << version.output;
  EXPECT_TRUE(Contains(version.output, ASOF_VERSION)) << version.output;
  ASSERT_OK_AND_ASSIGN(ProcessResult bad_flag, RunProcess({ASOFD_PATH, "--no-such-flag"}));
  EXPECT_NE(bad_flag.exit_code, 0);
  EXPECT_TRUE(Contains(bad_flag.output, "no-such-flag")) << bad_flag.output;
}

TEST(ShutdownTest, ConfigErrorsNameTheKeyOrTheLine) {
  TempDir dir;
  const std::string path = dir.path() + "/asofd.toml";
  WriteFile(path, "[server]\nport = 0\nprot = 7070\n");
  ASSERT_OK_AND_ASSIGN(ProcessResult unknown, RunProcess({ASOFD_PATH, "--config", path}));
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_TRUE(Contains(unknown.output, "server.prot")) << unknown.output;

  WriteFile(path, "[server]\nport = 0\nlisten = \"127.0.0.1\n[log]\n");
  ASSERT_OK_AND_ASSIGN(ProcessResult syntax, RunProcess({ASOFD_PATH, "--config", path}));
  EXPECT_NE(syntax.exit_code, 0);
  EXPECT_TRUE(Contains(syntax.output, path + ":3:")) << syntax.output;

  ASSERT_OK_AND_ASSIGN(ProcessResult missing,
                       RunProcess({ASOFD_PATH, "--config", dir.path() + "/nope.toml"}));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_TRUE(Contains(missing.output, "nope.toml")) << missing.output;

  ASSERT_OK_AND_ASSIGN(
      ProcessResult shipped,
      RunProcess({ASOFD_PATH, "--config", ASOF_SOURCE_DIR "/conf/asofd.toml", "--print-config"}));
  EXPECT_EQ(shipped.exit_code, 0) << shipped.output;
  EXPECT_TRUE(Contains(shipped.output, "port=7070")) << shipped.output;
}

TEST(ShutdownTest, ConfigFileSettingsTakeEffect) {
  TempDir dir;
  const std::string path = dir.path() + "/asofd.toml";
  // The data_dir of the file is overridden by the fixture's --data-dir flag.
  WriteFile(path,
            "[server]\nport = 0\nthreads = 1\ndata_dir = \"/nonexistent/asof\"\n"
            "[limits]\nasof_chunk_rows = 100\nmax_entities_per_request = 5\n");
  Daemon daemon(ASOFD_PATH, {"--config", path, "--block-cache-mb", "16"});
  ASSERT_OK(daemon.Start());
  ASSERT_OK_AND_ASSIGN(auto client, Client::Connect(OptionsFor(daemon)));
  ASSERT_OK(client->RegisterEntityType("cfg", ""));
  ASSERT_OK(client->RegisterFeature(Spec("cfg", "v", vt::kInt64)));
  auto too_many = client->OnlineRead("cfg", {"1", "2", "3", "4", "5", "6"}, {"v"});
  EXPECT_EQ(too_many.status().code(), ErrorCode::kPayloadTooLarge);
  std::vector<wire::AsOfRowT> rows(1000);
  for (size_t i = 0; i < rows.size(); ++i) rows[i].entity_id = "e" + std::to_string(i);
  int chunks = 0;
  ASSERT_OK(client->AsOfRead("cfg", {"v"}, false, rows, [&](const wire::AsOfReadChunkT& c) {
    EXPECT_EQ(c.num_rows, 100u);
    ++chunks;
    return Status::Ok();
  }));
  EXPECT_EQ(chunks, 10);
  EXPECT_TRUE(Contains(daemon.log(), daemon.data_dir())) << daemon.log();
}

// Registers `features` (INT64) of entity type "big" and writes value i to entity "e<i>"
// for i < entities, at event time 1000.
void LoadBig(Client& client, const std::vector<std::string>& features, int entities) {
  ASSERT_OK(client.RegisterEntityType("big", ""));
  std::vector<wire::WriteRecordT> records;
  for (const auto& f : features) {
    ASSERT_OK(client.RegisterFeature(Spec("big", f, vt::kInt64)));
    for (int i = 0; i < entities; ++i) {
      records.push_back(Record("big", "e" + std::to_string(i), f, Int64(i), 1000));
    }
  }
  ASSERT_OK_AND_ASSIGN(auto written, client.Write(records));
  ASSERT_EQ(written.accepted, records.size());
}

std::vector<wire::AsOfRowT> BigRows(size_t n, int entities) {
  std::vector<wire::AsOfRowT> rows(n);
  for (size_t i = 0; i < n; ++i) {
    rows[i].entity_id = "e" + std::to_string(i % entities);
    rows[i].ts = 2000;
  }
  return rows;
}

// A streamed answer in flight is an in-flight request: draining finishes it.
TEST(ShutdownTest, SigtermDuringAnAsOfStreamFinishesTheStream) {
  TempDir dir;
  WriteFile(dir.path() + "/asofd.toml", "[limits]\nasof_chunk_rows = 50\n");
  Daemon daemon(ASOFD_PATH, TestDaemonFlags({"--config", dir.path() + "/asofd.toml"}));
  ASSERT_OK(daemon.Start());
  ASSERT_OK_AND_ASSIGN(auto client, Client::Connect(OptionsFor(daemon)));
  std::vector<std::string> features;
  for (int f = 0; f < 20; ++f) features.push_back("v" + std::to_string(f));
  LoadBig(*client, features, 1000);
  // 200 chunks that take the server about a second to compute.
  std::vector<wire::AsOfRowT> rows = BigRows(10000, 1000);
  size_t seen = 0;
  bool draining_seen = false;
  Status streamed =
      client->AsOfRead("big", features, false, rows, [&](const wire::AsOfReadChunkT& c) {
        if (seen == 0) {
          ::kill(daemon.pid(), SIGTERM);
          // Hold on until asofd is draining, so the rest of the stream crosses the drain.
          const auto deadline = steady_clock::now() + std::chrono::seconds(5);
          while (!(draining_seen = Contains(daemon.log(), "draining")) &&
                 steady_clock::now() < deadline) {
            std::this_thread::sleep_for(milliseconds(2));
          }
        }
        for (const auto& v : c.values) {
          if (v->value == nullptr || v->value->i != static_cast<int64_t>(seen / 20 % 1000)) {
            return Internal("value " + std::to_string(seen) + " is wrong");
          }
          ++seen;
        }
        return Status::Ok();
      });
  EXPECT_TRUE(draining_seen) << daemon.log();
  EXPECT_OK(streamed);
  EXPECT_EQ(seen, rows.size() * features.size());
  ASSERT_OK_AND_ASSIGN(int code, daemon.Stop());
  EXPECT_EQ(code, 0);
  EXPECT_FALSE(Contains(daemon.log(), "still open")) << daemon.log();
}

// Regression: connections accepted while asofd was stopping were never drained, so
// shutdown waited the whole grace period for them (twice, see below).
TEST(ShutdownTest, SigtermWhileClientsKeepConnectingExitsPromptly) {
  Daemon daemon(ASOFD_PATH, TestDaemonFlags());
  ASSERT_OK(daemon.Start());
  std::atomic<bool> stop{false};
  std::vector<std::thread> connectors;
  std::vector<std::vector<int>> held(4);  // kept open: a session that is not drained stays
  for (size_t t = 0; t < held.size(); ++t) {
    connectors.emplace_back([&, t] {
      while (!stop) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(daemon.port());
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
          held[t].push_back(fd);
        } else {
          ::close(fd);
        }
      }
    });
  }
  std::this_thread::sleep_for(milliseconds(100));
  const auto sigterm = steady_clock::now();
  ::kill(daemon.pid(), SIGTERM);
  std::this_thread::sleep_for(milliseconds(100));
  stop = true;
  for (auto& t : connectors) t.join();
  ASSERT_OK_AND_ASSIGN(int code, daemon.Stop());
  const auto took = steady_clock::now() - sigterm;
  for (const auto& fds : held) {
    for (int fd : fds) ::close(fd);
  }
  EXPECT_EQ(code, 0);
  EXPECT_LT(took, std::chrono::seconds(5)) << daemon.log();
  EXPECT_FALSE(Contains(daemon.log(), "still open")) << daemon.log();
}

// Regression: a connection that outlives the grace period (its client stopped reading)
// made asofd wait the grace period twice, in main() and again in ~Server.
TEST(ShutdownTest, StuckClientDelaysExitByOneGracePeriod) {
  TempDir dir;
  WriteFile(dir.path() + "/asofd.toml", "[server]\nshutdown_grace_ms = 3000\n");
  Daemon daemon(ASOFD_PATH, TestDaemonFlags({"--config", dir.path() + "/asofd.toml"}));
  ASSERT_OK(daemon.Start());
  {
    ASSERT_OK_AND_ASSIGN(auto client, Client::Connect(OptionsFor(daemon)));
    LoadBig(*client, {"v"}, 1000);
  }
  // An as-of answer of ~10 MB to a socket with a tiny receive buffer that is never read.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(daemon.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<wire::AsOfRowT> rows = BigRows(200000, 1000);
  std::vector<flatbuffers::Offset<wire::AsOfRow>> packed;
  for (const auto& r : rows) packed.push_back(wire::AsOfRow::Pack(fbb, &r));
  std::vector<std::string> features = {"v"};
  fbb.Finish(wire::CreateAsOfReadRequest(fbb, fbb.CreateString("big"),
                                         fbb.CreateVectorOfStrings(features), false,
                                         fbb.CreateVector(packed)));
  std::string frame;
  wire::AppendFrame(wire::MessageType::kAsOfReadRequest, 0, 1,
                    {fbb.GetBufferPointer(), fbb.GetSize()}, &frame);
  ASSERT_EQ(::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(frame.size()));
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 10000), 1) << "the answer did not start";

  const auto sigterm = steady_clock::now();
  ASSERT_OK_AND_ASSIGN(int code, daemon.Stop());
  const auto took = steady_clock::now() - sigterm;
  ::close(fd);
  EXPECT_EQ(code, 0);
  EXPECT_GE(took, milliseconds(2900)) << "in-flight work was not given its grace period";
  EXPECT_LT(took, milliseconds(5500)) << daemon.log();
  EXPECT_TRUE(Contains(daemon.log(), "1 connections still open")) << daemon.log();
}

}  // namespace
}  // namespace asof::testing
