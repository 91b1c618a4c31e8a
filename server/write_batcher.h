// WriteBatcher: group commit. Write requests from every connection queue here; one
// writer thread takes everything queued (up to max_group records), applies it with one
// Engine::Write — one WAL write and, with sync_writes, one fsync — and hands each
// request its own slice of the result.
//
// Rationale: with sync on, an fsync costs ~ms; grouping makes throughput grow with the
// number of concurrent writers instead of being capped at 1/fsync.
// Concurrency: Submit is thread-safe; completions run on the writer thread and must
// only post work elsewhere. Stop() drains what is queued, then joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "server/metrics.h"

namespace asof::server {

class WriteBatcher {
 public:
  using Done = std::function<void(Result<WriteResult>)>;

  // `metrics` (not owned) receives group commit times and record outcomes.
  WriteBatcher(Engine* engine, size_t max_group, Metrics* metrics);
  ~WriteBatcher();  // Stop()s

  void Start();
  // Applies everything still queued, then stops the thread; later Submits fail with
  // kUnavailable.
  void Stop();

  void Submit(std::vector<WriteRecord> records, Done done);

 private:
  struct Pending {
    std::vector<WriteRecord> records;
    Done done;
  };
  void Loop();
  void Apply(std::vector<Pending>* group);
  // Engine::Write, timed and counted in the metrics.
  Result<WriteResult> TimedWrite(std::span<const WriteRecord> records);

  Engine* const engine_;
  const size_t max_group_;
  Metrics* const metrics_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;      // guarded by mu_
  std::thread thread_;
};

}  // namespace asof::server
