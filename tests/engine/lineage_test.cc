// Lineage objects (engine/catalog.h), upstream refs and cycles (engine/registry.h),
// lineage graphs and DOT (engine/lineage.h), search ranking (SearchRank).
#include "engine/lineage.h"

#include <rocksdb/db.h>

#include <string>
#include <vector>

#include "engine/catalog.h"
#include "engine/internal/registry_codec.h"
#include "tests/util/test_util.h"

namespace asof {
namespace {

constexpr int64_t kStart = 1'700'000'000'000'000;

class LineageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Open());
    ASSERT_OK(registry_->RegisterEntityType("user", ""));
    ASSERT_OK(registry_->RegisterEntityType("item", ""));
  }
  void TearDown() override { Close(); }

  void Open() {
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
    ASSERT_OK_AND_ASSIGN(registry_, Registry::Load(db_.get(), handles_[1], &clock_, true));
  }
  void Close() {
    registry_.reset();
    for (rocksdb::ColumnFamilyHandle* h : handles_)
      EXPECT_TRUE(db_->DestroyColumnFamilyHandle(h).ok());
    handles_.clear();
    if (db_) {
      EXPECT_TRUE(db_->Close().ok());
    }
    db_.reset();
  }
  void Reopen() {
    Close();
    ASSERT_NO_FATAL_FAILURE(Open());
  }

  static FeatureSpec Spec(std::string name, std::vector<std::string> upstream = {},
                          std::string entity = "user") {
    FeatureSpec s;
    s.name = std::move(name);
    s.entity = std::move(entity);
    s.value_type = ValueType::kDouble;
    s.upstream = std::move(upstream);
    return s;
  }
  Status Register(const FeatureSpec& spec) { return registry_->RegisterFeature(spec).status(); }

  // clicks (source) -> raw_clicks -> ctr <- raw_views; ctr -> ctr_smooth; churn@3 uses ctr;
  // ranker@1 uses ctr_smooth.
  void BuildPipeline() {
    Catalog& catalog = registry_->catalog();
    ASSERT_OK(catalog.RegisterSource({"clicks", SourceKind::kStream, "kafka://clicks", "ads", ""}));
    ASSERT_OK(catalog.RegisterTransformation({"ctr_sql", "SELECT c/v", "sql", ""}));
    FeatureSpec raw = Spec("raw_clicks");
    raw.source = "clicks";
    ASSERT_OK(Register(raw));
    FeatureSpec views = Spec("raw_views");
    views.source = "warehouse views table";  // free text: no registered source
    ASSERT_OK(Register(views));
    FeatureSpec ctr = Spec("ctr", {"raw_clicks", "user:raw_views"});
    ctr.transformation = "ctr_sql";
    ASSERT_OK(Register(ctr));
    ASSERT_OK(Register(Spec("ctr_smooth", {"ctr"})));
    ASSERT_OK(catalog.RegisterConsumer({"churn", "3", "ml", "", {"ctr"}}));
    ASSERT_OK(catalog.RegisterConsumer({"ranker", "1", "ml", "", {"user:ctr_smooth"}}));
  }

  std::vector<std::string> NodeIds(const LineageGraph& g) {
    std::vector<std::string> out;
    for (const LineageNode& n : g.nodes) out.push_back(n.id);
    return out;
  }
  std::vector<std::string> Edges(const LineageGraph& g) {
    std::vector<std::string> out;
    for (const LineageEdge& e : g.edges) out.push_back(e.from + " -" + e.kind + "-> " + e.to);
    return out;
  }

  testing::TempDir dir_;
  ManualClock clock_{kStart};
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<Registry> registry_;
};

using V = std::vector<std::string>;

