// Key and value encoding of one served-log row in the default column family
// (engine/served_log.h; engine/doc/formats.md, "Served log").
//
//   key:   "slog:" · request_ts:BE64 · seq:BE64
//   value: format:u8=1 · entity_type:lp · entity_id:lp · count:varint ·
//          count × (feature:lp · status:u8 · default_used:u8 · event_ts:svarint ·
//                   ingest_ts:svarint · value:Value)
//
// request_ts is a clock time (>= 0), so its big-endian bytes order rows by time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/engine.h"
#include "engine/served_log.h"
#include "engine/status.h"

namespace asof::internal {

inline constexpr std::string_view kServedLogPrefix = "slog:";

// The key of (request_ts, seq); request_ts below 0 is taken as 0.
std::string ServedRowKey(int64_t request_ts, uint64_t seq);
// False when `key` is not a served-log key.
bool ParseServedRowKey(std::string_view key, int64_t* request_ts, uint64_t* seq);

void EncodeServedRow(const ServedRow& row, std::string* out);
// Fills every field of `row` but request_ts and seq (they are in the key). kInternal on
// corrupt input; never reads past it.
Status DecodeServedRow(std::string_view in, ServedRow* row);

}  // namespace asof::internal
