// kill -9 test of the write path's durability (DESIGN.md section 3, "Durability"): with
// sync_writes, a batch acknowledged by Write is in the fsynced WAL, so it survives the
// writer being killed at any moment; and a batch is atomic, all of its records or none.
//
// Each round spawns tests/engine/crash_writer on the same data directory (cumulative), reads
// its "ACK b" lines through a pipe, SIGKILLs it after a random number of ACKs or a random
// delay (which may land in open, registration, a flush or a compaction), reaps it, then
// opens the engine here and checks every batch against the writer's deterministic values:
//   - every ACKed batch is there in full; as-of at its event_ts returns exactly its values;
//   - at most one batch beyond the last ACK is there (killed between Write and the ACK),
//     and then in full: online shows the last ACKed batch or that one, for all 10 entities;
//   - batches form a prefix 0..P: the next writer resumes at P + 1.
//
// Replay with ASOF_SEED=<seed printed by the test>.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "tests/util/test_util.h"

extern char** environ;

namespace asof {
namespace {

constexpr int64_t kBase = 1'600'000'000'000'000;  // crash_writer's event_ts of batch 0
constexpr int kRecordsPerBatch = 10;
constexpr int kRounds = 24;
constexpr auto kRoundTimeout = std::chrono::seconds(20);

using Clock = std::chrono::steady_clock;

// A child process whose stdout is a pipe to us. The destructor kills it (by pid) and
// reaps it, so no assertion failure leaves a writer running or a zombie behind.
class Child {
 public:
  static std::unique_ptr<Child> Spawn(const std::vector<std::string>& args, std::string* error) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      *error = std::string("pipe2: ") + std::strerror(errno);
      return nullptr;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
      *error = "posix_spawn " + args[0] + ": " + std::strerror(rc);
      return nullptr;
    }
    return std::unique_ptr<Child>(new Child(pid, fds[0]));
  }

  ~Child() {
    Kill();
    Wait();
    close(fd_);
  }

  void Kill() {
    if (!reaped_) kill(pid_, SIGKILL);
  }

  // Reaps the child once; returns its wait status.
  int Wait() {
    while (!reaped_) {
      if (waitpid(pid_, &status_, 0) == pid_ || errno != EINTR) reaped_ = true;
    }
    return status_;
  }

  // Appends what the child wrote within `timeout_ms` to output(); false at end of file.
  bool Read(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    int n = poll(&p, 1, timeout_ms);
    if (n <= 0) return true;
    char buf[4096];
    ssize_t got = read(fd_, buf, sizeof(buf));
    if (got < 0) return errno == EINTR || errno == EAGAIN;
    if (got == 0) return false;
    output_.append(buf, static_cast<size_t>(got));
    return true;
  }

  const std::string& output() const { return output_; }

 private:
  Child(pid_t pid, int fd) : pid_(pid), fd_(fd) {}

  const pid_t pid_;
  const int fd_;
  bool reaped_ = false;
  int status_ = 0;
  std::string output_;
};

// The complete lines "<word> <n>" of the writer's output.
struct WriterLog {
  int64_t start = -1;  // -1: killed before it printed START
  std::vector<int64_t> acks;
  std::vector<std::string> errors;
};

WriterLog ParseLog(const std::string& output) {
  WriterLog log;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a partial last line
    std::istringstream words(line);
    std::string word;
    long long n = 0;
    words >> word >> n;
    if (word == "START") {
      log.start = n;
    } else if (word == "ACK") {
      log.acks.push_back(n);
    } else {
      log.errors.push_back(line);
    }
  }
  return log;
}

size_t CountAcks(const std::string& output) {
  size_t n = 0;
  for (size_t pos = output.find("ACK "); pos != std::string::npos;
       pos = output.find("ACK ", pos + 1)) {
    ++n;
  }
  return n;
}

// Runs one writer until it has printed `target_acks` ACKs or `delay` has passed, kills
// it, reaps it and returns everything it printed.
void RunAndKill(const std::string& dir, size_t target_acks, std::chrono::milliseconds delay,
                std::string* output) {
  std::string error;
  std::unique_ptr<Child> child = Child::Spawn({CRASH_WRITER, dir}, &error);
  ASSERT_NE(child, nullptr) << error;
  const auto start = Clock::now();
  const auto kill_at = start + delay;
  // A stall is no new output for kRoundTimeout, not a slow round: on a loaded machine
  // 200 synced writes can take longer than that in all.
  auto last_output = start;
  size_t seen = 0;
  bool open = true;
  while (open && CountAcks(child->output()) < target_acks && Clock::now() < kill_at) {
    if (child->output().size() != seen) {
      seen = child->output().size();
      last_output = Clock::now();
    }
    ASSERT_LT(Clock::now() - last_output, kRoundTimeout) << "writer stalled:\n" << child->output();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(kill_at - Clock::now());
    open =
        child->Read(static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(left.count(), 100))));
  }
  child->Kill();
  const int status = child->Wait();
  const auto killed = Clock::now();
  while (child->Read(1000)) {  // drain: ACKs printed before the kill count too
    ASSERT_LT(Clock::now() - killed, kRoundTimeout) << "pipe not closed after the kill";
  }
  *output = child->output();
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "writer ended on its own (status " << status << "):\n"
      << *output;
}

