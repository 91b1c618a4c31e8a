// Printing a run's result: a short human-readable block, or one JSON object (--json).
#pragma once

#include <cstdio>
#include <optional>

#include "tools/asof-bench/load.h"
#include "tools/asof-bench/options.h"
#include "tools/asof-bench/runner.h"

namespace asof::bench {

// Latencies are printed in microseconds with the histogram's error bound stated once.
void PrintText(const BenchOptions& options, const std::optional<LoadResult>& load,
               const RunResult& result, std::FILE* out);
void PrintJson(const BenchOptions& options, const std::optional<LoadResult>& load,
               const RunResult& result, std::FILE* out);

}  // namespace asof::bench
