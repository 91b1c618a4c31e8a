#include "server/router.h"

namespace asof::server {

namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

bool IsCapture(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

int Router::Add(HttpMethod method, std::string_view pattern) {
  Pattern p;
  p.method = method;
  for (std::string_view s : Segments(pattern)) {
    p.segments.emplace_back(s);
    if (!IsCapture(s)) ++p.literals;
  }
  patterns_.push_back(std::move(p));
  return static_cast<int>(patterns_.size()) - 1;
}

Router::Match Router::Find(HttpMethod method, std::string_view path) const {
  std::vector<std::string_view> segments = Segments(path);
  Match best;
  int best_literals = -1;
  int other_literals = -1;  // best match under another method, for 405
  std::vector<HttpMethod> allowed;
  for (size_t i = 0; i < patterns_.size(); ++i) {
    const Pattern& p = patterns_[i];
    if (p.segments.size() != segments.size()) continue;
    bool ok = true;
    for (size_t k = 0; k < segments.size() && ok; ++k) {
      ok = IsCapture(p.segments[k]) || p.segments[k] == segments[k];
    }
    if (!ok) continue;
    if (p.method != method) {
      if (p.literals > other_literals) {
        other_literals = p.literals;
        allowed.clear();
      }
      if (p.literals == other_literals) allowed.push_back(p.method);
      continue;
    }
    if (p.literals > best_literals) {
      best_literals = p.literals;
      best.route = static_cast<int>(i);
    }
  }
  // A more literal pattern under another method means the path names that resource: a
  // POST to /api/features/online is a wrong method, not a feature called "online".
  if (best.route >= 0 && other_literals <= best_literals) {
    const Pattern& p = patterns_[best.route];
    for (size_t k = 0; k < segments.size(); ++k) {
      if (IsCapture(p.segments[k])) best.params.emplace_back(segments[k]);
    }
    return best;
  }
  Match none;
  for (HttpMethod m : allowed) {
    if (!none.allow.empty()) none.allow += ", ";
    none.allow += HttpMethodName(m);
  }
  return none;
}

}  // namespace asof::server
