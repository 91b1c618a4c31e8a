// kill -9 of asofd while asof-import uploads or commits a load: after a restart the store
// holds all of the load or none of it, never part; and the same import then completes.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "tests/integration/import_util.h"

namespace asof::testing {
namespace {

namespace fs = std::filesystem;

// Bytes staged under the daemon's bulk directory (uploads in progress).
uint64_t StagedBytes(const std::string& data_dir) {
  std::error_code ec;
  uint64_t total = 0;
  for (fs::recursive_directory_iterator it(data_dir + "/bulk", ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) total += it->file_size(size_ec);
  }
  return total;
}

TEST(ImportCrashTest, KilledDaemonLeavesAllOrNothing) {
  TempDir tmp;
  Daemon daemon(ASOFD_PATH, TestDaemonFlags());
  ASSERT_OK(daemon.Start());
  {
    auto client = Client::Connect(OptionsFor(daemon));
    ASSERT_OK(client.status());
    RegisterImportSchema(**client);
  }
  int applied = 0, not_applied = 0;
  // Each round kills later: at the first staged byte, then after more and more of the
  // upload, the last rounds most likely during or after the commit.
  const uint64_t kill_after_bytes[] = {1, 256 << 10, 1 << 20, 2 << 20, 4 << 20, UINT64_MAX};
  for (size_t round = 0; round < std::size(kill_after_bytes); ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::string csv = tmp.path() + "/snap" + std::to_string(round) + ".csv";
    std::string prefix = "r" + std::to_string(round) + "-";
    Model model =
        WriteSnapshot(csv, 4000, 10, static_cast<uint32_t>(round), 1'600'000'000'000'000, prefix);
    const size_t all = model.size() * 3;

    ProcessResult import_run;
    std::atomic<bool> import_done{false};
    std::thread importer([&] {
      import_run = RunImport(daemon, {csv, "--sst-file-mb", "1", "--memory-mb", "8"});
      import_done = true;
    });
    // Waits (bounded by the import itself: it ends one way or the other) until enough is
    // staged, or the import finished; then the crash.
    while (StagedBytes(daemon.data_dir()) < kill_after_bytes[round]) {
      if (import_done) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ASSERT_OK(daemon.Kill());
    importer.join();
    SCOPED_TRACE(import_run.output);

    ASSERT_OK(daemon.Start());
    auto client = Client::Connect(OptionsFor(daemon));
    ASSERT_OK(client.status());
    size_t online = CountOnline(**client, model);
    EXPECT_TRUE(online == 0 || online == all) << online << " of " << all << " values online";
    (online == all ? applied : not_applied)++;
    if (import_run.exit_code == 0) {
      EXPECT_EQ(online, all) << "the import reported success";
    }

    // The interrupted import, run again, completes (or finds it loaded).
    ProcessResult again = RunImport(daemon, {csv});
    ASSERT_EQ(again.exit_code, 0) << again.output;
    EXPECT_EQ(CountOnline(**client, model), all);
  }
  std::printf("rounds: %d applied before the crash, %d not applied\n", applied, not_applied);
}

}  // namespace
}  // namespace asof::testing
