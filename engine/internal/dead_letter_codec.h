// Encoding of a dead letter's value in the `dlq` column family: the rejected record as it
// was received, with the code and reason it was rejected for. Format:
// engine/doc/formats.md.
#pragma once

#include <string>
#include <string_view>

#include "engine/engine.h"

namespace asof::internal {

void EncodeDeadLetter(const WriteRecord& record, const Status& reason, std::string* out);
// kInternal on corrupt input.
Status DecodeDeadLetter(std::string_view in, WriteRecord* record, Status* reason);

}  // namespace asof::internal
