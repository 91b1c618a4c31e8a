// CategoryCounts: a frequency table of the values of a categorical feature (STRING and
// BOOL), mergeable. Keeps exact counts for up to max_categories distinct values; after
// that, new values are counted together under kOtherCategory, so memory stays bounded
// against an unbounded vocabulary (total() is always exact).
//
// Deserialize rejects malformed, truncated or inconsistent bytes with kInvalidArgument,
// never crashes. Thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace asof::drift {

// The bucket of values seen after the table was full. Not a valid UTF-8 feature value
// can collide with it: it starts with a NUL byte.
inline constexpr std::string_view kOtherCategory{"\0other", 6};

class CategoryCounts {
 public:
  static constexpr uint32_t kDefaultMaxCategories = 1000;

  explicit CategoryCounts(uint32_t max_categories = kDefaultMaxCategories);

  void Update(std::string_view category, uint64_t count = 1);
  // Categories of `other` that do not fit any more are added to kOtherCategory.
  void Merge(const CategoryCounts& other);

  uint64_t total() const { return total_; }
  bool empty() const { return total_ == 0; }
  const std::map<std::string, uint64_t, std::less<>>& counts() const { return counts_; }

  std::string Serialize() const;
  static Result<CategoryCounts> Deserialize(std::string_view bytes);

 private:
  uint32_t max_categories_;
  uint64_t total_ = 0;
  std::map<std::string, uint64_t, std::less<>> counts_;
};

}  // namespace asof::drift
