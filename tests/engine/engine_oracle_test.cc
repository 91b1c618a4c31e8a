// The engine's oracle test: over a thousand seeded random scenarios of writes, clock moves,
// online and as-of reads and reopens, every answer compared with OracleModel
// (tests/engine/oracle_model.h), a brute-force model of engine/engine.h's semantics.
//
// A run opens one engine (random options, a ManualClock at a random time) and plays 1-8
// scenarios in it, each with its own entity types, so that the cost of opening RocksDB is
// shared; earlier scenarios' data is re-checked after every reopen and at the end.
//
// Reproduce a failure: every assertion names its run seed; run
//   ASOF_ORACLE_RUN=<seed> ASOF_ORACLE_VERBOSE=1 engine_engine_oracle_test
// to replay that run alone with a log of its operations. ASOF_SEED replays the whole
// test; ASOF_ORACLE_RUNS sets how many runs each test makes.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "engine/clock.h"
#include "engine/engine.h"
#include "tests/engine/oracle_model.h"
#include "tests/util/test_util.h"

namespace asof {
namespace {

using testing::ModelFeature;
using testing::OracleModel;

constexpr int64_t kDay = 24LL * 3600 * 1000000;
constexpr char kNeverWritten[] = "nobody";

uint64_t Mix(uint64_t x) {  // splitmix64
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::optional<uint64_t> EnvU64(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::strtoull(v, nullptr, 10);
}

// What the runs exercised, printed at the end so that a reader can see the random mix
// really reaches duplicates, rejections, every status, reopens and so on.
struct Coverage {
  uint64_t runs = 0, scenarios = 0, reopens = 0, compactions = 0, midway_writes = 0;
  uint64_t accepted = 0, duplicates = 0, rejected = 0;
  uint64_t by_status[4] = {}, defaults_used = 0;

  void Count(const FeatureValue& v) {
    ++by_status[static_cast<int>(v.status)];
    defaults_used += v.default_used;
  }
  void Print() const {
    std::cerr << "[oracle] runs=" << runs << " scenarios=" << scenarios << " reopens=" << reopens
              << " compactions=" << compactions << " writes_during_joins=" << midway_writes
              << "\n[oracle] records accepted=" << accepted << " duplicate=" << duplicates
              << " rejected=" << rejected << "\n[oracle] values checked: PRESENT=" << by_status[0]
              << " NULL_VALUE=" << by_status[1] << " NOT_FOUND=" << by_status[2]
              << " OUTSIDE_MAX_AGE=" << by_status[3] << " (default used " << defaults_used << ")\n";
  }
};
Coverage coverage;

// One entity type of a scenario: the refs that may be read and written, and the small
// id space its writes collide in.
struct EntitySchema {
  std::string name;
  std::vector<std::string> refs;  // "f0", "f1", "f0@1", "f0@2", ...
  std::vector<std::string> ids;   // written ids; kNeverWritten is never among them
};

class OracleRun {
 public:
  OracleRun(uint64_t seed, bool sync_writes)
      : seed_(seed),
        rng_(seed),
        clock_(Uniform(1'500'000'000'000'000, 1'750'000'000'000'000)),
        step_(Pick<int64_t>({1, 3, 10, 250, 5000})),
        model_(OneIn(3) ? kDay : step_ * Uniform(1, 30), OneIn(3) ? step_ * Uniform(1, 6) : kDay),
        verbose_(EnvU64("ASOF_ORACLE_VERBOSE").value_or(0) != 0) {
    grid0_ = clock_.NowMicros() - step_ * Uniform(0, 20);
    options_.path = dir_.path() + "/db";
    options_.sync_writes = sync_writes;
    options_.dedup_window_us = model_.dedup_window_us();
    options_.max_future_skew_us = model_.max_future_skew_us();
    options_.block_cache_bytes = 1 << 20;
    options_.write_buffer_bytes = OneIn(2) ? (64 << 10) : (1 << 20);
    options_.clock = &clock_;
  }

  // Plays 1-8 scenarios on one engine; returns at the first failed assertion.
  void Run() {
    SCOPED_TRACE("run seed " + std::to_string(seed_) +
                 " (replay: ASOF_ORACLE_RUN=" + std::to_string(seed_) + " ASOF_ORACLE_VERBOSE=1)");
    Log("open: step=" + std::to_string(step_) +
        " dedup_window=" + std::to_string(options_.dedup_window_us) +
        " skew=" + std::to_string(options_.max_future_skew_us));
    ++coverage.runs;
    OpenEngine();
    const int num_scenarios = static_cast<int>(Uniform(1, 8));
    for (int sc = 0; sc < num_scenarios && !Failed(); ++sc) {
      SCOPED_TRACE("scenario #" + std::to_string(sc));
      Log("scenario #" + std::to_string(sc));
      ++coverage.scenarios;
      first_entity_ = entities_.size();
      RegisterSchema(sc);
      const int num_ops = static_cast<int>(Uniform(8, 30));
      for (int op = 0; op < num_ops && !Failed(); ++op) {
        SCOPED_TRACE("op #" + std::to_string(op) + " at now=" + std::to_string(Now()));
        Step();
      }
    }
    if (Failed()) return;
    SCOPED_TRACE("final sweep of every scenario");
    Sweep(/*all=*/true);
    if (!Failed()) CheckDeadLetters();
  }

 private:
  // --- randomness -------------------------------------------------------------------
  int64_t Uniform(int64_t lo, int64_t hi) {  // inclusive
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool OneIn(int n) { return Uniform(0, n - 1) == 0; }
  template <typename T>
  T Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(Uniform(0, static_cast<int64_t>(v.size()) - 1))];
  }
  // A random non-empty subset of `v`, shuffled.
  template <typename T>
  std::vector<T> Subset(std::vector<T> v) {
    std::shuffle(v.begin(), v.end(), rng_);
    v.resize(static_cast<size_t>(Uniform(1, static_cast<int64_t>(v.size()))));
    return v;
  }
  // Mostly short; sometimes long enough for multi-byte length prefixes.
  size_t RandomLength() {
    return static_cast<size_t>(OneIn(40) ? Uniform(100, 3000) : Uniform(0, 8));
  }
  std::string RandomString(bool ascii) {
    std::string s(RandomLength(), ' ');
    for (char& c : s) c = static_cast<char>(ascii ? Uniform('a', 'z') : Uniform(0, 255));
    return s;
  }

  Value RandomValue(ValueType type);
  ValueType RandomType() { return static_cast<ValueType>(Uniform(1, kMaxValueType)); }
  int64_t RandomEventTs();
  std::string RandomEventId();
  WriteRecord ValidRecord();
  WriteRecord InvalidRecord();
  std::vector<int64_t> EdgeTimes(const std::string* entity_type);
  int64_t InterestingTime(const std::string& entity_type);

  // --- operations ---------------------------------------------------------------------
  void OpenEngine();
  void Reopen();
  void RegisterSchema(int scenario);
  void AddFeature(const std::string& entity, const Registry::Registered& reg,
                  const FeatureSpec& spec);
  void Step();
  void DoWrite();
  void DoAdvanceClock();
  void DoRegistryChange();
  void DoOnlineRead(const EntitySchema& e, const std::vector<std::string>& ids,
                    const std::vector<std::string>& refs);
  void DoAsOfRead(const EntitySchema& e, const std::vector<std::string>& refs,
                  std::vector<AsOfRow> rows, AsOfMode mode, bool chunked);
  void RandomOnlineRead();
  void RandomAsOfRead();
  void Sweep(bool all);
  void CheckDeadLetters();

  // An entity type of the current scenario.
  const EntitySchema& RandomEntity() {
    return entities_[static_cast<size_t>(Uniform(first_entity_, entities_.size() - 1))];
  }
  std::vector<std::string> IdsToRead(const EntitySchema& e) {
    std::vector<std::string> ids = e.ids;
    ids.push_back(kNeverWritten);
    return ids;
  }
  const ModelFeature& Feature(const EntitySchema& e, const std::string& ref) {
    const ModelFeature* f = model_.Resolve(e.name, ref);
    ASOF_CHECK(f != nullptr) << ref;
    return *f;
  }
  int64_t Now() const { return clock_.NowMicros(); }
  static bool Failed() { return ::testing::Test::HasFailure(); }
  void Log(const std::string& line) {
    if (verbose_) std::cerr << "[oracle " << seed_ << "] " << line << "\n";
  }

  const uint64_t seed_;
  std::mt19937_64 rng_;
  ManualClock clock_;
  const int64_t step_;  // spacing of the event_ts grid
  OracleModel model_;
  const bool verbose_;
  int64_t grid0_ = 0;
  asof::testing::TempDir dir_;
  EngineOptions options_;
  std::unique_ptr<Engine> engine_;
  std::vector<EntitySchema> entities_;  // of every scenario so far
  size_t first_entity_ = 0;             // the current scenario's are from here on
  std::vector<std::string> event_id_pool_;
  int counter_ = 0;
};

Value OracleRun::RandomValue(ValueType type) {
  auto n = [this] { return RandomLength() / 2; };
  auto dbl = [this]() -> double {
    if (OneIn(10)) return Pick<double>({-0.0, std::nan(""), 1e308, -5e-324});
    return static_cast<double>(Uniform(-1000, 1000)) / 8;
  };
  switch (type) {
    case ValueType::kBool:
      return Value::Bool(OneIn(2));
    case ValueType::kInt32:
      return Value::Int32(static_cast<int32_t>(Uniform(INT32_MIN, INT32_MAX)));
    case ValueType::kInt64:
      return Value::Int64(Uniform(INT64_MIN, INT64_MAX));
    case ValueType::kFloat:
      return Value::Float(static_cast<float>(dbl()));
    case ValueType::kDouble:
      return Value::Double(dbl());
    case ValueType::kString:
      return Value::String(OneIn(5) ? "\xc3\xbc-\xe2\x82\xac" : RandomString(true));
    case ValueType::kBytes:
      return Value::Bytes(RandomString(false));
    case ValueType::kTimestamp:
      return Value::Timestamp(Uniform(0, kMaxEventTs));
    case ValueType::kFloatList: {
      std::vector<float> v(n());
      for (float& x : v) x = static_cast<float>(dbl());
      return Value::FloatList(std::move(v));
    }
    case ValueType::kDoubleList: {
      std::vector<double> v(n());
      for (double& x : v) x = dbl();
      return Value::DoubleList(std::move(v));
    }
    case ValueType::kInt64List: {
      std::vector<int64_t> v(n());
      for (int64_t& x : v) x = Uniform(-5, 5);
      return Value::Int64List(std::move(v));
    }
    case ValueType::kStringList: {
      std::vector<std::string> v(n());
      for (std::string& x : v) x = RandomString(true);
      return Value::StringList(std::move(v));
    }
    case ValueType::kNull:
      break;
  }
  return Value::Null();
}

// Mostly on a coarse grid around now, so that ties on event_ts are frequent, events
// arrive out of order and some are dated in the (near) future.
int64_t OracleRun::RandomEventTs() {
  const int64_t k_now = (Now() - grid0_) / step_;
  const int64_t on_grid = grid0_ + step_ * (k_now + Uniform(-12, 4));
  switch (Uniform(0, 19)) {
    case 0:
      return on_grid + Uniform(-1, 1);
    case 1:
      return Now();
    case 2:
      return Now() + model_.max_future_skew_us();  // the last accepted instant
    case 3:
      return std::max<int64_t>(0, Now() - Uniform(1'000'000, 1'000'000'000'000));
    case 4:
      return OneIn(4) ? 0 : on_grid;  // the epoch: the smallest valid event_ts
    default:
      return on_grid;
  }
}

std::string OracleRun::RandomEventId() {
  if (!OneIn(3)) return "";
  if (!event_id_pool_.empty() && OneIn(2)) return Pick(event_id_pool_);
  std::string id = "ev" + std::to_string(counter_++);
  if (OneIn(20)) id.resize(kMaxEventIdBytes, 'x');  // the longest accepted
  event_id_pool_.push_back(id);
  return id;
}

WriteRecord OracleRun::ValidRecord() {
  const EntitySchema& e = RandomEntity();
  WriteRecord r;
  r.entity_type = e.name;
  r.entity_id = Pick(e.ids);
  r.feature = Pick(e.refs);
  r.value = OneIn(10) ? Value::Null() : RandomValue(Feature(e, r.feature).type);
  r.event_ts = RandomEventTs();
  r.event_id = RandomEventId();
  return r;
}

// A record the engine must reject. Its event_id, if any, is fresh, so the rejection
// cannot be confused with a duplicate; later valid records may reuse it and must then be
// accepted (a rejected record does not register its event_id).
WriteRecord OracleRun::InvalidRecord() {
  WriteRecord r = ValidRecord();
  r.event_id = OneIn(2) ? "" : "bad" + std::to_string(counter_++);
  if (!r.event_id.empty()) event_id_pool_.push_back(r.event_id);
  const ValueType type = model_.Resolve(r.entity_type, r.feature)->type;
  switch (Uniform(0, 9)) {
    case 0:
      r.feature = "nope";
      break;
    case 1:
      r.feature = r.feature.substr(0, r.feature.find('@')) + "@9";
      break;
    case 2:
      r.event_ts.reset();
      break;
    case 3:
      r.entity_id.clear();
      break;
    case 4:
      r.entity_type = "ghost";
      break;
    case 5:
      r.event_ts = Now() + model_.max_future_skew_us() + Pick<int64_t>({1, kDay});
      break;
    case 6:
      r.event_ts = -Uniform(1, 1000);
      break;
    case 7:
      r.entity_id.assign(kMaxEntityIdBytes + 1, 'i');
      break;
    case 8:
      r.event_id.assign(kMaxEventIdBytes + 1, 'e');
      break;
    default:
      if (type == ValueType::kString) {
        r.value = Value::String("ok\xff");
      } else if (type == ValueType::kStringList) {
        r.value = Value::StringList({"fine", "\xc0\xaf"});
      } else {
        ValueType other = RandomType();
        while (other == type) other = RandomType();
        r.value = RandomValue(other);
      }
  }
  return r;
}

// Times where something changes: event_ts and ttl edges of stored versions, ingest_ts,
// and dedup window edges. All of them when `entity_type` is null.
std::vector<int64_t> OracleRun::EdgeTimes(const std::string* entity_type) {
  std::vector<int64_t> out;
  for (const auto& [key, versions] : model_.versions()) {
    if (entity_type != nullptr && key.entity_type != *entity_type) continue;
    const int64_t ttl = model_.FindById(key.feature_id)->ttl_us;
    for (const auto& v : versions) {
      for (int64_t d : {-1, 0, 1}) out.push_back(v.event_ts + d);
      for (int64_t d : {-1, 0, 1}) out.push_back(v.ingest_ts + d);
      if (ttl > 0) out.insert(out.end(), {v.event_ts + ttl, v.event_ts + ttl + 1});
    }
  }
  if (entity_type == nullptr) {
    for (const auto& [id, ingest_ts] : model_.event_ids()) {
      const int64_t edge = ingest_ts + model_.dedup_window_us();
      out.insert(out.end(), {edge, edge + 1});
    }
  }
  return out;
}

int64_t OracleRun::InterestingTime(const std::string& entity_type) {
  if (OneIn(50)) return OneIn(2) ? 0 : kMaxEventTs;
  if (OneIn(4)) return Now() + Uniform(-1, 1);
  if (OneIn(3)) return grid0_ + step_ * Uniform(-5, (Now() - grid0_) / step_ + 5);
  std::vector<int64_t> edges = EdgeTimes(&entity_type);
  return edges.empty() ? Now() : Pick(edges);
}

void OracleRun::OpenEngine() {
  Log("Engine::Open at now=" + std::to_string(Now()));
  ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(options_));
}

// engine.h promises strictly increasing ingest_ts within a process. Half the time the
// clock is moved past the last ingest_ts before reopening, as that promise needs; the
// other half the clock stays put, which requires ingest_ts to keep increasing across a
// restart (the engine persists a high-water mark): otherwise a new version could tie an
// old one on (event_ts, ingest_ts) and "later ingest wins" would be undefined.
void OracleRun::Reopen() {
  engine_.reset();
  if (model_.last_ingest_ts() >= Now() && OneIn(2)) {
    clock_.Set(model_.last_ingest_ts() + Uniform(1, step_));
  }
  OpenEngine();
  if (!Failed()) Sweep(/*all=*/true);
}

void OracleRun::AddFeature(const std::string& entity, const Registry::Registered& reg,
                           const FeatureSpec& spec) {
  ModelFeature f{reg.feature->id, reg.feature->version, spec.value_type, spec.ttl_us,
                 spec.default_value};
  ASSERT_EQ(model_.FindById(f.id), nullptr) << "feature id reused: " << f.id;
  ASSERT_EQ(reg.feature->spec.value_type, spec.value_type);
  model_.AddFeatureVersion(entity, spec.name, f);
}

// The entity types of scenario #n are named apart from the earlier scenarios' ones.
void OracleRun::RegisterSchema(int scenario) {
  const int num_types = static_cast<int>(Uniform(1, 2));
  for (int t = 0; t < num_types; ++t) {
    EntitySchema e;
    e.name = scenario == 0 ? "" : "s" + std::to_string(scenario) + "_";
    e.name += t == 0 ? "user" : "item";
    ASSERT_OK(engine_->registry().RegisterEntityType(e.name, "oracle"));
    model_.AddEntityType(e.name);
    const int num_features = static_cast<int>(Uniform(1, 3));
    for (int i = 0; i < num_features; ++i) {
      FeatureSpec spec;
      spec.name = "f";  // not `"f" + to_string`: GCC 12's -Wrestrict misfires on it
      spec.name += std::to_string(i);
      spec.entity = e.name;
      spec.value_type = RandomType();
      if (OneIn(2)) spec.ttl_us = step_ * Uniform(1, 8) + (OneIn(4) ? Uniform(0, 2) : 0);
      if (OneIn(3)) spec.default_value = RandomValue(spec.value_type);
      ASSERT_OK_AND_ASSIGN(auto reg, engine_->registry().RegisterFeature(spec));
      ASSERT_EQ(reg.outcome, Registry::Outcome::kCreated);
      AddFeature(e.name, reg, spec);
      e.refs.push_back(spec.name);
      if (i == 0 && t == 0 && !OneIn(3)) {  // a schema change: version 2 of f0
        FeatureSpec v2 = spec;
        while (v2.value_type == spec.value_type) v2.value_type = RandomType();
        v2.ttl_us = OneIn(2) ? step_ * Uniform(1, 8) : 0;
        v2.default_value.reset();
        if (OneIn(2)) v2.default_value = RandomValue(v2.value_type);
        ASSERT_OK_AND_ASSIGN(auto reg2, engine_->registry().RegisterFeature(v2, true));
        ASSERT_EQ(reg2.outcome, Registry::Outcome::kNewVersion);
        ASSERT_EQ(reg2.feature->version, 2u);
        AddFeature(e.name, reg2, v2);
        e.refs.insert(e.refs.end(), {"f0@1", "f0@2"});
      }
    }
    const int num_ids = static_cast<int>(Uniform(1, 5));
    for (int i = 0; i < num_ids; ++i) {
      // Every other scenario's ids are prefixes of each other: "7", "77", ...
      e.ids.push_back(scenario % 2 ? std::string(i + 1, '7') : "id" + std::to_string(i));
    }
    if (OneIn(8)) e.ids.push_back(std::string(kMaxEntityIdBytes, 'L'));  // longest accepted
    if (OneIn(8)) e.ids.push_back("\xc3\xa9t\xc3\xa9:1");
    entities_.push_back(std::move(e));
  }
}

void OracleRun::Step() {
  const int64_t roll = Uniform(0, 199);
  if (roll < 72) return DoWrite();
  if (roll < 106) return DoAdvanceClock();
  if (roll < 146) return RandomOnlineRead();
  if (roll < 190) return RandomAsOfRead();
  if (roll < 193) return DoRegistryChange();
  if (roll < 198) {
    Log("reopen");
    SCOPED_TRACE("reopen");
    ++coverage.reopens;
    return Reopen();
  }
  Log("CompactAll");
  SCOPED_TRACE("after CompactAll");
  ++coverage.compactions;
  ASSERT_OK(engine_->CompactAll());
  Sweep(/*all=*/true);
}

void OracleRun::DoWrite() {
  std::vector<WriteRecord> batch(static_cast<size_t>(Uniform(1, 20)));
  const int64_t now = Now();
  for (WriteRecord& r : batch) {
    if (OneIn(12)) {
      r = InvalidRecord();
      ASSERT_FALSE(model_.Validate(r, now).ok()) << "test bug: InvalidRecord() is valid";
    } else {
      r = ValidRecord();
    }
  }
  Log("write " + std::to_string(batch.size()) + " records at now=" + std::to_string(now));
  for (const WriteRecord& r : batch) {
    if (!verbose_) break;
    Log("  " + r.entity_type + "/" + r.entity_id.substr(0, 16) + "/" + r.feature + " " +
        r.value.DebugString() + " event_ts=" + (r.event_ts ? std::to_string(*r.event_ts) : "-") +
        " event_id=" + r.event_id.substr(0, 16));
  }
  const EngineStats before = engine_->stats();
  const WriteResult want = model_.Write(batch, now);
  coverage.accepted += want.accepted;
  coverage.duplicates += want.duplicates;
  coverage.rejected += want.rejected;
  ASSERT_OK_AND_ASSIGN(WriteResult got, engine_->Write(batch));
  ASSERT_EQ(got.accepted, want.accepted);
  ASSERT_EQ(got.duplicates, want.duplicates);
  ASSERT_EQ(got.rejected, want.rejected);
  ASSERT_EQ(got.problems.size(), want.problems.size());
  for (size_t i = 0; i < want.problems.size(); ++i) {
    const RecordProblem& g = got.problems[i];
    const RecordProblem& w = want.problems[i];
    ASSERT_EQ(g.index, w.index) << "problem #" << i;
    ASSERT_EQ(g.outcome, w.outcome)
        << "record #" << w.index << " (model says " << w.reason.ToString() << ")";
    ASSERT_EQ(g.reason.ok(), w.reason.ok()) << "record #" << w.index << ": " << g.reason.ToString();
  }
  const EngineStats after = engine_->stats();
  EXPECT_EQ(after.records_accepted - before.records_accepted, want.accepted);
  EXPECT_EQ(after.records_duplicate - before.records_duplicate, want.duplicates);
  EXPECT_EQ(after.records_rejected - before.records_rejected, want.rejected);
}

void OracleRun::DoAdvanceClock() {
  switch (Uniform(0, 5)) {
    case 0:
      clock_.Advance(Uniform(1, step_));
      break;
    case 1:
      clock_.Advance(step_ * Uniform(1, 10));
      break;
    case 2:
      clock_.Advance(step_ * Uniform(10, 100));
      break;
    case 3:
      clock_.Advance(model_.dedup_window_us() + Uniform(-1, 1));
      break;
    default: {  // exactly onto a ttl, event_ts or dedup edge still ahead
      std::vector<int64_t> edges = EdgeTimes(nullptr);
      std::erase_if(edges, [this](int64_t t) { return t < Now(); });
      if (!edges.empty()) clock_.Set(Pick(edges));
    }
  }
  Log("clock now=" + std::to_string(Now()));
  if (OneIn(2)) RandomOnlineRead();  // the edge just reached is worth a look
}

// A metadata change (ttl, default) of a feature's newest version, which later reads must
// apply, or a deprecation, after which writes to it are rejected and reads still work.
void OracleRun::DoRegistryChange() {
  const EntitySchema& e = RandomEntity();
  const std::string ref = Pick(e.refs);
  const ModelFeature& f = Feature(e, ref);
  if (f.deprecated) return;
  if (OneIn(2)) {
    Log("deprecate " + e.name + "/" + ref);
    ASSERT_OK(engine_->registry().Deprecate(e.name, ref));
    model_.Deprecate(e.name, ref);
    return;
  }
  const std::string name = ref.substr(0, ref.find('@'));
  if (&Feature(e, name) != &f) return;  // only the newest version can be updated
  FeatureSpec spec;
  spec.name = name;
  spec.entity = e.name;
  spec.value_type = f.type;
  spec.ttl_us = OneIn(3) ? 0 : step_ * Uniform(1, 8);
  if (OneIn(2)) spec.default_value = RandomValue(f.type);
  const bool changed = spec.ttl_us != f.ttl_us || spec.default_value != f.default_value;
  Log("update " + e.name + "/" + name + " ttl=" + std::to_string(spec.ttl_us) +
      " default=" + (spec.default_value ? spec.default_value->DebugString() : "none"));
  ASSERT_OK_AND_ASSIGN(auto reg, engine_->registry().RegisterFeature(spec));
  EXPECT_EQ(reg.outcome, changed ? Registry::Outcome::kUpdated : Registry::Outcome::kUnchanged);
  ASSERT_EQ(reg.feature->id, f.id);
  model_.UpdateFeature(e.name, name, spec.ttl_us, spec.default_value);
  DoOnlineRead(e, IdsToRead(e), e.refs);
}

void OracleRun::RandomOnlineRead() {
  const EntitySchema& e = RandomEntity();
  DoOnlineRead(e, Subset(IdsToRead(e)), Subset(e.refs));
}

// Online read at now, compared with the model; then the consistency invariant: the same
// answer from an as-of read at T = now (event-time mode, and replay mode when no ingest_ts
// has run ahead of the clock).
void OracleRun::DoOnlineRead(const EntitySchema& e, const std::vector<std::string>& ids,
                             const std::vector<std::string>& refs) {
  const int64_t now = Now();
  Log("online " + e.name + " ids=" + std::to_string(ids.size()) +
      " refs=" + std::to_string(refs.size()) + " at now=" + std::to_string(now));
  ASSERT_OK_AND_ASSIGN(OnlineResult got, engine_->ReadOnline({e.name, ids, refs}));
  ASSERT_EQ(got.features.size(), refs.size());
  ASSERT_EQ(got.num_entities, ids.size());
  ASSERT_EQ(got.values.size(), ids.size() * refs.size());
  for (size_t j = 0; j < refs.size(); ++j) {
    ASSERT_NE(got.features[j], nullptr);
    ASSERT_EQ(got.features[j]->id, Feature(e, refs[j]).id) << refs[j];
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    for (size_t j = 0; j < refs.size(); ++j) {
      const FeatureValue want = model_.Read(e.name, ids[i], Feature(e, refs[j]), now, false);
      coverage.Count(want);
      ASSERT_EQ(got.at(i, j), want) << "online read of " << e.name << "/" << ids[i].substr(0, 16)
                                    << "/" << refs[j] << " at now=" << now;
    }
  }
  std::vector<AsOfRow> rows;
  for (const std::string& id : ids) rows.push_back({id, now});
  for (AsOfMode mode : {AsOfMode::kEventTime, AsOfMode::kReplay}) {
    if (mode == AsOfMode::kReplay && model_.last_ingest_ts() > now) continue;
    ASSERT_OK_AND_ASSIGN(auto asof, engine_->ReadAsOf({e.name, refs, mode}, rows));
    ASSERT_EQ(asof, got.values) << "consistency: online at now=" << now
                                << " != as-of at T=now, mode " << static_cast<int>(mode);
  }
}

void OracleRun::RandomAsOfRead() {
  const EntitySchema& e = RandomEntity();
  std::vector<AsOfRow> rows(static_cast<size_t>(Uniform(1, 40)));
  const std::vector<std::string> ids = IdsToRead(e);
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i] = i > 0 && OneIn(5) ? rows[static_cast<size_t>(Uniform(0, i - 1))]  // duplicate
                                : AsOfRow{Pick(ids), InterestingTime(e.name)};
  }
  DoAsOfRead(e, Subset(e.refs), std::move(rows),
             OneIn(2) ? AsOfMode::kReplay : AsOfMode::kEventTime, !OneIn(4));
}

