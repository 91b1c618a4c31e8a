#include "engine/drift/category_counts.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "engine/internal/coding.h"

namespace asof::drift {
namespace {

constexpr uint8_t kFormatVersion = 1;
// Far above any sensible table; bounds what a damaged header can make us believe.
constexpr uint64_t kMaxMaxCategories = uint64_t{1} << 24;

Status Malformed(std::string_view why) {
  return InvalidArgument("malformed category counts: " + std::string(why));
}

}  // namespace

CategoryCounts::CategoryCounts(uint32_t max_categories) : max_categories_(max_categories) {}

void CategoryCounts::Update(std::string_view category, uint64_t count) {
  if (count == 0) return;
  total_ += count;
  if (auto it = counts_.find(category); it != counts_.end()) {
    it->second += count;
    return;
  }
  size_t named = counts_.size() - (counts_.contains(kOtherCategory) ? 1 : 0);
  if (category != kOtherCategory && named < max_categories_) {
    counts_.emplace(std::string(category), count);
  } else {
    counts_[std::string(kOtherCategory)] += count;
  }
}

void CategoryCounts::Merge(const CategoryCounts& other) {
  if (&other == this) {
    for (auto& [category, count] : counts_) count *= 2;
    total_ *= 2;
    return;
  }
  // Known categories first, then the new ones by decreasing count: when the table fills
  // up, the frequent categories keep their own entry and the rare ones go to "other".
  std::vector<std::pair<std::string_view, uint64_t>> fresh;
  for (const auto& [category, count] : other.counts_) {
    if (counts_.contains(category)) {
      Update(category, count);
    } else {
      fresh.emplace_back(category, count);
    }
  }
  std::stable_sort(fresh.begin(), fresh.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [category, count] : fresh) Update(category, count);
}

// Layout: u8 version (1) | varint max_categories | varint total | varint entries
//         | entries x (length-prefixed category | varint count), in category order.
std::string CategoryCounts::Serialize() const {
  std::string out;
  out.push_back(static_cast<char>(kFormatVersion));
  internal::PutVarint64(&out, max_categories_);
  internal::PutVarint64(&out, total_);
  internal::PutVarint64(&out, counts_.size());
  for (const auto& [category, count] : counts_) {
    internal::PutLengthPrefixed(&out, category);
    internal::PutVarint64(&out, count);
  }
  return out;
}

Result<CategoryCounts> CategoryCounts::Deserialize(std::string_view bytes) {
  internal::ByteReader in(bytes);
  uint8_t version;
  uint64_t max_categories, total, entries;
  if (!in.GetByte(&version)) return Malformed("empty");
  if (version != kFormatVersion) return Malformed("unknown version " + std::to_string(version));
  if (!in.GetVarint64(&max_categories) || !in.GetVarint64(&total) || !in.GetVarint64(&entries)) {
    return Malformed("truncated");
  }
  if (max_categories > kMaxMaxCategories) return Malformed("max_categories too large");
  if (entries > max_categories + 1) return Malformed("more categories than the cap");
  CategoryCounts counts(static_cast<uint32_t>(max_categories));
  uint64_t sum = 0;
  size_t named = 0;
  std::string_view previous;
  for (uint64_t i = 0; i < entries; ++i) {
    std::string_view category;
    uint64_t count;
    if (!in.GetLengthPrefixed(&category) || !in.GetVarint64(&count)) return Malformed("truncated");
    if (i > 0 && category <= previous) return Malformed("categories out of order");
    if (count == 0) return Malformed("zero count");
    if (__builtin_add_overflow(sum, count, &sum)) return Malformed("counts overflow");
    if (category != kOtherCategory && ++named > max_categories) {
      return Malformed("more categories than the cap");
    }
    counts.counts_.emplace_hint(counts.counts_.end(), std::string(category), count);
    previous = category;
  }
  if (!in.empty()) return Malformed("trailing bytes");
  if (sum != total) return Malformed("counts do not add up to the total");
  counts.total_ = total;
  return counts;
}

}  // namespace asof::drift
