// The history retention filter, exercised through the real engine: versions are written
// with a ManualClock, the clock is moved past their retention, CompactAll() runs the
// filter, and as-of reads show what was kept.
#include "engine/internal/history_retention_filter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "engine/clock.h"
#include "engine/engine.h"
#include "tests/util/test_util.h"

namespace asof {

// Readable failures; found by gtest through argument-dependent lookup.
static void PrintTo(const FeatureValue& v, std::ostream* os) {
  *os << ValueStatusName(v.status) << " " << v.value.DebugString() << " event_ts=" << v.event_ts
      << " ingest_ts=" << v.ingest_ts << (v.default_used ? " (default)" : "");
}

namespace {

constexpr int64_t kSec = 1000000;

class HistoryRetentionFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Open();
    ASSERT_OK(engine_->registry().RegisterEntityType("user", "").status());
  }

  void Open() {
    EngineOptions options;
    options.path = dir_.path() + "/db";
    options.sync_writes = false;
    options.block_cache_bytes = 1 << 20;
    options.write_buffer_bytes = 1 << 20;
    options.clock = &clock_;
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(options));
  }
  void Reopen() {
    engine_.reset();
    Open();
  }

  void AddFeature(const std::string& name, int64_t retention_us) {
    FeatureSpec spec;
    spec.name = name;
    spec.entity = "user";
    spec.value_type = ValueType::kInt64;
    spec.retention_us = retention_us;
    ASSERT_OK(engine_->registry().RegisterFeature(spec).status());
  }

  void Write(const std::string& id, const std::string& feature, int64_t event_ts, int64_t v) {
    WriteRecord r;
    r.entity_type = "user";
    r.entity_id = id;
    r.feature = feature;
    r.value = Value::Int64(v);
    r.event_ts = event_ts;
    ASSERT_OK_AND_ASSIGN(WriteResult result, engine_->Write(std::span(&r, 1)));
    ASSERT_EQ(result.accepted, 1u)
        << (result.problems.empty() ? "" : result.problems[0].reason.ToString());
  }

  Result<std::vector<FeatureValue>> AsOf(const std::vector<std::string>& features,
                                         const std::vector<AsOfRow>& rows,
                                         AsOfMode mode = AsOfMode::kEventTime) {
    AsOfSpec spec;
    spec.entity_type = "user";
    spec.features = features;
    spec.mode = mode;
    return engine_->ReadAsOf(spec, rows);
  }

  Result<FeatureValue> AsOfOne(const std::string& id, const std::string& feature, int64_t t,
                               AsOfMode mode = AsOfMode::kEventTime) {
    std::vector<AsOfRow> rows = {{id, t}};
    ASSIGN_OR_RETURN(std::vector<FeatureValue> out, AsOf({feature}, rows, mode));
    return out.at(0);
  }

  // Every `step` from `from` to `to`, plus each of `edges` and its neighbours.
  static std::vector<AsOfRow> Grid(const std::vector<std::string>& ids, int64_t from, int64_t to,
                                   int64_t step, const std::vector<int64_t>& edges) {
    std::vector<int64_t> ts;
    for (int64_t t = from; t <= to; t += step) ts.push_back(t);
    for (int64_t e : edges) {
      for (int64_t d : {-1, 0, 1}) ts.push_back(e + d);
    }
    std::vector<AsOfRow> rows;
    for (const std::string& id : ids) {
      for (int64_t t : ts) rows.push_back({id, t});
    }
    return rows;
  }

  asof::testing::TempDir dir_;
  ManualClock clock_{1000 * kSec};
  std::unique_ptr<Engine> engine_;
};

std::string Describe(const FeatureValue& v) {
  std::ostringstream os;
  PrintTo(v, &os);
  return os.str();
}

