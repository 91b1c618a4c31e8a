// The `latest` record: one per entity, a bin per feature holding its newest version, like
// an Aerospike record with bins. Merge operands have the same format, so a write adds an
// operand and never reads first. Format: engine/doc/formats.md.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace asof::internal {

// A bin that borrows its encoded value from the record it was decoded from.
struct BinView {
  uint32_t feature_id;
  int64_t event_ts;
  int64_t ingest_ts;
  std::string_view value;  // encoded Value (value_codec.h)
};

// True when `a` replaces `b`: greater event_ts, or equal event_ts and greater ingest_ts.
inline bool BinWins(const BinView& a, const BinView& b) {
  return a.event_ts != b.event_ts ? a.event_ts > b.event_ts : a.ingest_ts > b.ingest_ts;
}

// Appends the bins of `record` to `out`; false when the record is corrupt.
bool DecodeLatestRecord(std::string_view record, std::vector<BinView>* out);

// The bin of `feature_id` among the bins of one decoded record (sorted by feature id,
// as DecodeLatestRecord leaves them); nullptr when absent.
const BinView* LookupBin(std::span<const BinView> bins, uint32_t feature_id);

// Sets found[k] to the bin of feature wanted[k] in `record`, or to nullopt when the record
// has none; `wanted` must be sorted ascending (repeats allowed) and as long as `found`.
// Online reads want a few bins of records that hold many: this scans the record once,
// skipping the other bins by their length prefix, yet rejects every record that
// DecodeLatestRecord rejects, so a corrupt bin fails the read whichever features it asks
// for. False when the record is corrupt, including bins out of feature-id order (which
// EncodeWinners never writes; the binary search of LookupBin assumes the same order).
bool SelectBins(std::string_view record, std::span<const uint32_t> wanted,
                std::span<std::optional<BinView>> found);

// Keeps the winning bin per feature among `bins` (any order; reordered in place) and
// writes them, sorted by feature id, as one record to `out` (replacing its contents).
void EncodeWinners(std::vector<BinView>* bins, std::string* out);

}  // namespace asof::internal
