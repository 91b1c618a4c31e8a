// Tests of the engine's bulk load (engine/engine_bulk_load.cc,
// engine/internal/bulk_load_verify.cc): SST files built here as asof-import builds them
// are verified and ingested atomically; online and as-of reads see them; an older bulk
// value never beats a fresher streamed one online; every verification failure applies
// nothing; fingerprints; ingest_ts stays strictly increasing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/internal/keys.h"
#include "tests/util/bulk_sst.h"
#include "tests/util/test_util.h"

namespace asof {
namespace {

using testing::BulkVersion;
using testing::RawEntry;

constexpr int64_t kNow = 1'700'000'000'000'000;
constexpr int64_t kHour = 3600LL * 1000000;

FeatureSpec Spec(std::string entity, std::string name, ValueType type) {
  FeatureSpec spec;
  spec.name = std::move(name);
  spec.entity = std::move(entity);
  spec.value_type = type;
  return spec;
}

// Public members: the failure cases below reach them through a base-class pointer.
class EngineBulkLoadTest : public ::testing::Test {
 public:
  void SetUp() override {
    OpenEngine();
    ASSERT_FALSE(HasFatalFailure());
    Registry& reg = engine_->registry();
    ASSERT_OK_AND_ASSIGN(EntityType user, reg.RegisterEntityType("user", ""));
    ASSERT_OK_AND_ASSIGN(EntityType item, reg.RegisterEntityType("item", ""));
    user_ = user.id;
    item_ = item.id;
    ASSERT_OK_AND_ASSIGN(auto age, reg.RegisterFeature(Spec("user", "age", ValueType::kInt64)));
    ASSERT_OK_AND_ASSIGN(auto name, reg.RegisterFeature(Spec("user", "name", ValueType::kString)));
    ASSERT_OK_AND_ASSIGN(auto old, reg.RegisterFeature(Spec("user", "old", ValueType::kInt64)));
    ASSERT_OK_AND_ASSIGN(auto price,
                         reg.RegisterFeature(Spec("item", "price", ValueType::kDouble)));
    ASSERT_OK(reg.Deprecate("user", "old"));
    age_ = age.feature->id;
    name_ = name.feature->id;
    old_ = old.feature->id;
    price_ = price.feature->id;
  }

  EngineOptions Options() {
    EngineOptions o;
    o.path = dir_.path() + "/db";
    o.sync_writes = false;
    o.block_cache_bytes = 1 << 20;
    o.write_buffer_bytes = 1 << 20;
    o.clock = &clock_;
    return o;
  }
  void OpenEngine() { ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(Options())); }

  Status Write(const std::vector<WriteRecord>& records) { return engine_->Write(records).status(); }

  std::string Path(const std::string& name) { return dir_.path() + "/" + name; }

  BulkVersion Age(std::string id, int64_t event_ts, int64_t v) {
    return {user_, std::move(id), age_, event_ts, Value::Int64(v)};
  }

