// Online and as-of reads through a real asofd: every value status, defaults, ttl, event
// time against ingest time (replay), and a 50,000-row as-of answer streamed in chunks and
// checked row by row against a simple model. The rest of the operations are in
// native_ops_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/util/test_util.h"
#include "wire/client.h"

namespace asof::testing {
namespace {

constexpr int64_t kSecond = 1000000;

class NativeReadsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    daemon_ = new Daemon(ASOFD_PATH, TestDaemonFlags());
    start_status_ = new Status(daemon_->Start());
  }
  static void TearDownTestSuite() {
    if (daemon_->running()) {
      Result<int> code = daemon_->Stop();
      EXPECT_TRUE(code.ok() && *code == 0) << code.status().ToString() << "\n" << daemon_->log();
    }
    delete daemon_;
    delete start_status_;
  }
  void SetUp() override {
    ASSERT_OK(*start_status_);
    ASSERT_OK_AND_ASSIGN(client_, Client::Connect(OptionsFor(*daemon_)));
  }

  void WriteAll(const std::vector<wire::WriteRecordT>& records) {
    ASSERT_OK_AND_ASSIGN(auto result, client_->Write(records));
    ASSERT_EQ(result.accepted, records.size())
        << (result.problems.empty() ? "" : result.problems[0]->reason->message);
  }

  // One as-of read, all chunks concatenated (values row-major).
  Result<std::vector<wire::FeatureValueT>> AsOf(const std::string& entity,
                                                const std::vector<std::string>& features,
                                                bool replay,
                                                const std::vector<wire::AsOfRowT>& rows,
                                                int* chunks = nullptr) {
    std::vector<wire::FeatureValueT> out;
    int n = 0;
    Status s =
        client_->AsOfRead(entity, features, replay, rows, [&](const wire::AsOfReadChunkT& c) {
          ++n;
          if (c.features.size() != features.size()) return Internal("chunk without its features");
          if (c.values.size() != c.num_rows * features.size())
            return Internal("chunk size mismatch");
          if (c.first_row != out.size() / features.size()) return Internal("chunk out of order");
          for (const auto& v : c.values) out.push_back(*v);
          return Status::Ok();
        });
    if (chunks != nullptr) *chunks = n;
    if (!s.ok()) return s;
    return out;
  }

  static Daemon* daemon_;
  static Status* start_status_;
  std::unique_ptr<Client> client_;
};

Daemon* NativeReadsTest::daemon_ = nullptr;
Status* NativeReadsTest::start_status_ = nullptr;

wire::AsOfRowT Row(std::string id, int64_t ts) {
  wire::AsOfRowT row;
  row.entity_id = std::move(id);
  row.ts = ts;
  return row;
}

bool IsNull(const wire::FeatureValueT& v) { return v.value == nullptr || v.value->type == 0; }

