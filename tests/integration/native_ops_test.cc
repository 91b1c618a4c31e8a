// Every registry, write and admin operation of the native protocol, end to end: a real
// asofd, asof::Client, and the answers checked field by field. Reads (online and as-of)
// are in native_reads_test.cc. One daemon serves the whole suite; each test uses entity
// types of its own, so the tests do not see each other's data.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/util/test_util.h"
#include "wire/client.h"

namespace asof::testing {
namespace {

using wire::RegisterOutcome;

class NativeOpsTest : public ::testing::Test {
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
  void TearDown() override { ASSERT_TRUE(daemon_->running()) << "asofd died:\n" << daemon_->log(); }

  // Registers `entity` and an INT64 feature `name` on it.
  void RegisterInt64(const std::string& entity, const std::string& name) {
    ASSERT_OK(client_->RegisterEntityType(entity, ""));
    ASSERT_OK(client_->RegisterFeature(Spec(entity, name, vt::kInt64)));
  }

  int64_t OnlineInt64(const std::string& entity, const std::string& id, const std::string& ref) {
    auto r = client_->OnlineRead(entity, {id}, {ref});
    EXPECT_OK(r);
    if (!r.ok() || r->values.size() != 1 || r->values[0]->value == nullptr) return -1;
    EXPECT_EQ(r->values[0]->status, vs::kPresent);
    return r->values[0]->value->i;
  }