// An as-of join fed in random chunks. Sometimes a write lands between chunks: the join
// reads the snapshot taken at StartAsOf, so the expected answers come from a copy of
// the model taken then.
void OracleRun::DoAsOfRead(const EntitySchema& e, const std::vector<std::string>& refs,
                           std::vector<AsOfRow> rows, AsOfMode mode, bool chunked) {
  const bool replay = mode == AsOfMode::kReplay;
  Log(std::string("as-of ") + (replay ? "replay " : "event-time ") + e.name +
      " rows=" + std::to_string(rows.size()) + " refs=" + std::to_string(refs.size()));
  const OracleModel snapshot = model_;
  std::vector<FeatureValue> got;
  if (!chunked) {
    ASSERT_OK_AND_ASSIGN(got, engine_->ReadAsOf({e.name, refs, mode}, rows));
  } else {
    ASSERT_OK_AND_ASSIGN(auto join, engine_->StartAsOf({e.name, refs, mode}));
    ASSERT_EQ(join->features().size(), refs.size());
    for (size_t j = 0; j < refs.size(); ++j) {
      ASSERT_EQ(join->features()[j]->id, Feature(e, refs[j]).id) << refs[j];
    }
    const bool write_midway = OneIn(5);
    for (size_t done = 0; done < rows.size();) {
      const size_t n = OneIn(10) ? 0 : static_cast<size_t>(Uniform(1, rows.size() - done));
      ASSERT_OK_AND_ASSIGN(auto part, join->Next(std::span(rows).subspan(done, n)));
      ASSERT_EQ(part.size(), n * refs.size()) << "chunk of " << n << " rows";
      got.insert(got.end(), part.begin(), part.end());
      done += n;
      if (write_midway && done > 0 && done < rows.size()) {
        SCOPED_TRACE("write in the middle of an as-of join");
        ++coverage.midway_writes;
        DoWrite();
        if (Failed()) return;
      }
    }
  }
  ASSERT_EQ(got.size(), rows.size() * refs.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t j = 0; j < refs.size(); ++j) {
      const FeatureValue want =
          snapshot.Read(e.name, rows[i].entity_id, Feature(e, refs[j]), rows[i].ts, replay);
      coverage.Count(want);
      ASSERT_EQ(got[i * refs.size() + j], want)
          << "as-of " << (replay ? "replay" : "event-time") << " row #" << i << " " << e.name << "/"
          << rows[i].entity_id.substr(0, 16) << "/" << refs[j] << " at T=" << rows[i].ts;
    }
  }
}