TEST_F(NativeReadsTest, OnlineStatusesDefaultsAndTtl) {
  ASSERT_OK(client_->RegisterEntityType("online_et", ""));
  ASSERT_OK(client_->RegisterFeature(Spec("online_et", "score", vt::kInt64)));
  wire::FeatureSpecT fresh = Spec("online_et", "fresh", vt::kInt64);
  fresh.ttl_us = 60 * kSecond;
  fresh.default_value = std::make_unique<wire::ValueT>(Int64(42));
  ASSERT_OK(client_->RegisterFeature(fresh));
  wire::FeatureSpecT tiny = Spec("online_et", "tiny", vt::kDouble);
  tiny.ttl_us = 1000;  // 1 ms: anything written in the past is too old
  ASSERT_OK(client_->RegisterFeature(tiny));
  wire::FeatureSpecT label = Spec("online_et", "label", vt::kString);
  label.default_value = std::make_unique<wire::ValueT>(String("none"));
  ASSERT_OK(client_->RegisterFeature(label));

  const int64_t now = NowMicros();
  WriteAll({Record("online_et", "e1", "score", Int64(7), now - 10 * kSecond),
            Record("online_et", "e1", "fresh", Int64(5), now - 3600 * kSecond),
            Record("online_et", "e1", "tiny", Double(1.5), now - 10 * kSecond),
            Record("online_et", "e1", "label", std::nullopt, now - kSecond),
            Record("online_et", "e3", "fresh", Int64(9), now - kSecond),
            Record("online_et", "e3", "score", Int64(1), now - 2 * kSecond),
            // Dated in the future: invisible online until its time comes.
            Record("online_et", "e3", "score", Int64(2), now + 3600 * kSecond),
            Record("online_et", "e4", "label", String("a"), now - 2 * kSecond)});
  // Arrives late but is older: does not replace. Same event time: the later one wins.
  WriteAll({Record("online_et", "e3", "score", Int64(3), now - 5 * kSecond),
            Record("online_et", "e4", "label", String("b"), now - 2 * kSecond)});
  const int64_t written = NowMicros();

  ASSERT_OK_AND_ASSIGN(auto r, client_->OnlineRead("online_et", {"e1", "e2", "e3", "e4"},
                                                   {"score", "fresh", "tiny", "label"}));
  ASSERT_EQ(r.features.size(), 4u);
  EXPECT_EQ(r.features[2]->spec->name, "tiny");
  EXPECT_EQ(r.features[2]->spec->value_type, vt::kDouble);
  ASSERT_EQ(r.values.size(), 16u);
  auto at = [&](int entity, int feature) -> const wire::FeatureValueT& {
    return *r.values[entity * 4 + feature];
  };
  // e1
  EXPECT_EQ(at(0, 0).status, vs::kPresent);
  EXPECT_EQ(at(0, 0).value->i, 7);
  EXPECT_EQ(at(0, 0).event_ts, now - 10 * kSecond);
  EXPECT_GE(at(0, 0).ingest_ts, now - kSecond);
  EXPECT_LE(at(0, 0).ingest_ts, written + kSecond);
  EXPECT_FALSE(at(0, 0).default_used);
  EXPECT_EQ(at(0, 1).status, vs::kOutsideMaxAge);
  EXPECT_TRUE(at(0, 1).default_used);
  ASSERT_FALSE(IsNull(at(0, 1)));
  EXPECT_EQ(at(0, 1).value->i, 42);
  EXPECT_EQ(at(0, 1).event_ts, now - 3600 * kSecond);
  EXPECT_EQ(at(0, 2).status, vs::kOutsideMaxAge);
  EXPECT_FALSE(at(0, 2).default_used);
  EXPECT_TRUE(IsNull(at(0, 2)));  // withheld, not served stale
  EXPECT_EQ(at(0, 3).status, vs::kNullValue);
  EXPECT_FALSE(at(0, 3).default_used);  // an explicit null is not replaced by the default
  EXPECT_TRUE(IsNull(at(0, 3)));
  // e2: never written
  for (int f = 0; f < 4; ++f) {
    EXPECT_EQ(at(1, f).status, vs::kNotFound) << f;
    EXPECT_EQ(at(1, f).event_ts, 0) << f;
  }
  EXPECT_TRUE(IsNull(at(1, 0)));
  EXPECT_TRUE(at(1, 1).default_used);
  EXPECT_EQ(at(1, 1).value->i, 42);
  EXPECT_FALSE(at(1, 2).default_used);
  EXPECT_TRUE(at(1, 3).default_used);
  EXPECT_EQ(at(1, 3).value->s, "none");
  // e3
  EXPECT_EQ(at(2, 0).status, vs::kPresent);
  EXPECT_EQ(at(2, 0).value->i, 1);
  EXPECT_EQ(at(2, 0).event_ts, now - 2 * kSecond);
  EXPECT_EQ(at(2, 1).status, vs::kPresent);
  EXPECT_EQ(at(2, 1).value->i, 9);
  EXPECT_FALSE(at(2, 1).default_used);
  // e4
  EXPECT_EQ(at(3, 3).status, vs::kPresent);
  EXPECT_EQ(at(3, 3).value->s, "b");
}

