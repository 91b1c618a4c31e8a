#include "tools/asof-import/type_inference.h"

#include <gtest/gtest.h>

#include "tests/util/test_util.h"

namespace asof::import {
namespace {

// Infers one column from CSV cells (or JSON fields when kinds are given).
Result<ValueType> Infer(std::vector<std::optional<std::string>> cells,
                        std::vector<FieldKind> kinds = {}) {
  TypeInference inference({{0, "c", "feature_c"}}, {"", "NULL"});
  for (size_t i = 0; i < cells.size(); ++i) {
    InputRecord r;
    r.fields = {cells[i]};
    if (!kinds.empty()) r.kinds = {kinds[i]};
    inference.Observe(r);
  }
  ASSIGN_OR_RETURN(auto specs, inference.Specs("user"));
  EXPECT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].name, "feature_c");
  EXPECT_EQ(specs[0].entity, "user");
  return static_cast<ValueType>(specs[0].value_type);
}

ValueType Csv(std::vector<std::optional<std::string>> cells) {
  Result<ValueType> t = Infer(std::move(cells));
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : ValueType::kNull;
}

TEST(TypeInferenceTest, CsvText) {
  EXPECT_EQ(Csv({"true", "False", ""}), ValueType::kBool);
  EXPECT_EQ(Csv({"1", "0", "-5", "NULL"}), ValueType::kInt64);
  EXPECT_EQ(Csv({"1", "2.5"}), ValueType::kDouble);
  EXPECT_EQ(Csv({"1e3", "nan"}), ValueType::kDouble);
  EXPECT_EQ(Csv({"[1, 2.5]", "[]"}), ValueType::kDoubleList);
  EXPECT_EQ(Csv({"[\"a\"]"}), ValueType::kStringList);
  EXPECT_EQ(Csv({"abc", "1"}), ValueType::kString);
  EXPECT_EQ(Csv({"true", "1"}), ValueType::kString);
  EXPECT_EQ(Csv({"007", "1"}), ValueType::kString);  // leading zeros: an identifier
  EXPECT_EQ(Csv({"0", "0.5"}), ValueType::kDouble);
  EXPECT_EQ(Csv({"[1, \"a\"]"}), ValueType::kString);
  EXPECT_EQ(Csv({"99999999999999999999"}), ValueType::kDouble);
}

TEST(TypeInferenceTest, JsonTypes) {
  using K = FieldKind;
  auto json = [](std::vector<std::optional<std::string>> cells, std::vector<K> kinds) {
    Result<ValueType> t = Infer(std::move(cells), std::move(kinds));
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : ValueType::kNull;
  };
  EXPECT_EQ(json({"1", std::nullopt}, {K::kString, K::kNull}), ValueType::kString);
  EXPECT_EQ(json({"1", "2"}, {K::kNumber, K::kNumber}), ValueType::kInt64);
  EXPECT_EQ(json({"1", "2.0"}, {K::kNumber, K::kNumber}), ValueType::kDouble);
  EXPECT_EQ(json({"true", std::nullopt}, {K::kBool, K::kAbsent}), ValueType::kBool);
  EXPECT_EQ(json({"[1,2]"}, {K::kArray}), ValueType::kDoubleList);
  EXPECT_EQ(json({"[\"x\"]"}, {K::kArray}), ValueType::kStringList);
  EXPECT_EQ(json({"NULL"}, {K::kString}), ValueType::kString);  // markers are for CSV
}

TEST(TypeInferenceTest, Uninferable) {
  using K = FieldKind;
  for (auto [cells, kinds] :
       std::vector<std::pair<std::vector<std::optional<std::string>>, std::vector<K>>>{
           {{"", "NULL"}, {}},
           {{}, {}},
           {{"[]"}, {}},
           {{"1", "a"}, {K::kNumber, K::kString}},
           {{"{}"}, {K::kObject}},
           {{"[1,\"a\"]"}, {K::kArray}},
           {{std::nullopt}, {K::kNull}},
       }) {
    Result<ValueType> t = Infer(cells, kinds);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find("c: "), std::string::npos) << t.status().message();
  }
}

TEST(TypeInferenceTest, SeveralColumnsAndTheirSpecs) {
  TypeInference inference({{1, "x", "x"}, {3, "y", "why"}}, {""});
  InputRecord r;
  r.fields = {"id", "1.5", "ts", "hello"};
  inference.Observe(r);
  EXPECT_EQ(inference.records_observed(), 1u);
  ASSERT_OK_AND_ASSIGN(auto specs, inference.Specs("item"));
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].value_type, static_cast<uint8_t>(ValueType::kDouble));
  EXPECT_EQ(specs[1].name, "why");
  EXPECT_EQ(specs[1].value_type, static_cast<uint8_t>(ValueType::kString));
  EXPECT_NE(specs[1].description.find("asof-import"), std::string::npos);
}

}  // namespace
}  // namespace asof::import