TEST_F(LineageTest, CatalogObjectsPersistAndUpsert) {
  Catalog& catalog = registry_->catalog();
  ASSERT_OK_AND_ASSIGN(auto s, catalog.RegisterSource({"clicks", SourceKind::kTable, "db.clicks",
                                                       "ads", "raw clicks"}));
  EXPECT_EQ(s.outcome, Catalog::Outcome::kCreated);
  EXPECT_EQ(s.object.created_us, kStart);
  clock_.Advance(5);
  ASSERT_OK_AND_ASSIGN(
      s, catalog.RegisterSource({"clicks", SourceKind::kTable, "db.clicks", "ads", "raw clicks"}));
  EXPECT_EQ(s.outcome, Catalog::Outcome::kUnchanged);
  ASSERT_OK_AND_ASSIGN(
      s, catalog.RegisterSource({"clicks", SourceKind::kStream, "kafka://c", "ads", "raw clicks"}));
  EXPECT_EQ(s.outcome, Catalog::Outcome::kUpdated);
  EXPECT_EQ(s.object.created_us, kStart);
  EXPECT_EQ(s.object.updated_us, kStart + 5);
  ASSERT_OK(catalog.RegisterTransformation({"t1", "a + b", "sql", "sum"}));
  ASSERT_OK(Register(Spec("x")));
  ASSERT_OK_AND_ASSIGN(auto c, catalog.RegisterConsumer({"m", "2", "ml", "", {"x", "user:x"}}));
  EXPECT_EQ(c.object.features, V{"user:x"});  // canonical, deduplicated

  ASSERT_NO_FATAL_FAILURE(Reopen());
  const Catalog& again = registry_->catalog();
  ASSERT_OK_AND_ASSIGN(Source loaded, again.GetSource("clicks"));
  EXPECT_EQ(loaded.kind, SourceKind::kStream);
  EXPECT_EQ(loaded.location, "kafka://c");
  EXPECT_EQ(again.ListTransformations().size(), 1u);
  ASSERT_EQ(again.ListConsumers().size(), 1u);
  EXPECT_EQ(again.ConsumersOf("user", "x").size(), 1u);
  EXPECT_TRUE(again.ConsumersOf("item", "x").empty());
  EXPECT_EQ(again.GetSource("nope").status().code(), ErrorCode::kNotFound);
}

TEST_F(LineageTest, CatalogRefusesBadInput) {
  Catalog& catalog = registry_->catalog();
  EXPECT_EQ(catalog.RegisterSource({"bad name", SourceKind::kTable, "", "", ""}).status().code(),
            ErrorCode::kUnprocessable);
  EXPECT_EQ(ParseSourceKind("lake").status().code(), ErrorCode::kUnprocessable);
  ASSERT_OK(Register(Spec("x")));
  ASSERT_OK(Register(Spec("x", {}, "item")));
  EXPECT_EQ(catalog.RegisterConsumer({"m", "1", "", "", {"nope"}}).status().code(),
            ErrorCode::kUnprocessable);
  EXPECT_EQ(catalog.RegisterConsumer({"m", "1", "", "", {"x"}}).status().code(),
            ErrorCode::kUnprocessable);  // ambiguous: user:x or item:x
  EXPECT_EQ(catalog.RegisterConsumer({"m", "1", "", "", {"user:x@1"}}).status().code(),
            ErrorCode::kUnprocessable);
  EXPECT_EQ(catalog.RegisterConsumer({"m", "a b", "", "", {"user:x"}}).status().code(),
            ErrorCode::kUnprocessable);
  EXPECT_TRUE(catalog.ListConsumers().empty());
}

TEST_F(LineageTest, UpstreamMustExistAndNotCycle) {
  EXPECT_EQ(Register(Spec("b", {"a"})).code(), ErrorCode::kUnprocessable);  // a unknown
  ASSERT_OK(Register(Spec("a")));
  ASSERT_OK(Register(Spec("b", {"a"})));
  ASSERT_OK(Register(Spec("c", {"b"})));
  // a <- b <- c: making a derive from c closes the loop.
  Status cycle = Register(Spec("a", {"c"}));
  EXPECT_EQ(cycle.code(), ErrorCode::kUnprocessable);
  EXPECT_NE(cycle.message().find("user:a -> user:c -> user:b -> user:a"), std::string::npos)
      << cycle.message();
  Status self = Register(Spec("a", {"a"}));
  EXPECT_EQ(self.code(), ErrorCode::kUnprocessable);
  EXPECT_NE(self.message().find("user:a -> user:a"), std::string::npos) << self.message();
  EXPECT_EQ(Register(Spec("d", {"a@1"})).code(), ErrorCode::kUnprocessable);
  // Across entity types, and within one batch (b2 sees a2 staged before it).
  std::vector<FeatureSpec> batch = {Spec("a2", {"user:a"}, "item"), Spec("b2", {"a2"}, "item")};
  ASSERT_OK(registry_->RegisterFeatures(batch));
  EXPECT_EQ(Register(Spec("a", {"item:b2"})).code(), ErrorCode::kUnprocessable);
  // Upstream changes are metadata: same version, next revision.
  ASSERT_OK_AND_ASSIGN(auto r, registry_->RegisterFeature(Spec("c", {"b", "a"})));
  EXPECT_EQ(r.outcome, Registry::Outcome::kUpdated);
  EXPECT_EQ(r.feature->version, 1u);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  ASSERT_OK_AND_ASSIGN(FeaturePtr c, registry_->Resolve("user", "c"));
  EXPECT_EQ(c->spec.upstream, (V{"b", "a"}));
}

