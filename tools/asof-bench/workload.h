// Requests of one workload, and the check of their responses.
//
// RequestFactory builds each request fresh (new random entities, new timestamps) into a
// reused FlatBufferBuilder, so the server never sees a replayed payload.
// ResponseTally checks every response frame the way a real caller would rely on it:
// the frame verifies, has the expected type and as many values as were asked for, and
// a write was accepted in full. Anything else is an error with a reason.
//
// Thread-safety: a RequestFactory belongs to one sender thread; a ResponseTally to the
// request whose callback owns it.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "engine/status.h"
#include "flatbuffers/flatbuffers.h"
#include "tools/asof-bench/options.h"
#include "wire/client.h"

namespace asof::bench {

// Event time of the values --load writes: an hour before the load, so that every as-of
// request (T in the hour before "now") finds them.
inline constexpr int64_t kLoadAgeUs = int64_t{3600} * 1000000;

int64_t NowMicros();  // wall clock, microseconds since the epoch

wire::MessageType RequestTypeOf(Workload workload);

class RequestFactory {
 public:
  RequestFactory(const BenchOptions& options, uint64_t seed);

  // The next request's payload; valid until the next call.
  std::span<const uint8_t> Next();

 private:
  flatbuffers::Offset<flatbuffers::String> RandomEntity();
  void BuildOnline();
  void BuildAsOf();
  void BuildWrite();

  const BenchOptions& options_;
  std::mt19937_64 rng_;
  std::uniform_int_distribution<uint64_t> entity_;
  flatbuffers::FlatBufferBuilder fbb_;
  std::vector<std::string> feature_names_;
};

// Builds a WriteRequest of every feature in `features` for entities [first, first + n),
// value = entity + feature / 1000, at `event_ts`. For --load.
void BuildLoadBatch(const BenchOptions& options, uint64_t first, uint64_t n, int64_t event_ts,
                    flatbuffers::FlatBufferBuilder* fbb);

// Accumulates the frames of one response (an as-of answer may come in chunks).
class ResponseTally {
 public:
  ResponseTally(Workload workload, uint32_t entities, uint32_t features)
      : workload_(workload), entities_(entities), features_(features) {}

  // Checks one frame; OK while the response is well-formed so far. On the last frame
  // (no MORE flag) also checks that the response is complete.
  Status Add(const Frame& frame);

  // Feature values (reads) or records (writes) the response carried.
  uint64_t values() const { return values_; }
  // Read values whose status was not PRESENT (never written, or withheld by ttl).
  uint64_t not_present() const { return not_present_; }

 private:
  Status AddOnline(std::span<const uint8_t> bytes);
  Status AddAsOf(std::span<const uint8_t> bytes, bool last);
  Status AddWrite(std::span<const uint8_t> bytes);

  Workload workload_;
  uint32_t entities_;
  uint32_t features_;
  uint64_t rows_ = 0;
  uint64_t values_ = 0;
  uint64_t not_present_ = 0;
};

}  // namespace asof::bench
