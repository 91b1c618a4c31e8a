// BulkLoads: the server side of a bulk load (wire/README.md "Bulk load"). Stages the
// uploaded SST files under <dir>/<load_id>/<file_index>.sst, hashing each (xxh3) as its
// chunks arrive. Sealing a file checks its size and xxh3 and queues its verification
// (BulkLoadSession::Verify) for a verifier thread, so it overlaps the upload of the next
// files; commit checks every file's size and xxh3, then, on the commit worker thread,
// waits for the load's sealed files, has the engine verify the files not sealed and
// ingest them all (BulkLoadSession::Ingest), and deletes the staging directory. None of
// this runs on an I/O thread.
//
// A load is owned by the connection that began it (`owner`, an opaque connection
// identity): other connections cannot touch it, and AbortAll(owner) when the connection
// closes deletes its files. Chunks of a file must arrive in order, each starting where
// the previous one ended. Limits: max_loads open at once and max_staged_bytes together.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"

namespace asof::server {

class BulkLoads {
 public:
  struct Limits {
    size_t max_loads = 4;
    uint64_t max_staged_bytes = 64ull << 30;
    // Threads verifying sealed files, besides the one that commits: files of one load
    // are verified in parallel (at commit the client only waits).
    size_t verify_threads = 2;
  };
  // Deletes whatever an earlier run left in `dir` (loads do not survive a restart).
  BulkLoads(Engine* engine, std::string dir, Limits limits);
  // Finishes the commits already queued (their connections wait for the answers), then
  // deletes every staged file.
  ~BulkLoads();

  struct Begun {
    uint64_t load_id = 0;  // 0 when already_loaded
    int64_t ingest_ts = 0;
    bool already_loaded = false;
    int64_t loaded_at_us = 0;
  };
  Result<Begun> Begin(const void* owner, std::string fingerprint);

  // Appends `data` to file `file_index` at `offset`, which must be the file's current
  // size. Returns the bytes staged for the load so far.
  Result<uint64_t> Chunk(const void* owner, uint64_t load_id, uint32_t file_index, uint64_t offset,
                         std::span<const uint8_t> data);

  struct CommitFile {
    uint32_t file_index = 0;
    bool latest = false;  // a `latest` file, else `history`
    uint64_t size = 0;
    uint64_t xxh3 = 0;
  };
  // Seals file `file.file_index`: no more chunks for it. Its staged size and xxh3 must be
  // `file`'s; its verification is then queued on the worker thread and its outcome
  // reported by Commit (which must list the file with the same kind, size and xxh3).
  Status Seal(const void* owner, uint64_t load_id, const CommitFile& file);

  struct Committed {
    BulkLoadResult result;
    int64_t ingest_ts = 0;
  };
  // Checks that `files` lists exactly the staged files; the checksums, verification and
  // ingestion then run on the worker thread, which calls `done` (on that thread). The
  // load is gone afterwards, applied or not.
  void Commit(const void* owner, uint64_t load_id, std::vector<CommitFile> files,
              std::function<void(Result<Committed>)> done);

  Status Abort(const void* owner, uint64_t load_id);
  void AbortAll(const void* owner);

  size_t open_loads() const;

 private:
  struct Load;
  Result<std::shared_ptr<Load>> Find(const void* owner, uint64_t load_id);
  void Remove(uint64_t load_id);  // forgets the load and deletes its files
  // `staged` holds the xxh3 of each file's staged bytes, in the order of `files`.
  void RunCommit(const std::shared_ptr<Load>& load, const std::vector<CommitFile>& files,
                 const std::vector<uint64_t>& staged, std::chrono::steady_clock::time_point asked,
                 const std::function<void(Result<Committed>)>& done);
  void RunVerify(const std::shared_ptr<Load>& load, uint32_t file_index, bool latest);
  // Runs the jobs of `queue` (work_ or verify_work_) until stopping and drained.
  void Worker(std::deque<std::function<void()>>* queue, std::condition_variable* cv);

  Engine* const engine_;
  const std::string dir_;
  const Limits limits_;

  mutable std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<Load>> loads_;  // guarded by mu_
  uint64_t next_id_ = 1;                             // guarded by mu_
  uint64_t staged_bytes_ = 0;                        // guarded by mu_

  std::condition_variable work_cv_;
  std::deque<std::function<void()>> work_;  // guarded by mu_: commits
  std::condition_variable verify_cv_;
  std::deque<std::function<void()>> verify_work_;  // guarded by mu_: sealed files
  bool stopping_ = false;                          // guarded by mu_
  std::thread worker_;
  std::vector<std::thread> verifiers_;
};

}  // namespace asof::server
