// Router: maps (method, path) to a route of the HTTP API.
//
// Patterns are literal segments and `{name}` captures of one segment: "/api/features/{name}".
// When several patterns match a path, the one with more literal segments wins, so
// "/api/features/online" is not taken for a feature named "online". A path that matches
// a pattern under another method gives the allowed methods (for 405 and its Allow header).
//
// Thread-safety: Add at start-up; Find concurrently afterwards.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/http_types.h"

namespace asof::server {

class Router {
 public:
  struct Match {
    int route = -1;                   // index given by Add; -1: none
    std::vector<std::string> params;  // captured segments, in pattern order
    std::string allow;                // when no route matched the method: "GET, POST"; else empty
  };

  // Returns the route's index.
  int Add(HttpMethod method, std::string_view pattern);
  Match Find(HttpMethod method, std::string_view path) const;

 private:
  struct Pattern {
    HttpMethod method;
    std::vector<std::string> segments;  // "{...}" marks a capture
    int literals = 0;
  };
  std::vector<Pattern> patterns_;
};

}  // namespace asof::server
