// The command line of asof-bench (`asof-bench --help` prints it; README.md explains the
// measurement model).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/client.h"

namespace asof::bench {

enum class Workload {
  kOnline,  // OnlineReadRequest: K entities x M features, latest values
  kAsOf,    // AsOfReadRequest: K rows (entity, T) x M features, T in the last hour
  kWrite,   // WriteRequest: K entities x M features = K*M records stamped "now"
};
std::string_view WorkloadName(Workload workload);  // "online", "asof", "write"

inline constexpr uint32_t kMaxIdWidth = 24;  // --id-width's bound, and room for any uint64_t

struct BenchOptions {
  std::string host = "127.0.0.1";
  uint16_t port = kDefaultNativePort;
  std::string token;
  Workload workload = Workload::kOnline;
  std::string entity_type = "user";
  uint32_t entities = 1;       // K: entities (rows) per request
  uint32_t features = 10;      // M: features f0..f{M-1} per request
  uint64_t keyspace = 100000;  // entity ids are the decimal text of 0..keyspace-1
  uint32_t id_width = 0;       // ... zero-padded to this many digits (12: redis-benchmark's keys)
  uint32_t connections = 1;
  // Closed loop: requests in flight per connection. Open loop: the cap on requests in
  // flight per connection (a request held back by the cap is still timed from its
  // intended send time).
  uint32_t depth = 1;
  double rate = 0;             // open loop: total requests/s over all connections; 0: closed loop
  double duration_s = 10;      // measured time after the warm-up; 0: bounded by --requests only
  double warmup_s = 0;         // sent and answered but not measured
  uint64_t requests = 0;       // measured requests over all connections; 0: bounded by time only
  bool load = false;           // register `entity_type` and f0..f{M-1}, write every entity first
  uint32_t load_batch = 1000;  // records per write request of the load
  bool load_only = false;      // --load --duration 0 without --requests: no run after it
  uint64_t seed = 1;
  bool json = false;
};

struct ParsedOptions {
  BenchOptions options;
  // Set when the program should exit at once with this code (--help, bad arguments);
  // CLI11 has printed why.
  std::optional<int> exit_code;
};

// Parses and validates argv. Never throws.
ParsedOptions ParseOptions(int argc, char** argv);

}  // namespace asof::bench