TEST_F(HistoryRetentionFilterTest, DropsOldVersionsButKeepsTheAnswerAtTheCutoff) {
  AddFeature("short", 350 * kSec);
  AddFeature("forever", 0);
  // Streamed as they happen: each version is ingested at its event time, so the ones
  // before the cutoff also arrived before it and shadow each other.
  for (int i = 1; i <= 6; ++i) {
    clock_.Set(i * 100 * kSec);
    for (const std::string id : {"a", "b"}) {
      Write(id, "short", i * 100 * kSec, i);
      Write(id, "forever", i * 100 * kSec, i);
    }
  }
  clock_.Set(700 * kSec);
  const std::vector<std::string> features = {"short", "forever"};
  std::vector<int64_t> edges = {350 * kSec, 650 * kSec};
  for (int i = 1; i <= 6; ++i) edges.push_back(i * 100 * kSec);
  const std::vector<AsOfRow> rows = Grid({"a", "b"}, 0, 800 * kSec, 10 * kSec, edges);
  ASSERT_OK_AND_ASSIGN(const std::vector<FeatureValue> before, AsOf(features, rows));
  ASSERT_OK_AND_ASSIGN(FeatureValue at_250, AsOfOne("a", "short", 250 * kSec));
  ASSERT_EQ(at_250.value, Value::Int64(2));

  // now 700s, retention 350s: the cutoff is 350s. 400..600 are inside retention, 300 is
  // the newest version before the cutoff (the answer at T = cutoff), 100 and 200 go.
  ASSERT_OK(engine_->CompactAll());
  ASSERT_OK_AND_ASSIGN(std::vector<FeatureValue> after, AsOf(features, rows));
  ASSERT_EQ(after.size(), before.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t f = 0; f < 2; ++f) {
      const FeatureValue& b = before[r * 2 + f];
      const FeatureValue& a = after[r * 2 + f];
      if (f == 1 || rows[r].ts >= 300 * kSec) {
        EXPECT_EQ(a, b) << features[f] << " " << rows[r].entity_id << " T=" << rows[r].ts << ": "
                        << Describe(a) << " vs " << Describe(b);
      } else {
        EXPECT_EQ(a.status, ValueStatus::kNotFound)
            << features[f] << " T=" << rows[r].ts << ": " << Describe(a);
      }
    }
  }
  ASSERT_OK_AND_ASSIGN(FeatureValue at_cutoff, AsOfOne("a", "short", 350 * kSec));
  EXPECT_EQ(at_cutoff.status, ValueStatus::kPresent);
  EXPECT_EQ(at_cutoff.value, Value::Int64(3));
  EXPECT_EQ(at_cutoff.event_ts, 300 * kSec);

  // Later: now 1000s, cutoff 650s. Only 600 (the newest before the cutoff) remains.
  clock_.Set(1000 * kSec);
  ASSERT_OK(engine_->CompactAll());
  ASSERT_OK_AND_ASSIGN(after, AsOf(features, rows));
  for (size_t r = 0; r < rows.size(); ++r) {
    const FeatureValue& b = before[r * 2];
    const FeatureValue& a = after[r * 2];
    if (rows[r].ts >= 600 * kSec) {
      EXPECT_EQ(a, b) << "T=" << rows[r].ts << ": " << Describe(a) << " vs " << Describe(b);
    } else {
      EXPECT_EQ(a.status, ValueStatus::kNotFound) << "T=" << rows[r].ts << ": " << Describe(a);
    }
    EXPECT_EQ(after[r * 2 + 1], before[r * 2 + 1]) << "retention 0 keeps everything";
  }

  // Far beyond: the newest version is never dropped, and online reads are untouched.
  clock_.Set(1000000 * kSec);
  ASSERT_OK(engine_->CompactAll());
  ASSERT_OK_AND_ASSIGN(at_cutoff, AsOfOne("b", "short", 1000000 * kSec));
  EXPECT_EQ(at_cutoff.value, Value::Int64(6));
  EXPECT_EQ(at_cutoff.event_ts, 600 * kSec);
  ASSERT_OK_AND_ASSIGN(FeatureValue forever, AsOfOne("b", "forever", 100 * kSec));
  EXPECT_EQ(forever.value, Value::Int64(1));
  OnlineRequest online{"user", {"a", "b"}, {"short", "forever"}};
  ASSERT_OK_AND_ASSIGN(OnlineResult latest, engine_->ReadOnline(online));
  for (size_t e = 0; e < 2; ++e) {
    for (size_t f = 0; f < 2; ++f) {
      EXPECT_EQ(latest.at(e, f).status, ValueStatus::kPresent);
      EXPECT_EQ(latest.at(e, f).value, Value::Int64(6));
    }
  }
}

