// One run of asof-import: read -> validate -> external sort -> fingerprint -> Begin ->
// SST files uploaded as they are written -> Commit (tools/README.md "asof-import").
// Either the whole snapshot is applied by one atomic ingest, or nothing is.
//
// Output: the progress line and messages on stderr, the summary on stdout.
// Thread-safety: RunImport runs on one thread; `interrupted` may be set by a signal
// handler (it is polled: the load is then aborted and nothing applied).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "tools/asof-import/mapping.h"
#include "tools/asof-import/record_reader.h"
#include "tools/asof-import/sst_builder.h"
#include "wire/client.h"

namespace asof::import {

// Process exit codes (documented in --help and tools/README.md).
enum ExitCode : int {
  kExitOk = 0,              // loaded, already loaded, nothing to load, or a clean dry run
  kExitError = 1,           // connection, I/O, registry or server error: nothing applied
  kExitUsage = 2,           // bad flags or mapping, input header not matching: nothing read
  kExitTooManyRejects = 3,  // over --max-rejects: nothing applied
  kExitInterrupted = 130,   // SIGINT/SIGTERM: aborted, nothing applied
};

struct ImportOptions {
  ClientOptions client;
  MappingFlags mapping;
  InputOptions input;
  std::string rejects_path;  // empty: rejects are counted, not written
  uint64_t max_rejects = 0;  // more rejected rows than this aborts the load
  bool register_features = false;
  bool dry_run = false;
  std::string offline_dir;  // non-empty: load into this stopped node's data directory
  std::string asofd_path;   // for --offline; empty: FindAsofd's search
  size_t memory_mb = 512;   // the external sort's in-memory chunk
  std::string tmp_dir;      // sort runs and SST files; empty: $TMPDIR or /tmp
  uint64_t sst_file_bytes = kDefaultSstFileBytes;
  bool progress = false;  // draw the live progress line (stderr is a terminal)
};

int RunImport(const ImportOptions& options, const std::atomic<bool>& interrupted);

}  // namespace asof::import
