#include "engine/internal/latest_record.h"

#include <algorithm>

#include "engine/internal/coding.h"

namespace asof::internal {

namespace {

bool DecodeBin(ByteReader* r, BinView* bin) {
  return r->GetRaw(&bin->feature_id) && r->GetRaw(&bin->event_ts) && r->GetRaw(&bin->ingest_ts) &&
         r->GetLengthPrefixed(&bin->value);
}

}  // namespace

bool DecodeLatestRecord(std::string_view record, std::vector<BinView>* out) {
  ByteReader r(record);
  uint64_t count;
  // Each bin takes at least 21 bytes, which bounds a corrupt count before reserving.
  if (!r.GetVarint64(&count) || count > r.remaining() / 21) return false;
  out->reserve(out->size() + count);
  for (uint64_t i = 0; i < count; ++i) {
    BinView bin;
    if (!DecodeBin(&r, &bin)) return false;
    out->push_back(bin);
  }
  return r.empty();
}

const BinView* LookupBin(std::span<const BinView> bins, uint32_t feature_id) {
  auto it = std::lower_bound(bins.begin(), bins.end(), feature_id,
                             [](const BinView& b, uint32_t id) { return b.feature_id < id; });
  return it != bins.end() && it->feature_id == feature_id ? &*it : nullptr;
}

bool SelectBins(std::string_view record, std::span<const uint32_t> wanted,
                std::span<std::optional<BinView>> found) {
  for (std::optional<BinView>& f : found) f.reset();
  ByteReader r(record);
  uint64_t count;
  if (!r.GetVarint64(&count) || count > r.remaining() / 21) return false;
  size_t k = 0;  // the first of `wanted` not yet passed by the walk
  uint32_t previous = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint32_t id;
    if (!r.GetRaw(&id) || (i > 0 && id < previous)) return false;
    previous = id;
    while (k < wanted.size() && wanted[k] < id) ++k;
    if (k < wanted.size() && wanted[k] == id && !found[k].has_value()) {
      BinView bin;
      bin.feature_id = id;
      if (!r.GetRaw(&bin.event_ts) || !r.GetRaw(&bin.ingest_ts) ||
          !r.GetLengthPrefixed(&bin.value)) {
        return false;
      }
      // A feature asked for twice gets the same bin; a repeated bin in the record loses
      // to the first, as with LookupBin.
      for (size_t m = k; m < wanted.size() && wanted[m] == id; ++m) found[m] = bin;
    } else {
      std::string_view skipped;
      if (!r.GetBytes(2 * sizeof(int64_t), &skipped) || !r.GetLengthPrefixed(&skipped)) {
        return false;
      }
    }
  }
  return r.empty();
}

void EncodeWinners(std::vector<BinView>* bins, std::string* out) {
  std::sort(bins->begin(), bins->end(), [](const BinView& a, const BinView& b) {
    return a.feature_id != b.feature_id ? a.feature_id < b.feature_id : BinWins(a, b);
  });
  auto last = std::unique(bins->begin(), bins->end(), [](const BinView& a, const BinView& b) {
    return a.feature_id == b.feature_id;
  });
  bins->erase(last, bins->end());

  out->clear();
  PutVarint64(out, bins->size());
  for (const BinView& bin : *bins) {
    PutRaw(out, bin.feature_id);
    PutRaw(out, bin.event_ts);
    PutRaw(out, bin.ingest_ts);
    PutLengthPrefixed(out, bin.value);
  }
}

}  // namespace asof::internal