// Every entity and feature (of the current scenario, or of all) online, and as-of at up to
// 20 edge times in both modes.
void OracleRun::Sweep(bool all) {
  for (size_t k = all ? 0 : first_entity_; k < entities_.size(); ++k) {
    const EntitySchema& e = entities_[k];
    const std::vector<std::string> ids = IdsToRead(e);
    DoOnlineRead(e, ids, e.refs);
    if (Failed()) return;
    std::vector<int64_t> times = EdgeTimes(&e.name);
    times.push_back(Now());
    std::shuffle(times.begin(), times.end(), rng_);
    times.resize(std::min<size_t>(times.size(), 20));
    std::vector<AsOfRow> rows;
    for (const std::string& id : ids) {
      for (int64_t t : times) rows.push_back({id, t});
    }
    for (AsOfMode mode : {AsOfMode::kEventTime, AsOfMode::kReplay}) {
      DoAsOfRead(e, e.refs, rows, mode, false);
      if (Failed()) return;
    }
  }
}

void OracleRun::CheckDeadLetters() {
  std::vector<DeadLetter> got;
  std::optional<DeadLetterId> after;
  while (true) {
    const size_t limit = static_cast<size_t>(Uniform(1, 7));
    ASSERT_OK_AND_ASSIGN(auto page, engine_->ListDeadLetters(after, limit));
    ASSERT_LE(page.size(), limit);
    if (page.empty()) break;
    for (const DeadLetter& d : page) {
      if (!got.empty()) {
        ASSERT_LT(got.back().id, d.id) << "dead letters out of order";
      }
      got.push_back(d);
    }
    after = got.back().id;
    ASSERT_LE(got.size(), model_.dead_letters().size()) << "more dead letters than rejections";
  }
  ASSERT_EQ(got.size(), model_.dead_letters().size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].record, model_.dead_letters()[i]) << "dead letter #" << i;
    EXPECT_FALSE(got[i].reason.ok()) << "dead letter #" << i;
  }
}

