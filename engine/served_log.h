// ServedLog: a sampled log of served feature vectors (DESIGN.md section 8; Feast's
// "feature logging"), exportable as training data with no training-serving skew by
// construction: it is what the model was given.
//
// Sampling: each entity row of a ReadOnline answer is logged independently with
// probability rate(entity_type) (options.entity_rates, else options.sample_rate): one
// Bernoulli draw per row from a per-thread generator, so the logged fraction follows a
// binomial law (tests check it within bounds). The hot path copies a sampled row into a
// shared buffer (one lock per request); a background thread writes it to the default CF
// (prefix "slog:", key ordered by request time then a sequence, engine/doc/formats.md)
// every flush_interval_us or max_buffered rows, and deletes rows older than retention_us.
// A crash loses at most the unflushed rows; nothing else is at risk.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/status.h"

namespace asof {

struct OnlineResult;
struct OnlineRequest;
struct FeatureValue;

struct ServedLogOptions {
  double sample_rate = 0.0;  // default for every entity type; 0: logging off
  // Per entity type (a "feature set": the features of one entity type), overriding it.
  std::map<std::string, double, std::less<>> entity_rates;
  int64_t retention_us = 7LL * 24 * 3600 * 1000000;
  int64_t flush_interval_us = 1000000;
  size_t max_buffered = 10000;  // rows buffered before a flush is forced; more are dropped
                                // and counted in ServedLogStats::dropped
};

// One logged row: what one entity was served by one read.
struct ServedRow {
  int64_t request_ts = 0;  // the read's clock time, microseconds
  uint64_t seq = 0;        // orders rows of the same request_ts
  std::string entity_type;
  std::string entity_id;
  std::vector<std::string> features;  // "name@N", as resolved
  std::vector<FeatureValue> values;   // same order as features
};

struct ServedLogQuery {
  int64_t from_ts = 0;  // request_ts in [from_ts, to_ts]
  int64_t to_ts = INT64_MAX;
  std::string entity_type;  // empty: all
  // Resume after this row (the last one of the previous page).
  std::optional<std::pair<int64_t, uint64_t>> after;
  size_t limit = 1000;
};

struct ServedLogStats {
  uint64_t sampled = 0;  // rows sampled since open
  uint64_t written = 0;  // rows persisted since open
  uint64_t dropped = 0;  // sampled but dropped (buffer full)
  uint64_t expired = 0;  // rows deleted by retention since open
};

class ServedLog {
 public:
  virtual ~ServedLog() = default;
  virtual const ServedLogOptions& options() const = 0;
  // Hot path, called by ReadOnline.
  virtual void ObserveServed(const OnlineRequest& request, const OnlineResult& result,
                             int64_t now) = 0;
  // Rows in (request_ts, seq) order; only persisted rows (Flush first to see all).
  virtual Result<std::vector<ServedRow>> Read(const ServedLogQuery& query) = 0;
  virtual Status Flush() = 0;
  // Deletes rows older than now - retention_us now (the background thread does it too).
  virtual Status ExpireOld() = 0;
  virtual ServedLogStats stats() const = 0;
};

}  // namespace asof