  static Daemon* daemon_;
  static Status* start_status_;
  std::unique_ptr<Client> client_;
};

Daemon* NativeOpsTest::daemon_ = nullptr;
Status* NativeOpsTest::start_status_ = nullptr;

TEST_F(NativeOpsTest, PingReportsServerTime) {
  int64_t before = NowMicros();
  ASSERT_OK_AND_ASSIGN(auto pong, client_->Ping());
  int64_t after = NowMicros();
  // Same machine, same clock: the server's time lies between ours, give or take a little.
  EXPECT_GE(pong.server_time_us, before - 1000000);
  EXPECT_LE(pong.server_time_us, after + 1000000);
}

TEST_F(NativeOpsTest, StatsCountRequestsRecordsAndRegistry) {
  ASSERT_OK_AND_ASSIGN(auto s0, client_->Stats());
  ASSERT_OK_AND_ASSIGN(auto conn, client_->connection());
  EXPECT_EQ(s0.version, conn->hello().server_version);
  EXPECT_FALSE(s0.version.empty());
  EXPECT_GE(s0.connections, 1u);
  EXPECT_GE(s0.uptime_s, 0);

  RegisterInt64("stats_et", "f");
  ASSERT_OK_AND_ASSIGN(auto written,
                       client_->Write({Record("stats_et", "a", "f", Int64(1), 1000),
                                       Record("stats_et", "b", "f", Int64(2), 1000),
                                       Record("stats_et", "c", "nope", Int64(3), 1000)}));
  EXPECT_EQ(written.accepted, 2u);
  ASSERT_OK_AND_ASSIGN(auto s1, client_->Stats());
  EXPECT_EQ(s1.entity_types, s0.entity_types + 1);
  EXPECT_EQ(s1.features, s0.features + 1);
  EXPECT_EQ(s1.records_accepted, s0.records_accepted + 2);
  EXPECT_EQ(s1.records_rejected, s0.records_rejected + 1);
  EXPECT_EQ(s1.records_duplicate, s0.records_duplicate);
  // Stats, connection (no request), 2 registrations, write, stats.
  EXPECT_GE(s1.requests, s0.requests + 4);
}

TEST_F(NativeOpsTest, EntityTypesRegisterOnceAndList) {
  int64_t before = NowMicros();
  ASSERT_OK_AND_ASSIGN(auto user, client_->RegisterEntityType("et_user", "a user id"));
  EXPECT_GT(user.id, 0u);
  EXPECT_EQ(user.name, "et_user");
  EXPECT_EQ(user.description, "a user id");
  EXPECT_GE(user.created_us, before - 1000000);
  ASSERT_OK_AND_ASSIGN(auto item, client_->RegisterEntityType("et_item", ""));
  EXPECT_NE(item.id, user.id);
  ASSERT_OK_AND_ASSIGN(auto again, client_->RegisterEntityType("et_user", "a user id"));
  EXPECT_EQ(again.id, user.id);

  ASSERT_OK_AND_ASSIGN(auto all, client_->ListEntityTypes());
  int found = 0;
  for (const auto& et : all) {
    if (et.name == "et_user") {
      ++found;
      EXPECT_EQ(et.id, user.id);
      EXPECT_EQ(et.description, "a user id");
    }
    if (et.name == "et_item") ++found;
  }
  EXPECT_EQ(found, 2);

  auto bad = client_->RegisterEntityType("bad name!", "");
  EXPECT_EQ(bad.status().code(), ErrorCode::kUnprocessable) << bad.status().ToString();
}

TEST_F(NativeOpsTest, RegisterFeatureOutcomesAndVersions) {
  ASSERT_OK(client_->RegisterEntityType("reg_et", ""));
  wire::FeatureSpecT spec = Spec("reg_et", "clicks", vt::kInt64);
  spec.description = "clicks in the last hour";
  spec.owner = "growth";
  ASSERT_OK_AND_ASSIGN(auto created, client_->RegisterFeature(spec));
  EXPECT_EQ(created.outcome, RegisterOutcome::Created);
  ASSERT_NE(created.feature, nullptr);
  EXPECT_EQ(created.feature->version, 1u);
  EXPECT_EQ(created.feature->revision, 1u);
  EXPECT_EQ(created.feature->spec->description, "clicks in the last hour");
  const uint32_t v1_id = created.feature->id;

  ASSERT_OK_AND_ASSIGN(auto unchanged, client_->RegisterFeature(spec));
  EXPECT_EQ(unchanged.outcome, RegisterOutcome::Unchanged);
  EXPECT_EQ(unchanged.feature->id, v1_id);
  EXPECT_EQ(unchanged.feature->revision, 1u);

  spec.description = "clicks in the last 60 minutes";
  ASSERT_OK_AND_ASSIGN(auto updated, client_->RegisterFeature(spec));
  EXPECT_EQ(updated.outcome, RegisterOutcome::Updated);
  EXPECT_EQ(updated.feature->id, v1_id);
  EXPECT_EQ(updated.feature->revision, 2u);

  // A value type change is a schema change: 409 unless a new version is asked for.
  spec.value_type = vt::kString;
  auto conflict = client_->RegisterFeature(spec);
  EXPECT_EQ(conflict.status().code(), ErrorCode::kConflict) << conflict.status().ToString();
  EXPECT_NE(conflict.status().message().find("version"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(auto v2, client_->RegisterFeature(spec, /*new_version=*/true));
  EXPECT_EQ(v2.outcome, RegisterOutcome::NewVersion);
  EXPECT_EQ(v2.feature->version, 2u);
  EXPECT_NE(v2.feature->id, v1_id);
  EXPECT_EQ(v2.feature->spec->value_type, vt::kString);

  ASSERT_OK_AND_ASSIGN(auto described, client_->DescribeFeature("reg_et", "clicks@1"));
  ASSERT_EQ(described.versions.size(), 2u);
  EXPECT_EQ(described.versions[0]->version, 1u);
  EXPECT_EQ(described.versions[0]->spec->value_type, vt::kInt64);
  EXPECT_EQ(described.versions[0]->spec->owner, "growth");
  EXPECT_EQ(described.versions[1]->version, 2u);
  ASSERT_EQ(described.history.size(), 2u);  // registered, then the description changed
  EXPECT_EQ(described.history[1]->revision, 2u);
  EXPECT_NE(described.history[1]->what.find("description"), std::string::npos)
      << described.history[1]->what;
  ASSERT_OK_AND_ASSIGN(auto newest, client_->DescribeFeature("reg_et", "clicks"));
  EXPECT_EQ(newest.history.size(), 1u);

  // Both versions stay writable and readable, each with its own type.
  ASSERT_OK_AND_ASSIGN(auto w,
                       client_->Write({Record("reg_et", "u1", "clicks@1", Int64(5), 100),
                                       Record("reg_et", "u1", "clicks", String("x"), 100)}));
  EXPECT_EQ(w.accepted, 2u);
  ASSERT_OK_AND_ASSIGN(auto r, client_->OnlineRead("reg_et", {"u1"}, {"clicks@1", "clicks"}));
  ASSERT_EQ(r.values.size(), 2u);
  EXPECT_EQ(r.values[0]->value->i, 5);
  EXPECT_EQ(r.values[1]->value->s, "x");
  EXPECT_EQ(r.features[0]->version, 1u);
  EXPECT_EQ(r.features[1]->version, 2u);
}

TEST_F(NativeOpsTest, RegisterFeatureErrors) {
  ASSERT_OK(client_->RegisterEntityType("regerr_et", ""));
  auto no_entity = client_->RegisterFeature(Spec("no_such_et", "f", vt::kInt64));
  EXPECT_EQ(no_entity.status().code(), ErrorCode::kUnprocessable);
  auto no_type = client_->RegisterFeature(Spec("regerr_et", "f", vt::kNull));
  EXPECT_EQ(no_type.status().code(), ErrorCode::kUnprocessable);
  wire::FeatureSpecT bad_default = Spec("regerr_et", "f", vt::kInt64);
  bad_default.default_value = std::make_unique<wire::ValueT>(String("zero"));
  auto wrong_default = client_->RegisterFeature(bad_default);
  EXPECT_EQ(wrong_default.status().code(), ErrorCode::kUnprocessable);
  auto unknown_type = client_->RegisterFeature(Spec("regerr_et", "f", 200));
  EXPECT_EQ(unknown_type.status().code(), ErrorCode::kInvalidArgument);

  EXPECT_EQ(client_->DescribeFeature("regerr_et", "missing").status().code(), ErrorCode::kNotFound);
  ASSERT_OK(client_->RegisterFeature(Spec("regerr_et", "g", vt::kInt64)));
  EXPECT_EQ(client_->DescribeFeature("regerr_et", "g@9").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(client_->DescribeFeature("regerr_et", "g@x").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(client_->DeprecateFeature("regerr_et", "missing").code(), ErrorCode::kNotFound);
}

TEST_F(NativeOpsTest, ListSearchAndDeprecate) {
  ASSERT_OK(client_->RegisterEntityType("list_et", ""));
  ASSERT_OK(client_->RegisterEntityType("list_other", ""));
  auto make = [](std::string entity, std::string name, std::string owner, std::string tag,
                 std::string description) {
    wire::FeatureSpecT s = Spec(std::move(entity), std::move(name), vt::kDouble);
    s.owner = std::move(owner);
    s.tags = {std::move(tag), "common"};
    s.description = std::move(description);
    return s;
  };
  ASSERT_OK(client_->RegisterFeature(make("list_et", "b_ctr", "ads", "ranking", "Click RATE")));
  ASSERT_OK(client_->RegisterFeature(make("list_et", "a_spend", "ads", "billing", "money")));
  ASSERT_OK(client_->RegisterFeature(make("list_et", "c_age", "users", "profile", "years")));
  ASSERT_OK(client_->RegisterFeature(make("list_other", "d_x", "ads", "ranking", "other")));

  auto names = [&](wire::ListFeaturesRequestT filter) {
    std::vector<std::string> out;
    auto listed = client_->ListFeatures(filter);
    EXPECT_OK(listed);
    if (!listed.ok()) return out;
    for (const auto& f : listed->features) {
      if (f->spec->entity.starts_with("list_"))
        out.push_back(f->spec->entity + "/" + f->spec->name);
    }
    return out;
  };
  wire::ListFeaturesRequestT by_entity;
  by_entity.entity = "list_et";
  using V = std::vector<std::string>;
  EXPECT_EQ(names(by_entity), (V{"list_et/a_spend", "list_et/b_ctr", "list_et/c_age"}));
  wire::ListFeaturesRequestT by_owner;
  by_owner.owner = "ads";
  EXPECT_EQ(names(by_owner), (V{"list_et/a_spend", "list_et/b_ctr", "list_other/d_x"}));
  wire::ListFeaturesRequestT by_tag;
  by_tag.tag = "ranking";
  EXPECT_EQ(names(by_tag), (V{"list_et/b_ctr", "list_other/d_x"}));
  wire::ListFeaturesRequestT by_text;
  by_text.text = "click rate";  // case-insensitive, in the description
  EXPECT_EQ(names(by_text), (V{"list_et/b_ctr"}));
  wire::ListFeaturesRequestT combined;
  combined.entity = "list_et";
  combined.owner = "ads";
  combined.text = "SPEND";  // in the name
  EXPECT_EQ(names(combined), (V{"list_et/a_spend"}));

  // Deprecation hides the feature from listings and refuses writes; reads go on.
  ASSERT_OK_AND_ASSIGN(auto w,
                       client_->Write({Record("list_et", "e1", "b_ctr", Double(0.25), 1000)}));
  ASSERT_EQ(w.accepted, 1u);
  ASSERT_OK(client_->DeprecateFeature("list_et", "b_ctr"));
  EXPECT_EQ(names(by_entity), (V{"list_et/a_spend", "list_et/c_age"}));
  by_entity.include_deprecated = true;
  ASSERT_OK_AND_ASSIGN(auto all, client_->ListFeatures(by_entity));
  ASSERT_EQ(all.features.size(), 3u);
  EXPECT_EQ(all.features[1]->spec->name, "b_ctr");
  EXPECT_TRUE(all.features[1]->deprecated);
  EXPECT_FALSE(all.features[0]->deprecated);

  ASSERT_OK_AND_ASSIGN(auto refused,
                       client_->Write({Record("list_et", "e1", "b_ctr", Double(0.5), 2000)}));
  EXPECT_EQ(refused.rejected, 1u);
  ASSERT_EQ(refused.problems.size(), 1u);
  EXPECT_NE(refused.problems[0]->reason->message.find("deprecated"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(auto read, client_->OnlineRead("list_et", {"e1"}, {"b_ctr"}));
  ASSERT_NE(read.values[0]->value, nullptr);
  EXPECT_EQ(read.values[0]->value->d, 0.25);
  EXPECT_TRUE(read.features[0]->deprecated);
}

TEST_F(NativeOpsTest, WriteOutcomesAndDeadLetters) {
  RegisterInt64("write_et", "n");
  ASSERT_OK_AND_ASSIGN(auto before, client_->ListDeadLetters(std::nullopt, 10000));
  std::optional<std::pair<int64_t, uint64_t>> after;
  if (!before.letters.empty()) {
    after = {before.letters.back()->ingest_ts, before.letters.back()->seq};
  }

  const int64_t now = NowMicros();
  constexpr int64_t kDayUs = 86400LL * 1000000;
  std::vector<wire::WriteRecordT> batch;
  batch.push_back(Record("write_et", "e0", "n", Int64(10), now - 5000));
  batch.push_back(Record("write_et", "e1", "n", String("10"), now));  // no coercion
  batch.push_back(Record("write_et", "e2", "missing", Int64(1), now));
  batch.push_back(Record("write_et", "e3", "n", Int64(1), std::nullopt));
  batch.push_back(Record("write_et", "e4", "n", Int64(1), now + 2 * kDayUs));  // > max skew
  batch.push_back(Record("write_et", "e5", "n", Int64(55), now - 5000, "ev-write-1"));
  batch.push_back(Record("no_such_et", "e6", "n", Int64(1), now));
  batch.push_back(Record("write_et", "", "n", Int64(1), now));
  ASSERT_OK_AND_ASSIGN(auto result, client_->Write(batch));
  EXPECT_EQ(result.accepted, 2u);
  EXPECT_EQ(result.rejected, 6u);
  EXPECT_EQ(result.duplicates, 0u);
  const std::vector<uint32_t> rejected = {1, 2, 3, 4, 6, 7};
  const std::vector<std::string> reasons = {"expected INT64", "not registered", "event_ts",
                                            "future",         "not registered", "entity_id"};
  ASSERT_EQ(result.problems.size(), rejected.size());
  for (size_t k = 0; k < rejected.size(); ++k) {
    const auto& p = *result.problems[k];
    EXPECT_EQ(p.index, rejected[k]);
    EXPECT_EQ(p.outcome, 2);
    ASSERT_NE(p.reason, nullptr);
    EXPECT_EQ(p.reason->code, static_cast<uint8_t>(ErrorCode::kUnprocessable));
    EXPECT_NE(p.reason->message.find(reasons[k]), std::string::npos)
        << "record " << p.index << ": " << p.reason->message;
  }

  // The same event_id again (with another value) is acknowledged as a duplicate and
  // not applied, also when repeated inside one request.
  ASSERT_OK_AND_ASSIGN(
      auto dup, client_->Write({Record("write_et", "e5", "n", Int64(99), now, "ev-write-1"),
                                Record("write_et", "e8", "n", Int64(8), now, "ev-write-2"),
                                Record("write_et", "e8", "n", Int64(9), now, "ev-write-2")}));
  EXPECT_EQ(dup.accepted, 1u);
  EXPECT_EQ(dup.duplicates, 2u);
  ASSERT_EQ(dup.problems.size(), 2u);
  EXPECT_EQ(dup.problems[0]->index, 0u);
  EXPECT_EQ(dup.problems[0]->outcome, 1);
  EXPECT_EQ(dup.problems[1]->index, 2u);
  EXPECT_EQ(OnlineInt64("write_et", "e5", "n"), 55);
  EXPECT_EQ(OnlineInt64("write_et", "e8", "n"), 8);
  EXPECT_EQ(OnlineInt64("write_et", "e0", "n"), 10);

  // A record that cannot even be decoded fails the whole request, nothing applied.
  wire::ValueT weird;
  weird.type = 99;
  auto undecodable = client_->Write(
      {Record("write_et", "e9", "n", Int64(1), now), Record("write_et", "e9", "n", weird, now)});
  EXPECT_EQ(undecodable.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(undecodable.status().message().find("record 1"), std::string::npos)
      << undecodable.status().ToString();
  ASSERT_OK_AND_ASSIGN(auto e9, client_->OnlineRead("write_et", {"e9"}, {"n"}));
  EXPECT_EQ(e9.values[0]->status, vs::kNotFound);

  // Every rejected record is a dead letter, in arrival order, with its reason.
  ASSERT_OK_AND_ASSIGN(auto letters, client_->ListDeadLetters(after, 10000));
  ASSERT_EQ(letters.letters.size(), rejected.size());
  for (size_t k = 0; k < rejected.size(); ++k) {
    const auto& letter = *letters.letters[k];
    const auto& sent = batch[rejected[k]];
    ASSERT_NE(letter.record, nullptr);
    EXPECT_EQ(letter.record->entity_type, sent.entity_type);
    EXPECT_EQ(letter.record->entity_id, sent.entity_id);
    EXPECT_EQ(letter.record->feature, sent.feature);
    EXPECT_EQ(letter.record->has_event_ts, sent.has_event_ts);
    ASSERT_NE(letter.reason, nullptr);
    EXPECT_EQ(letter.reason->message, result.problems[k]->reason->message);
    EXPECT_EQ(letter.reason->code, static_cast<uint8_t>(ErrorCode::kUnprocessable));
  }
  EXPECT_EQ(letters.letters[0]->record->value->s, "10");
  // Paging resumes after a letter's id.
  ASSERT_OK_AND_ASSIGN(
      auto page, client_->ListDeadLetters(
                     std::make_pair(letters.letters[1]->ingest_ts, letters.letters[1]->seq), 2));
  ASSERT_EQ(page.letters.size(), 2u);
  EXPECT_EQ(page.letters[0]->record->entity_id, "e3");
  EXPECT_EQ(page.letters[1]->record->entity_id, "e4");
}

TEST_F(NativeOpsTest, ServerErrorsCarryTheirCode) {
  RegisterInt64("err_et", "n");
  auto unknown_entity = client_->OnlineRead("no_such_et", {"a"}, {"n"});
  EXPECT_EQ(unknown_entity.status().code(), ErrorCode::kNotFound)
      << unknown_entity.status().ToString();
  auto unknown_feature = client_->OnlineRead("err_et", {"a"}, {"nope"});
  EXPECT_EQ(unknown_feature.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(unknown_feature.status().message().find("nope"), std::string::npos);
  auto bad_ref = client_->OnlineRead("err_et", {"a"}, {"n@zz"});
  EXPECT_EQ(bad_ref.status().code(), ErrorCode::kInvalidArgument);
  auto empty_id = client_->OnlineRead("err_et", {""}, {"n"});
  EXPECT_EQ(empty_id.status().code(), ErrorCode::kInvalidArgument);
  std::vector<std::string> too_many(10001);
  for (size_t i = 0; i < too_many.size(); ++i) too_many[i] = "id" + std::to_string(i);
  auto over_limit = client_->OnlineRead("err_et", too_many, {"n"});
  EXPECT_EQ(over_limit.status().code(), ErrorCode::kPayloadTooLarge)
      << over_limit.status().ToString();
  Status asof = client_->AsOfRead("err_et", {"nope"}, false, {wire::AsOfRowT{}},
                                  [](const wire::AsOfReadChunkT&) { return Status::Ok(); });
  EXPECT_EQ(asof.code(), ErrorCode::kNotFound) << asof.ToString();
  // The connection is still good after all those errors.
  EXPECT_OK(client_->Ping());
}

}  // namespace
}  // namespace asof::testing