// Runs without durable writes use tmpfs when there is one (and TMPDIR is unset): they
// check semantics, and the fsyncs RocksDB does on open and close would dominate the run.
class TmpfsForFastRuns {
 public:
  TmpfsForFastRuns() {
    if (std::getenv("TMPDIR") == nullptr && access("/dev/shm", W_OK) == 0) {
      setenv("TMPDIR", "/dev/shm", 0);
      set_ = true;
    }
  }
  ~TmpfsForFastRuns() {
    if (set_) unsetenv("TMPDIR");
  }

 private:
  bool set_ = false;
};

void RunMany(bool sync_writes, uint64_t default_runs, uint64_t salt) {
  std::optional<TmpfsForFastRuns> tmpfs;
  if (!sync_writes) tmpfs.emplace();
  if (std::optional<uint64_t> one = EnvU64("ASOF_ORACLE_RUN")) {
    OracleRun(*one, sync_writes).Run();
    return;
  }
  const uint64_t seed = asof::testing::TestSeed();
  const uint64_t runs = EnvU64("ASOF_ORACLE_RUNS").value_or(default_runs);
  coverage = Coverage();
  for (uint64_t i = 0; i < runs && !::testing::Test::HasFailure(); ++i) {
    OracleRun(Mix(seed ^ salt) + i, sync_writes).Run();
  }
  coverage.Print();
}

// About 1,100 scenarios in 250 runs: about 35 s of CPU in Release.
TEST(EngineOracleTest, RandomScenarios) { RunMany(false, 250, 0); }

TEST(EngineOracleTest, RandomScenariosWithSyncWrites) { RunMany(true, 8, 0x5eed5eed5eed5eedULL); }

}  // namespace
}  // namespace asof
