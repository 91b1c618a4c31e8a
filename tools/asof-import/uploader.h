// LoadSession: one bulk load over the native protocol (wire/README.md "Bulk load"):
// Begin, then each SST file uploaded as it is finished (chunks pipelined, a bounded
// number in flight, by Client::BulkLoadUploadFile) and sealed, so that the server
// verifies it while the next is built, then Commit. A session that is
// destroyed before Commit succeeded sends Abort (best effort: the server also aborts a
// load whose connection closes), so every error path and an interrupt leave nothing
// applied and nothing staged.
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/status.h"
#include "tools/asof-import/sst_builder.h"
#include "wire/client.h"

namespace asof::import {

class LoadSession {
 public:
  // Begins a load for `fingerprint`. When it was applied before, already_loaded() is
  // true and nothing was started.
  static Result<std::unique_ptr<LoadSession>> Begin(Client& client, const std::string& fingerprint);
  ~LoadSession();
  LoadSession(const LoadSession&) = delete;
  LoadSession& operator=(const LoadSession&) = delete;

  bool already_loaded() const { return load_.begin.already_loaded; }
  int64_t loaded_at_us() const { return load_.begin.loaded_at_us; }
  int64_t ingest_ts() const { return load_.begin.ingest_ts; }

  // Uploads one finished file as the next file of the load.
  Status Upload(const SstFile& file);
  // Verifies and applies everything uploaded; nothing is applied when it fails.
  Result<wire::BulkLoadCommitResponseT> Commit();

  uint64_t bytes_uploaded() const { return bytes_uploaded_; }
  size_t files() const { return files_.size(); }

 private:
  LoadSession(Client& client, Client::BulkLoad load) : client_(client), load_(std::move(load)) {}

  Client& client_;
  Client::BulkLoad load_;
  std::vector<wire::BulkFileT> files_;
  uint64_t bytes_uploaded_ = 0;
  bool open_ = false;  // begun, neither committed nor aborted
  bool seal_ = true;   // the server takes BulkLoadSeal (false once it said it does not)
};

}  // namespace asof::import
