// Tests of the served-feature log (engine/served_log.h, engine/internal/served_log_impl.cc)
// through a real engine: the sampled fraction follows its binomial law, rate 0 logs
// nothing, rate 1 logs exactly what was served, per-entity rates, retention on a manual
// clock, persistence across reopen, paging and filters, the buffer bound, bad options.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/engine.h"
#include "tests/util/test_util.h"

namespace asof {
namespace {

constexpr int64_t kNow = 1'700'000'000'000'000;  // 2023-11-14, microseconds
constexpr int64_t kHour = 3600LL * 1000000;

class ServedLogTest : public ::testing::Test {
 protected:
  void Open(const ServedLogOptions& log) {
    engine_.reset();
    EngineOptions o;
    o.path = dir_.path() + "/db";
    o.sync_writes = false;
    o.block_cache_bytes = 1 << 20;
    o.row_cache_bytes = 0;
    o.write_buffer_bytes = 1 << 20;
    o.clock = &clock_;
    o.served_log = log;
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(o));
  }

  void Setup(const ServedLogOptions& log) {
    Open(log);
    ASSERT_FALSE(HasFatalFailure());
    Registry& r = engine_->registry();
    ASSERT_OK(r.RegisterEntityType("user", "").status());
    ASSERT_OK(r.RegisterEntityType("item", "").status());
    ASSERT_OK(r.RegisterFeature(Spec("user", "age", ValueType::kInt64, 0, {})).status());
    ASSERT_OK(r.RegisterFeature(Spec("user", "name", ValueType::kString, 0, {})).status());
    ASSERT_OK(
        r.RegisterFeature(Spec("user", "score", ValueType::kDouble, kHour, Value::Double(0.5)))
            .status());
    ASSERT_OK(r.RegisterFeature(Spec("item", "price", ValueType::kDouble, 0, {})).status());
  }

  static FeatureSpec Spec(std::string entity, std::string name, ValueType type, int64_t ttl,
                          std::optional<Value> def) {
    FeatureSpec s;
    s.entity = std::move(entity);
    s.name = std::move(name);
    s.value_type = type;
    s.ttl_us = ttl;
    s.default_value = std::move(def);
    return s;
  }

