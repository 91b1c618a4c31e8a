// Script tests of the `asof` shell: every tests/tools/golden/NAME.asof is run through the
// real `asof` binary (stdin = the script) against a real asofd of its own (fresh data
// directory, ephemeral loopback port), and its stdout, stderr and exit code are compared
// with NAME.out, NAME.err and NAME.exit.
//
// A script's first lines may hold directives: `# args: --json --continue` adds shell
// options (--echo and the daemon's --host/--port are always given).
//
// Output that depends on the clock is masked before comparing (see Normalize): times
// within two days of the test run become <NOW> (ISO) or <NOW_US........> (microseconds),
// and the round trip, uptime, block cache counters and freshness lags become
// placeholders. Scripts therefore use fixed event and as-of times well in the past for
// everything they check exactly, and the shell prints clock-dependent times in the last
// column of a table, so that masking them never shifts a column.
//
// ASOF_UPDATE_GOLDEN=1 rewrites the expected files from the actual output instead of
// comparing (review the diff before committing it).
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/util/daemon.h"
#include "tests/util/test_util.h"

namespace asof {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr int64_t kMaskWindowUs = 2LL * 24 * 3600 * 1000000;
// As wide as the 16 digits it replaces, so that table columns stay aligned.
constexpr char kNowMicrosMask[] = "<NOW_US........>";
static_assert(sizeof(kNowMicrosMask) - 1 == 16);

int64_t WallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Replaces every match of `re` for which `volatile_match` holds with `replacement`.
std::string ReplaceIf(const std::string& text, const std::regex& re,
                      const std::function<bool(const std::smatch&)>& volatile_match,
                      const std::string& replacement) {
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), re);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    out += text.substr(last, m.position(0) - last);
    out += volatile_match(m) ? replacement : m.str(0);
    last = m.position(0) + m.length(0);
  }
  return out + text.substr(last);
}

// Masks what depends on the clock; `from_us`..`to_us` is when the script ran.
std::string Normalize(const std::string& text, int64_t from_us, int64_t to_us) {
  auto near_now = [&](int64_t us) {
    return us >= from_us - kMaskWindowUs && us <= to_us + kMaskWindowUs;
  };
  static const std::regex kIso(R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z)");
  std::string out = ReplaceIf(
      text, kIso,
      [&](const std::smatch& m) {
        int64_t days = DaysFromCivil(std::stoll(m[1]), std::stoul(m[2]), std::stoul(m[3]));
        int64_t secs =
            days * 86400 + std::stoll(m[4]) * 3600 + std::stoll(m[5]) * 60 + std::stoll(m[6]);
        return near_now(secs * 1000000);
      },
      "<NOW>");
  static const std::regex kMicros(R"(\b\d{16}\b)");
  out = ReplaceIf(
      out, kMicros, [&](const std::smatch& m) { return near_now(std::stoll(m.str(0))); },
      kNowMicrosMask);
  struct Mask {
    std::regex re;
    const char* replacement;
  };
  static const std::vector<Mask> kMasks = {
      {std::regex(R"(round trip [0-9.]+ ms)"), "round trip <RTT> ms"},
      {std::regex(R"("rtt_us":\d+)"), R"("rtt_us":<RTT>)"},
      {std::regex(R"((^|\n)(uptime +)\S+)"), "$1$2<UPTIME>"},
      {std::regex(R"("uptime_s":\d+)"), R"("uptime_s":<UPTIME>)"},
      {std::regex(R"re((block_cache_(?:hits|misses) +)\d+)re"), "$1<N>"},
      {std::regex(R"re(("block_cache_(?:hits|misses)":)\d+)re"), "$1<N>"},
      // freshness: the LAG column (last, so masking it shifts nothing) and lag_us.
      {std::regex(
           R"re(((?:^|\n)(?:STALE|fresh|no SLA)  [^\n]*  )(?:\d+(?:w|d|h|m|s|ms|us))+(?=\n))re"),
       "$1<LAG>"},
      {std::regex(R"re("lag_us":\d+)re"), R"("lag_us":<LAG>)"},
  };
  for (const Mask& m : kMasks) out = std::regex_replace(out, m.re, m.replacement);
  return out;
}

