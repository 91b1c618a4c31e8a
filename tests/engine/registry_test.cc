#include "engine/registry.h"

#include <rocksdb/db.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/internal/registry_codec.h"
#include "tests/util/test_util.h"

namespace asof {
namespace {

constexpr int64_t kStart = 1'700'000'000'000'000;

FeatureSpec Spec(std::string name, ValueType type, std::string entity = "user") {
  FeatureSpec s;
  s.name = std::move(name);
  s.entity = std::move(entity);
  s.value_type = type;
  return s;
}

std::vector<std::string> Names(const std::vector<FeaturePtr>& features) {
  std::vector<std::string> out;
  for (const FeaturePtr& f : features) out.push_back(f->spec.entity + ":" + f->spec.name);
  return out;
}

// GCC 12 warns (-Wrestrict, a false positive) on "f" + std::to_string(i) when inlined.
std::string Numbered(char prefix, int i) {
  std::string s(1, prefix);
  s += std::to_string(i);
  return s;
}

FeatureFilter Filter(std::string entity, std::string owner = "", std::string tag = "",
                     std::string text = "", bool include_deprecated = false) {
  FeatureFilter f;
  f.entity = std::move(entity);
  f.owner = std::move(owner);
  f.tag = std::move(tag);
  f.text = std::move(text);
  f.include_deprecated = include_deprecated;
  return f;
}

std::vector<std::string> Whats(const std::vector<FeatureChange>& changes) {
  std::vector<std::string> out;
  for (const FeatureChange& c : changes) out.push_back(c.what);
  return out;
}

// A real RocksDB with a `registry` column family, reopened on demand.
class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenDb());
    ASSERT_NO_FATAL_FAILURE(LoadRegistry());
  }
  void TearDown() override { CloseDb(); }

  void OpenDb() {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
        {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
        {"registry", rocksdb::ColumnFamilyOptions()}};
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(options, dir_.path(), cfs, &handles_, &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    db_.reset(db);
  }
  Result<std::unique_ptr<Registry>> TryLoad(bool sync = true) {
    return Registry::Load(db_.get(), handles_[1], &clock_, sync);
  }
  void LoadRegistry(bool sync = true) { ASSERT_OK_AND_ASSIGN(registry_, TryLoad(sync)); }
  void CloseDb() {
    registry_.reset();
    for (rocksdb::ColumnFamilyHandle* h : handles_) {
      EXPECT_TRUE(db_->DestroyColumnFamilyHandle(h).ok());
    }
    handles_.clear();
    if (db_) {
      EXPECT_TRUE(db_->Close().ok());
    }
    db_.reset();
  }
  void Reopen(bool sync = true) {
    CloseDb();
    ASSERT_NO_FATAL_FAILURE(OpenDb());
    ASSERT_NO_FATAL_FAILURE(LoadRegistry(sync));
  }
  void AddEntities() {
    ASSERT_OK(registry_->RegisterEntityType("user", "user id from the accounts db"));
    ASSERT_OK(registry_->RegisterEntityType("item", "catalog item"));
  }
  Registry::Outcome Register(const FeatureSpec& spec, bool new_version = false) {
    Result<Registry::Registered> r = registry_->RegisterFeature(spec, new_version);
    EXPECT_OK(r);
    return r.ok() ? r->outcome : Registry::Outcome::kUnchanged;
  }
  ErrorCode ErrorOf(const FeatureSpec& spec, bool new_version = false) {
    return registry_->RegisterFeature(spec, new_version).status().code();
  }

  testing::TempDir dir_;
  ManualClock clock_{kStart};
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<Registry> registry_;
};

TEST_F(RegistryTest, EntityTypes) {
  ASSERT_OK_AND_ASSIGN(EntityType user, registry_->RegisterEntityType("user", "accounts id"));
  EXPECT_EQ(user.id, 1u);
  EXPECT_EQ(user.name, "user");
  EXPECT_EQ(user.created_us, kStart);
  clock_.Advance(10);
  ASSERT_OK_AND_ASSIGN(EntityType item, registry_->RegisterEntityType("item", ""));
  EXPECT_EQ(item.id, 2u);
  EXPECT_EQ(item.created_us, kStart + 10);

  // Registering again returns the existing type; an empty description keeps the old one.
  ASSERT_OK_AND_ASSIGN(EntityType again, registry_->RegisterEntityType("user", ""));
  EXPECT_EQ(again, user);
  ASSERT_OK_AND_ASSIGN(EntityType renamed, registry_->RegisterEntityType("user", "new text"));
  EXPECT_EQ(renamed.id, 1u);
  EXPECT_EQ(renamed.description, "new text");
  EXPECT_EQ(renamed.created_us, kStart);
  ASSERT_OK_AND_ASSIGN(EntityType got, registry_->GetEntityType("user"));
  EXPECT_EQ(got, renamed);

  EXPECT_EQ(registry_->GetEntityType("nobody").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(registry_->RegisterEntityType("bad name", "").status().code(),
            ErrorCode::kUnprocessable);
  std::vector<EntityType> all = registry_->ListEntityTypes();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "item");  // ordered by name
  EXPECT_EQ(all[1], renamed);
}

