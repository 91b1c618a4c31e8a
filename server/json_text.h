// JsonText: serializes a Boost.JSON value the way people read JSON: doubles in their
// shortest round-trip form ("42.5", "0.1", "1e+300") instead of Boost 1.81's "4.25E1".
// Every JSON the API writes goes through here, so the same value always prints the same.
// Non-finite doubles (which JSON cannot carry) print as null.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace asof::server {

std::string JsonText(const boost::json::value& value);
// Appends to `out`, for callers that build a larger body piece by piece.
void AppendJsonText(const boost::json::value& value, std::string* out);

}  // namespace asof::server
