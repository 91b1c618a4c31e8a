// Daemon: a real asofd process for integration tests, on an ephemeral loopback port
// with its data in a fresh temporary directory.
//
//   asof::testing::Daemon daemon(ASOFD_PATH, {"--threads", "2"});
//   ASSERT_OK(daemon.Start());
//   ClientOptions options;
//   options.port = daemon.port();
//   ...
//   ASSERT_OK_AND_ASSIGN(int code, daemon.Stop());  // SIGTERM, graceful
//   EXPECT_EQ(code, 0);
//
// Start() runs `asofd --data-dir DIR --port 0 FLAGS...` (fork/exec) with stdout and stderr
// in a log file of its own per run, reads the real port from the log line "listening on
// HOST:PORT" and returns once a TCP connect to it succeeds. Every wait is bounded, and a
// failure carries the log, so a test that cannot start its daemon says why.
//
// Lifetime: the destructor SIGKILLs a daemon still running and reaps it, then removes
// the directory. The child also gets SIGKILL if the thread that started it dies
// (PR_SET_PDEATHSIG), so a crashed test leaves no daemon behind: start daemons from the
// test's own thread.
//
// Independent of the engine and the client: it talks to asofd only through the process
// and a TCP connect. Thread-safety: one thread at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/status.h"
#include "tests/util/test_util.h"

namespace asof::testing {

class Daemon {
 public:
  // `binary`: path of asofd. `flags` are appended to every start; --data-dir and --port
  // are added unless `flags` names them.
  explicit Daemon(std::string binary, std::vector<std::string> flags = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts asofd and waits (up to start_timeout) until it accepts connections. Fails
  // when it is already running, when it exits or does not come up in time (the log is
  // in the message; a daemon that did not come up is killed).
  Status Start();
  // SIGTERM, then waits up to `timeout` for the exit. Returns the exit code; an error
  // when it was not running, was killed by a signal, or did not exit in time (it is then
  // SIGKILLed, so the daemon is stopped whatever this returns).
  Result<int> Stop(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // SIGKILL and reap (a crash). OK when it was not running.
  Status Kill();
  // Stop() (requiring exit code 0) when running, then Start(). The port may change.
  Status Restart();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Port of the current (or last) run; 0 before the first Start.
  uint16_t port() const { return port_; }
  // The HTTP API's port; 0 when HTTP is disabled. --http-port 0 is added unless `flags`
  // name it.
  uint16_t http_port() const { return http_port_; }
  // The RESP (Redis-compatible) port; 0 when RESP is disabled. --resp-port 0 is added
  // unless `flags` name it.
  uint16_t resp_port() const { return resp_port_; }
  const std::string& data_dir() const { return data_dir_; }
  // A scratch directory next to the data, for config files and the like.
  const std::string& dir() const { return root_.path(); }
  // Log (stdout + stderr) of the current or last run.
  std::string log() const;
  const std::string& log_path() const { return log_path_; }

  // How long Start() waits for the port (default 20 s; sanitizer builds start slowly).
  void set_start_timeout(std::chrono::milliseconds t) { start_timeout_ = t; }

 private:
  std::vector<std::string> Argv() const;
  Status WaitUntilServing();
  Status Failed(const std::string& what);

  TempDir root_;  // declared first: removed after the process is gone
  const std::string binary_;
  const std::vector<std::string> flags_;
  std::string data_dir_;
  std::string log_path_;
  std::chrono::milliseconds start_timeout_{std::chrono::seconds(20)};
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  uint16_t http_port_ = 0;
  uint16_t resp_port_ = 0;
  int runs_ = 0;
};

// Outcome of a process run to its end.
struct ProcessResult {
  int exit_code = -1;   // when it exited normally
  int term_signal = 0;  // when a signal ended it
  bool timed_out = false;
  std::string output;  // stdout and stderr, interleaved
};

// Runs `argv` (argv[0] is the program's path) to completion with stdin from /dev/null,
// killing it after `timeout`. Errors only when it cannot be started.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace asof::testing