TEST_F(RegistryTest, Outcomes) {
  AddEntities();
  FeatureSpec spec = Spec("clicks_7d", ValueType::kInt64);
  spec.description = "clicks in the last 7 days";
  ASSERT_OK_AND_ASSIGN(auto created, registry_->RegisterFeature(spec));
  EXPECT_EQ(created.outcome, Registry::Outcome::kCreated);
  EXPECT_EQ(created.feature->id, 1u);
  EXPECT_EQ(created.feature->version, 1u);
  EXPECT_EQ(created.feature->revision, 1u);
  EXPECT_EQ(created.feature->created_us, kStart);
  EXPECT_EQ(created.feature->spec, spec);

  clock_.Advance(100);
  ASSERT_OK_AND_ASSIGN(auto same, registry_->RegisterFeature(spec));
  EXPECT_EQ(same.outcome, Registry::Outcome::kUnchanged);
  EXPECT_EQ(same.feature, created.feature);

  spec.owner = "growth";
  ASSERT_OK_AND_ASSIGN(auto updated, registry_->RegisterFeature(spec));
  EXPECT_EQ(updated.outcome, Registry::Outcome::kUpdated);
  EXPECT_EQ(updated.feature->id, 1u);
  EXPECT_EQ(updated.feature->revision, 2u);
  EXPECT_EQ(updated.feature->created_us, kStart);
  EXPECT_EQ(updated.feature->updated_us, kStart + 100);
  EXPECT_EQ(created.feature->spec.owner, "");  // old snapshots are immutable

  FeatureSpec doubled = spec;
  doubled.value_type = ValueType::kDouble;
  Result<Registry::Registered> conflict = registry_->RegisterFeature(doubled);
  EXPECT_EQ(conflict.status().code(), ErrorCode::kConflict);
  EXPECT_NE(conflict.status().message().find("clicks_7d"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(FeaturePtr newest, registry_->Resolve("user", "clicks_7d"));
  EXPECT_EQ(newest->spec.value_type, ValueType::kInt64);

  ASSERT_OK_AND_ASSIGN(auto v2, registry_->RegisterFeature(doubled, /*new_version=*/true));
  EXPECT_EQ(v2.outcome, Registry::Outcome::kNewVersion);
  EXPECT_EQ(v2.feature->version, 2u);
  EXPECT_EQ(v2.feature->id, 2u);
  EXPECT_EQ(v2.feature->revision, 1u);

  // new_version without a schema change is a plain register.
  EXPECT_EQ(Register(doubled, true), Registry::Outcome::kUnchanged);
  doubled.tags = {"b", "a"};
  EXPECT_EQ(Register(doubled, true), Registry::Outcome::kUpdated);
  ASSERT_OK_AND_ASSIGN(FeaturePtr v2b, registry_->Resolve("user", "clicks_7d"));
  EXPECT_EQ(v2b->version, 2u);
  EXPECT_EQ(v2b->revision, 2u);
  EXPECT_EQ(v2b->spec.tags, (std::vector<std::string>{"b", "a"}));  // order as given

  // The same name under another entity type is another feature.
  ASSERT_OK_AND_ASSIGN(auto other,
                       registry_->RegisterFeature(Spec("clicks_7d", ValueType::kBool, "item")));
  EXPECT_EQ(other.outcome, Registry::Outcome::kCreated);
  EXPECT_EQ(other.feature->id, 3u);
}

TEST_F(RegistryTest, RevisionsAndHistory) {
  AddEntities();
  FeatureSpec spec = Spec("age", ValueType::kInt32);
  EXPECT_EQ(Register(spec), Registry::Outcome::kCreated);
  clock_.Advance(1);
  spec.description = "age in years";
  spec.tags = {"pii"};
  EXPECT_EQ(Register(spec), Registry::Outcome::kUpdated);
  clock_.Advance(1);
  spec.owner = "core";
  spec.source = "accounts.users";
  spec.transformation = "floor(years)";
  spec.freshness_sla_us = 5;
  spec.ttl_us = 6;
  spec.retention_us = 7;
  spec.default_value = Value::Int32(0);
  EXPECT_EQ(Register(spec), Registry::Outcome::kUpdated);
  clock_.Advance(1);
  spec.default_value = Value::Int32(1);
  EXPECT_EQ(Register(spec), Registry::Outcome::kUpdated);
  clock_.Advance(1);
  ASSERT_OK(registry_->Deprecate("user", "age"));

  ASSERT_OK_AND_ASSIGN(std::vector<FeatureChange> h, registry_->History("user", "age"));
  EXPECT_EQ(Whats(h), (std::vector<std::string>{
                          "registered", "description, tags changed",
                          "owner, source, transformation, freshness_sla, ttl, retention, "
                          "default_value changed",
                          "default_value changed", "deprecated"}));
  for (size_t i = 0; i < h.size(); ++i) {
    EXPECT_EQ(h[i].revision, i + 1);
    EXPECT_EQ(h[i].ts_us, kStart + static_cast<int64_t>(i));
  }
  ASSERT_OK_AND_ASSIGN(FeaturePtr f, registry_->Resolve("user", "age@1"));
  EXPECT_EQ(f->revision, 5u);
  EXPECT_TRUE(f->deprecated);
  EXPECT_EQ(f->spec, spec);
  ASSERT_OK_AND_ASSIGN(auto h1, registry_->History("user", "age@1"));
  EXPECT_EQ(h1, h);
  EXPECT_EQ(registry_->History("user", "age@2").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(registry_->History("user", "age@").status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(RegistryTest, ResolveRefs) {
  AddEntities();
  EXPECT_EQ(Register(Spec("x", ValueType::kInt64)), Registry::Outcome::kCreated);
  EXPECT_EQ(Register(Spec("x", ValueType::kString), true), Registry::Outcome::kNewVersion);
  ASSERT_OK_AND_ASSIGN(FeaturePtr newest, registry_->Resolve("user", "x"));
  EXPECT_EQ(newest->version, 2u);
  EXPECT_EQ(newest->spec.value_type, ValueType::kString);
  ASSERT_OK_AND_ASSIGN(FeaturePtr v1, registry_->Resolve("user", "x@1"));
  EXPECT_EQ(v1->version, 1u);
  EXPECT_EQ(v1->spec.value_type, ValueType::kInt64);
  ASSERT_OK_AND_ASSIGN(FeaturePtr v2, registry_->Resolve("user", "x@2"));
  EXPECT_EQ(v2, newest);

  for (const char* bad :
       {"x@", "x@0", "x@abc", "x@-1", "x@+1", "x@1x", "x@01", "@1", "x@1@2", "x@99999999999"}) {
    EXPECT_EQ(registry_->Resolve("user", bad).status().code(), ErrorCode::kInvalidArgument) << bad;
  }
  Status missing = registry_->Resolve("user", "x@3").status();
  EXPECT_EQ(missing.code(), ErrorCode::kNotFound);
  for (const char* part : {"'x'", "'user'", "3"}) {
    EXPECT_NE(missing.message().find(part), std::string::npos) << missing.message();
  }
  EXPECT_EQ(registry_->Resolve("user", "y").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(registry_->Resolve("user", "y@1").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(registry_->Resolve("item", "x").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(registry_->Resolve("nobody", "x").status().code(), ErrorCode::kNotFound);
}

TEST_F(RegistryTest, FindByIdAndVersions) {
  AddEntities();
  EXPECT_EQ(Register(Spec("x", ValueType::kInt64)), Registry::Outcome::kCreated);
  EXPECT_EQ(Register(Spec("y", ValueType::kInt64)), Registry::Outcome::kCreated);
  EXPECT_EQ(Register(Spec("x", ValueType::kDouble), true), Registry::Outcome::kNewVersion);
  EXPECT_EQ(Register(Spec("x", ValueType::kFloatList), true), Registry::Outcome::kNewVersion);
  ASSERT_OK_AND_ASSIGN(std::vector<FeaturePtr> versions, registry_->Versions("user", "x"));
  ASSERT_EQ(versions.size(), 3u);
  const uint32_t want_ids[] = {1, 3, 4};
  for (size_t i = 0; i < versions.size(); ++i) {
    EXPECT_EQ(versions[i]->version, i + 1);
    EXPECT_EQ(versions[i]->id, want_ids[i]);
    EXPECT_EQ(registry_->FindById(want_ids[i]), versions[i]);
  }
  EXPECT_EQ(registry_->FindById(2)->spec.name, "y");
  EXPECT_EQ(registry_->FindById(0), nullptr);
  EXPECT_EQ(registry_->FindById(5), nullptr);
  EXPECT_EQ(registry_->Versions("user", "z").status().code(), ErrorCode::kNotFound);
}

TEST_F(RegistryTest, Deprecation) {
  AddEntities();
  EXPECT_EQ(Register(Spec("x", ValueType::kInt64)), Registry::Outcome::kCreated);
  EXPECT_EQ(Register(Spec("x", ValueType::kDouble), true), Registry::Outcome::kNewVersion);
  EXPECT_EQ(Register(Spec("y", ValueType::kDouble)), Registry::Outcome::kCreated);

  ASSERT_OK(registry_->Deprecate("user", "x@1"));
  EXPECT_TRUE(registry_->FindById(1)->deprecated);
  EXPECT_FALSE(registry_->FindById(2)->deprecated);
  EXPECT_EQ(Names(registry_->List({})), (std::vector<std::string>{"user:x", "user:y"}));

  ASSERT_OK(registry_->Deprecate("user", "y"));
  EXPECT_EQ(Names(registry_->List({})), (std::vector<std::string>{"user:x"}));
  ASSERT_OK(registry_->Deprecate("user", "x"));
  EXPECT_TRUE(registry_->FindById(2)->deprecated);
  EXPECT_TRUE(registry_->List({}).empty());
  FeatureFilter all;
  all.include_deprecated = true;
  EXPECT_EQ(Names(registry_->List(all)), (std::vector<std::string>{"user:x", "user:y"}));

  // Deprecating again changes nothing; v1 was deprecated once only.
  ASSERT_OK(registry_->Deprecate("user", "x"));
  ASSERT_OK_AND_ASSIGN(auto h1, registry_->History("user", "x@1"));
  EXPECT_EQ(Whats(h1), (std::vector<std::string>{"registered", "deprecated"}));
  EXPECT_EQ(registry_->FindById(1)->revision, 2u);
  // Reads keep working.
  ASSERT_OK_AND_ASSIGN(FeaturePtr x, registry_->Resolve("user", "x"));
  EXPECT_EQ(x->id, 2u);

  EXPECT_EQ(registry_->Deprecate("user", "zz").code(), ErrorCode::kNotFound);
  EXPECT_EQ(registry_->Deprecate("user", "x@9").code(), ErrorCode::kNotFound);
  EXPECT_EQ(registry_->Deprecate("user", "x@0").code(), ErrorCode::kInvalidArgument);

  // A new version of a deprecated name brings it back to the default listing.
  EXPECT_EQ(Register(Spec("x", ValueType::kString), true), Registry::Outcome::kNewVersion);
  EXPECT_EQ(Names(registry_->List({})), (std::vector<std::string>{"user:x"}));
}

TEST_F(RegistryTest, Search) {
  AddEntities();
  auto add = [&](std::string entity, std::string name, std::string owner,
                 std::vector<std::string> tags, std::string description) {
    FeatureSpec s = Spec(std::move(name), ValueType::kDouble, std::move(entity));
    s.owner = std::move(owner);
    s.tags = std::move(tags);
    s.description = std::move(description);
    EXPECT_EQ(Register(s), Registry::Outcome::kCreated);
  };
  add("user", "ctr_7d", "growth", {"ctr", "daily"}, "Click-through rate");
  add("user", "age", "core", {"pii"}, "Age in years");
  add("item", "price", "catalog", {"daily"}, "list PRICE in cents");
  add("item", "CTR_item", "growth", {}, "per item");
  add("user", "ban", "trust", {"pii", "daily"}, "ban flag");

  auto list = [&](FeatureFilter f) { return Names(registry_->List(f)); };
  using V = std::vector<std::string>;
  EXPECT_EQ(list({}), (V{"item:CTR_item", "item:price", "user:age", "user:ban", "user:ctr_7d"}));
  EXPECT_EQ(list(Filter("item")), (V{"item:CTR_item", "item:price"}));
  EXPECT_EQ(list(Filter("nobody")), V{});
  EXPECT_EQ(list(Filter("", "growth")), (V{"item:CTR_item", "user:ctr_7d"}));
  EXPECT_EQ(list(Filter("", "Growth")), V{});  // exact
  EXPECT_EQ(list(Filter("", "", "daily")), (V{"item:price", "user:ban", "user:ctr_7d"}));
  EXPECT_EQ(list(Filter("", "", "dai")), V{});  // a member, not a substring
  EXPECT_EQ(list(Filter("", "", "", "ctr")), (V{"item:CTR_item", "user:ctr_7d"}));
  EXPECT_EQ(list(Filter("", "", "", "CLICK")), (V{"user:ctr_7d"}));  // description, any case
  EXPECT_EQ(list(Filter("", "", "", "price")), (V{"item:price"}));
  // Both are description word matches: equal rank, then by name.
  EXPECT_EQ(list(Filter("", "", "", "in")), (V{"user:age", "item:price"}));
  EXPECT_EQ(list(Filter("user", "", "daily")), (V{"user:ban", "user:ctr_7d"}));
  EXPECT_EQ(list(Filter("user", "growth", "ctr", "Rate")), (V{"user:ctr_7d"}));
  EXPECT_EQ(list(Filter("", "growth", "daily")), (V{"user:ctr_7d"}));
  EXPECT_EQ(list(Filter("", "", "pii", "zzz")), V{});
}

TEST_F(RegistryTest, Validation) {
  AddEntities();
  FeatureSpec spec = Spec("score", ValueType::kDouble);
  spec.default_value = Value::Int64(1);
  EXPECT_EQ(ErrorOf(spec), ErrorCode::kUnprocessable);
  spec.default_value = Value::String("1");
  EXPECT_EQ(ErrorOf(spec), ErrorCode::kUnprocessable);
  FeatureSpec bad_utf8 = Spec("s", ValueType::kString);
  bad_utf8.default_value = Value::String("\xff");
  EXPECT_EQ(ErrorOf(bad_utf8), ErrorCode::kUnprocessable);
  FeatureSpec unknown = Spec("score", ValueType::kDouble, "shop");
  Status s = registry_->RegisterFeature(unknown).status();
  EXPECT_EQ(s.code(), ErrorCode::kUnprocessable);
  EXPECT_EQ(s.message(), "entity type 'shop' is not registered");
  EXPECT_EQ(ErrorOf(Spec("score", ValueType::kNull)), ErrorCode::kUnprocessable);
  EXPECT_EQ(ErrorOf(Spec("score", static_cast<ValueType>(kMaxValueType + 1))),
            ErrorCode::kUnprocessable);
  for (int field = 0; field < 3; ++field) {
    FeatureSpec neg = Spec("score", ValueType::kDouble);
    (field == 0 ? neg.ttl_us : field == 1 ? neg.freshness_sla_us : neg.retention_us) = -1;
    EXPECT_EQ(ErrorOf(neg), ErrorCode::kUnprocessable) << field;
  }
  for (std::string bad :
       std::vector<std::string>{"", "1abc", "a b", "a@b", "a:b", "a,b", "-a", ".a", "é",
                                std::string(129, 'a'), std::string("a\0b", 3)}) {
    EXPECT_EQ(ErrorOf(Spec(bad, ValueType::kDouble)), ErrorCode::kUnprocessable) << bad;
    EXPECT_EQ(ValidateName("feature", bad).code(), ErrorCode::kUnprocessable) << bad;
  }
  EXPECT_TRUE(registry_->List(Filter("", "", "", "", true)).empty());  // nothing applied

  spec.default_value = Value::Double(0.5);
  EXPECT_EQ(Register(spec), Registry::Outcome::kCreated);
  FeatureSpec null_default = Spec("n", ValueType::kInt64);
  null_default.default_value = Value::Null();
  EXPECT_EQ(Register(null_default), Registry::Outcome::kCreated);
  for (std::string good : std::vector<std::string>{"_x.y-z", "A9", std::string(128, 'b')}) {
    EXPECT_EQ(Register(Spec(good, ValueType::kBool)), Registry::Outcome::kCreated) << good;
  }
}

TEST_F(RegistryTest, SurvivesReopen) {
  AddEntities();
  FeatureSpec spec = Spec("emb", ValueType::kFloatList);
  spec.description = "embedding";
  spec.owner = "ml";
  spec.tags = {"z", "a", "z"};
  spec.source = "s3://bucket";
  spec.transformation = "avg";
  spec.freshness_sla_us = 1;
  spec.ttl_us = 2;
  spec.retention_us = 3;
  spec.default_value = Value::FloatList({1.5f, -2.0f});
  EXPECT_EQ(Register(spec), Registry::Outcome::kCreated);
  clock_.Advance(5);
  spec.description = "user embedding";
  EXPECT_EQ(Register(spec), Registry::Outcome::kUpdated);
  spec.value_type = ValueType::kDoubleList;
  spec.default_value = Value::DoubleList({0.25});
  EXPECT_EQ(Register(spec, true), Registry::Outcome::kNewVersion);
  EXPECT_EQ(Register(Spec("price", ValueType::kInt64, "item")), Registry::Outcome::kCreated);
  ASSERT_OK(registry_->Deprecate("user", "emb@1"));

  std::vector<EntityType> entities = registry_->ListEntityTypes();
  std::vector<Feature> features;
  std::vector<std::vector<FeatureChange>> histories;
  for (uint32_t id = 1; id <= 3; ++id) {
    FeaturePtr f = registry_->FindById(id);
    ASSERT_NE(f, nullptr);
    features.push_back(*f);
    std::string ref = f->spec.name + "@" + std::to_string(f->version);
    ASSERT_OK_AND_ASSIGN(auto h, registry_->History(f->spec.entity, ref));
    histories.push_back(h);
  }

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(registry_->ListEntityTypes(), entities);
  for (uint32_t id = 1; id <= 3; ++id) {
    FeaturePtr f = registry_->FindById(id);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(*f, features[id - 1]);
    std::string ref = f->spec.name + "@" + std::to_string(f->version);
    ASSERT_OK_AND_ASSIGN(auto h, registry_->History(f->spec.entity, ref));
    EXPECT_EQ(h, histories[id - 1]);
  }
  ASSERT_OK_AND_ASSIGN(FeaturePtr emb, registry_->Resolve("user", "emb"));
  EXPECT_EQ(emb->version, 2u);
  EXPECT_EQ(Names(registry_->List({})), (std::vector<std::string>{"item:price", "user:emb"}));

  // Ids continue from max + 1.
  ASSERT_OK_AND_ASSIGN(auto next, registry_->RegisterFeature(Spec("n", ValueType::kBool)));
  EXPECT_EQ(next.feature->id, 4u);
  ASSERT_OK_AND_ASSIGN(EntityType shop, registry_->RegisterEntityType("shop", ""));
  EXPECT_EQ(shop.id, 3u);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(registry_->FindById(4)->spec.name, "n");
  ASSERT_OK_AND_ASSIGN(auto after, registry_->RegisterFeature(Spec("m", ValueType::kBool)));
  EXPECT_EQ(after.feature->id, 5u);
}

TEST_F(RegistryTest, RegisterFeaturesIsAtomic) {
  AddEntities();
  EXPECT_EQ(Register(Spec("old", ValueType::kInt64)), Registry::Outcome::kCreated);
  std::vector<FeatureSpec> specs = {Spec("a", ValueType::kInt64), Spec("b", ValueType::kInt64),
                                    Spec("old", ValueType::kDouble)};
  specs[0].description = "first";
  Result<std::vector<Registry::Registered>> r = registry_->RegisterFeatures(specs);
  EXPECT_EQ(r.status().code(), ErrorCode::kConflict);
  EXPECT_NE(r.status().message().find("specs[2]"), std::string::npos) << r.status().message();
  specs[2] = Spec("c", ValueType::kInt64, "nobody");
  EXPECT_EQ(registry_->RegisterFeatures(specs).status().code(), ErrorCode::kUnprocessable);
  auto nothing_applied = [&] {
    EXPECT_EQ(Names(registry_->List({})), (std::vector<std::string>{"user:old"}));
    EXPECT_EQ(registry_->FindById(2), nullptr);
  };
  nothing_applied();
  ASSERT_NO_FATAL_FAILURE(Reopen());
  nothing_applied();

  // Later specs of one call see earlier ones: a create, an update of it, a new version.
  FeatureSpec a2 = specs[0];
  a2.description = "second";
  FeatureSpec a3 = Spec("a", ValueType::kString);
  specs = {specs[0], specs[1], a2, a2, a3, Spec("old", ValueType::kInt64)};
  ASSERT_OK_AND_ASSIGN(auto done, registry_->RegisterFeatures(specs, /*new_version=*/true));
  using O = Registry::Outcome;
  std::vector<O> outcomes;
  for (const auto& d : done) outcomes.push_back(d.outcome);
  EXPECT_EQ(outcomes, (std::vector<O>{O::kCreated, O::kCreated, O::kUpdated, O::kUnchanged,
                                      O::kNewVersion, O::kUnchanged}));
  EXPECT_EQ(done[2].feature->id, 2u);
  EXPECT_EQ(done[2].feature->revision, 2u);
  EXPECT_EQ(done[4].feature->id, 4u);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  ASSERT_OK_AND_ASSIGN(auto h, registry_->History("user", "a@1"));
  EXPECT_EQ(Whats(h), (std::vector<std::string>{"registered", "description changed"}));
  ASSERT_OK_AND_ASSIGN(FeaturePtr a, registry_->Resolve("user", "a"));
  EXPECT_EQ(a->version, 2u);
  EXPECT_EQ(*registry_->FindById(2), *done[2].feature);
}

// The maps change only after a successful write: a read-only DB fails every write.
TEST_F(RegistryTest, FailedWriteChangesNothing) {
  AddEntities();
  EXPECT_EQ(Register(Spec("x", ValueType::kInt64)), Registry::Outcome::kCreated);
  CloseDb();
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"registry", rocksdb::ColumnFamilyOptions()}};
  rocksdb::DB* db = nullptr;
  rocksdb::Status s =
      rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir_.path(), cfs, &handles_, &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  db_.reset(db);
  ASSERT_NO_FATAL_FAILURE(LoadRegistry());

  EXPECT_EQ(ErrorOf(Spec("y", ValueType::kInt64)), ErrorCode::kInternal);
  FeatureSpec changed = Spec("x", ValueType::kInt64);
  changed.owner = "o";
  EXPECT_EQ(ErrorOf(changed), ErrorCode::kInternal);
  EXPECT_EQ(ErrorOf(Spec("x", ValueType::kBool), true), ErrorCode::kInternal);
  EXPECT_EQ(registry_->Deprecate("user", "x").code(), ErrorCode::kInternal);
  EXPECT_EQ(registry_->RegisterEntityType("shop", "").status().code(), ErrorCode::kInternal);
  EXPECT_EQ(registry_->RegisterEntityType("user", "other").status().code(), ErrorCode::kInternal);

  EXPECT_EQ(registry_->Resolve("user", "y").status().code(), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(FeaturePtr x, registry_->Resolve("user", "x"));
  EXPECT_EQ(x->revision, 1u);
  EXPECT_FALSE(x->deprecated);
  EXPECT_EQ(x->spec.owner, "");
  EXPECT_EQ(registry_->FindById(2), nullptr);
  ASSERT_OK_AND_ASSIGN(auto h, registry_->History("user", "x"));
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(registry_->GetEntityType("shop").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(registry_->GetEntityType("user")->description, "user id from the accounts db");

  // Failed attempts consumed no ids.
  ASSERT_NO_FATAL_FAILURE(Reopen());
  ASSERT_OK_AND_ASSIGN(auto y, registry_->RegisterFeature(Spec("y", ValueType::kInt64)));
  EXPECT_EQ(y.feature->id, 2u);
  ASSERT_OK_AND_ASSIGN(EntityType shop, registry_->RegisterEntityType("shop", ""));
  EXPECT_EQ(shop.id, 3u);
}

TEST_F(RegistryTest, TenThousandFeatures) {
  ASSERT_NO_FATAL_FAILURE(Reopen(/*sync=*/false));
  AddEntities();
  constexpr int kN = 10000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kN; ++i) {
    ASSERT_OK(registry_->RegisterFeature(Spec(Numbered('f', i), ValueType::kInt64)));
  }
  auto one_by_one = std::chrono::steady_clock::now() - start;
  std::vector<FeatureSpec> specs;
  for (int i = 0; i < kN; ++i) specs.push_back(Spec(Numbered('g', i), ValueType::kDouble, "item"));
  start = std::chrono::steady_clock::now();
  ASSERT_OK(registry_->RegisterFeatures(specs));
  auto batched = std::chrono::steady_clock::now() - start;
  using ms = std::chrono::milliseconds;
  std::cout << "[registry] " << kN
            << " one by one: " << std::chrono::duration_cast<ms>(one_by_one).count() << " ms; "
            << kN << " in one RegisterFeatures: " << std::chrono::duration_cast<ms>(batched).count()
            << " ms\n";

  auto check_all = [&] {
    for (int i = 0; i < kN; ++i) {
      ASSERT_OK_AND_ASSIGN(FeaturePtr f, registry_->Resolve("user", Numbered('f', i)));
      EXPECT_EQ(f->id, static_cast<uint32_t>(i + 1));
      ASSERT_OK_AND_ASSIGN(FeaturePtr g, registry_->Resolve("item", Numbered('g', i)));
      EXPECT_EQ(registry_->FindById(g->id), g);
    }
    EXPECT_EQ(registry_->List({}).size(), 2u * kN);
    EXPECT_EQ(registry_->List(Filter("user")).size(), size_t{kN});
    EXPECT_EQ(registry_->List(Filter("", "", "", "G999")).size(), 11u);  // g999, g9990..g9999
  };
  ASSERT_NO_FATAL_FAILURE(check_all());
  start = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(Reopen());
  std::cout << "[registry] load of " << 2 * kN << " features: "
            << std::chrono::duration_cast<ms>(std::chrono::steady_clock::now() - start).count()
            << " ms\n";
  ASSERT_NO_FATAL_FAILURE(check_all());
}

TEST_F(RegistryTest, ConcurrentReadsDuringWrites) {
  AddEntities();
  EXPECT_EQ(Register(Spec("base", ValueType::kInt64)), Registry::Outcome::kCreated);
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        Result<FeaturePtr> f = registry_->Resolve("user", "base");
        if (!f.ok() || registry_->FindById((*f)->id) == nullptr) ADD_FAILURE();
        if (registry_->List({}).empty()) ADD_FAILURE();
        reads.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 300; ++i) {
    FeatureSpec s = Spec("base", ValueType::kInt64);
    s.description = std::to_string(i);
    EXPECT_EQ(Register(s), Registry::Outcome::kUpdated);
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_GT(reads.load(), 0);
  ASSERT_OK_AND_ASSIGN(FeaturePtr f, registry_->Resolve("user", "base"));
  EXPECT_EQ(f->revision, 301u);
}

TEST_F(RegistryTest, CorruptRecordFailsLoad) {
  AddEntities();
  FeatureSpec spec = Spec("x", ValueType::kDouble);
  spec.default_value = Value::Double(1);
  EXPECT_EQ(Register(spec), Registry::Outcome::kCreated);
  std::string good;
  ASSERT_TRUE(db_->Get({}, handles_[1], internal::FeatureKey(1), &good).ok());

  auto load_with = [&](const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put({}, handles_[1], key, value).ok());
    Result<std::unique_ptr<Registry>> r = TryLoad();
    EXPECT_EQ(r.status().code(), ErrorCode::kInternal) << key << " " << value.size();
    EXPECT_NE(r.status().message().find("corrupt registry record"), std::string::npos)
        << r.status().message();
  };
  load_with(internal::FeatureKey(1), "garbage");
  load_with(internal::FeatureKey(1), good.substr(0, good.size() - 1));
  load_with(internal::FeatureKey(1), good + "x");
  load_with(internal::FeatureKey(1), "\x02" + good.substr(1));
  ASSERT_TRUE(db_->Put({}, handles_[1], internal::FeatureKey(1), good).ok());
  ASSERT_OK(TryLoad());
  load_with(internal::FeatureKey(2), good);  // id in the key and the record differ
  ASSERT_TRUE(db_->Delete({}, handles_[1], internal::FeatureKey(2)).ok());
  load_with(internal::FeatureChangeKey(9, 1), good);  // history of an unknown feature
  ASSERT_TRUE(db_->Delete({}, handles_[1], internal::FeatureChangeKey(9, 1)).ok());
  ASSERT_OK(TryLoad());
  load_with(internal::EntityTypeKey("user"), "\x01");
}

// Every prefix and random corruptions of valid records decode to an error or a value,
// never a crash or an over-read (run under ASan).
TEST(RegistryCodecTest, RoundTripAndCorruption) {
  Feature f;
  f.spec = Spec("emb", ValueType::kStringList);
  f.spec.description = "d";
  f.spec.owner = "o";
  f.spec.tags = {"t1", "", "t3"};
  f.spec.source = "src";
  f.spec.transformation = "tr";
  f.spec.freshness_sla_us = -5;  // codec does not judge; the registry does
  f.spec.ttl_us = INT64_MAX;
  f.spec.retention_us = INT64_MIN;
  f.spec.default_value = Value::StringList({"a", "bc"});
  f.id = UINT32_MAX;
  f.version = 7;
  f.revision = UINT64_MAX;
  f.deprecated = true;
  f.created_us = -1;
  f.updated_us = 42;
  std::string bytes;
  internal::EncodeFeature(f, &bytes);
  EXPECT_EQ(bytes[0], 1);
  ASSERT_OK_AND_ASSIGN(Feature back, internal::DecodeFeature(bytes));
  EXPECT_EQ(back, f);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(internal::DecodeFeature(bytes.substr(0, n)).status().code(), ErrorCode::kInternal);
  }

  EntityType e{9, "user", "desc", -3};
  std::string eb;
  internal::EncodeEntityType(e, &eb);
  ASSERT_OK_AND_ASSIGN(EntityType eback, internal::DecodeEntityType(eb));
  EXPECT_EQ(eback, e);
  FeatureChange c{3, 77, "tags changed"};
  std::string cb;
  internal::EncodeFeatureChange(c, &cb);
  ASSERT_OK_AND_ASSIGN(FeatureChange cback, internal::DecodeFeatureChange(cb));
  EXPECT_EQ(cback, c);
  for (size_t n = 0; n < cb.size(); ++n) {
    EXPECT_FALSE(internal::DecodeFeatureChange(cb.substr(0, n)).ok());
  }
  for (size_t n = 0; n < eb.size(); ++n)
    EXPECT_FALSE(internal::DecodeEntityType(eb.substr(0, n)).ok());

  std::mt19937_64 rng(testing::TestSeed());
  for (int i = 0; i < 20000; ++i) {
    std::string mutated = bytes;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) mutated[rng() % mutated.size()] ^= static_cast<char>(rng());
    Result<Feature> r = internal::DecodeFeature(mutated);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kInternal);
    }
  }

  EXPECT_EQ(internal::ParseFeatureKey(internal::FeatureKey(0x01020304)).value(), 0x01020304u);
  auto parts = internal::ParseFeatureChangeKey(internal::FeatureChangeKey(5, 1ull << 40));
  ASSERT_OK(parts);
  EXPECT_EQ(parts->id, 5u);
  EXPECT_EQ(parts->revision, 1ull << 40);
  EXPECT_FALSE(internal::ParseFeatureKey("F123").ok());
  EXPECT_FALSE(internal::ParseFeatureChangeKey(internal::FeatureKey(5)).ok());
}

}  // namespace
}  // namespace asof
