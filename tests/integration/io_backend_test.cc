// The io_uring build of asofd serves the same protocol: `--io-backend io_uring` makes
// asofd exec asofd-io_uring (or stay on epoll with a warning where io_uring is
// forbidden), and writes, online and as-of reads behave the same either way.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/util/test_util.h"
#include "wire/client.h"

namespace asof::testing {
namespace {

void ExerciseBackend(const std::string& backend) {
  Daemon daemon(ASOFD_PATH, TestDaemonFlags({"--io-backend", backend}));
  ASSERT_OK(daemon.Start());
  ASSERT_OK_AND_ASSIGN(auto client, Client::Connect(OptionsFor(daemon)));
  ASSERT_OK(client->Ping());
  ASSERT_OK(client->RegisterEntityType("user", ""));
  ASSERT_OK(client->RegisterFeature(Spec("user", "clicks", vt::kInt64)));

  std::vector<wire::WriteRecordT> records;
  for (int i = 0; i < 50; ++i) {
    wire::WriteRecordT r;
    r.entity_type = "user";
    r.entity_id = "u" + std::to_string(i);
    r.feature = "clicks";
    r.value = std::make_unique<wire::ValueT>();
    r.value->type = vt::kInt64;
    r.value->i = i;
    r.has_event_ts = true;
    r.event_ts = 1'700'000'000'000'000 + i;
    records.push_back(std::move(r));
  }
  ASSERT_OK_AND_ASSIGN(auto written, client->Write(records));
  EXPECT_EQ(written.accepted, 50u);

  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) ids.push_back("u" + std::to_string(i));
  ASSERT_OK_AND_ASSIGN(auto online, client->OnlineRead("user", ids, {"clicks"}));
  ASSERT_EQ(online.values.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    ASSERT_NE(online.values[i]->value, nullptr) << i;
    EXPECT_EQ(online.values[i]->value->i, i);
  }
  ASSERT_OK_AND_ASSIGN(int code, daemon.Stop());
  EXPECT_EQ(code, 0) << daemon.log();
  // The log names the backend that served, or the fallback warning.
  const std::string log = daemon.log();
  EXPECT_TRUE(log.find("io=" + backend) != std::string::npos ||
              (backend == "io_uring" && log.find("using epoll") != std::string::npos))
      << log;
}

TEST(IoBackendTest, EpollServes) { ExerciseBackend("epoll"); }
TEST(IoBackendTest, IoUringServesOrFallsBackToEpoll) { ExerciseBackend("io_uring"); }

}  // namespace
}  // namespace asof::testing
