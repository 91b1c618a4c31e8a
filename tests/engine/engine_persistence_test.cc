// Persistence across a clean close: a seeded random data set (several entity types, every
// value type, versions, ttl, defaults, deprecation, duplicates, dead letters) is written,
// every online and as-of answer is recorded, and after a reopen (and after a compaction
// and another reopen) every answer, the registry and the dead letters are the same.
//
// Replay a failure with ASOF_SEED=<seed printed by the test>.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/engine.h"
#include "tests/util/test_util.h"

namespace asof {
namespace {

constexpr int64_t kNow = 1'700'000'000'000'000;
constexpr int64_t kHour = 3600LL * 1000000;
constexpr int64_t kDay = 24 * kHour;
constexpr int kIdsPerEntity = 12;

std::string Describe(const FeatureValue& v) {
  return std::string(ValueStatusName(v.status)) + " " + v.value.DebugString() +
         " event_ts=" + std::to_string(v.event_ts) + " ingest_ts=" + std::to_string(v.ingest_ts) +
         (v.default_used ? " (default)" : "");
}

// What a store answers: one line per read value, plus the registry and dead letters.
struct Answers {
  std::vector<std::string> lines;
  std::vector<EntityType> entity_types;
  std::vector<Feature> features;  // every version
  std::vector<FeatureChange> history;
  std::vector<DeadLetter> dead_letters;
  size_t present = 0;
};

struct EntitySchema {
  std::string name;
  std::vector<std::string> refs;      // every readable ref: "f0", "f0@1", ...
  std::vector<std::string> writable;  // refs of non-deprecated versions
  std::vector<std::string> ids;       // written ids, plus one never written
};

class PersistenceTest : public ::testing::TestWithParam<bool> {
 protected:
  PersistenceTest() : seed_(asof::testing::TestSeed()), rng_(seed_) {
    options_.path = dir_.path() + "/db";
    options_.sync_writes = GetParam();
    options_.dedup_window_us = 365 * kDay;
    options_.block_cache_bytes = 1 << 20;
    options_.write_buffer_bytes = 256 << 10;  // several flushes: data in SSTs and memtables
    options_.clock = &clock_;
  }

  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool OneIn(int n) { return Uniform(1, n) == 1; }
  std::string RandomText(bool utf8) {
    std::string s;
    for (int64_t n = Uniform(0, 6); n > 0; --n) {
      s += utf8 && OneIn(4) ? "\xc3\xa9" : std::string(1, static_cast<char>(Uniform('a', 'z')));
    }
    return s;
  }
  Value RandomValue(ValueType type);
  void RegisterSchema();
  void WriteData();
  Answers Capture();
  void ExpectSameAnswers(const Answers& want, const Answers& got);

