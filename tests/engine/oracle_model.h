// OracleModel: a brute-force, obviously-correct model of the Engine's semantics
// (engine/engine.h class comment, DESIGN.md section 3), for the oracle test.
//
// It keeps every accepted version of every (entity type, entity id, feature id) in a
// plain list and answers reads by scanning that list. Nothing is clever on purpose: when
// the engine and the model disagree, the model should be easy to check by eye.
//
// Rules modelled:
// - ingest_ts of each accepted record = max(now, previous ingest_ts + 1).
// - A record is validated first (rejections do not register their event_id and consume
//   no ingest_ts); then a non-empty event_id whose last acceptance has
//   ingest_ts >= now - dedup_window is a duplicate (not applied).
// - A read at T picks the version with the greatest (event_ts, ingest_ts) among those
//   with event_ts <= T (and ingest_ts <= T in replay mode). OUTSIDE_MAX_AGE when ttl > 0
//   and event_ts < T - ttl (a stale explicit null too), else NULL_VALUE for a stored null,
//   else PRESENT. A registered default replaces the value of NOT_FOUND and OUTSIDE_MAX_AGE
//   (status kept).
//
// Thread-safety: none; a plain value, copied to snapshot it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "engine/engine.h"
#include "engine/value.h"

namespace asof {

// gtest printers, so that failed comparisons show readable values.
inline void PrintTo(const Value& v, std::ostream* os) { *os << v.DebugString(); }
inline void PrintTo(ValueStatus s, std::ostream* os) { *os << ValueStatusName(s); }
inline void PrintTo(RecordOutcome o, std::ostream* os) {
  *os << (o == RecordOutcome::kAccepted    ? "ACCEPTED"
          : o == RecordOutcome::kDuplicate ? "DUPLICATE"
                                           : "REJECTED");
}
inline void PrintTo(const FeatureValue& v, std::ostream* os) {
  *os << "{" << ValueStatusName(v.status) << " " << v.value.DebugString()
      << " event_ts=" << v.event_ts << " ingest_ts=" << v.ingest_ts
      << (v.default_used ? " default_used" : "") << "}";
}

namespace testing {

// One registered feature version, as the model knows it. `id` comes from the engine.
struct ModelFeature {
  uint32_t id = 0;
  uint32_t version = 1;
  ValueType type = ValueType::kNull;
  int64_t ttl_us = 0;
  std::optional<Value> default_value;
  bool deprecated = false;
};

struct ModelVersion {
  int64_t event_ts = 0;
  int64_t ingest_ts = 0;
  Value value;
};

struct ModelKey {
  std::string entity_type;
  std::string entity_id;
  uint32_t feature_id = 0;
  auto operator<=>(const ModelKey&) const = default;
};

class OracleModel {
 public:
  OracleModel(int64_t dedup_window_us, int64_t max_future_skew_us)
      : dedup_window_us_(dedup_window_us), max_future_skew_us_(max_future_skew_us) {}

  void AddEntityType(const std::string& name) { features_[name]; }

  // Records version `f.version` of (entity, name); versions must be added in order.
  void AddFeatureVersion(const std::string& entity, const std::string& name,
                         const ModelFeature& f) {
    features_[entity][name].push_back(f);
  }

  // A metadata change of the newest version: in place, seen by every later read.
  void UpdateFeature(const std::string& entity, const std::string& name, int64_t ttl_us,
                     std::optional<Value> default_value) {
    ModelFeature& f = features_.at(entity).at(name).back();
    f.ttl_us = ttl_us;
    f.default_value = std::move(default_value);
  }

  // Deprecates "name@N", or every version of "name". `ref` must resolve.
  void Deprecate(const std::string& entity, const std::string& ref) {
    const size_t at = ref.find('@');
    std::vector<ModelFeature>& versions = features_.at(entity).at(ref.substr(0, at));
    if (at == std::string::npos) {
      for (ModelFeature& f : versions) f.deprecated = true;
    } else {
      versions.at(std::stoul(ref.substr(at + 1)) - 1).deprecated = true;
    }
  }

  const ModelFeature* FindById(uint32_t id) const {
    for (const auto& [entity, names] : features_) {
      for (const auto& [name, versions] : names) {
        for (const ModelFeature& f : versions) {
          if (f.id == id) return &f;
        }
      }
    }
    return nullptr;
  }

