// asof-import: bulk-loads a CSV / JSON Lines snapshot into asofd (tools/README.md).
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <map>

#include "tools/asof-import/import_pipeline.h"

namespace {

std::atomic<bool> g_interrupted{false};

void OnSignal(int) { g_interrupted.store(true); }

constexpr const char* kExitCodes =
    "Exit codes:\n"
    "  0    loaded; or already loaded (same fingerprint); or nothing to load; or a dry run\n"
    "  1    error (connection, I/O, registry, server): nothing applied\n"
    "  2    bad flags or mapping, header not matching the mapping, unknown features\n"
    "       without --register: nothing read\n"
    "  3    more rejected rows than --max-rejects: nothing applied\n"
    "  130  interrupted (SIGINT / SIGTERM): the load was aborted, nothing applied\n"
    "\n"
    "See also: asof-export (training sets: as-of join of a labels file; asof-export --help).\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace asof::import;
  ImportOptions o;
  std::string format, null_markers_csv;
  std::vector<std::string> null_markers;
  size_t sst_file_mb = o.sst_file_bytes >> 20;

  CLI::App app{
      "asof-import: bulk-load a snapshot (CSV with a header, or JSON Lines; plain, gzip or "
      "zstd; a file, a folder of part files, or - for stdin) into asofd. Rows are validated, "
      "sorted, written as SST files and ingested atomically: the load applies fully or not "
      "at all, and loading the same snapshot again changes nothing.",
      "asof-import"};
  app.footer(kExitCodes);
  app.add_option("INPUT", o.input.path, "input file, folder of part files, or - (stdin)")
      ->required();
  app.add_option("--host", o.client.host, "asofd host")->capture_default_str();
  app.add_option("--port", o.client.port, "asofd native-protocol port")->capture_default_str();
  app.add_option("--token", o.client.token, "API token (default: $ASOF_TOKEN); a writer")
      ->envname("ASOF_TOKEN");

  auto& m = o.mapping;
  app.add_option("--mapping", m.mapping_file, "mapping TOML file (flags override its keys)");
  app.add_option("-e,--entity-type", m.entity_type, "entity type of every row");
  app.add_option("--entity-id-column", m.entity_id_column, "entity id column (default entity_id)");
  app.add_option("--event-ts-column", m.event_ts_column,
                 "event timestamp column (default event_ts)");
  app.add_option("--ts-format", m.ts_format, "iso8601 (default), epoch_s, epoch_ms or epoch_us");
  app.add_option("--created-ts-column", m.created_ts_column,
                 "created timestamp column (checked on every row, not stored)");
  app.add_option("-f,--feature", m.features,
                 "feature column, COLUMN or COLUMN=FEATURE (repeatable; default: every other "
                 "column, same name)");
  app.add_option("--ignore-column", m.ignore_columns,
                 "a column that is not a feature (repeatable)");
  app.add_option("--null-markers", null_markers_csv,
                 "comma-separated CSV cell values read as null (default: empty and NULL)");
  const std::map<std::string, InputFormat> formats{{"csv", InputFormat::kCsv},
                                                   {"jsonl", InputFormat::kJsonLines}};
  app.add_option("--format", format, "csv or jsonl (default: from the file name, else the content)")
      ->check(CLI::IsMember({"csv", "jsonl"}));

  app.add_option("--rejects", o.rejects_path,
                 "write rejected rows here (CSV; JSON Lines for *.jsonl): source, line, column, "
                 "reason, message, text");
  app.add_option("--max-rejects", o.max_rejects,
                 "abort with nothing applied when more rows than this are rejected")
      ->capture_default_str();
  app.add_flag("--register", o.register_features,
               "create the entity type and missing features, types inferred from the first "
               "rows (printed)");
  app.add_flag("--dry-run", o.dry_run, "read, validate and report; load nothing");
  app.add_option("--offline", o.offline_dir,
                 "load into this STOPPED node's data directory (through a private asofd)");
  app.add_option("--asofd", o.asofd_path,
                 "asofd for --offline (default: next to asof-import, the build tree, PATH)");
  app.add_option("--memory-mb", o.memory_mb, "memory for sorting; larger inputs spill to --tmp-dir")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))
      ->capture_default_str();
  app.add_option("--tmp-dir", o.tmp_dir, "sort runs and SST files (default: $TMPDIR or /tmp)");
  app.add_option("--sst-file-mb", sst_file_mb,
                 "roll SST files at this size (asofd verifies each while the next is written)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 16))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is a ParseError too (exit code 0); any real one is a usage error.
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  if (!format.empty()) o.input.format = formats.at(format);
  if (app.count("--null-markers") > 0) {
    std::vector<std::string> markers;
    size_t start = 0;
    while (true) {
      size_t comma = null_markers_csv.find(',', start);
      markers.push_back(null_markers_csv.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    m.null_markers = markers;
  }
  o.sst_file_bytes = uint64_t{sst_file_mb} << 20;
  o.progress = ::isatty(STDERR_FILENO) == 1;

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  ::sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  return RunImport(o, g_interrupted);
}
