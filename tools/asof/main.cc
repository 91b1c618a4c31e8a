// asof: the shell of the asof feature store. See `asof --help` and tools/README.md.
//
// Three modes: an interactive prompt when stdin is a terminal, one command with -c, or a
// script read from stdin (one command per line). Commands live in commands.h; this file
// is the option parsing and the three loops.
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "tools/asof/commands.h"
#include "tools/asof/line_editor.h"

namespace {

using asof::Status;
using asof::shell::Shell;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

struct Options {
  asof::shell::ShellOptions shell;
  std::optional<std::string> command;  // -c
  bool keep_going = false;             // --continue
  bool echo = false;                   // --echo
  std::string history = asof::shell::LineEditor::DefaultHistoryPath();
};

void PrintHelp() {
  std::cout
      << "asof " ASOF_SHELL_VERSION
         ": the shell of the asof feature store.\n"
         "\n"
         "usage:\n"
         "  asof [OPTIONS]                interactive prompt (asof> ) when stdin is a terminal\n"
         "  asof [OPTIONS] -c 'COMMAND'   run one command\n"
         "  asof [OPTIONS] < FILE         run a script: one command per line; blank lines\n"
         "                                and # comments are skipped; stops at the first\n"
         "                                error unless --continue\n"
         "\n"
         "options:\n"
         "  --host HOST        asofd address (default 127.0.0.1)\n"
         "  -p, --port PORT    asofd native protocol port (default 7070)\n"
         "  --token SECRET     API token sent in the hello (default: $ASOF_TOKEN); needed\n"
         "                     when asofd has [[auth.tokens]] configured\n"
         "  -c, --command CMD  run CMD and exit\n"
         "  --json             print one JSON document per command instead of tables\n"
         "  --continue         in a script, go on after a failed command\n"
         "  --echo             print each command of a script before its output\n"
         "  --timeout MS       request timeout in milliseconds (default 30000)\n"
         "  --history FILE     history of the interactive prompt (default ~/.asof_history;\n"
         "                     empty: none)\n"
         "  --help             this text\n"
         "  --version          the shell's version\n"
         "\n"
         "Errors print 'error: CODE: message' on stderr (CODE as NOT_FOUND, UNPROCESSABLE,\n"
         "...). Exit code: 0 success, 1 a command failed, 2 bad options.\n"
         "Times are ISO-8601 UTC (2026-03-01T10:00:00Z), now, or relative (-1h, -30d).\n"
         "Bulk work has its own programs: asof-import (load snapshots) and asof-export\n"
         "(training sets: as-of join of a labels file); each has --help.\n"
         "\n"
         "commands:\n"
      << Shell::CommandsOverview();
}

template <typename T>
bool ParseNumber(const std::string& text, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Parses argv into `o`; returns an exit code when the program should end now.
std::optional<int> ParseOptions(int argc, char** argv, Options* o) {
  // The environment keeps the secret out of ps and shell history; --token overrides it.
  if (const char* token = std::getenv("ASOF_TOKEN")) o->shell.client.token = token;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::optional<std::string> inline_value;
    if (arg.starts_with("--") && arg.find('=') != std::string::npos) {
      inline_value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
    }
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value) return inline_value;
      if (i + 1 < argc) return std::string(argv[++i]);
      return std::nullopt;
    };
    auto usage_error = [&](const std::string& message) {
      std::cerr << "asof: " << message << " (see asof --help)\n";
      return kExitUsage;
    };
    if (arg == "--help") {
      PrintHelp();
      return kExitOk;
    } else if (arg == "--version" || arg == "-V") {
      std::cout << "asof " ASOF_SHELL_VERSION "\n";
      return kExitOk;
    } else if (arg == "--json" || arg == "--continue" || arg == "--echo") {
      if (inline_value) return usage_error(arg + " takes no value");
      (arg == "--json" ? o->shell.json : arg == "--echo" ? o->echo : o->keep_going) = true;
    } else if (arg == "--host" || arg == "--port" || arg == "-p" || arg == "-c" ||
               arg == "--command" || arg == "--timeout" || arg == "--history" || arg == "--token") {
      std::optional<std::string> v = value();
      if (!v) return usage_error(arg + " needs a value");
      if (arg == "--host") {
        o->shell.client.host = *v;
      } else if (arg == "--port" || arg == "-p") {
        uint16_t port = 0;
        if (!ParseNumber(*v, &port) || port == 0) return usage_error("bad port '" + *v + "'");
        o->shell.client.port = port;
      } else if (arg == "--timeout") {
        int64_t ms = 0;
        if (!ParseNumber(*v, &ms) || ms <= 0) return usage_error("bad timeout '" + *v + "'");
        o->shell.client.request_timeout = std::chrono::milliseconds(ms);
      } else if (arg == "--history") {
        o->history = *v;
      } else if (arg == "--token") {
        o->shell.client.token = *v;
      } else {
        o->command = *v;
      }
    } else {
      return usage_error("unknown option '" + arg + "'");
    }
  }
  return std::nullopt;
}

void PrintError(const Status& status) {
  std::cout.flush();
  std::cerr << "error: " << status.ToString() << "\n";
}

bool IsQuit(const std::string& line) {
  size_t b = line.find_first_not_of(" \t\r");
  size_t e = line.find_last_not_of(" \t\r");
  if (b == std::string::npos) return false;
  std::string word = line.substr(b, e - b + 1);
  return word == "quit" || word == "exit";
}

int RunScript(Shell& shell, const Options& o) {
  int exit_code = kExitOk;
  std::string line;
  for (size_t number = 1; std::getline(std::cin, line); ++number) {
    if (IsQuit(line)) break;
    if (o.echo && line.find_first_not_of(" \t\r") != std::string::npos) {
      std::cout << "asof> " << line << "\n";
    }
    Status status = shell.Execute(line);
    std::cout.flush();
    if (status.ok()) continue;
    PrintError(status);
    std::cerr << "  in line " << number << ": " << line << "\n";
    exit_code = kExitFailed;
    if (!o.keep_going) break;
  }
  return exit_code;
}

int RunInteractive(Shell& shell, const Options& o) {
  std::cout << "asof " ASOF_SHELL_VERSION " (server " << o.shell.client.host << ":"
            << o.shell.client.port << "). Type help for the commands, quit to leave.\n";
  asof::shell::LineEditor editor(o.history,
                                 [&shell](std::string_view before, std::string_view word) {
                                   return shell.Complete(before, word);
                                 });
  while (true) {
    std::optional<std::string> line = editor.ReadLine("asof> ");
    if (!line) {
      std::cout << "\n";  // Ctrl-D: leave the terminal on a fresh line
      break;
    }
    if (IsQuit(*line)) break;
    Status status = shell.Execute(*line);
    std::cout.flush();
    if (!status.ok()) PrintError(status);
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  options.shell.client.client_name = "asof-shell";
  if (std::optional<int> code = ParseOptions(argc, argv, &options)) return *code;
  Shell shell(options.shell, std::cout);
  if (options.command) {
    Status status = shell.Execute(*options.command);
    std::cout.flush();
    if (status.ok()) return kExitOk;
    PrintError(status);
    return kExitFailed;
  }
  if (::isatty(STDIN_FILENO)) return RunInteractive(shell, options);
  return RunScript(shell, options);
}
