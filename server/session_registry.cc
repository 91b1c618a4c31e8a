#include "server/session_registry.h"

#include <boost/asio/post.hpp>
#include <vector>

#include "server/session.h"

namespace asof::server {

void SessionRegistry::Add(const std::shared_ptr<Drainable>& session) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.emplace(session.get(), session);
  count_.store(sessions_.size(), std::memory_order_relaxed);
}

void SessionRegistry::Remove(const Drainable* session) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(session);
  count_.store(sessions_.size(), std::memory_order_relaxed);
}

void SessionRegistry::DrainAll() {
  std::vector<std::shared_ptr<Drainable>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [ptr, weak] : sessions_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) {
    boost::asio::post(s->executor(), [s] { s->Drain(); });
  }
}

}  // namespace asof::server