TEST_F(HistoryRetentionFilterTest, VersionExactlyAtTheCutoffAnswersAtTheCutoff) {
  AddFeature("short", 350 * kSec);
  clock_.Set(700 * kSec);
  Write("a", "short", 300 * kSec, 1);
  Write("a", "short", 350 * kSec, 2);  // exactly at the cutoff
  Write("a", "short", 400 * kSec, 3);
  const std::vector<AsOfRow> rows =
      Grid({"a"}, 350 * kSec, 700 * kSec, 5 * kSec, {350 * kSec, 400 * kSec});
  ASSERT_OK_AND_ASSIGN(const std::vector<FeatureValue> before, AsOf({"short"}, rows));
  ASSERT_OK(engine_->CompactAll());
  ASSERT_OK_AND_ASSIGN(const std::vector<FeatureValue> after, AsOf({"short"}, rows));
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].ts < 350 * kSec) continue;  // the neighbour below the cutoff
    EXPECT_EQ(after[r], before[r]) << "T=" << rows[r].ts;
  }
  ASSERT_OK_AND_ASSIGN(FeatureValue v, AsOfOne("a", "short", 350 * kSec));
  EXPECT_EQ(v.value, Value::Int64(2));
}

// Two versions with one event_ts: the later-ingested one is the answer and must be the
// one kept.
TEST_F(HistoryRetentionFilterTest, TiedEventTsKeepsTheLaterIngested) {
  AddFeature("short", 350 * kSec);
  clock_.Set(700 * kSec);
  Write("a", "short", 300 * kSec, 1);
  Write("a", "short", 300 * kSec, 2);  // same event_ts, ingested later: wins
  Write("a", "short", 200 * kSec, 3);
  Write("a", "short", 500 * kSec, 4);
  ASSERT_OK(engine_->CompactAll());
  ASSERT_OK_AND_ASSIGN(FeatureValue v, AsOfOne("a", "short", 350 * kSec));
  EXPECT_EQ(v.value, Value::Int64(2));
  EXPECT_EQ(v.event_ts, 300 * kSec);
  ASSERT_OK_AND_ASSIGN(v, AsOfOne("a", "short", 299 * kSec));
  EXPECT_EQ(v.status, ValueStatus::kNotFound) << Describe(v);
  ASSERT_OK_AND_ASSIGN(v, AsOfOne("a", "short", 600 * kSec));
  EXPECT_EQ(v.value, Value::Int64(4));
}

// Replay mode at T reads only versions that had arrived by T. A late-arriving event
// (older event_ts, ingested after T) must not cost a T inside retention the version that
// replay returned there.
TEST_F(HistoryRetentionFilterTest, ReplayReadsInsideRetentionUnchanged) {
  AddFeature("short", 1000 * kSec);
  clock_.Set(1000 * kSec);
  Write("a", "short", 900 * kSec, 1);  // ingested at 1000s
  clock_.Set(2500 * kSec);
  Write("a", "short", 950 * kSec, 2);  // late: ingested at 2500s
  clock_.Set(3000 * kSec);             // cutoff 2000s
  const std::vector<AsOfRow> rows =
      Grid({"a"}, 2000 * kSec, 3000 * kSec, 50 * kSec, {2000 * kSec, 2500 * kSec});
  ASSERT_OK_AND_ASSIGN(const std::vector<FeatureValue> before,
                       AsOf({"short"}, rows, AsOfMode::kReplay));
  ASSERT_OK_AND_ASSIGN(FeatureValue v, AsOfOne("a", "short", 2200 * kSec, AsOfMode::kReplay));
  ASSERT_EQ(v.value, Value::Int64(1)) << "replay at 2200s predates the late event";

  ASSERT_OK(engine_->CompactAll());
  ASSERT_OK_AND_ASSIGN(const std::vector<FeatureValue> after,
                       AsOf({"short"}, rows, AsOfMode::kReplay));
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].ts < 2000 * kSec) continue;
    EXPECT_EQ(after[r], before[r])
        << "replay T=" << rows[r].ts << ": " << Describe(after[r]) << " vs " << Describe(before[r]);
  }
}