  FeatureValue Online(const std::string& id, const std::string& feature) {
    Result<OnlineResult> r = engine_->ReadOnline({"user", {id}, {feature}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->at(0, 0) : FeatureValue{};
  }
  FeatureValue AsOf(const std::string& id, const std::string& feature, int64_t t) {
    AsOfRow row{id, t};
    Result<std::vector<FeatureValue>> r =
        engine_->ReadAsOf({"user", {feature}, AsOfMode::kEventTime}, {&row, 1});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->at(0) : FeatureValue{};
  }

  // Writes the history and latest files of `versions` and ingests them.
  Result<BulkLoadResult> Load(const std::vector<BulkVersion>& versions, int64_t ts,
                              const std::string& fingerprint, const std::string& tag = "a") {
    BulkLoadFiles files{{Path(tag + "-history.sst")}, {Path(tag + "-latest.sst")}};
    RETURN_IF_ERROR(testing::WriteHistorySst(files.history[0], versions, ts));
    RETURN_IF_ERROR(testing::WriteLatestSst(files.latest[0], versions, ts));
    return engine_->IngestBulkLoad(files, ts, fingerprint);
  }

  testing::TempDir dir_;
  ManualClock clock_{kNow};
  std::unique_ptr<Engine> engine_;
  uint32_t user_ = 0, item_ = 0, age_ = 0, name_ = 0, old_ = 0, price_ = 0;
};

TEST_F(EngineBulkLoadTest, IngestedValuesServeOnlineAndAsOf) {
  ASSERT_OK_AND_ASSIGN(int64_t ts, engine_->ReserveIngestTs());
  std::vector<BulkVersion> versions = {
      Age("u1", kNow - 3 * kHour, 30),
      Age("u1", kNow - kHour, 31),
      Age("u2", kNow - kHour, 40),
      {user_, "u2", name_, kNow - 2 * kHour, Value::String("bob")}};
  ASSERT_OK_AND_ASSIGN(BulkLoadResult result, Load(versions, ts, "fp1"));
  EXPECT_EQ(result.history_entries, 4u);
  EXPECT_EQ(result.latest_entries, 2u);
  EXPECT_FALSE(std::filesystem::exists(Path("a-history.sst"))) << "files are moved in";

  FeatureValue u1 = Online("u1", "age");
  EXPECT_EQ(u1.status, ValueStatus::kPresent);
  EXPECT_EQ(u1.value, Value::Int64(31));
  EXPECT_EQ(u1.event_ts, kNow - kHour);
  EXPECT_EQ(u1.ingest_ts, ts);
  EXPECT_EQ(Online("u2", "name").value, Value::String("bob"));
  EXPECT_EQ(Online("u3", "age").status, ValueStatus::kNotFound);

  EXPECT_EQ(AsOf("u1", "age", kNow - 2 * kHour).value, Value::Int64(30));
  EXPECT_EQ(AsOf("u1", "age", kNow - 30 * 60 * 1000000LL).value, Value::Int64(31));
  EXPECT_EQ(AsOf("u1", "age", kNow - 4 * kHour).status, ValueStatus::kNotFound);

  // Freshness sees bulk loads.
  bool found = false;
  for (const FeatureActivity& a : engine_->Activity()) {
    if (a.feature_id != age_) continue;
    found = true;
    EXPECT_EQ(a.values_written, 3u);
    EXPECT_EQ(a.last_event_ts, kNow - kHour);
    EXPECT_EQ(a.last_ingest_ts, ts);
  }
  EXPECT_TRUE(found);
}

TEST_F(EngineBulkLoadTest, OlderBulkValueNeverBeatsFresherStreamedOne) {
  ASSERT_OK(Write({{"user", "u1", "age", Value::Int64(5), kNow - kHour, ""},
                   {"user", "u2", "age", Value::Int64(6), kNow - 3 * kHour, ""}}));
  // Read before the load, so that the records are in the engine's cache of latest
  // records: the load must drop them.
  EXPECT_EQ(Online("u2", "age").value, Value::Int64(6));
  EXPECT_EQ(Online("u3", "age").status, ValueStatus::kNotFound);
  clock_.Advance(1000);
  ASSERT_OK_AND_ASSIGN(int64_t ts, engine_->ReserveIngestTs());
  // u1's bulk value is older than the streamed one; u2's is newer.
  ASSERT_OK(Load({Age("u1", kNow - 2 * kHour, 1), Age("u2", kNow - 2 * kHour, 2),
                  Age("u3", kNow - 2 * kHour, 3)},
                 ts, "fp"));

  EXPECT_EQ(Online("u1", "age").value, Value::Int64(5));
  EXPECT_EQ(Online("u2", "age").value, Value::Int64(2));
  EXPECT_EQ(Online("u3", "age").value, Value::Int64(3)) << "was cached as absent";
  // History keeps both versions of each.
  EXPECT_EQ(AsOf("u1", "age", kNow - 90 * 60 * 1000000LL).value, Value::Int64(1));
  EXPECT_EQ(AsOf("u1", "age", kNow).value, Value::Int64(5));
  EXPECT_EQ(AsOf("u2", "age", kNow - 150 * 60 * 1000000LL).value, Value::Int64(6));
  // After compaction the merge result is the same.
  ASSERT_OK(engine_->CompactAll());
  EXPECT_EQ(Online("u1", "age").value, Value::Int64(5));
  EXPECT_EQ(Online("u2", "age").value, Value::Int64(2));
}

TEST_F(EngineBulkLoadTest, FingerprintRoundTripSurvivesReopen) {
  ASSERT_OK_AND_ASSIGN(std::optional<int64_t> none, engine_->BulkLoadApplied("snap-1"));
  EXPECT_FALSE(none.has_value());
  ASSERT_OK_AND_ASSIGN(int64_t ts, engine_->ReserveIngestTs());
  ASSERT_OK(Load({Age("u1", kNow - kHour, 1)}, ts, "snap-1"));
  ASSERT_OK_AND_ASSIGN(std::optional<int64_t> applied, engine_->BulkLoadApplied("snap-1"));
  ASSERT_TRUE(applied.has_value());
  EXPECT_EQ(*applied, ts);
  ASSERT_OK_AND_ASSIGN(none, engine_->BulkLoadApplied("snap-2"));
  EXPECT_FALSE(none.has_value());

  engine_.reset();
  OpenEngine();
  ASSERT_OK_AND_ASSIGN(applied, engine_->BulkLoadApplied("snap-1"));
  ASSERT_TRUE(applied.has_value());
  EXPECT_EQ(*applied, ts);
  EXPECT_EQ(Online("u1", "age").value, Value::Int64(1));

  // The same fingerprint is not applied twice.
  ASSERT_OK_AND_ASSIGN(int64_t ts2, engine_->ReserveIngestTs());
  Result<BulkLoadResult> again = Load({Age("u1", kNow - kHour, 2)}, ts2, "snap-1", "b");
  EXPECT_EQ(again.status().code(), ErrorCode::kConflict) << again.status().ToString();
  EXPECT_EQ(Online("u1", "age").value, Value::Int64(1));
}

TEST_F(EngineBulkLoadTest, IngestTsStrictlyIncreasesAcrossReserveWriteAndReopen) {
  ASSERT_OK(Write({{"user", "u1", "age", Value::Int64(1), kNow - kHour, ""}}));
  const int64_t t1 = Online("u1", "age").ingest_ts;
  ASSERT_OK_AND_ASSIGN(int64_t t2, engine_->ReserveIngestTs());
  EXPECT_GT(t2, t1);
  ASSERT_OK_AND_ASSIGN(int64_t t3, engine_->ReserveIngestTs());
  EXPECT_GT(t3, t2);
  ASSERT_OK(Write({{"user", "u2", "age", Value::Int64(1), kNow - kHour, ""}}));
  const int64_t t4 = Online("u2", "age").ingest_ts;
  EXPECT_GT(t4, t3);
  ASSERT_OK_AND_ASSIGN(int64_t t5, engine_->ReserveIngestTs());
  EXPECT_GT(t5, t4);

  // A reservation alone is persisted: reopen with the clock moved back.
  engine_.reset();
  clock_.Set(kNow - kHour);
  OpenEngine();
  ASSERT_OK_AND_ASSIGN(int64_t t6, engine_->ReserveIngestTs());
  EXPECT_GT(t6, t5);
  ASSERT_OK(Write({{"user", "u3", "age", Value::Int64(1), kNow - 2 * kHour, ""}}));
  EXPECT_GT(Online("u3", "age").ingest_ts, t6);
}

TEST_F(EngineBulkLoadTest, IngestTsMustHaveBeenHandedOut) {
  ASSERT_OK_AND_ASSIGN(int64_t ts, engine_->ReserveIngestTs());
  Result<BulkLoadResult> r = Load({Age("u1", kNow - kHour, 1)}, ts + 1000, "fp");
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().ToString();
  r = Load({Age("u1", kNow - kHour, 1)}, ts, "");
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().ToString();
  EXPECT_EQ(Online("u1", "age").status, ValueStatus::kNotFound);
}

// One way to break a load: what the files hold, and a word the error must mention.
struct BadLoad {
  std::string name;
  std::string expect;  // in the error message
  // Fills the history and latest entries; a good entry for u1 is already in each.
  std::function<void(EngineBulkLoadTest*, int64_t ts, std::vector<RawEntry>* history,
                     std::vector<RawEntry>* latest, bool* latest_as_puts, bool* history_as_merges)>
      make;
};

class EngineBulkLoadRejectTest : public EngineBulkLoadTest {
 protected:
  // Runs `bad`; expects kInvalidArgument naming a file and nothing applied.
  void ExpectRejected(const BadLoad& bad) {
    SCOPED_TRACE(bad.name);
    ASSERT_OK_AND_ASSIGN(int64_t ts, engine_->ReserveIngestTs());
    std::vector<BulkVersion> good = {Age("u1", kNow - kHour, 7)};
    std::vector<RawEntry> history = testing::HistoryEntries(good, ts);
    std::vector<RawEntry> latest = testing::LatestEntries(good, ts);
    bool latest_as_puts = false, history_as_merges = false;
    bad.make(this, ts, &history, &latest, &latest_as_puts, &history_as_merges);
    BulkLoadFiles files{{Path(bad.name + "-h.sst")}, {Path(bad.name + "-l.sst")}};
    ASSERT_OK(testing::WriteRawSst(files.history[0], history, history_as_merges));
    ASSERT_OK(testing::WriteRawSst(files.latest[0], latest, !latest_as_puts));
    if (bad.name == "corrupt_file") {
      // Flip bytes in the middle of the history file's data.
      std::fstream f(files.history[0], std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(10);
      f.write("\xff\xff\xff\xff", 4);
    }
    Result<BulkLoadResult> r = engine_->IngestBulkLoad(files, ts, "fp-" + bad.name);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().ToString();
    EXPECT_NE(r.status().message().find(".sst"), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find(bad.expect), std::string::npos) << r.status().ToString();
    EXPECT_EQ(Online("u1", "age").status, ValueStatus::kNotFound) << "something was applied";
    EXPECT_EQ(AsOf("u1", "age", kNow).status, ValueStatus::kNotFound);
    ASSERT_OK_AND_ASSIGN(std::optional<int64_t> applied,
                         engine_->BulkLoadApplied("fp-" + bad.name));
    EXPECT_FALSE(applied.has_value());
    EXPECT_TRUE(std::filesystem::exists(files.history[0])) << "files stay on failure";
    EXPECT_TRUE(engine_->Activity().empty());
  }
};

TEST_F(EngineBulkLoadRejectTest, EveryVerificationFailureAppliesNothing) {
  using H = std::vector<RawEntry>;
  auto add_history = [](EngineBulkLoadTest*, BulkVersion v, int64_t ts, H* h) {
    for (RawEntry& e : testing::HistoryEntries({v}, ts)) h->push_back(std::move(e));
  };
  std::vector<BadLoad> cases = {
      {"bad_key", "not a history key",
       [](auto*, int64_t, H* h, H*, bool*, bool*) {
         h->push_back({"garbage", "\x03\x02"});
       }},
      {"unknown_feature", "unknown feature id",
       [&](EngineBulkLoadTest* t, int64_t ts, H* h, H*, bool*, bool*) {
         add_history(t, {t->user_, "u2", 999, kNow - kHour, Value::Int64(1)}, ts, h);
       }},
      {"feature_of_other_entity", "belongs to entity type item",
       [&](EngineBulkLoadTest* t, int64_t ts, H* h, H*, bool*, bool*) {
         add_history(t, {t->user_, "u2", t->price_, kNow - kHour, Value::Double(1)}, ts, h);
       }},
      // The verifier skips the entity checks for a key equal to the previous entry's and
      // the feature checks for a feature seen before: each check must still run on the
      // part of an entry that changed. Same entity as the good u1 entry, other feature:
      {"feature_of_other_entity_same_key", "belongs to entity type item",
       [&](EngineBulkLoadTest* t, int64_t ts, H* h, H*, bool*, bool*) {
         add_history(t, {t->user_, "u1", t->price_, kNow - kHour, Value::Double(1)}, ts, h);
       }},
      // Same entity and feature as the good entry, a value of the wrong type:
      {"wrong_type_same_feature", "expected INT64, got STRING",
       [&](EngineBulkLoadTest* t, int64_t ts, H* h, H*, bool*, bool*) {
         add_history(t, {t->user_, "u1", t->age_, kNow - 2 * kHour, Value::String("x")}, ts, h);
       }},
      {"unknown_entity_type", "unknown entity type id",
       [&](EngineBulkLoadTest* t, int64_t ts, H* h, H*, bool*, bool*) {
         add_history(t, {77, "u2", t->age_, kNow - kHour, Value::Int64(1)}, ts, h);
       }},
      {"wrong_type", "age",
       [&](EngineBulkLoadTest* t, int64_t ts, H* h, H*, bool*, bool*) {
         add_history(t, {t->user_, "u2", t->age_, kNow - kHour, Value::String("x")}, ts, h);
       }},
      {"deprecated_feature", "deprecated",
       [&](EngineBulkLoadTest* t, int64_t ts, H* h, H*, bool*, bool*) {
         add_history(t, {t->user_, "u2", t->old_, kNow - kHour, Value::Int64(1)}, ts, h);
       }},
      {"wrong_history_ingest_ts", "ingest_ts",
       [&](EngineBulkLoadTest* t, int64_t ts, H* h, H*, bool*, bool*) {
         add_history(t, t->Age("u2", kNow - kHour, 1), ts - 1, h);
       }},
      {"wrong_latest_ingest_ts", "ingest_ts",
       [](EngineBulkLoadTest* t, int64_t ts, H*, H* l, bool*, bool*) {
         for (RawEntry& e : testing::LatestEntries({t->Age("u2", kNow - kHour, 1)}, ts + 1)) {
           l->push_back(std::move(e));
         }
       }},
      {"corrupt_latest_record", "corrupt latest record",
       [](EngineBulkLoadTest* t, int64_t, H*, H* l, bool*, bool*) {
         std::string key;
         internal::AppendEntityKey(t->user_, "u2", &key);
         l->push_back({key, "\x05\x01"});
       }},
      {"wrong_partition", "partition",
       [&](EngineBulkLoadTest* t, int64_t ts, H* h, H*, bool*, bool*) {
         std::string key = testing::HistoryKeyOf(t->Age("u2", kNow - kHour, 1), ts);
         key[0] = static_cast<char>(key[0] ^ 0x01);
         h->push_back({key, testing::EncodedValue(Value::Int64(1))});
       }},
      {"future_event", "future",
       [&](EngineBulkLoadTest* t, int64_t ts, H* h, H*, bool*, bool*) {
         add_history(t, t->Age("u2", kNow + 48 * kHour, 1), ts, h);
       }},
      {"trailing_value_bytes", "trailing",
       [&](EngineBulkLoadTest* t, int64_t ts, H* h, H*, bool*, bool*) {
         h->push_back({testing::HistoryKeyOf(t->Age("u2", kNow - kHour, 1), ts),
                       testing::EncodedValue(Value::Int64(1)) + "x"});
       }},
      {"latest_as_puts", "merge operands",
       [](auto*, int64_t, H*, H*, bool* latest_as_puts, bool*) { *latest_as_puts = true; }},
      {"history_as_merges", "must be puts",
       [](auto*, int64_t, H*, H*, bool*, bool* history_as_merges) { *history_as_merges = true; }},
      {"corrupt_file", "history file", [](auto*, int64_t, H*, H*, bool*, bool*) {}},
  };
  for (const BadLoad& bad : cases) {
    ExpectRejected(bad);
    if (HasFatalFailure()) return;
  }
}

TEST_F(EngineBulkLoadTest, NotAnSstFileIsRejected) {
  ASSERT_OK_AND_ASSIGN(int64_t ts, engine_->ReserveIngestTs());
  std::ofstream(Path("junk.sst")) << "this is not an sst file";
  Result<BulkLoadResult> r = engine_->IngestBulkLoad({{Path("junk.sst")}, {}}, ts, "fp");
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().ToString();
  EXPECT_NE(r.status().message().find("junk.sst"), std::string::npos);
  r = engine_->IngestBulkLoad({{Path("missing.sst")}, {}}, ts, "fp");
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().ToString();
}

// StartBulkLoad: files verified one by one as they arrive, then ingested together with
// the figures of exactly the files listed.
TEST_F(EngineBulkLoadTest, SessionVerifiesFilesAheadThenIngestsAtomically) {
  ASSERT_OK_AND_ASSIGN(int64_t ts, engine_->ReserveIngestTs());
  std::vector<BulkVersion> a = {Age("u1", kNow - 2 * kHour, 1), Age("u2", kNow - kHour, 2)};
  std::vector<BulkVersion> b = {Age("u3", kNow - 3 * kHour, 3)};
  ASSERT_OK(testing::WriteHistorySst(Path("h0.sst"), a, ts));
  ASSERT_OK(testing::WriteHistorySst(Path("h1.sst"), b, ts));
  ASSERT_OK(testing::WriteHistorySst(Path("unlisted.sst"), b, ts));
  std::vector<BulkVersion> all = a;
  all.insert(all.end(), b.begin(), b.end());
  ASSERT_OK(testing::WriteLatestSst(Path("l0.sst"), all, ts));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BulkLoadSession> load, engine_->StartBulkLoad(ts));
  EXPECT_EQ(load->ingest_ts(), ts);
  ASSERT_OK(load->Verify(Path("h0.sst"), BulkFileKind::kHistory));
  ASSERT_OK(load->Verify(Path("unlisted.sst"), BulkFileKind::kHistory));
  // Verified as the wrong kind first: Ingest verifies it again as what the list says.
  EXPECT_FALSE(load->Verify(Path("l0.sst"), BulkFileKind::kHistory).ok());
  EXPECT_EQ(Online("u1", "age").status, ValueStatus::kNotFound) << "Verify applies nothing";
  // h1 is never verified ahead: Ingest does it.
  ASSERT_OK_AND_ASSIGN(BulkLoadResult r,
                       load->Ingest({{Path("h0.sst"), Path("h1.sst")}, {Path("l0.sst")}}, "fp"));
  EXPECT_EQ(r.history_entries, 3u);
  EXPECT_EQ(r.latest_entries, 3u);
  EXPECT_EQ(Online("u1", "age").value, Value::Int64(1));
  EXPECT_EQ(Online("u3", "age").value, Value::Int64(3));
  EXPECT_TRUE(std::filesystem::exists(Path("unlisted.sst"))) << "not part of the load";
  ASSERT_EQ(engine_->Activity().size(), 1u);
  EXPECT_EQ(engine_->Activity()[0].values_written, 3u) << "the unlisted file is not counted";
  EXPECT_EQ(engine_->Activity()[0].last_event_ts, kNow - kHour);
  // A session is used once.
  EXPECT_FALSE(load->Ingest({{}, {}}, "fp2").ok());
}

TEST_F(EngineBulkLoadTest, SessionFailedVerifyFailsIngestWithTheSameError) {
  ASSERT_OK_AND_ASSIGN(int64_t ts, engine_->ReserveIngestTs());
  ASSERT_OK(testing::WriteHistorySst(Path("good.sst"), {Age("u1", kNow - kHour, 1)}, ts));
  ASSERT_OK(testing::WriteHistorySst(Path("bad.sst"),
                                     {Age("u2", kNow - kHour, 1), Age("u3", kNow - kHour, 2)},
                                     ts - 1));  // not the load's ingest_ts
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BulkLoadSession> load, engine_->StartBulkLoad(ts));
  ASSERT_OK(load->Verify(Path("good.sst"), BulkFileKind::kHistory));
  Status bad = load->Verify(Path("bad.sst"), BulkFileKind::kHistory);
  ASSERT_EQ(bad.code(), ErrorCode::kInvalidArgument) << bad.ToString();
  EXPECT_NE(bad.message().find("bad.sst"), std::string::npos) << bad.ToString();
  EXPECT_NE(bad.message().find("entry 0"), std::string::npos) << bad.ToString();
  Result<BulkLoadResult> r = load->Ingest({{Path("good.sst"), Path("bad.sst")}, {}}, "fp");
  EXPECT_EQ(r.status(), bad);
  EXPECT_EQ(Online("u1", "age").status, ValueStatus::kNotFound) << "something was applied";
  ASSERT_OK_AND_ASSIGN(std::optional<int64_t> applied, engine_->BulkLoadApplied("fp"));
  EXPECT_FALSE(applied.has_value());
  EXPECT_TRUE(std::filesystem::exists(Path("good.sst")));
  EXPECT_TRUE(engine_->Activity().empty());

  EXPECT_EQ(engine_->StartBulkLoad(ts + 1000).status().code(), ErrorCode::kInvalidArgument);
}

// The window between Verify and Ingest: a feature deprecated in it fails the load.
TEST_F(EngineBulkLoadTest, SessionRefusesAFeatureDeprecatedAfterVerify) {
  ASSERT_OK_AND_ASSIGN(int64_t ts, engine_->ReserveIngestTs());
  std::vector<BulkVersion> v = {{user_, "u1", name_, kNow - kHour, Value::String("x")}};
  ASSERT_OK(testing::WriteHistorySst(Path("h.sst"), v, ts));
  ASSERT_OK(testing::WriteLatestSst(Path("l.sst"), v, ts));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BulkLoadSession> load, engine_->StartBulkLoad(ts));
  ASSERT_OK(load->Verify(Path("h.sst"), BulkFileKind::kHistory));
  ASSERT_OK(load->Verify(Path("l.sst"), BulkFileKind::kLatest));
  ASSERT_OK(engine_->registry().Deprecate("user", "name"));
  Result<BulkLoadResult> r = load->Ingest({{Path("h.sst")}, {Path("l.sst")}}, "fp");
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().ToString();
  EXPECT_NE(r.status().message().find("name@1 was deprecated"), std::string::npos)
      << r.status().ToString();
  ASSERT_OK_AND_ASSIGN(std::optional<int64_t> applied, engine_->BulkLoadApplied("fp"));
  EXPECT_FALSE(applied.has_value());
}

}  // namespace
}  // namespace asof
