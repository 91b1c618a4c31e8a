// asof-export: training sets from asofd (tools/README.md, "asof-export"; `asof-export
// --help` for the options).
//
// Exit status: 0 when the whole output was written, 1 when the export failed (the error
// is on stderr as "error: CODE: message", like the shell's; no output file is left), 2
// for bad options.
#include <cstdio>

#include "tools/asof-export/export_job.h"
#include "tools/asof-export/export_options.h"

int main(int argc, char** argv) {
  using namespace asof::exporter;
  ParsedOptions parsed = ParseOptions(argc, argv);
  if (parsed.exit_code) return *parsed.exit_code;
  asof::Status status = RunExport(parsed.options);
  if (!status.ok()) {
    std::fprintf(stderr, "error: %s: %s\n", std::string(asof::ErrorCodeName(status.code())).c_str(),
                 status.message().c_str());
    return 1;
  }
  return 0;
}
