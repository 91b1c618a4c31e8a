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
