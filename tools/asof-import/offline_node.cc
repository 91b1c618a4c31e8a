#include "tools/asof-import/offline_node.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace asof::import {
namespace {

namespace fs = std::filesystem;

constexpr auto kStartTimeout = std::chrono::seconds(120);  // opening a big store replays its WAL
constexpr auto kStopTimeout = std::chrono::seconds(600);   // a clean shutdown flushes

std::string SelfDir() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : self.parent_path().string();
}

bool Executable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

// Waits for `pid` up to `timeout`; the exit status, or nullopt when it is still running.
std::optional<int> WaitFor(pid_t pid, std::chrono::steady_clock::duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

Result<std::string> FindAsofd(const std::string& flag) {
  if (!flag.empty()) {
    if (Executable(flag)) return flag;
    return NotFound("--asofd " + flag + " is not an executable file");
  }
  std::vector<fs::path> tried;
  std::string self = SelfDir();
  if (!self.empty()) {
    tried.push_back(fs::path(self) / "asofd");
    tried.push_back(fs::path(self) / "../../server/asofd");
  }
  for (const fs::path& p : tried) {
    if (Executable(p)) return fs::weakly_canonical(p).string();
  }
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (!dir.empty() && Executable(fs::path(dir) / "asofd"))
        return (fs::path(dir) / "asofd").string();
    }
  }
  std::string where;
  for (const fs::path& p : tried) where += p.string() + ", ";
  return NotFound("cannot find asofd for --offline (tried " + where +
                  "and PATH); give --asofd PATH");
}

Result<std::unique_ptr<OfflineNode>> OfflineNode::Start(const std::string& asofd,
                                                        const std::string& data_dir,
                                                        const std::string& scratch_dir) {
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) {
    return NotFound("--offline " + data_dir +
                    " is not a directory (an offline load goes into an "
                    "existing node's data directory)");
  }
  std::string config = scratch_dir + "/offline-asofd.toml";
  std::string log = scratch_dir + "/offline-asofd.log";
  {
    std::ofstream out(config);
    out << "# written by asof-import --offline\n[http]\nenabled = false\n[resp]\nenabled = false\n";
    if (!out) return Internal("cannot write " + config);
  }
  std::vector<std::string> args = {asofd,    "--config",    config,      "--data-dir",
                                   data_dir, "--listen",    "127.0.0.1", "--port",
                                   "0",      "--log-level", "info"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) return Internal("cannot create " + log + ": " + std::strerror(errno));
  int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(out);
  if (in >= 0) ::close(in);
  if (pid < 0) return Internal(std::string("fork failed: ") + std::strerror(fork_errno));
  std::unique_ptr<OfflineNode> node(new OfflineNode(pid, log));

  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (true) {
    std::ifstream in_log(log);
    std::string line;
    while (std::getline(in_log, line)) {
      if (line.find("[server]") == std::string::npos) continue;
      size_t at = line.find("listening on 127.0.0.1:");
      if (at == std::string::npos) continue;
      node->port_ = static_cast<uint16_t>(std::atoi(line.c_str() + at + 23));
      if (node->port_ != 0) return node;
    }
    if (auto status = WaitFor(pid, std::chrono::milliseconds(0))) {
      node->pid_ = -1;
      return Unavailable("asofd could not open " + data_dir +
                         " (is a node still running on it? stop it first):\n" + node->LogTail());
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Unavailable("asofd on " + data_dir + " did not start listening in time:\n" +
                         node->LogTail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

OfflineNode::~OfflineNode() {
  if (pid_ > 0) Stop().IgnoreError();  // the error was reported by the caller's own Stop, if any
}

Status OfflineNode::Stop() {
  if (pid_ <= 0) return Status::Ok();
  ::kill(pid_, SIGTERM);
  std::optional<int> status = WaitFor(pid_, kStopTimeout);
  if (!status) {
    ::kill(pid_, SIGKILL);
    status = WaitFor(pid_, std::chrono::seconds(10));
  }
  pid_ = -1;
  if (status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) return Status::Ok();
  return Internal("the offline asofd did not shut down cleanly:\n" + LogTail());
}

std::string OfflineNode::LogTail() const {
  std::ifstream in(log_path_);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  std::string tail;
  for (size_t i = lines.size() > 20 ? lines.size() - 20 : 0; i < lines.size(); ++i) {
    tail += "  " + lines[i] + "\n";
  }
  return tail;
}

}  // namespace asof::import
