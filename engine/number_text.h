// Shortest round-trip text of a double, laid out as Python's repr() and fmt's "{}" do
// (without repr's ".0" on integers): fixed notation for decimal exponents -4..15
// (500000, 0.0001, 123.25), scientific otherwise (1e+16, 1e-05). Not std::to_chars'
// "whichever is shorter", which writes 500000 as 5e+05: Redis clients, CSV readers and
// people expect the former. inf, -inf, nan, 0 and -0 as to_chars spells them.
// Dragonbox digits (fmt's implementation), about four times faster than libstdc++ 12's
// to_chars (perf/RESULTS.md); a test compares the output with fmt::format("{}") on
// millions of values.
#pragma once

#include <string>

namespace asof {

// Longest text written: "-2.2250738585072014e-308" is 24 characters.
inline constexpr size_t kMaxDoubleText = 32;

// Writes the text at `out` (room for kMaxDoubleText) and returns its end.
char* WriteShortestDouble(double value, char* out);
void AppendShortestDouble(double value, std::string* out);

// The same layout for an f32: the shortest text that reads back as the same float
// (0.1f is 0.1, not the f64 nearest to it), from fmt's "{}".
char* WriteShortestFloat(float value, char* out);
void AppendShortestFloat(float value, std::string* out);

}  // namespace asof
