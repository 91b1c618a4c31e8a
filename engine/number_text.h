// Shortest round-trip text of a double, exactly as std::to_chars(first, last, double)
// writes it (fixed or scientific, whichever is shorter; fixed on a tie), about four times
// faster: libstdc++ 12's to_chars was 18% of the instructions of a RESP HMGET
// (perf/RESULTS.md). The digits come from Dragonbox (fmt's implementation); a test
// compares the output with std::to_chars on millions of values.
#pragma once

#include <string>

namespace asof {

// Longest text written: "-2.2250738585072014e-308" is 24 characters.
inline constexpr size_t kMaxDoubleText = 32;

// Writes the text at `out` (room for kMaxDoubleText) and returns its end.
char* WriteShortestDouble(double value, char* out);
void AppendShortestDouble(double value, std::string* out);

}  // namespace asof