  // "name" (newest) or "name@N"; nullptr when unknown.
  const ModelFeature* Resolve(const std::string& entity, const std::string& ref) const {
    auto e = features_.find(entity);
    if (e == features_.end()) return nullptr;
    const size_t at = ref.find('@');
    auto n = e->second.find(ref.substr(0, at));
    if (n == e->second.end() || n->second.empty()) return nullptr;
    if (at == std::string::npos) return &n->second.back();
    const std::string num = ref.substr(at + 1);
    if (num.empty() || num.size() > 9 ||
        !std::all_of(num.begin(), num.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return nullptr;
    }
    const size_t version = std::stoul(num);
    if (version < 1 || version > n->second.size()) return nullptr;
    return &n->second[version - 1];
  }

  // Why the engine must reject `r` at clock time `now`; OK when it is valid.
  Status Validate(const WriteRecord& r, int64_t now) const {
    if (!features_.contains(r.entity_type)) return NotFound("entity type");
    if (r.entity_id.empty() || r.entity_id.size() > kMaxEntityIdBytes) {
      return InvalidArgument("entity id");
    }
    if (r.event_id.size() > kMaxEventIdBytes) return InvalidArgument("event id");
    const ModelFeature* f = Resolve(r.entity_type, r.feature);
    if (f == nullptr) return NotFound("feature");
    if (f->deprecated) return Unprocessable("deprecated");
    if (Status s = CheckValueType(r.value, f->type); !s.ok()) return s;
    if (!r.event_ts.has_value()) return InvalidArgument("no event_ts");
    if (*r.event_ts < 0 || *r.event_ts > kMaxEventTs) return InvalidArgument("event_ts range");
    if (*r.event_ts > now + max_future_skew_us_) return InvalidArgument("event_ts in future");
    return Status::Ok();
  }

  bool IsDuplicate(const std::string& event_id, int64_t now) const {
    if (event_id.empty()) return false;
    auto it = event_ids_.find(event_id);
    return it != event_ids_.end() && it->second >= now - dedup_window_us_;
  }

  // Applies a batch at clock time `now`; returns what the engine must report. Reasons
  // of rejections are the model's guesses: compare only that they are not OK.
  WriteResult Write(std::span<const WriteRecord> records, int64_t now) {
    WriteResult result;
    for (size_t i = 0; i < records.size(); ++i) {
      const WriteRecord& r = records[i];
      if (Status s = Validate(r, now); !s.ok()) {
        ++result.rejected;
        result.problems.push_back({i, RecordOutcome::kRejected, s});
        dead_letters_.push_back(r);
        continue;
      }
      if (IsDuplicate(r.event_id, now)) {
        ++result.duplicates;
        result.problems.push_back({i, RecordOutcome::kDuplicate, Status::Ok()});
        continue;
      }
      ++result.accepted;
      last_ingest_ts_ = std::max(now, last_ingest_ts_ + 1);
      if (!r.event_id.empty()) event_ids_[r.event_id] = last_ingest_ts_;
      const ModelFeature* f = Resolve(r.entity_type, r.feature);
      versions_[ModelKey{r.entity_type, r.entity_id, f->id}].push_back(
          ModelVersion{*r.event_ts, last_ingest_ts_, r.value});
    }
    return result;
  }

  // The answer of an as-of read at `t` (online at now: t = now, replay = false).
  FeatureValue Read(const std::string& entity_type, const std::string& entity_id,
                    const ModelFeature& f, int64_t t, bool replay) const {
    const ModelVersion* best = nullptr;
    auto it = versions_.find(ModelKey{entity_type, entity_id, f.id});
    if (it != versions_.end()) {
      for (const ModelVersion& v : it->second) {
        if (v.event_ts > t || (replay && v.ingest_ts > t)) continue;
        if (best == nullptr ||
            std::tie(v.event_ts, v.ingest_ts) > std::tie(best->event_ts, best->ingest_ts)) {
          best = &v;
        }
      }
    }
    FeatureValue out;
    if (best == nullptr) {
      out.status = ValueStatus::kNotFound;
    } else {
      out.event_ts = best->event_ts;
      out.ingest_ts = best->ingest_ts;
      if (f.ttl_us > 0 && best->event_ts < t - f.ttl_us) {
        out.status = ValueStatus::kOutsideMaxAge;  // even for a stored null: it is stale
      } else if (best->value.is_null()) {
        out.status = ValueStatus::kNullValue;
      } else {
        out.status = ValueStatus::kPresent;
        out.value = best->value;
      }
    }
    const bool substitutable =
        out.status == ValueStatus::kNotFound || out.status == ValueStatus::kOutsideMaxAge;
    if (substitutable && f.default_value.has_value()) {
      out.value = *f.default_value;
      out.default_used = true;
    }
    return out;
  }

  int64_t last_ingest_ts() const { return last_ingest_ts_; }
  const std::map<ModelKey, std::vector<ModelVersion>>& versions() const { return versions_; }
  // event_id -> ingest_ts of its last acceptance.
  const std::map<std::string, int64_t>& event_ids() const { return event_ids_; }
  const std::vector<WriteRecord>& dead_letters() const { return dead_letters_; }
  int64_t dedup_window_us() const { return dedup_window_us_; }
  int64_t max_future_skew_us() const { return max_future_skew_us_; }

 private:
  int64_t dedup_window_us_;
  int64_t max_future_skew_us_;
  // entity type -> feature name -> versions, oldest first.
  std::map<std::string, std::map<std::string, std::vector<ModelFeature>>> features_;
  std::map<ModelKey, std::vector<ModelVersion>> versions_;
  std::map<std::string, int64_t> event_ids_;
  std::vector<WriteRecord> dead_letters_;
  int64_t last_ingest_ts_ = 0;
};

}  // namespace testing
}  // namespace asof
