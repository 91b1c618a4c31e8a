// SessionRegistry: the live sessions of a server, so shutdown can drain them all and the
// connection limit can be enforced.
// Thread-safety: all methods are safe from any thread (sessions live on many threads).
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace asof::server {

// A connection that shutdown can drain: stop reading, answer what is in flight, close.
class Drainable {
 public:
  virtual ~Drainable() = default;
  virtual void Drain() = 0;  // called on executor()
  virtual boost::asio::any_io_executor executor() = 0;
};

class SessionRegistry {
 public:
  void Add(const std::shared_ptr<Drainable>& session);
  void Remove(const Drainable* session);
  size_t size() const { return count_.load(std::memory_order_relaxed); }
  // Posts Drain() to every live session, on its own executor.
  void DrainAll();

 private:
  mutable std::mutex mu_;
  std::unordered_map<const Drainable*, std::weak_ptr<Drainable>> sessions_;  // guarded by mu_
  std::atomic<size_t> count_{0};
};

}  // namespace asof::server