  const uint64_t seed_;
  std::mt19937_64 rng_;
  asof::testing::TempDir dir_;
  ManualClock clock_{kNow};
  EngineOptions options_;
  std::unique_ptr<Engine> engine_;
  std::vector<EntitySchema> entities_;
  std::vector<std::pair<std::string, std::string>> deprecate_;  // (entity, ref) after writing
  std::vector<int64_t> times_;                                  // as-of read times
  std::vector<WriteRecord> with_event_id_;                      // accepted, with an event_id
  size_t accepted_ = 0;
};

Value PersistenceTest::RandomValue(ValueType type) {
  auto n = [this] { return Uniform(0, 4); };
  switch (type) {
    case ValueType::kBool:
      return Value::Bool(OneIn(2));
    case ValueType::kInt32:
      return Value::Int32(static_cast<int32_t>(Uniform(INT32_MIN, INT32_MAX)));
    case ValueType::kInt64:
      return Value::Int64(Uniform(INT64_MIN, INT64_MAX));
    case ValueType::kFloat:
      return Value::Float(static_cast<float>(Uniform(-1000, 1000)) / 3);
    case ValueType::kDouble:
      return Value::Double(static_cast<double>(Uniform(-1000000, 1000000)) / 7);
    case ValueType::kString:
      return Value::String(RandomText(true));
    case ValueType::kBytes: {
      std::string b(static_cast<size_t>(n()), '\0');
      for (char& c : b) c = static_cast<char>(Uniform(0, 255));
      return Value::Bytes(b);
    }
    case ValueType::kTimestamp:
      return Value::Timestamp(Uniform(0, kNow));
    case ValueType::kFloatList: {
      std::vector<float> v(static_cast<size_t>(n()));
      for (float& x : v) x = static_cast<float>(Uniform(-100, 100)) / 4;
      return Value::FloatList(v);
    }
    case ValueType::kDoubleList: {
      std::vector<double> v(static_cast<size_t>(n()));
      for (double& x : v) x = static_cast<double>(Uniform(-100, 100)) / 3;
      return Value::DoubleList(v);
    }
    case ValueType::kInt64List: {
      std::vector<int64_t> v(static_cast<size_t>(n()));
      for (int64_t& x : v) x = Uniform(INT64_MIN, INT64_MAX);
      return Value::Int64List(v);
    }
    case ValueType::kStringList: {
      std::vector<std::string> v(static_cast<size_t>(n()));
      for (std::string& x : v) x = RandomText(true);
      return Value::StringList(v);
    }
    case ValueType::kNull:
      break;
  }
  return Value::Null();
}

// Two entity types with four features each of random types; f0 gets a second version of
// another type, f1 a metadata update; one version is deprecated after the writes.
void PersistenceTest::RegisterSchema() {
  Registry& reg = engine_->registry();
  for (const char* name : {"user", "item"}) {
    ASSERT_OK(reg.RegisterEntityType(name, std::string("the ") + name));
    EntitySchema e{name, {}, {}, {}};
    for (int f = 0; f < 4; ++f) {
      FeatureSpec spec;
      spec.name = "f" + std::to_string(f);
      spec.entity = name;
      spec.value_type = static_cast<ValueType>(Uniform(1, kMaxValueType));
      spec.owner = "team-" + std::to_string(f);
      spec.tags = {"t" + std::to_string(Uniform(0, 2))};
      if (OneIn(2)) spec.ttl_us = Uniform(1, 5 * 24) * kHour;
      if (OneIn(3)) spec.default_value = RandomValue(spec.value_type);
      ASSERT_OK(reg.RegisterFeature(spec));
      e.refs.push_back(spec.name);
      if (f == 0) {
        spec.value_type = static_cast<ValueType>(static_cast<int>(spec.value_type) % kMaxValueType +
                                                 1);  // a different type
        spec.default_value.reset();
        ASSERT_OK(reg.RegisterFeature(spec, /*new_version=*/true));
        e.refs.push_back("f0@1");
        e.refs.push_back("f0@2");
      }
      if (f == 1) {
        spec.description = "updated";
        ASSERT_OK(reg.RegisterFeature(spec));
      }
    }
    e.writable = e.refs;
    for (int i = 0; i < kIdsPerEntity; ++i) e.ids.push_back("id" + std::to_string(i));
    deprecate_.emplace_back(name, OneIn(2) ? "f0@1" : "f3");
    entities_.push_back(std::move(e));
  }
}

void PersistenceTest::WriteData() {
  for (int b = 0; b < 40; ++b) {
    std::vector<WriteRecord> batch;
    for (int64_t n = Uniform(1, 40); n > 0; --n) {
      const EntitySchema& e = entities_[Uniform(0, 1)];
      const std::string& ref = e.writable[Uniform(0, e.writable.size() - 1)];
      ASSERT_OK_AND_ASSIGN(FeaturePtr f, engine_->registry().Resolve(e.name, ref));
      WriteRecord r{e.name,
                    e.ids[Uniform(0, e.ids.size() - 1)],
                    ref,
                    Value::Null(),
                    Uniform(kNow - 10 * kDay, clock_.NowMicros() + kHour),
                    ""};
      if (!OneIn(10)) r.value = RandomValue(f->spec.value_type);
      if (OneIn(3)) r.event_id = "ev" + std::to_string(Uniform(0, 150));
      if (OneIn(25)) r.feature = "missing";  // a dead letter
      batch.push_back(std::move(r));
    }
    ASSERT_OK_AND_ASSIGN(WriteResult result, engine_->Write(batch));
    accepted_ += result.accepted;
    size_t p = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (p < result.problems.size() && result.problems[p].index == i) {
        ++p;
      } else {
        if (!batch[i].event_id.empty()) with_event_id_.push_back(batch[i]);
        if (OneIn(8)) times_.push_back(*batch[i].event_ts);  // exact hits in as-of reads
      }
    }
    clock_.Advance(Uniform(0, 2 * kHour));
    if (OneIn(10)) ASSERT_OK(engine_->CompactAll());
  }
  for (const auto& [entity, ref] : deprecate_)
    ASSERT_OK(engine_->registry().Deprecate(entity, ref));
  for (int i = 0; i < 8; ++i) times_.push_back(Uniform(kNow - 11 * kDay, clock_.NowMicros()));
  times_.push_back(clock_.NowMicros());
  times_.push_back(clock_.NowMicros() + 2 * kHour);  // future events become visible
}

Answers PersistenceTest::Capture() {
  Answers a;
  for (const EntitySchema& e : entities_) {
    std::vector<std::string> ids = e.ids;
    ids.push_back("never");
    Result<OnlineResult> online = engine_->ReadOnline({e.name, ids, e.refs});
    EXPECT_OK(online);
    if (!online.ok()) return a;
    for (size_t i = 0; i < ids.size(); ++i) {
      for (size_t j = 0; j < e.refs.size(); ++j) {
        const FeatureValue& v = online->at(i, j);
        a.present += v.status == ValueStatus::kPresent;
        a.lines.push_back("online " + e.name + "/" + ids[i] + "/" + e.refs[j] + ": " + Describe(v));
      }
    }
    std::vector<AsOfRow> rows;
    for (const std::string& id : ids) {
      for (int64_t t : times_) rows.push_back({id, t});
    }
    for (AsOfMode mode : {AsOfMode::kEventTime, AsOfMode::kReplay}) {
      Result<std::vector<FeatureValue>> asof = engine_->ReadAsOf({e.name, e.refs, mode}, rows);
      EXPECT_OK(asof);
      if (!asof.ok()) return a;
      for (size_t r = 0; r < rows.size(); ++r) {
        for (size_t j = 0; j < e.refs.size(); ++j) {
          const FeatureValue& v = (*asof)[r * e.refs.size() + j];
          a.present += v.status == ValueStatus::kPresent;
          a.lines.push_back(std::string(mode == AsOfMode::kReplay ? "replay " : "asof ") + e.name +
                            "/" + rows[r].entity_id + "/" + e.refs[j] + "@" +
                            std::to_string(rows[r].ts) + ": " + Describe(v));
        }
      }
    }
  }
  Registry& reg = engine_->registry();
  a.entity_types = reg.ListEntityTypes();
  for (const EntitySchema& e : entities_) {
    for (const std::string& ref : e.refs) {
      Result<FeaturePtr> f = reg.Resolve(e.name, ref);
      Result<std::vector<FeatureChange>> h = reg.History(e.name, ref);
      EXPECT_OK(f);
      EXPECT_OK(h);
      if (!f.ok() || !h.ok()) return a;
      a.features.push_back(**f);
      a.history.insert(a.history.end(), h->begin(), h->end());
    }
  }
  Result<std::vector<DeadLetter>> dead = engine_->ListDeadLetters(std::nullopt, 1'000'000);
  EXPECT_OK(dead);
  if (dead.ok()) a.dead_letters = *dead;
  return a;
}

void PersistenceTest::ExpectSameAnswers(const Answers& want, const Answers& got) {
  ASSERT_EQ(want.lines.size(), got.lines.size());
  int shown = 0;
  for (size_t i = 0; i < want.lines.size() && shown < 10; ++i) {
    if (want.lines[i] != got.lines[i]) {
      ADD_FAILURE() << "before: " << want.lines[i] << "\nafter:  " << got.lines[i];
      ++shown;
    }
  }
  EXPECT_TRUE(want.entity_types == got.entity_types) << "entity types differ";
  ASSERT_EQ(want.features.size(), got.features.size());
  for (size_t i = 0; i < want.features.size(); ++i) {
    EXPECT_TRUE(want.features[i] == got.features[i])
        << want.features[i].spec.entity << "/" << want.features[i].spec.name << " version "
        << want.features[i].version << " differs";
  }
  EXPECT_TRUE(want.history == got.history) << "change history differs";
  ASSERT_EQ(want.dead_letters.size(), got.dead_letters.size());
  for (size_t i = 0; i < want.dead_letters.size(); ++i) {
    const DeadLetter& w = want.dead_letters[i];
    const DeadLetter& g = got.dead_letters[i];
    EXPECT_TRUE(w.id == g.id && w.record == g.record && w.reason == g.reason)
        << "dead letter " << i << " differs: " << w.reason.ToString() << " / "
        << g.reason.ToString();
  }
}

TEST_P(PersistenceTest, EveryAnswerIsTheSameAfterReopen) {
  SCOPED_TRACE("replay with ASOF_SEED=" + std::to_string(seed_));
  ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(options_));
  RegisterSchema();
  ASSERT_FALSE(HasFatalFailure());
  WriteData();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_GT(accepted_, 200u);