  OnlineResult Serve(const std::string& entity, std::vector<std::string> ids,
                     std::vector<std::string> features) {
    auto r = engine_->ReadOnline(OnlineRequest{entity, std::move(ids), std::move(features)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : OnlineResult{};
  }

  std::vector<ServedRow> ReadAll(ServedLogQuery q = {}) {
    EXPECT_OK(engine_->served_log().Flush());
    q.limit = std::numeric_limits<size_t>::max();
    auto r = engine_->served_log().Read(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : std::vector<ServedRow>{};
  }

  static std::vector<std::string> Ids(size_t n, size_t first = 0) {
    std::vector<std::string> ids;
    for (size_t i = first; i < first + n; ++i) ids.push_back("u" + std::to_string(i));
    return ids;
  }

  testing::TempDir dir_;
  ManualClock clock_{kNow};
  std::unique_ptr<Engine> engine_;
};

TEST_F(ServedLogTest, SampledCountIsWithinBinomialBounds) {
  ServedLogOptions log;
  log.sample_rate = 0.1;
  log.max_buffered = 100000;
  Setup(log);
  constexpr size_t kRows = 20000;
  for (size_t i = 0; i < kRows; i += 1000) Serve("user", Ids(1000, i), {"age"});
  const double mean = kRows * 0.1;
  const double sigma = std::sqrt(kRows * 0.1 * 0.9);  // about 42
  const ServedLogStats st = engine_->served_log().stats();
  EXPECT_GE(static_cast<double>(st.sampled), mean - 5 * sigma);
  EXPECT_LE(static_cast<double>(st.sampled), mean + 5 * sigma);
  EXPECT_EQ(st.dropped, 0u);
  EXPECT_EQ(ReadAll().size(), st.sampled);
  EXPECT_EQ(engine_->served_log().stats().written, st.sampled);
}

TEST_F(ServedLogTest, RateZeroLogsNothing) {
  Setup(ServedLogOptions{});
  for (int i = 0; i < 10; ++i) Serve("user", Ids(100), {"age", "name"});
  EXPECT_TRUE(ReadAll().empty());
  EXPECT_EQ(engine_->served_log().stats().sampled, 0u);
}

TEST_F(ServedLogTest, RateOneLogsExactlyWhatWasServed) {
  ServedLogOptions log;
  log.sample_rate = 1;
  Setup(log);
  std::vector<WriteRecord> w = {
      {"user", "a", "age", Value::Int64(31), kNow - 10, ""},
      {"user", "a", "name", Value::String("ann"), kNow - 10, ""},
      {"user", "a", "score", Value::Double(0.9), kNow - 2 * kHour, ""},  // stale: default
      {"user", "b", "name", Value(), kNow - 5, ""},                      // explicit null
  };
  ASSERT_OK(engine_->Write(w).status());
  const OnlineResult served = Serve("user", {"a", "b", "zz"}, {"age", "name", "score"});
  clock_.Advance(7);
  Serve("user", {"b"}, {"age@1"});

  const std::vector<ServedRow> rows = ReadAll();
  ASSERT_EQ(rows.size(), 4u);
  const std::vector<std::string> names = {"age@1", "name@1", "score@1"};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(rows[i].request_ts, kNow);
    EXPECT_EQ(rows[i].entity_type, "user");
    EXPECT_EQ(rows[i].features, names);
    ASSERT_EQ(rows[i].values.size(), 3u);
    for (size_t j = 0; j < 3; ++j) EXPECT_EQ(rows[i].values[j], served.at(i, j)) << i << j;
  }
  EXPECT_EQ(rows[0].entity_id, "a");
  EXPECT_EQ(rows[1].entity_id, "b");
  EXPECT_EQ(rows[2].entity_id, "zz");
  EXPECT_LT(rows[0].seq, rows[1].seq);
  EXPECT_EQ(rows[0].values[0].value, Value::Int64(31));
  EXPECT_EQ(rows[0].values[2].status, ValueStatus::kOutsideMaxAge);
  EXPECT_TRUE(rows[0].values[2].default_used);
  EXPECT_EQ(rows[1].values[1].status, ValueStatus::kNullValue);
  EXPECT_EQ(rows[2].values[0].status, ValueStatus::kNotFound);
  EXPECT_EQ(rows[3].request_ts, kNow + 7);
  EXPECT_EQ(rows[3].features, std::vector<std::string>{"age@1"});
  const ServedLogStats st = engine_->served_log().stats();
  EXPECT_EQ(st.sampled, 4u);
  EXPECT_EQ(st.written, 4u);
}

TEST_F(ServedLogTest, EntityRateOverridesTheDefault) {
  ServedLogOptions log;
  log.sample_rate = 0;
  log.entity_rates["item"] = 1;
  Setup(log);
  Serve("user", Ids(50), {"age"});
  Serve("item", {"i1", "i2"}, {"price"});
  std::vector<ServedRow> rows = ReadAll();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].entity_type, "item");
  EXPECT_EQ(rows[1].entity_id, "i2");

  log.sample_rate = 1;
  log.entity_rates["item"] = 0;
  Open(log);
  Serve("user", {"u1"}, {"age"});
  Serve("item", {"i3"}, {"price"});
  rows = ReadAll();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].entity_type, "user");
}

TEST_F(ServedLogTest, RetentionDeletesOldRows) {
  ServedLogOptions log;
  log.sample_rate = 1;
  log.retention_us = kHour;
  Setup(log);
  Serve("user", Ids(3), {"age"});
  clock_.Advance(kHour / 2);
  Serve("user", Ids(2, 10), {"age"});
  ASSERT_EQ(ReadAll().size(), 5u);
  ASSERT_OK(engine_->served_log().ExpireOld());
  EXPECT_EQ(ReadAll().size(), 5u) << "nothing is older than an hour yet";

  clock_.Advance(kHour / 2 + 1);
  ASSERT_OK(engine_->served_log().ExpireOld());
  std::vector<ServedRow> rows = ReadAll();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].entity_id, "u10");
  EXPECT_EQ(engine_->served_log().stats().expired, 3u);

  // Reopening expires too, with logging off.
  clock_.Advance(kHour);
  log.sample_rate = 0;
  Open(log);
  EXPECT_TRUE(ReadAll().empty());
  EXPECT_EQ(engine_->served_log().stats().expired, 2u);
}

