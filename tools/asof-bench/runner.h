// The load loop of asof-bench.
//
// One asof::Connection per --connections, each with one sender thread (here) and the
// connection's own reader thread (wire/client.cc), which runs the response callbacks.
//
// Closed loop (--rate 0): each sender keeps --depth requests in flight; a request is
// timed from the moment it is sent to its last response frame.
//
// Open loop (--rate R): request i of connection c is due at
//   start + (c + i * connections) / R,
// so the connections interleave evenly to a total of R requests/s. A request is timed
// from that intended send time, not from when it actually went out: when the server
// (or the client) falls behind, the backlog shows up as latency instead of silently
// lowering the offered load ("coordinated omission"). --depth caps the requests in
// flight per connection; a request held back by the cap is late, and that too counts.
// How late the sends themselves were is reported separately (send_lag).
//
// Warm-up: requests sent (closed) or due (open) before start + --warmup are answered
// but not counted. The run ends at start + warmup + duration, or when --requests
// measured requests have been sent; then the senders stop and the requests in flight
// are awaited (at most request_timeout).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/status.h"
#include "tools/asof-bench/histogram.h"
#include "tools/asof-bench/options.h"

namespace asof::bench {

struct RunResult {
  LatencyHistogram latency;   // ns, measured requests answered without error
  LatencyHistogram send_lag;  // ns, open loop: actual minus intended send time
  uint64_t requests = 0;      // measured requests answered without error
  uint64_t values = 0;        // feature values read / records written by them
  uint64_t not_present = 0;   // read values whose status was not PRESENT
  uint64_t errors = 0;        // every failure: send, transport, error frame, bad answer
  // Open loop: requests that fell due but were never sent, because the backlog was
  // still not sent 2 s after the scheduled end, or the connection broke.
  uint64_t unsent = 0;
  std::vector<std::string> error_samples;  // the first few distinct messages
  double seconds = 0;             // from the start of measurement to the last measured answer
  double client_cpu_seconds = 0;  // user + system CPU of asof-bench in that window
};

// Connects, runs the workload and returns what was measured. Fails only when the
// server cannot be reached at the start; failures during the run are counted in
// RunResult::errors.
Result<RunResult> RunBenchmark(const BenchOptions& options);

}  // namespace asof::bench