struct ShellRun {
  int exit_code = -1;
  std::string out, err;
};

// Runs `argv` with stdin from `stdin_path`, stdout and stderr captured separately, HOME
// set to `home`; kills it after `timeout`.
Result<ShellRun> RunShell(const std::vector<std::string>& args, const std::string& stdin_path,
                          const std::string& dir, milliseconds timeout) {
  const std::string out_path = dir + "/shell.out", err_path = dir + "/shell.err";
  // Everything the child uses is prepared before fork: the test process has threads, so
  // the child may only make async-signal-safe calls.
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = {"HOME=" + dir};
  for (char** e = environ; *e != nullptr; ++e) {
    if (!std::string_view(*e).starts_with("HOME=")) env_strings.emplace_back(*e);
  }
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  int in = ::open(stdin_path.c_str(), O_RDONLY | O_CLOEXEC);
  int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (in < 0 || out < 0 || err < 0) return Internal("cannot open the shell's files in " + dir);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(in);
  ::close(out);
  ::close(err);
  if (pid < 0) return Internal("fork failed");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return Internal("the shell did not finish within " + std::to_string(timeout.count()) +
                      " ms; stdout so far:\n" + ReadFile(out_path));
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  ShellRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = ReadFile(out_path);
  run.err = ReadFile(err_path);
  return run;
}

// `# args: ...` directives of a script.
std::vector<std::string> ScriptArgs(const std::string& script) {
  std::vector<std::string> args;
  std::istringstream lines(script);
  std::string line;
  while (std::getline(lines, line) && line.starts_with("#")) {
    if (!line.starts_with("# args:")) continue;
    std::istringstream words(line.substr(7));
    for (std::string w; words >> w;) args.push_back(w);
  }
  return args;
}

// A readable account of where `actual` departs from `expected`.
std::string Diff(const std::string& expected, const std::string& actual) {
  std::vector<std::string> e, a;
  std::string line;
  for (std::istringstream s(expected); std::getline(s, line);) e.push_back(line);
  for (std::istringstream s(actual); std::getline(s, line);) a.push_back(line);
  size_t i = 0;
  while (i < e.size() && i < a.size() && e[i] == a[i]) ++i;
  std::ostringstream out;
  out << "first difference at line " << i + 1 << "\n";
  for (size_t k = i; k < std::min(e.size(), i + 5); ++k) out << "- " << e[k] << "\n";
  for (size_t k = i; k < std::min(a.size(), i + 5); ++k) out << "+ " << a[k] << "\n";
  out << "---- whole actual output ----\n" << actual;
  return out.str();
}

