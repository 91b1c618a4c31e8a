// JSON text -> boost::json::value with doubles parsed exactly.
//
// Boost.JSON 1.81 (Debian 12) parses some numbers with 16-17 significant digits one ulp
// off (boostorg/json#599; an exact mode came in 1.83). A feature store must keep the
// value it was sent, so every JSON body the server reads and every JSON Lines record the
// tools read goes through ParseJsonExact: the same grammar and limits as
// boost::json::parse, but each number with a fraction or exponent is converted from its
// text with std::from_chars (correctly rounded).
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <string_view>

#include "engine/status.h"

namespace asof {

// kInvalidArgument "malformed JSON at byte N: <reason>" on bad input; a number too large
// for a double is an error too (Boost.JSON would return infinity).
Result<boost::json::value> ParseJsonExact(std::string_view text);

}  // namespace asof