// Many entities and features with different retentions, random late arrivals, reopens
// and compactions at moving clocks, checked against a model of the retention rule.
TEST_F(HistoryRetentionFilterTest, RandomHistoriesMatchModel) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  const std::vector<std::string> features = {"f0", "f1", "f2"};
  const int64_t retention[] = {0, 50 * kSec, 200 * kSec};
  for (size_t f = 0; f < features.size(); ++f) AddFeature(features[f], retention[f]);
  const std::vector<std::string> ids = {"e0", "e1", "e2", "e3"};

  struct Version {
    int64_t event_ts;
    int64_t seq;  // write order, which is ingest order
    int64_t ingest_ts;
  };
  int64_t last_ingest = 0;  // the engine's rule: max(now, previous + 1), kept across reopen
  std::map<std::pair<std::string, size_t>, std::vector<Version>> model;
  auto model_answer = [&](const std::string& id, size_t f, int64_t t) {
    FeatureValue out;
    const Version* best = nullptr;
    for (const Version& v : model[{id, f}]) {
      if (v.event_ts <= t &&
          (!best || std::tie(v.event_ts, v.seq) > std::tie(best->event_ts, best->seq))) {
        best = &v;
      }
    }
    if (best) {
      out.status = ValueStatus::kPresent;
      out.value = Value::Int64(best->seq);
      out.event_ts = best->event_ts;
    }
    return out;
  };

  int64_t seq = 0;
  clock_.Set(1000 * kSec);
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 60; ++i) {
      const std::string& id = ids[rng() % ids.size()];
      const size_t f = rng() % features.size();
      // Whole seconds plus one microsecond, so no version sits exactly on a cutoff.
      const int64_t e = clock_.NowMicros() - static_cast<int64_t>(rng() % 400) * kSec + 1;
      Write(id, features[f], e, ++seq);
      last_ingest = std::max(clock_.NowMicros(), last_ingest + 1);
      model[{id, f}].push_back({e, seq, last_ingest});
      if (rng() % 10 == 0) clock_.Advance(static_cast<int64_t>(rng() % 5) * kSec);
    }
    if (rng() % 3 == 0) Reopen();
    clock_.Advance(static_cast<int64_t>(rng() % 150) * kSec);
    const int64_t now = clock_.NowMicros();

    std::vector<AsOfRow> rows;
    for (const std::string& id : ids) {
      for (int k = 0; k < 40; ++k) {
        rows.push_back({id, now - static_cast<int64_t>(rng() % (700 * kSec))});
      }
      for (int64_t r : retention) rows.push_back({id, now - r});
    }
    ASSERT_OK_AND_ASSIGN(const std::vector<FeatureValue> before, AsOf(features, rows));
    ASSERT_OK(engine_->CompactAll());

    // The rule: keep what is dated inside retention; below the cutoff, newest first, drop
    // a version only when a kept one below the cutoff arrived no later than
    // max(its ingest_ts, cutoff) (then replay at any T >= cutoff prefers the kept one).
    for (auto& [key, versions] : model) {
      const int64_t r = retention[key.second];
      if (r == 0) continue;
      const int64_t cutoff = now - r;
      std::sort(versions.begin(), versions.end(), [](const Version& a, const Version& b) {
        return std::tie(a.event_ts, a.seq) > std::tie(b.event_ts, b.seq);
      });
      std::vector<Version> kept;
      int64_t min_kept_ingest = INT64_MAX;
      for (const Version& v : versions) {
        if (v.event_ts >= cutoff) {
          kept.push_back(v);
        } else if (min_kept_ingest > std::max(v.ingest_ts, cutoff)) {
          kept.push_back(v);
          min_kept_ingest = std::min(min_kept_ingest, v.ingest_ts);
        }
      }
      versions = kept;
    }

    ASSERT_OK_AND_ASSIGN(const std::vector<FeatureValue> after, AsOf(features, rows));
    for (size_t r = 0; r < rows.size(); ++r) {
      for (size_t f = 0; f < features.size(); ++f) {
        const FeatureValue& a = after[r * features.size() + f];
        const FeatureValue& b = before[r * features.size() + f];
        const std::string where = "round " + std::to_string(round) + " " + rows[r].entity_id + "/" +
                                  features[f] + " T=" + std::to_string(rows[r].ts);
        if (retention[f] == 0 || rows[r].ts >= now - retention[f]) {
          ASSERT_EQ(a, b) << where << ": inside retention, " << Describe(a) << " vs "
                          << Describe(b);
        }
        const FeatureValue want = model_answer(rows[r].entity_id, f, rows[r].ts);
        ASSERT_EQ(a.status, want.status)
            << where << ": " << Describe(a) << " vs model " << Describe(want);
        ASSERT_EQ(a.value, want.value) << where;
        ASSERT_EQ(a.event_ts, want.event_ts) << where;
      }
    }
  }
}

}  // namespace
}  // namespace asof
