// Shorthands shared by the integration tests: daemon flags sized for the test machine,
// client options for a Daemon, and builders for the protocol's object-API messages.
// Client side only: value types are the wire numbers (asof.fbs: the engine's ValueType
// numbers), so nothing here needs the engine.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tests/util/daemon.h"
#include "wire/asof_generated.h"
#include "wire/client.h"

namespace asof::testing {

// Wire value type numbers (engine/value.h ValueType).
namespace vt {
inline constexpr uint8_t kNull = 0, kBool = 1, kInt32 = 2, kInt64 = 3, kFloat = 4, kDouble = 5,
                         kString = 6, kBytes = 7, kTimestamp = 8, kFloatList = 9;
}  // namespace vt

// Wire value statuses (FeatureValue.status).
namespace vs {
inline constexpr uint8_t kPresent = 0, kNullValue = 1, kNotFound = 2, kOutsideMaxAge = 3;
}  // namespace vs

// Small footprint on a shared 2-core machine; everything else at its default.
inline std::vector<std::string> TestDaemonFlags(std::vector<std::string> extra = {}) {
  std::vector<std::string> flags = {"--threads", "2", "--block-cache-mb", "16"};
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

inline ClientOptions OptionsFor(const Daemon& daemon) {
  ClientOptions options;
  options.host = "127.0.0.1";
  options.port = daemon.port();
  options.connect_timeout = std::chrono::milliseconds(5000);
  options.request_timeout = std::chrono::milliseconds(30000);
  return options;
}

inline int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline wire::ValueT Int64(int64_t v) {
  wire::ValueT out;
  out.type = vt::kInt64;
  out.i = v;
  return out;
}
inline wire::ValueT Double(double v) {
  wire::ValueT out;
  out.type = vt::kDouble;
  out.d = v;
  return out;
}
inline wire::ValueT String(std::string v) {
  wire::ValueT out;
  out.type = vt::kString;
  out.s = std::move(v);
  return out;
}

// value == nullopt writes an explicit null; event_ts == nullopt leaves it out.
inline wire::WriteRecordT Record(std::string entity_type, std::string entity_id,
                                 std::string feature, std::optional<wire::ValueT> value,
                                 std::optional<int64_t> event_ts, std::string event_id = "") {
  wire::WriteRecordT r;
  r.entity_type = std::move(entity_type);
  r.entity_id = std::move(entity_id);
  r.feature = std::move(feature);
  if (value.has_value()) r.value = std::make_unique<wire::ValueT>(std::move(*value));
  r.has_event_ts = event_ts.has_value();
  r.event_ts = event_ts.value_or(0);
  r.event_id = std::move(event_id);
  return r;
}

inline wire::FeatureSpecT Spec(std::string entity, std::string name, uint8_t value_type) {
  wire::FeatureSpecT spec;
  spec.entity = std::move(entity);
  spec.name = std::move(name);
  spec.value_type = value_type;
  return spec;
}

}  // namespace asof::testing