TEST_F(NativeReadsTest, AsOfEventTimeReplayAndTtlWindow) {
  ASSERT_OK(client_->RegisterEntityType("asof_et", ""));
  ASSERT_OK(client_->RegisterFeature(Spec("asof_et", "w", vt::kInt64)));
  wire::FeatureSpecT v = Spec("asof_et", "v", vt::kInt64);
  v.ttl_us = 100;
  ASSERT_OK(client_->RegisterFeature(v));

  const int64_t e1 = 1000 * kSecond, e2 = e1 + 1000;
  WriteAll({Record("asof_et", "a", "w", Int64(10), e1), Record("asof_et", "a", "v", Int64(1), e1)});
  ASSERT_OK_AND_ASSIGN(auto after1, client_->OnlineRead("asof_et", {"a"}, {"w"}));
  const int64_t i1 = after1.values[0]->ingest_ts;
  WriteAll({Record("asof_et", "a", "w", Int64(20), e2)});
  ASSERT_OK_AND_ASSIGN(auto after2, client_->OnlineRead("asof_et", {"a"}, {"w"}));
  const int64_t i2 = after2.values[0]->ingest_ts;
  ASSERT_GT(i1, e2);
  ASSERT_GT(i2, i1);

  // Event time: greatest event_ts <= T, inclusive; duplicate rows each get an answer.
  std::vector<wire::AsOfRowT> rows = {Row("a", e1 - 1), Row("a", e1),       Row("a", e2 - 1),
                                      Row("a", e2),     Row("a", e2),       Row("a", i1),
                                      Row("zz", e2),    Row("a", e1 + 100), Row("a", e1 + 101)};
  ASSERT_OK_AND_ASSIGN(auto got, AsOf("asof_et", {"w", "v"}, false, rows));
  ASSERT_EQ(got.size(), rows.size() * 2);
  auto w = [&](size_t row) -> const wire::FeatureValueT& { return got[row * 2]; };
  auto vv = [&](size_t row) -> const wire::FeatureValueT& { return got[row * 2 + 1]; };
  EXPECT_EQ(w(0).status, vs::kNotFound);
  const std::vector<int64_t> expect_w = {0, 10, 10, 20, 20, 20};
  for (size_t k = 1; k < expect_w.size(); ++k) {
    EXPECT_EQ(w(k).status, vs::kPresent) << k;
    EXPECT_EQ(w(k).value->i, expect_w[k]) << k;
  }
  EXPECT_EQ(w(3).event_ts, e2);
  EXPECT_EQ(w(3).ingest_ts, i2);
  EXPECT_EQ(w(6).status, vs::kNotFound);  // another entity
  // ttl window [T - ttl, T], inclusive at both ends.
  EXPECT_EQ(vv(1).status, vs::kPresent);
  EXPECT_EQ(vv(7).status, vs::kPresent);
  EXPECT_EQ(vv(7).value->i, 1);
  EXPECT_EQ(vv(8).status, vs::kOutsideMaxAge);
  EXPECT_TRUE(IsNull(vv(8)));

  // Replay: also ingest_ts <= T, i.e. exactly what an online read at T returned.
  std::vector<wire::AsOfRowT> replay_rows = {Row("a", i1 - 1), Row("a", i1), Row("a", i2 - 1),
                                             Row("a", i2)};
  ASSERT_OK_AND_ASSIGN(auto replayed, AsOf("asof_et", {"w"}, true, replay_rows));
  ASSERT_EQ(replayed.size(), 4u);
  EXPECT_EQ(replayed[0].status, vs::kNotFound);
  EXPECT_EQ(replayed[1].value->i, 10);  // event-time mode says 20 at T = i1 (row 5 above)
  EXPECT_EQ(replayed[2].value->i, 10);
  EXPECT_EQ(replayed[3].value->i, 20);

  // Online now == as-of at T = now.
  ASSERT_OK_AND_ASSIGN(auto online, client_->OnlineRead("asof_et", {"a"}, {"w", "v"}));
  ASSERT_OK_AND_ASSIGN(auto at_now, AsOf("asof_et", {"w", "v"}, false, {Row("a", NowMicros())}));
  for (int f = 0; f < 2; ++f) {
    EXPECT_EQ(online.values[f]->status, at_now[f].status) << f;
    EXPECT_EQ(online.values[f]->event_ts, at_now[f].event_ts) << f;
    EXPECT_EQ(online.values[f]->ingest_ts, at_now[f].ingest_ts) << f;
  }
  EXPECT_EQ(at_now[1].status, vs::kOutsideMaxAge);
}

// A simple model of one feature of many entities: versions by event time.
struct Model {
  std::map<std::string, std::map<int64_t, int64_t>> versions;  // entity -> ts -> value
  // The version at T: (ts, value), or nullopt.
  std::optional<std::pair<int64_t, int64_t>> At(const std::string& id, int64_t t) const {
    auto e = versions.find(id);
    if (e == versions.end()) return std::nullopt;
    auto it = e->second.upper_bound(t);
    if (it == e->second.begin()) return std::nullopt;
    --it;
    return *it;
  }
};

