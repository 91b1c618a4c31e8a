// SearchRank (declared in registry.h): the one ranking of feature search, so that
// GET /api/features?q= and the shell's `features search` agree.
#include <algorithm>
#include <string>

#include "engine/registry.h"

namespace asof {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// `query` occurs in `text` (both lower case) with no letter or digit on either side.
bool ContainsWord(std::string_view text, std::string_view query) {
  for (size_t pos = text.find(query); pos != std::string_view::npos;
       pos = text.find(query, pos + 1)) {
    const size_t end = pos + query.size();
    if ((pos == 0 || !IsWordChar(text[pos - 1])) &&
        (end == text.size() || !IsWordChar(text[end]))) {
      return true;
    }
  }
  return false;
}

}  // namespace

int SearchRank(const FeatureSpec& spec, std::string_view query) {
  if (query.empty()) return 0;
  const std::string q = ToLower(query);
  const std::string name = ToLower(spec.name);
  if (name == q) return 6;
  if (name.starts_with(q)) return 5;
  if (name.find(q) != std::string::npos) return 4;
  for (const std::string& tag : spec.tags) {
    if (ToLower(tag).find(q) != std::string::npos) return 3;
  }
  const std::string description = ToLower(spec.description);
  if (ContainsWord(description, q) || ContainsWord(ToLower(spec.owner), q) ||
      ContainsWord(ToLower(spec.entity), q)) {
    return 2;
  }
  return description.find(q) != std::string::npos ? 1 : 0;
}

}  // namespace asof
