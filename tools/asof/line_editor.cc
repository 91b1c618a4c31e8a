#include "tools/asof/line_editor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

// After <cstdio>: libedit's readline.h uses FILE without including it.
#include <editline/readline.h>

#include "engine/check.h"

namespace asof::shell {

namespace {

constexpr int kHistoryLines = 1000;

// libedit's completion hooks are plain C functions, hence this process-wide state; the
// class comment limits the process to one editor.
LineEditor::Completer* g_completer = nullptr;
std::vector<std::string> g_matches;

char* NextMatch(const char* /*text*/, int state) {
  static size_t next = 0;
  if (state == 0) next = 0;
  if (next >= g_matches.size()) return nullptr;
  return strdup(g_matches[next++].c_str());  // libedit frees it
}

char** CompleteWord(const char* text, int start, int /*end*/) {
  rl_attempted_completion_over = 1;  // never fall back to file names
  if (g_completer == nullptr || start < 0) return nullptr;
  std::string_view before(rl_line_buffer, static_cast<size_t>(start));
  g_matches = (*g_completer)(before, text);
  if (g_matches.empty()) return nullptr;
  return rl_completion_matches(text, NextMatch);
}

bool IsBlank(const std::string& line) {
  return line.find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace

LineEditor::LineEditor(std::string history_path, Completer completer)
    : history_path_(std::move(history_path)) {
  ASOF_CHECK(g_completer == nullptr) << "only one LineEditor at a time";
  g_completer = new Completer(std::move(completer));
  rl_readline_name = "asof";
  rl_attempted_completion_function = CompleteWord;
  using_history();
  stifle_history(kHistoryLines);
  if (!history_path_.empty()) {
    // Create it private before libedit writes anything into it.
    int fd = ::open(history_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
    read_history(history_path_.c_str());  // a missing or unreadable file: no history
  }
}

LineEditor::~LineEditor() {
  rl_attempted_completion_function = nullptr;
  delete g_completer;
  g_completer = nullptr;
  g_matches.clear();
}

std::optional<std::string> LineEditor::ReadLine(const std::string& prompt) {
  char* raw = readline(prompt.c_str());
  if (raw == nullptr) return std::nullopt;
  std::string line(raw);
  std::free(raw);
  if (!IsBlank(line)) {
    add_history(line.c_str());
    if (!history_path_.empty()) {
      write_history(history_path_.c_str());
      ::chmod(history_path_.c_str(), 0600);
    }
  }
  return line;
}

std::string LineEditor::DefaultHistoryPath() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return "";
  return std::string(home) + "/.asof_history";
}

}  // namespace asof::shell
