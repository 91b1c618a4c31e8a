// SessionRegistry: the live sessions of a server, so shutdown can drain them all and the
// connection limit can be enforced.
// Thread-safety: all methods are safe from any thread (sessions live on many threads).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace asof::server {

class Session;

class SessionRegistry {
 public:
  void Add(const std::shared_ptr<Session>& session);
  void Remove(const Session* session);
  size_t size() const { return count_.load(std::memory_order_relaxed); }
  // Posts Drain() to every live session, on its own executor.
  void DrainAll();

 private:
  mutable std::mutex mu_;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_;  // guarded by mu_
  std::atomic<size_t> count_{0};
};

}  // namespace asof::server
