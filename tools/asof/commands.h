// Shell: the commands of the `asof` shell, run one command line at a time against an
// asofd reached through asof::Client (never the engine).
//
// Each command is a row of the table returned by Shell::Commands(): its name, usage,
// help text, options and examples, and the member that runs it. `help`, `--help`, the
// argument checks and tab completion all read that one table, so they cannot disagree.
//
// Output: a command writes its answer to `out` (an aligned table or a short sentence for
// people; one JSON document on one line with --json) and returns OK, or returns the
// error and writes nothing; the caller prints "error: CODE: message". Errors found in
// the shell itself use the same ErrorCode names as the server's (INVALID_ARGUMENT for a
// bad command line, UNPROCESSABLE for a value that is not of its feature's type).
//
// The connection is opened on the first command that needs the server, so `help` works
// without one. Value types of features (needed to parse `put` values) are fetched with
// describe and cached until a register or deprecate in this shell changes them.
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/status.h"
#include "engine/value.h"
#include "tools/asof/command_parser.h"
#include "wire/client.h"

namespace asof::shell {

class JsonWriter;
class Shell;

struct ShellOptions {
  ClientOptions client;
  bool json = false;  // one JSON document per command instead of tables
  // Microseconds since the epoch; "now" of --at, as-of times and relative times.
  // Defaults to the system clock.
  std::function<int64_t()> now_us;
};

struct CommandSpec {
  std::string_view name;
  std::string_view usage;    // "get ENTITY ID[,ID...] FEATURE[,FEATURE...]"
  std::string_view summary;  // one line
  std::string_view details;  // paragraphs for `help NAME`
  std::vector<OptionSpec> options;
  std::vector<std::string_view> examples;
  size_t min_args = 0;  // positional words after the name
  size_t max_args = 0;  // SIZE_MAX: any number
  bool needs_server = true;
  Status (Shell::*run)(const ParsedArgs& args) = nullptr;
};

class Shell {
 public:
  Shell(ShellOptions options, std::ostream& out);
  ~Shell();

  // Runs one command line. Blank lines and lines starting with '#' do nothing.
  Status Execute(std::string_view line);

  // Words that may complete `word`, the word under the cursor, given the text of the
  // line before it. Feature and entity type names come from the server (fetched once
  // and after changes); without a server only commands and options complete.
  std::vector<std::string> Complete(std::string_view line_before_word, std::string_view word);

  // The command table (commands_table.cc), in the order `help` lists it.
  static std::span<const CommandSpec> Commands();
  static const CommandSpec* FindCommand(std::string_view name);
  // Every command with its usage and first example, for `asof --help`.
  static std::string CommandsOverview();

 private:
  // The rows of Commands() (commands_table.cc); a member so that it may name the
  // private Run* members.
  static std::vector<CommandSpec> BuildCommandTable();

  // Commands (commands.cc).
  Status RunHelp(const ParsedArgs& args);
  Status RunPing(const ParsedArgs& args);
  Status RunStats(const ParsedArgs& args);
  // Registry commands (commands_registry.cc).
  Status RunEntity(const ParsedArgs& args);
  Status RunEntities(const ParsedArgs& args);
  Status RunRegister(const ParsedArgs& args);
  Status RunDescribe(const ParsedArgs& args);
  Status RunFeatures(const ParsedArgs& args);
  Status RunDeprecate(const ParsedArgs& args);
  // Data commands (commands_data.cc).
  Status RunPut(const ParsedArgs& args);
  Status RunGet(const ParsedArgs& args);
  Status RunAsOf(const ParsedArgs& args);
  Status RunDlq(const ParsedArgs& args);
  // Monitoring commands (commands_monitoring.cc).
  Status RunFreshness(const ParsedArgs& args);
  // Drift and its baselines (commands_drift.cc).
  Status RunDrift(const ParsedArgs& args);
  Status RunBaselines(const ParsedArgs& args);
  // Lineage (commands_registry.cc).
  Status RunLineage(const ParsedArgs& args);
  // Feature logging (commands_logging.cc).
  Status RunExportServed(const ParsedArgs& args);
  // Pages through the served log into `sink` as `format` (jsonl or csv); the row count.
  Result<uint64_t> WriteServedLog(wire::ServedLogRequestT request, const std::string& format,
                                  std::ostream& sink);

  // The records of a `put`, values parsed by their features' types, all at `at`.
  Result<std::vector<wire::WriteRecordT>> PutRecords(const ParsedArgs& args, int64_t at);
  // The connected client; connects on first use.
  Result<Client*> client();
  int64_t Now() const { return options_.now_us(); }
  // The registered value type of `ref` ("name" or "name@N") of `entity`, from the cache
  // or the server.
  Result<ValueType> FeatureType(const std::string& entity, const std::string& ref);
  // Forgets cached types and completion names (after a registry change).
  void RegistryChanged();
  // Writes a finished JSON document and a newline.
  void Emit(const JsonWriter& json);
  void Emit(std::string_view text);

  ShellOptions options_;
  std::ostream& out_;
  std::unique_ptr<Client> client_;
  std::map<std::pair<std::string, std::string>, ValueType> types_;
  std::optional<std::vector<std::string>> completion_names_;
};

}  // namespace asof::shell