TEST_F(ServedLogTest, RowsSurviveReopenAndKeysStayUnique) {
  ServedLogOptions log;
  log.sample_rate = 1;
  log.flush_interval_us = 3600LL * 1000000;  // only the close flushes
  Setup(log);
  Serve("user", Ids(4), {"age", "name"});
  Open(log);  // the clock has not moved: same request_ts, so seq must not restart
  Serve("user", Ids(4), {"age"});
  Open(ServedLogOptions{});
  const std::vector<ServedRow> rows = ReadAll();
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(rows[0].features.size(), 2u);
  EXPECT_EQ(rows[7].features.size(), 1u);
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_LT(rows[i - 1].seq, rows[i].seq);
}

TEST_F(ServedLogTest, ReadPagesAndFilters) {
  ServedLogOptions log;
  log.sample_rate = 1;
  Setup(log);
  for (int t = 0; t < 5; ++t) {
    Serve("user", Ids(2, 2 * t), {"age"});
    Serve("item", {"i" + std::to_string(t)}, {"price"});
    clock_.Advance(1000);
  }
  ASSERT_EQ(ReadAll().size(), 15u);

  ServedLogQuery q;
  q.entity_type = "item";
  std::vector<ServedRow> items = ReadAll(q);
  ASSERT_EQ(items.size(), 5u);
  for (size_t i = 0; i < items.size(); ++i) EXPECT_EQ(items[i].entity_id, "i" + std::to_string(i));

  q = {};
  q.from_ts = kNow + 1000;
  q.to_ts = kNow + 2000;
  std::vector<ServedRow> window = ReadAll(q);
  ASSERT_EQ(window.size(), 6u);
  EXPECT_EQ(window.front().request_ts, kNow + 1000);
  EXPECT_EQ(window.back().request_ts, kNow + 2000);

  // Pages of 4 resume after the last row and together are the whole log, in order.
  const std::vector<ServedRow> all = ReadAll();
  std::vector<ServedRow> paged;
  ServedLogQuery page;
  page.limit = 4;
  for (int guard = 0; guard < 10; ++guard) {
    auto r = engine_->served_log().Read(page);
    ASSERT_OK(r.status());
    if (r->empty()) break;
    EXPECT_LE(r->size(), 4u);
    page.after = std::make_pair(r->back().request_ts, r->back().seq);
    paged.insert(paged.end(), r->begin(), r->end());
  }
  ASSERT_EQ(paged.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(paged[i].seq, all[i].seq);
    EXPECT_EQ(paged[i].entity_id, all[i].entity_id);
  }

  q = {};
  q.from_ts = kNow + 5000;  // after every row
  EXPECT_TRUE(ReadAll(q).empty());
  q.from_ts = 10;
  q.to_ts = 5;  // empty range
  EXPECT_TRUE(ReadAll(q).empty());
  q = {};
  q.limit = 0;
  ASSERT_OK_AND_ASSIGN(auto none, engine_->served_log().Read(q));
  EXPECT_TRUE(none.empty());
}

TEST_F(ServedLogTest, FullBufferDropsAndCounts) {
  ServedLogOptions log;
  log.sample_rate = 1;
  log.max_buffered = 5;
  Setup(log);
  // One request samples all 20 rows at once: 5 fit, 15 are dropped whatever the flusher does.
  Serve("user", Ids(20), {"age"});
  const std::vector<ServedRow> rows = ReadAll();
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[4].entity_id, "u4");
  const ServedLogStats st = engine_->served_log().stats();
  EXPECT_EQ(st.sampled, 20u);
  EXPECT_EQ(st.dropped, 15u);
  EXPECT_EQ(st.written, 5u);
}

TEST_F(ServedLogTest, BadOptionsAreRejected) {
  std::vector<ServedLogOptions> bad(9);
  bad[0].sample_rate = 1.5;
  bad[1].sample_rate = -0.1;
  bad[2].sample_rate = std::nan("");
  bad[3].entity_rates["user"] = 2;
  bad[4].entity_rates[""] = 0.5;
  bad[5].retention_us = 0;
  bad[6].flush_interval_us = -1;
  bad[7].max_buffered = 0;
  bad[8].sample_rate = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < bad.size(); ++i) {
    EngineOptions o;
    o.path = dir_.path() + "/bad" + std::to_string(i);
    o.sync_writes = false;
    o.block_cache_bytes = 1 << 20;
    o.write_buffer_bytes = 1 << 20;
    o.clock = &clock_;
    o.served_log = bad[i];
    auto r = Engine::Open(o);
    ASSERT_FALSE(r.ok()) << i;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << i << r.status().ToString();
  }
}

}  // namespace
}  // namespace asof