std::vector<std::string> ListScripts() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(ASOF_GOLDEN_DIR)) {
    if (entry.path().extension() == ".asof") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool UpdateGolden() {
  const char* v = std::getenv("ASOF_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

class ShellScriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ShellScriptTest, MatchesGolden) {
  const fs::path base = fs::path(ASOF_GOLDEN_DIR) / GetParam();
  const std::string script_path = base.string() + ".asof";
  testing::Daemon daemon(ASOFD_PATH, {"--sync-writes", "false", "--threads", "1"});
  ASSERT_OK(daemon.Start());

  std::vector<std::string> argv = {ASOF_SHELL_PATH, "--echo", "--host",
                                   "127.0.0.1",     "--port", std::to_string(daemon.port())};
  for (auto& a : ScriptArgs(ReadFile(script_path))) argv.push_back(a);
  const int64_t start = WallMicros();
  ASSERT_OK_AND_ASSIGN(ShellRun run,
                       RunShell(argv, script_path, daemon.dir(), milliseconds(60000)));
  const int64_t end = WallMicros();
  const std::string out = Normalize(run.out, start, end);
  const std::string err = Normalize(run.err, start, end);
  const std::string code = std::to_string(run.exit_code) + "\n";

  if (UpdateGolden()) {
    WriteFile(base.string() + ".out", out);
    WriteFile(base.string() + ".err", err);
    WriteFile(base.string() + ".exit", code);
    std::cout << "rewrote the golden files of " << GetParam() << "\n";
  } else {
    EXPECT_EQ(ReadFile(base.string() + ".exit"), code) << "exit code; stderr:\n" << err;
    const std::string want_out = ReadFile(base.string() + ".out");
    EXPECT_TRUE(want_out == out) << "stdout differs from " << GetParam()
                                 << ".out: " << Diff(want_out, out);
    const std::string want_err = ReadFile(base.string() + ".err");
    EXPECT_TRUE(want_err == err) << "stderr differs from " << GetParam()
                                 << ".err: " << Diff(want_err, err);
  }
  ASSERT_OK_AND_ASSIGN(int daemon_exit, daemon.Stop());
  EXPECT_EQ(daemon_exit, 0) << daemon.log();
}

INSTANTIATE_TEST_SUITE_P(Golden, ShellScriptTest, ::testing::ValuesIn(ListScripts()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

// ---- the binary's own modes, beyond scripts --------------------------------------

Result<ShellRun> RunWithoutStdin(const std::vector<std::string>& args, const std::string& dir) {
  return RunShell(args, "/dev/null", dir, milliseconds(30000));
}

TEST(ShellBinaryTest, CommandModeRunsOneCommand) {
  testing::Daemon daemon(ASOFD_PATH, {"--sync-writes", "false", "--threads", "1"});
  ASSERT_OK(daemon.Start());
  const std::string port = std::to_string(daemon.port());
  ASSERT_OK_AND_ASSIGN(ShellRun ok, RunWithoutStdin({ASOF_SHELL_PATH, "--port", port, "-c",
                                                     "entity create user the people"},
                                                    daemon.dir()));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "created entity type user (id 1)\n");
  EXPECT_EQ(ok.err, "");

  ASSERT_OK_AND_ASSIGN(ShellRun json, RunWithoutStdin({ASOF_SHELL_PATH, "--port=" + port, "--json",
                                                       "--command", "entities"},
                                                      daemon.dir()));
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(json.out.starts_with(R"({"entity_types":[{"id":1,"name":"user",)")) << json.out;

  ASSERT_OK_AND_ASSIGN(
      ShellRun bad,
      RunWithoutStdin({ASOF_SHELL_PATH, "--port", port, "-c", "describe user nope"}, daemon.dir()));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.out, "");
  EXPECT_TRUE(bad.err.starts_with("error: NOT_FOUND: ")) << bad.err;
  ASSERT_OK_AND_ASSIGN(int code, daemon.Stop());
  EXPECT_EQ(code, 0);
}

// The dead letter ids that dlq prints depend on the clock, so paging with them cannot be
// a golden script.
TEST(ShellBinaryTest, DeadLettersPageWithThePrintedId) {
  testing::Daemon daemon(ASOFD_PATH, {"--sync-writes", "false", "--threads", "1"});
  ASSERT_OK(daemon.Start());
  const std::string port = std::to_string(daemon.port());
  auto shell = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {ASOF_SHELL_PATH, "--port", port});
    return RunWithoutStdin(args, daemon.dir());
  };
  for (const char* command :
       {"entity create user", "register n --entity user --type INT64", "deprecate user n"}) {
    ASSERT_OK_AND_ASSIGN(ShellRun run, shell({"-c", command}));
    ASSERT_EQ(run.exit_code, 0) << command << ": " << run.err;
  }
  for (const char* value : {"n=1", "n=2", "n=3"}) {
    ASSERT_OK_AND_ASSIGN(ShellRun run,
                         shell({"-c", std::string("put user 1 ") + value + " --at -1d"}));
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_TRUE(run.err.starts_with("error: UNPROCESSABLE: 1 of 1 records rejected")) << run.err;
  }
  ASSERT_OK_AND_ASSIGN(ShellRun first, shell({"--json", "-c", "dlq --limit 2"}));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::smatch next;
  ASSERT_TRUE(std::regex_search(first.out, next, std::regex(R"re("next":"(\d+:\d+)")re")))
      << first.out;
  EXPECT_NE(first.out.find(R"("value":1,)"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find(R"("value":2,)"), std::string::npos) << first.out;

  ASSERT_OK_AND_ASSIGN(ShellRun rest, shell({"-c", "dlq --after " + next[1].str()}));
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  std::vector<std::string> lines;
  std::istringstream s(rest.out);
  for (std::string line; std::getline(s, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 2u) << rest.out;  // the header and the third letter
  EXPECT_NE(lines[1].find(" 3 "), std::string::npos) << rest.out;
  EXPECT_EQ(rest.out.find("more:"), std::string::npos) << rest.out;
  ASSERT_OK_AND_ASSIGN(int code, daemon.Stop());
  EXPECT_EQ(code, 0);
}

TEST(ShellBinaryTest, UnreachableServerIsUnavailable) {
  testing::TempDir dir;
  // Port 1 on loopback: nothing listens there (it needs root), so the connect is refused.
  ASSERT_OK_AND_ASSIGN(ShellRun run,
                       RunWithoutStdin({ASOF_SHELL_PATH, "--port", "1", "-c", "ping"}, dir.path()));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(run.err.starts_with("error: UNAVAILABLE: ")) << run.err;
  EXPECT_NE(run.err.find("127.0.0.1:1"), std::string::npos) << run.err;
}

TEST(ShellBinaryTest, HelpListsOptionsAndEveryCommandWithExamples) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(ShellRun run, RunWithoutStdin({ASOF_SHELL_PATH, "--help"}, dir.path()));
  EXPECT_EQ(run.exit_code, 0);
  for (const char* option :
       {"--host", "--port", "--json", "--continue", "-c", "--help", "--version"}) {
    EXPECT_NE(run.out.find(option), std::string::npos) << option;
  }
  for (const char* command : {"help", "ping", "stats", "entity create", "entities", "register",
                              "describe", "features", "deprecate", "put", "get", "asof", "dlq"}) {
    EXPECT_NE(run.out.find("\n  " + std::string(command)), std::string::npos) << command;
    EXPECT_NE(run.out.find("e.g. " + std::string(command)), std::string::npos) << command;
  }
  ASSERT_OK_AND_ASSIGN(ShellRun version,
                       RunWithoutStdin({ASOF_SHELL_PATH, "--version"}, dir.path()));
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out, "asof " ASOF_VERSION "\n");
}