TEST_F(LineageTest, Graphs) {
  ASSERT_NO_FATAL_FAILURE(BuildPipeline());
  ASSERT_OK_AND_ASSIGN(LineageGraph up,
                       BuildLineage(*registry_, "user", "ctr", LineageDirection::kUpstream, 10));
  EXPECT_EQ(NodeIds(up),
            (V{"feature:user:ctr", "feature:user:raw_clicks", "feature:user:raw_views",
               "source:clicks", "source:warehouse views table", "transformation:ctr_sql"}));
  EXPECT_EQ(Edges(up), (V{"feature:user:raw_clicks -upstream-> feature:user:ctr",
                          "feature:user:raw_views -upstream-> feature:user:ctr",
                          "source:clicks -source-> feature:user:raw_clicks",
                          "source:warehouse views table -source-> feature:user:raw_views",
                          "transformation:ctr_sql -transformation-> feature:user:ctr"}));
  for (const LineageNode& n : up.nodes) {
    EXPECT_EQ(n.registered, n.id != "source:warehouse views table") << n.id;
  }

  ASSERT_OK_AND_ASSIGN(LineageGraph down,
                       BuildLineage(*registry_, "user", "ctr", LineageDirection::kDownstream, 10));
  EXPECT_EQ(NodeIds(down), (V{"consumer:churn@3", "consumer:ranker@1", "feature:user:ctr",
                              "feature:user:ctr_smooth"}));
  ASSERT_OK_AND_ASSIGN(LineageGraph one,
                       BuildLineage(*registry_, "user", "ctr", LineageDirection::kDownstream, 1));
  EXPECT_EQ(NodeIds(one), (V{"consumer:churn@3", "feature:user:ctr", "feature:user:ctr_smooth"}));
  ASSERT_OK_AND_ASSIGN(LineageGraph none,
                       BuildLineage(*registry_, "user", "ctr", LineageDirection::kBoth, 0));
  EXPECT_EQ(NodeIds(none), V{"feature:user:ctr"});

  // Both ways from ctr_smooth: its ancestors and its consumer, but not ctr's other
  // consumer (a sibling, neither upstream nor downstream of ctr_smooth).
  ASSERT_OK_AND_ASSIGN(LineageGraph both,
                       BuildLineage(*registry_, "user", "ctr_smooth", LineageDirection::kBoth, 10));
  EXPECT_EQ(NodeIds(both), (V{"consumer:ranker@1", "feature:user:ctr", "feature:user:ctr_smooth",
                              "feature:user:raw_clicks", "feature:user:raw_views", "source:clicks",
                              "source:warehouse views table", "transformation:ctr_sql"}));
  EXPECT_EQ(BuildLineage(*registry_, "user", "nope", LineageDirection::kBoth, 3).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(ParseLineageDirection("sideways").status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(LineageTest, DotGolden) {
  ASSERT_NO_FATAL_FAILURE(BuildPipeline());
  ASSERT_OK(registry_->Deprecate("user", "ctr_smooth"));
  ASSERT_OK_AND_ASSIGN(LineageGraph g,
                       BuildLineage(*registry_, "user", "ctr_smooth", LineageDirection::kBoth, 2));
  EXPECT_EQ(LineageToDot(g), R"(digraph lineage {
  rankdir=LR;
  node [fontname="Helvetica"];
  "consumer:ranker@1" [label="consumer\nranker@1", shape=component];
  "feature:user:ctr" [label="feature\nuser:ctr", shape=box];
  "feature:user:ctr_smooth" [label="feature\nuser:ctr_smooth", shape=box, style=dashed, penwidth=2];
  "feature:user:raw_clicks" [label="feature\nuser:raw_clicks", shape=box];
  "feature:user:raw_views" [label="feature\nuser:raw_views", shape=box];
  "transformation:ctr_sql" [label="transformation\nctr_sql", shape=ellipse];
  "feature:user:ctr" -> "feature:user:ctr_smooth";
  "feature:user:ctr_smooth" -> "consumer:ranker@1" [label="consumer"];
  "feature:user:raw_clicks" -> "feature:user:ctr";
  "feature:user:raw_views" -> "feature:user:ctr";
  "transformation:ctr_sql" -> "feature:user:ctr" [label="transformation"];
}
)");
}

TEST_F(LineageTest, SearchRanking) {
  auto add = [&](std::string name, std::string entity, std::vector<std::string> tags,
                 std::string owner, std::string description) {
    FeatureSpec s = Spec(std::move(name), {}, std::move(entity));
    s.tags = std::move(tags);
    s.owner = std::move(owner);
    s.description = std::move(description);
    ASSERT_OK(Register(s));
  };
  add("spend", "user", {}, "ads", "");
  add("spend_7d", "user", {}, "ads", "");
  add("total_spend", "user", {}, "ads", "");
  add("budget", "item", {"spend"}, "ads", "");
  add("cost", "user", {}, "spend", "");
  add("price", "item", {}, "catalog", "what a spend costs");
  add("misc", "item", {}, "catalog", "overspending");
  add("other", "item", {}, "catalog", "unrelated");
  FeatureFilter f;
  f.text = "SPEND";
  std::vector<std::string> names;
  for (const FeaturePtr& p : registry_->List(f)) names.push_back(p->spec.name);
  EXPECT_EQ(names, (V{"spend", "spend_7d", "total_spend", "budget", "cost", "price", "misc"}));
  EXPECT_EQ(SearchRank(Spec("x"), "user"), 2);  // entity word
  EXPECT_EQ(SearchRank(Spec("x"), ""), 0);
}

TEST_F(LineageTest, OldFeatureRecordsStayReadable) {
  // A feature without upstream encodes exactly as before upstream existed, and a record
  // with upstream round-trips.
  Feature f;
  f.id = 7;
  f.spec = Spec("x");
  std::string bytes;
  internal::EncodeFeature(f, &bytes);
  ASSERT_OK_AND_ASSIGN(Feature back, internal::DecodeFeature(bytes));
  EXPECT_EQ(back, f);
  f.spec.upstream = {"a", "item:b"};
  std::string with;
  internal::EncodeFeature(f, &with);
  EXPECT_EQ(with.substr(0, bytes.size()), bytes);
  ASSERT_OK_AND_ASSIGN(back, internal::DecodeFeature(with));
  EXPECT_EQ(back, f);
  EXPECT_FALSE(internal::DecodeFeature(with.substr(0, with.size() - 1)).ok());
  Consumer c{"m", "1", "o", "d", {"user:x"}, 1, 2};
  internal::EncodeConsumer(c, &bytes);
  ASSERT_OK_AND_ASSIGN(Consumer cb, internal::DecodeConsumer(bytes));
  EXPECT_EQ(cb, c);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(internal::DecodeConsumer(bytes.substr(0, n)).ok()) << n;
  }
  Source s{"s", SourceKind::kFile, "/x", "o", "d", 1, 2};
  internal::EncodeSource(s, &bytes);
  ASSERT_OK_AND_ASSIGN(Source sb, internal::DecodeSource(bytes));
  EXPECT_EQ(sb, s);
  bytes[3] = 9;  // kind byte ("\x01" version, name "s" = 2 bytes)
  EXPECT_FALSE(internal::DecodeSource(bytes).ok());
}

}  // namespace
}  // namespace asof
