// Splitting and percent-decoding an HTTP request target ("/api/features?q=a%20b&tag=x")
// into the path and the query parameters. `+` in a query means a space (HTML forms).
// Malformed targets (not starting with '/', a bad %-escape, an encoded NUL) are
// kInvalidArgument: the API answers 400 rather than guessing.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/status.h"

namespace asof::server {

struct DecodedTarget {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
};

Result<DecodedTarget> DecodeTarget(std::string_view target);

}  // namespace asof::server
