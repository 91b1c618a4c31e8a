// --offline: a private asofd on a stopped node's data directory, so that an offline
// load goes through exactly the same verification and atomic ingest as an online one.
// It listens on an ephemeral loopback port with HTTP and RESP off and no tokens
// (protected mode: loopback only), and is stopped with SIGTERM (a clean shutdown) when
// the load is done. A node still running on the directory holds its lock, so the
// private asofd fails to start: Start reports that.
//
// Thread-safety: one thread at a time.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "engine/status.h"

namespace asof::import {

// asofd's path: `flag` when given; else an asofd next to this program (installed side
// by side) or in the build tree (../../server/asofd from tools/asof-import/); else the
// first one in PATH. kNotFound naming the places tried.
Result<std::string> FindAsofd(const std::string& flag);

class OfflineNode {
 public:
  // Starts `asofd` on `data_dir` (which must exist: an offline load is for an existing
  // node), its log in `scratch_dir`, and waits (bounded) until it listens.
  static Result<std::unique_ptr<OfflineNode>> Start(const std::string& asofd,
                                                    const std::string& data_dir,
                                                    const std::string& scratch_dir);
  // Stops it (SIGTERM, waiting for the exit) if Stop was not called.
  ~OfflineNode();
  OfflineNode(const OfflineNode&) = delete;
  OfflineNode& operator=(const OfflineNode&) = delete;

  uint16_t port() const { return port_; }
  // SIGTERM and wait; an error when it does not exit 0 (the log's tail in the message).
  Status Stop();

 private:
  OfflineNode(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}
  std::string LogTail() const;

  pid_t pid_;
  const std::string log_path_;
  uint16_t port_ = 0;
};

}  // namespace asof::import
