// DriftMonitor: the distribution of what is served, per feature per time window, against
// baselines recorded from training sets (DESIGN.md section 8; docs/monitoring.md).
//
// Served side: every value ReadOnline returns for a monitored feature (engine/drift/
// value_sketch.h) is added, with probability options.sample_rate, to a per-thread
// sketch of the current window (window_us long, aligned to the epoch). Closed windows
// are merged across threads and persisted in the default column family (key prefix
// "drift:w:", engine/doc/formats.md) and kept for retention_us; the open window is
// persisted on close of the engine. A crash loses at most the open window.
//
// Baselines: a named set of ValueSketch, one per feature. Recorded
//   - from a training set: an as-of join started with AsOfSpec::baseline_id adds every
//     row it answers (AsOfJoin::Next) to a BaselineRecorder and commits it when the join
//     is destroyed: one write per join into that baseline (created on first use, merged
//     into afterwards). A crash before that loses the join's part of it. The HTTP
//     historical route and asof-export pass an id and return it to the caller;
//   - from a time window of served values (BaselineFromWindow).
// Baselines are persisted ("drift:b:") until deleted.
//
// Drift of a feature = served values over [now - window, now] against a baseline: KS and
// PSI (numeric) or PSI and chi-square (categorical), drift_stats.h. It is `drifting`
// when both sides have at least min_samples values and KS > ks_threshold or PSI >
// psi_threshold (categorical: PSI > psi_threshold).
//
// Thread-safety: all methods are safe to call concurrently. ObserveServed is on the read
// hot path: no lock shared between threads, no allocation once a thread's window exists.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/registry.h"
#include "engine/status.h"

namespace asof {

struct OnlineResult;
struct FeatureValue;

struct DriftOptions {
  double sample_rate = 1.0;                          // of served values, in [0, 1]; 0: off
  int64_t window_us = 15LL * 60 * 1000000;           // served sketches per window this long
  int64_t retention_us = 2LL * 24 * 3600 * 1000000;  // closed windows kept this long
  int64_t default_query_window_us =
      3600LL * 1000000;  // window of alerts and of queries without one
  double ks_threshold = 0.1;
  double psi_threshold = 0.2;
  uint64_t min_samples = 1000;  // on each side, before a feature can be `drifting`
};

struct BaselineInfo {
  std::string id;
  std::string origin;  // "historical", "export", "window", or what the caller said
  int64_t created_ts = 0;
  int64_t updated_ts = 0;
  uint64_t rows = 0;                 // training rows (or served values, origin "window") added
  std::vector<FeaturePtr> features;  // features with a sketch in it, in feature id order
};

struct DriftQuery {
  std::string entity_type;  // empty: all features of the baseline (or all monitored ones)
  std::string feature;      // "name" or "name@N"; empty: every feature of the baseline
  std::string baseline_id;  // empty: per feature, the newest baseline that has it
  int64_t window_us = 0;    // 0: options.default_query_window_us
};

struct FeatureDrift {
  FeaturePtr feature;
  std::string baseline_id;
  int64_t window_from = 0;  // served values in [window_from, window_to]
  int64_t window_to = 0;
  bool categorical = false;
  uint64_t baseline_count = 0;
  uint64_t baseline_missing = 0;
  uint64_t served_count = 0;
  uint64_t served_missing = 0;
  std::optional<double> ks;  // numeric, both sides non-empty
  std::optional<double> ks_error_bound;
  std::optional<double> psi;         // both sides non-empty
  std::optional<double> chi_square;  // categorical
  std::optional<double> chi_square_p_value;
  bool drifting = false;
  // Why the feature is not evaluated or not alerting when it otherwise would, e.g.
  // "too few served values (12 < min_samples 1000)"; empty when evaluated.
  std::string note;
};

// One training set's values on their way into a baseline: Add (per chunk of an as-of
// join) only updates sketches held here, with no I/O and no lock shared with other
// joins; Commit merges them into the baseline in one write. Not thread-safe: one owner.
class BaselineRecorder {
 public:
  virtual ~BaselineRecorder() = default;
  // rows x features values, row-major; features that are not monitored are skipped.
  // kInvalidArgument when the value count is not a multiple of the feature count.
  virtual Status Add(const std::vector<FeaturePtr>& features,
                     const std::vector<FeatureValue>& values) = 0;
  // Merges what was added since the last Commit into the baseline (creating it).
  virtual Status Commit() = 0;
};

class DriftMonitor {
 public:
  virtual ~DriftMonitor() = default;
  virtual const DriftOptions& options() const = 0;

  // Hot path, called by ReadOnline with its answer and the read's clock time.
  virtual void ObserveServed(const OnlineResult& result, int64_t now) = 0;
  // A recorder for baseline `id` (see above). kInvalidArgument for a bad id
  // ([A-Za-z0-9_.-], 1..64 bytes).
  virtual Result<std::unique_ptr<BaselineRecorder>> RecordBaseline(std::string_view id,
                                                                   std::string_view origin) = 0;
  // RecordBaseline, Add and Commit at once.
  Status AddToBaseline(std::string_view id, std::string_view origin,
                       const std::vector<FeaturePtr>& features,
                       const std::vector<FeatureValue>& values);
  // Baseline `id` from the served values of every monitored feature over [from, to]
  // (whole windows overlapping it). kConflict when `id` exists; kUnprocessable when no
  // served value falls in the range.
  virtual Result<BaselineInfo> BaselineFromWindow(std::string_view id, int64_t from,
                                                  int64_t to) = 0;
  virtual Result<std::vector<BaselineInfo>> ListBaselines() = 0;      // newest first
  virtual Result<BaselineInfo> GetBaseline(std::string_view id) = 0;  // kNotFound
  virtual Status DeleteBaseline(std::string_view id) = 0;             // kNotFound
  // kNotFound for an unknown feature or baseline; features without a baseline are left out
  // when the query names none.
  virtual Result<std::vector<FeatureDrift>> Drift(const DriftQuery& query) = 0;
  // Persists the open windows now (tests, shutdown).
  virtual Status Flush() = 0;
};

}  // namespace asof
