#include "tests/util/daemon.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

namespace asof::testing {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kPoll{5};

// fork/exec with stdout and stderr appended to `output_path`. Everything the child does
// between fork and exec is async-signal-safe: the test process has threads.
Result<pid_t> Spawn(const std::vector<std::string>& args, const std::string& output_path) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int out = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) return Internal("cannot open " + output_path + ": " + std::strerror(errno));
  int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    static const char kMsg[] = "exec failed\n";
    (void)!::write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(out);
  if (in >= 0) ::close(in);
  if (pid < 0) return Internal(std::string("fork failed: ") + std::strerror(fork_errno));
  return pid;
}

// The wait status once `pid` has exited, or nullopt after `timeout`.
std::optional<int> WaitFor(pid_t pid, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return -1;  // not our child any more: nothing to wait for
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPoll);
  }
}

void KillAndReap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Describe(int wait_status) {
  if (WIFEXITED(wait_status)) return "exited with code " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) return "killed by signal " + std::to_string(WTERMSIG(wait_status));
  return "ended with wait status " + std::to_string(wait_status);
}

// The port of the first "<marker>HOST:PORT" in `log`, or 0.
uint16_t ListeningPort(const std::string& log, const std::string& kMarker) {
  size_t at = log.find(kMarker);
  if (at == std::string::npos) return 0;
  size_t end = log.find_first_of(" \n", at + kMarker.size());
  std::string address = log.substr(at + kMarker.size(), end - at - kMarker.size());
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return 0;
  long port = std::strtol(address.c_str() + colon + 1, nullptr, 10);
  return port > 0 && port < 65536 ? static_cast<uint16_t>(port) : 0;
}

bool CanConnect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

bool Names(const std::vector<std::string>& flags, std::string_view a, std::string_view b) {
  return std::any_of(flags.begin(), flags.end(), [&](const std::string& f) {
    return f == a || f == b || f.starts_with(std::string(b) + "=");
  });
}

}  // namespace

Daemon::Daemon(std::string binary, std::vector<std::string> flags)
    : binary_(std::move(binary)), flags_(std::move(flags)), data_dir_(root_.path() + "/data") {}

Daemon::~Daemon() {
  if (running()) KillAndReap(pid_);
}

std::vector<std::string> Daemon::Argv() const {
  std::vector<std::string> argv = {binary_};
  if (!Names(flags_, "-d", "--data-dir")) argv.insert(argv.end(), {"--data-dir", data_dir_});
  if (!Names(flags_, "-p", "--port")) argv.insert(argv.end(), {"--port", "0"});
  if (!Names(flags_, "--http-port", "--http-port")) argv.insert(argv.end(), {"--http-port", "0"});
  if (!Names(flags_, "--resp-port", "--resp-port")) argv.insert(argv.end(), {"--resp-port", "0"});
  argv.insert(argv.end(), flags_.begin(), flags_.end());
  return argv;
}

std::string Daemon::log() const { return log_path_.empty() ? "" : ReadFile(log_path_); }

Status Daemon::Failed(const std::string& what) {
  std::string message = "asofd " + what + "; its log (" + log_path_ + "):\n" + log();
  if (running()) KillAndReap(pid_);
  pid_ = -1;
  return Internal(std::move(message));
}

Status Daemon::Start() {
  if (running()) return Internal("asofd is already running (pid " + std::to_string(pid_) + ")");
  log_path_ = root_.path() + "/asofd-" + std::to_string(++runs_) + ".log";
  port_ = 0;
  http_port_ = 0;
  resp_port_ = 0;
  ASSIGN_OR_RETURN(pid_, Spawn(Argv(), log_path_));
  return WaitUntilServing();
}

Status Daemon::WaitUntilServing() {
  const auto deadline = Clock::now() + start_timeout_;
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Failed(Describe(status) + " during start");
    }
    if (port_ == 0) {
      std::string text = log();
      // asofd logs the HTTP and RESP ports before the native one, so all are known together.
      size_t native = text.find("[server] asofd ");
      if (native != std::string::npos) port_ = ListeningPort(text.substr(native), "listening on ");
      http_port_ = ListeningPort(text, "HTTP API listening on ");
      resp_port_ = ListeningPort(text, "RESP listening on ");
    }
    if (port_ != 0 && CanConnect(port_)) return Status::Ok();
    std::this_thread::sleep_for(kPoll);
  }
  return Failed("did not accept connections within " + std::to_string(start_timeout_.count()) +
                " ms");
}

Result<int> Daemon::Stop(milliseconds timeout) {
  if (!running()) return Internal("asofd is not running");
  ::kill(pid_, SIGTERM);
  std::optional<int> status = WaitFor(pid_, timeout);
  if (!status.has_value()) {
    return Failed("did not exit within " + std::to_string(timeout.count()) + " ms of SIGTERM");
  }
  pid_ = -1;
  if (!WIFEXITED(*status)) return Failed(Describe(*status) + " after SIGTERM");
  return WEXITSTATUS(*status);
}

Status Daemon::Kill() {
  if (running()) KillAndReap(pid_);
  pid_ = -1;
  return Status::Ok();
}

Status Daemon::Restart() {
  if (running()) {
    ASSIGN_OR_RETURN(int code, Stop());
    if (code != 0) return Failed("exited with code " + std::to_string(code) + " on SIGTERM");
  }
  return Start();
}

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv, milliseconds timeout) {
  if (argv.empty()) return InvalidArgument("RunProcess: empty argv");
  TempDir dir;
  const std::string output_path = dir.path() + "/output";
  ASSIGN_OR_RETURN(pid_t pid, Spawn(argv, output_path));
  ProcessResult result;
  std::optional<int> status = WaitFor(pid, timeout);
  if (!status.has_value()) {
    result.timed_out = true;
    KillAndReap(pid);
  } else if (WIFEXITED(*status)) {
    result.exit_code = WEXITSTATUS(*status);
  } else if (WIFSIGNALED(*status)) {
    result.term_signal = WTERMSIG(*status);
  }
  result.output = ReadFile(output_path);
  return result;
}

}  // namespace asof::testing