  const Answers before = Capture();
  ASSERT_FALSE(HasFailure());
  EXPECT_GT(before.present, before.lines.size() / 10) << "the data set is nearly empty";
  EXPECT_FALSE(before.dead_letters.empty());
  EXPECT_EQ(before.features.size(), 12u);  // 2 entities x (f0, f0@1, f0@2, f1, f2, f3)
  EXPECT_TRUE(std::any_of(before.features.begin(), before.features.end(),
                          [](const Feature& f) { return f.deprecated; }));

  engine_.reset();
  ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(options_));
  {
    SCOPED_TRACE("after reopen");
    ExpectSameAnswers(before, Capture());
  }

  ASSERT_OK(engine_->CompactAll());
  engine_.reset();
  ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(options_));
  {
    SCOPED_TRACE("after compaction and a second reopen");
    ExpectSameAnswers(before, Capture());
  }

  // O_DIRECT reads past a 1 MiB block cache and no row cache change where the bytes
  // come from (the device, not the page cache), never what they say.
  engine_.reset();
  options_.direct_reads = true;
  options_.block_cache_bytes = 1 << 20;
  options_.row_cache_bytes = 0;
  ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(options_));
  {
    SCOPED_TRACE("with direct reads");
    ExpectSameAnswers(before, Capture());
  }

  // The dedup window survives too: every accepted event_id is still a duplicate (records
  // of versions deprecated since would be rejected before the dedup check: left out).
  std::vector<WriteRecord> resend;
  std::set<std::string> ids;
  for (const WriteRecord& r : with_event_id_) {
    bool deprecated = std::find(deprecate_.begin(), deprecate_.end(),
                                std::make_pair(r.entity_type, r.feature)) != deprecate_.end();
    if (!deprecated && ids.insert(r.event_id).second) resend.push_back(r);
  }
  ASSERT_FALSE(resend.empty());
  ASSERT_OK_AND_ASSIGN(WriteResult result, engine_->Write(resend));
  EXPECT_EQ(result.duplicates, resend.size());
  EXPECT_EQ(result.accepted, 0u);
}

INSTANTIATE_TEST_SUITE_P(SyncWrites, PersistenceTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Sync" : "NoSync";
                         });

}  // namespace
}  // namespace asof