TEST(ShellBinaryTest, BadOptionsExitWithTwo) {
  testing::TempDir dir;
  for (std::vector<std::string> args : {std::vector<std::string>{"--bogus"},
                                        {"--port", "70000"},
                                        {"--port"},
                                        {"--json=yes"},
                                        {"--timeout", "-5"}}) {
    args.insert(args.begin(), ASOF_SHELL_PATH);
    ASSERT_OK_AND_ASSIGN(ShellRun run, RunWithoutStdin(args, dir.path()));
    EXPECT_EQ(run.exit_code, 2) << args[1];
    EXPECT_TRUE(run.err.starts_with("asof: ")) << run.err;
    EXPECT_EQ(run.out, "");
  }
}

// Unit test of the masking itself: a mask that hid real differences would make every
// golden test pass.
TEST(ShellScriptNormalizeTest, MasksOnlyTimesNearTheRun) {
  // The run: 2026-03-01T10:00:00Z.
  const int64_t now = (DaysFromCivil(2026, 3, 1) * 86400 + 10 * 3600) * 1000000;
  EXPECT_EQ(now, 1772359200000000);
  const std::string text =
      "2026-03-01T09:59:58.123456Z 2026-03-02T10:00:00Z 2025-03-01T10:00:00Z "
      "2026-03-04T10:00:01Z 1772359200000017:3 1234567890123456\n";
  EXPECT_EQ(Normalize(text, now, now),
            "<NOW> <NOW> 2025-03-01T10:00:00Z 2026-03-04T10:00:01Z <NOW_US........>:3 "
            "1234567890123456\n");
  EXPECT_EQ(Normalize("uptime              3s\nrequests  4\n", now, now),
            "uptime              <UPTIME>\nrequests  4\n");
  EXPECT_EQ(Normalize("round trip 0.213 ms", now, now), "round trip <RTT> ms");
}

}  // namespace
}  // namespace asof