TEST_F(NativeReadsTest, LargeAsOfStreamsInChunksMatchingTheModel) {
  const uint64_t seed = TestSeed();
  std::mt19937_64 rng(seed);
  ASSERT_OK(client_->RegisterEntityType("big_et", ""));
  ASSERT_OK(client_->RegisterFeature(Spec("big_et", "x", vt::kInt64)));
  wire::FeatureSpecT y = Spec("big_et", "y", vt::kDouble);
  y.ttl_us = 5000;
  y.default_value = std::make_unique<wire::ValueT>(Double(-1.0));
  ASSERT_OK(client_->RegisterFeature(y));

  constexpr int kEntities = 500, kUnwritten = 50, kRows = 50000;
  const int64_t base = 1600000000LL * kSecond;
  Model mx, my;
  std::vector<wire::WriteRecordT> records;
  int64_t counter = 0;
  for (int e = 0; e < kEntities; ++e) {
    const std::string id = "ent" + std::to_string(e);
    for (Model* m : {&mx, &my}) {
      int versions = static_cast<int>(rng() % 9);
      for (int k = 0; k < versions; ++k) {
        int64_t ts = base + static_cast<int64_t>(rng() % 100000);
        if (!m->versions[id].emplace(ts, ++counter).second) continue;  // keep ts distinct
        records.push_back(m == &mx ? Record("big_et", id, "x", Int64(counter), ts)
                                   : Record("big_et", id, "y", Double(counter * 0.5), ts));
      }
    }
  }
  for (size_t i = 0; i < records.size(); i += 2000) {
    std::vector<wire::WriteRecordT> part(records.begin() + i,
                                         records.begin() + std::min(records.size(), i + 2000));
    WriteAll(part);
  }

  std::vector<wire::AsOfRowT> rows;
  rows.reserve(kRows);
  for (int r = 0; r < kRows; ++r) {
    rows.push_back(Row("ent" + std::to_string(rng() % (kEntities + kUnwritten)),
                       base - 1000 + static_cast<int64_t>(rng() % 102000)));
  }
  int chunks = 0;
  ASSERT_OK_AND_ASSIGN(auto got, AsOf("big_et", {"x", "y"}, false, rows, &chunks));
  EXPECT_GT(chunks, 1) << "a 50,000-row answer must stream in several chunks";
  ASSERT_EQ(got.size(), rows.size() * 2);
  int mismatches = 0;
  for (size_t r = 0; r < rows.size() && mismatches < 10; ++r) {
    const auto& x = got[r * 2];
    const auto& yv = got[r * 2 + 1];
    auto want_x = mx.At(rows[r].entity_id, rows[r].ts);
    bool x_ok = want_x ? (x.status == vs::kPresent && x.value && x.value->i == want_x->second &&
                          x.event_ts == want_x->first)
                       : (x.status == vs::kNotFound && IsNull(x));
    auto want_y = my.At(rows[r].entity_id, rows[r].ts);
    bool y_ok;
    if (want_y && want_y->first >= rows[r].ts - 5000) {
      y_ok = yv.status == vs::kPresent && !yv.default_used && yv.value &&
             yv.value->d == want_y->second * 0.5 && yv.event_ts == want_y->first;
    } else {
      y_ok = yv.status == (want_y ? vs::kOutsideMaxAge : vs::kNotFound) && yv.default_used &&
             yv.value && yv.value->d == -1.0;
    }
    if (!x_ok || !y_ok) {
      ++mismatches;
      ADD_FAILURE() << "row " << r << " (" << rows[r].entity_id << ", T=" << rows[r].ts
                    << "): x status " << int(x.status) << " y status " << int(yv.status) << " seed "
                    << seed;
    }
  }

  // Replay: every version was ingested now, long after T, so nothing was visible then.
  rows.resize(5000);
  ASSERT_OK_AND_ASSIGN(auto replayed, AsOf("big_et", {"x", "y"}, true, rows));
  ASSERT_EQ(replayed.size(), rows.size() * 2);
  for (size_t k = 0; k < replayed.size(); ++k) {
    ASSERT_EQ(replayed[k].status, vs::kNotFound) << k;
  }
}

}  // namespace
}  // namespace asof::testing
