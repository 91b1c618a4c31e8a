// asof-bench: a load generator for asofd over the native protocol. See README.md beside
// this file for the measurement model, and `asof-bench --help` for the options.
//
// Exit status: 0 after a run without errors, 1 when the run could not start (bad
// arguments, server unreachable, --load failed), 3 when the run counted errors.
#include <cstdio>
#include <optional>

#include "tools/asof-bench/load.h"
#include "tools/asof-bench/options.h"
#include "tools/asof-bench/report.h"
#include "tools/asof-bench/runner.h"

int main(int argc, char** argv) {
  using namespace asof::bench;
  ParsedOptions parsed = ParseOptions(argc, argv);
  if (parsed.exit_code) return *parsed.exit_code;
  const BenchOptions& options = parsed.options;

  std::optional<LoadResult> load;
  if (options.load) {
    asof::Result<LoadResult> loaded = LoadData(options);
    if (!loaded.ok()) {
      std::fprintf(stderr, "asof-bench: %s\n", loaded.status().ToString().c_str());
      return 1;
    }
    load = *loaded;
    if (options.load_only) {
      std::printf("load: %llu records in %.1f s (%.0f records/s)\n",
                  static_cast<unsigned long long>(load->records), load->seconds,
                  load->seconds > 0 ? static_cast<double>(load->records) / load->seconds : 0.0);
      return 0;
    }
  }
  asof::Result<RunResult> result = RunBenchmark(options);
  if (!result.ok()) {
    std::fprintf(stderr, "asof-bench: %s\n", result.status().ToString().c_str());
    return 1;
  }
  if (options.json) {
    PrintJson(options, load, *result, stdout);
  } else {
    PrintText(options, load, *result, stdout);
  }
  return result->errors > 0 ? 3 : 0;
}