// Opens the store and checks it against the writer's batches; returns P, the newest
// batch present (-1: none).
void CheckStore(const std::string& dir, int64_t last_acked, int64_t previous, int64_t* present) {
  EngineOptions options;
  options.path = dir;
  options.block_cache_bytes = 1 << 20;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Engine> engine, Engine::Open(options));
  if (!engine->registry().Resolve("e", "v").ok()) {
    ASSERT_EQ(last_acked, -1) << "batches were acknowledged but feature e/v is gone";
    *present = -1;
    return;
  }
  std::vector<std::string> ids;
  for (int k = 0; k < kRecordsPerBatch; ++k) {
    ids.push_back("e");
    ids.back() += std::to_string(k);  // not "e" + ...: a GCC 12 -Wrestrict false alarm
  }
  ASSERT_OK_AND_ASSIGN(OnlineResult online, engine->ReadOnline({"e", ids, {"v"}}));
  const FeatureValue& e0 = online.at(0, 0);
  int64_t p = -1;
  if (e0.status == ValueStatus::kPresent) p = e0.event_ts - kBase;
  for (int k = 0; k < kRecordsPerBatch; ++k) {
    const FeatureValue& v = online.at(k, 0);
    if (p < 0) {
      EXPECT_EQ(v.status, ValueStatus::kNotFound) << "e" << k << ": a batch only partly there";
      continue;
    }
    EXPECT_EQ(v.status, ValueStatus::kPresent)
        << "e" << k << ": batch " << p << " only partly there";
    EXPECT_EQ(v.event_ts, kBase + p) << "e" << k << ": batch " << p << " only partly there";
    EXPECT_EQ(v.value, Value::Int64(p * 100 + k)) << "e" << k << ": " << v.value.DebugString();
  }
  ASSERT_FALSE(::testing::Test::HasFailure());
  EXPECT_GE(p, last_acked) << "an acknowledged batch was lost";
  EXPECT_LE(p, last_acked + 1) << "more than one batch beyond the last ACK";
  EXPECT_GE(p, previous) << "a batch present after the previous round is gone";
  *present = p;

  // Every batch 0..P in full, at exactly its event_ts; nothing before batch 0.
  std::vector<AsOfRow> rows;
  for (int k = 0; k < kRecordsPerBatch; ++k) rows.push_back({ids[k], kBase - 1});
  for (int64_t b = 0; b <= p; ++b) {
    for (int k = 0; k < kRecordsPerBatch; ++k) rows.push_back({ids[k], kBase + b});
  }
  ASSERT_OK_AND_ASSIGN(std::vector<FeatureValue> asof,
                       engine->ReadAsOf({"e", {"v"}, AsOfMode::kEventTime}, rows));
  int shown = 0;
  for (size_t r = 0; r < rows.size() && shown < 10; ++r) {
    const int64_t b = rows[r].ts - kBase;
    const int k = static_cast<int>(r % kRecordsPerBatch);
    const FeatureValue& v = asof[r];
    bool ok = b < 0 ? v.status == ValueStatus::kNotFound
                    : v.status == ValueStatus::kPresent && v.event_ts == rows[r].ts &&
                          v.value == Value::Int64(b * 100 + k);
    if (!ok) {
      ADD_FAILURE() << "as-of e" << k << " at batch " << b << ": " << ValueStatusName(v.status)
                    << " " << v.value.DebugString() << " event_ts=" << v.event_ts;
      ++shown;
    }
  }
}

TEST(EngineCrashTest, AcknowledgedBatchesSurviveKill9AndBatchesAreAtomic) {
  const uint64_t seed = asof::testing::TestSeed();
  SCOPED_TRACE("replay with ASOF_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto uniform = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  asof::testing::TempDir tmp;
  const std::string dir = tmp.path() + "/db";
  int64_t last_acked = -1;  // over all rounds
  int64_t present = -1;     // newest batch in the store after the previous round
  size_t total_acks = 0;

  for (int round = 0; round < kRounds; ++round) {
    // Two rounds in three stop after a number of ACKs, the others after a delay.
    const bool by_acks = uniform(0, 2) != 0;
    const size_t target = by_acks ? static_cast<size_t>(uniform(1, 200)) : SIZE_MAX;
    const auto delay = std::chrono::milliseconds(by_acks ? 60'000 : uniform(0, 400));
    SCOPED_TRACE(
        "round " + std::to_string(round) + ": kill after " +
        (by_acks ? std::to_string(target) + " ACKs" : std::to_string(delay.count()) + " ms"));
    std::string output;
    RunAndKill(dir, target, delay, &output);
    ASSERT_FALSE(HasFatalFailure());

    WriterLog log = ParseLog(output);
    ASSERT_TRUE(log.errors.empty()) << output;
    if (log.start >= 0) {
      EXPECT_EQ(log.start, present + 1) << "the writer did not resume after the newest batch";
    }
    for (size_t i = 0; i < log.acks.size(); ++i) {
      ASSERT_EQ(log.acks[i], log.start + static_cast<int64_t>(i)) << output;
    }
    if (!log.acks.empty()) last_acked = log.acks.back();
    total_acks += log.acks.size();

    CheckStore(dir, last_acked, present, &present);
    ASSERT_FALSE(HasFailure());
  }
  std::cerr << "[crash] " << kRounds << " rounds, " << total_acks << " ACKs, newest batch "
            << present << "\n";
  EXPECT_GT(total_acks, 0u);
}

}  // namespace
}  // namespace asof
