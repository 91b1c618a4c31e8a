// The body of POST /api/ingest: splitting it into records and turning each record into an
// engine WriteRecord, or into a dead letter when it cannot be read (docs/api.md).
//
// Body: a JSON array of record objects, or JSON Lines (one record object per line). JSON
// Lines is chosen by a Content-Type of application/x-ndjson or application/jsonl, or when
// the body does not start with '[' (so one bare record object is a batch of one). In JSON
// Lines, blank lines are skipped and do not count as records; a record's index is its
// position among the records.
//
// Record: {"entity": string, "entity_id": string, "feature": string ("name" or
// "name@N"), "value": by the feature's registered type (server/api_json.h), or null,
// "event_timestamp": RFC 3339 string or integer of epoch microseconds, "event_id":
// string or null, optional}. Any other member is an error, so that a typo (say
// "event_idd") cannot silently turn off deduplication.
//
// Thread-safety: free functions over values; the registry is thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/engine.h"

namespace asof::server {

// The records of a whole body, in order. kInvalidArgument when the body as a whole is not
// a JSON array or valid JSON Lines (the message names the line), including an empty
// body; kPayloadTooLarge when it holds more than `max_records` records (checked before
// the records are parsed, for JSON Lines). An element that is valid JSON but not an
// object is not an error here: it becomes a rejected record (ConvertIngestRecord).
// `content_type` is the media type alone, lower case (HttpRequest::content_type).
Result<std::vector<boost::json::value>> ParseIngestBody(std::string_view body,
                                                        std::string_view content_type,
                                                        size_t max_records);

// One record converted by its feature's registered type (the newest version for "name").
// On any failure, a dead letter: the members that could be read, `record.value` = the
// record's JSON text (serialized again, compact) as a STRING so nothing the client sent
// is lost, and the reason, kUnprocessable with a message naming the member, like the
// engine's own rejections. Deprecated features, empty entity ids, out-of-range
// timestamps and the like are left to Engine::Write, which rejects them the same way.
std::variant<WriteRecord, DeadLetterInput> ConvertIngestRecord(const boost::json::value& json,
                                                               const Registry& registry);

}  // namespace asof::server
