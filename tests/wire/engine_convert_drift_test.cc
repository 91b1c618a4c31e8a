// wire/engine_convert_drift.cc: drift and baseline requests decoded (malformed ones
// refused), responses built and verified as the client would.
#include <gtest/gtest.h>

#include <memory>

#include "tests/util/test_util.h"
#include "wire/engine_convert.h"
#include "wire/verify.h"

namespace asof {
namespace {

namespace fb = flatbuffers;
using wire::MessageType;

template <typename T, typename TT>
const T* Packed(fb::FlatBufferBuilder& fbb, const TT& object, MessageType type) {
  fbb.Finish(T::Pack(fbb, &object));
  EXPECT_TRUE(wire::VerifyPayload(type, {fbb.GetBufferPointer(), fbb.GetSize()}));
  return fb::GetRoot<T>(fbb.GetBufferPointer());
}

Result<wire::BaselinesAction> DecodeBaselines(std::string action, std::string id, int64_t from = 0,
                                              int64_t to = 0) {
  wire::BaselinesRequestT r;
  r.action = std::move(action);
  r.id = std::move(id);
  r.from_ts = from;
  r.to_ts = to;
  fb::FlatBufferBuilder fbb;
  return wire::DecodeBaselinesRequest(
      *Packed<wire::BaselinesRequest>(fbb, r, MessageType::kBaselinesRequest));
}

FeaturePtr MakeFeature(const std::string& entity, const std::string& name, uint32_t version) {
  auto f = std::make_shared<Feature>();
  f->spec.entity = entity;
  f->spec.name = name;
  f->version = version;
  return f;
}

TEST(DecodeDriftRequestTest, CopiesFieldsAndRefusesANegativeWindow) {
  wire::DriftRequestT r;
  r.entity_type = "user";
  r.feature = "ctr@2";
  r.baseline_id = "ds-1";
  r.window_us = 60'000'000;
  fb::FlatBufferBuilder fbb;
  ASSERT_OK_AND_ASSIGN(DriftQuery q, wire::DecodeDriftRequest(*Packed<wire::DriftRequest>(
                                         fbb, r, MessageType::kDriftRequest)));
  EXPECT_EQ(q.entity_type, "user");
  EXPECT_EQ(q.feature, "ctr@2");
  EXPECT_EQ(q.baseline_id, "ds-1");
  EXPECT_EQ(q.window_us, 60'000'000);

  r.window_us = -1;
  fb::FlatBufferBuilder bad;
  EXPECT_EQ(
      wire::DecodeDriftRequest(*Packed<wire::DriftRequest>(bad, r, MessageType::kDriftRequest))
          .status()
          .code(),
      ErrorCode::kInvalidArgument);
}

TEST(DecodeBaselinesRequestTest, Actions) {
  using Kind = wire::BaselinesAction::Kind;
  ASSERT_OK_AND_ASSIGN(wire::BaselinesAction list, DecodeBaselines("", ""));
  EXPECT_EQ(list.kind, Kind::kList);
  ASSERT_OK_AND_ASSIGN(list, DecodeBaselines("list", ""));
  EXPECT_EQ(list.kind, Kind::kList);
  ASSERT_OK_AND_ASSIGN(wire::BaselinesAction del, DecodeBaselines("delete", "ds-1"));
  EXPECT_EQ(del.kind, Kind::kDelete);
  EXPECT_EQ(del.id, "ds-1");
  ASSERT_OK_AND_ASSIGN(wire::BaselinesAction window, DecodeBaselines("from_window", "w", 5, 9));
  EXPECT_EQ(window.kind, Kind::kFromWindow);
  EXPECT_EQ(window.from_ts, 5);
  EXPECT_EQ(window.to_ts, 9);
}

TEST(DecodeBaselinesRequestTest, MalformedAreInvalidArguments) {
  for (auto [action, id, from, to] :
       std::vector<std::tuple<std::string, std::string, int, int>>{{"bogus", "x", 0, 0},
                                                                   {"LIST", "", 0, 0},
                                                                   {"list", "x", 0, 0},
                                                                   {"delete", "", 0, 0},
                                                                   {"from_window", "", 0, 1},
                                                                   {"from_window", "w", 2, 1}}) {
    EXPECT_EQ(DecodeBaselines(action, id, from, to).status().code(), ErrorCode::kInvalidArgument)
        << action << " " << id;
  }
}

TEST(DecodeAsOfSpecTest, BaselineIdWithOriginExport) {
  wire::AsOfReadRequestT r;
  r.entity_type = "user";
  r.baseline_id = "ds-7";
  fb::FlatBufferBuilder fbb;
  AsOfSpec spec =
      wire::DecodeAsOfSpec(*Packed<wire::AsOfReadRequest>(fbb, r, MessageType::kAsOfReadRequest));
  EXPECT_EQ(spec.baseline_id, "ds-7");
  EXPECT_EQ(spec.baseline_origin, "export");
  r.baseline_id.clear();
  fb::FlatBufferBuilder none;
  EXPECT_EQ(
      wire::DecodeAsOfSpec(*Packed<wire::AsOfReadRequest>(none, r, MessageType::kAsOfReadRequest))
          .baseline_id,
      "");
}

TEST(BuildDriftResponseTest, OptionalStatisticsAndThresholds) {
  FeatureDrift numeric;
  numeric.feature = MakeFeature("user", "ctr", 2);
  numeric.baseline_id = "ds-1";
  numeric.window_from = 10;
  numeric.window_to = 20;
  numeric.served_count = 1500;
  numeric.baseline_count = 3000;
  numeric.ks = 0.25;
  numeric.ks_error_bound = 0.01;
  numeric.psi = 0.5;
  numeric.drifting = true;
  FeatureDrift categorical;
  categorical.feature = MakeFeature("user", "city", 1);
  categorical.categorical = true;
  categorical.psi = 0.01;
  categorical.chi_square = 3.5;
  categorical.chi_square_p_value = 0.3;
  categorical.note = "too few served values";
  DriftOptions options;
  options.ks_threshold = 0.15;
  options.min_samples = 42;
  fb::FlatBufferBuilder fbb;
  std::vector<FeatureDrift> all{numeric, categorical};
  wire::BuildDriftResponse(all, options, &fbb);
  ASSERT_TRUE(
      wire::VerifyPayload(MessageType::kDriftResponse, {fbb.GetBufferPointer(), fbb.GetSize()}));
  wire::DriftResponseT r;
  fb::GetRoot<wire::DriftResponse>(fbb.GetBufferPointer())->UnPackTo(&r);
  EXPECT_EQ(r.ks_threshold, 0.15);
  EXPECT_EQ(r.min_samples, 42u);
  ASSERT_EQ(r.features.size(), 2u);
  const wire::DriftEntryT& n = *r.features[0];
  EXPECT_EQ(n.entity, "user");
  EXPECT_EQ(n.name, "ctr");
  EXPECT_EQ(n.version, 2u);
  EXPECT_EQ(n.window_from, 10);
  EXPECT_EQ(n.window_to, 20);
  EXPECT_TRUE(n.has_ks);
  EXPECT_EQ(n.ks, 0.25);
  EXPECT_EQ(n.ks_error_bound, 0.01);
  EXPECT_TRUE(n.has_psi);
  EXPECT_FALSE(n.has_chi_square);
  EXPECT_TRUE(n.drifting);
  const wire::DriftEntryT& c = *r.features[1];
  EXPECT_TRUE(c.categorical);
  EXPECT_FALSE(c.has_ks);
  EXPECT_TRUE(c.has_chi_square);
  EXPECT_EQ(c.chi_square_p_value, 0.3);
  EXPECT_EQ(c.note, "too few served values");
}

TEST(BuildBaselinesResponseTest, FeaturesAsEntityNameVersion) {
  BaselineInfo b;
  b.id = "ds-1";
  b.origin = "export";
  b.created_ts = 1;
  b.updated_ts = 2;
  b.rows = 7;
  b.features = {MakeFeature("user", "ctr", 2), MakeFeature("item", "price", 1)};
  fb::FlatBufferBuilder fbb;
  wire::BuildBaselinesResponse({&b, 1}, &fbb);
  ASSERT_TRUE(wire::VerifyPayload(MessageType::kBaselinesResponse,
                                  {fbb.GetBufferPointer(), fbb.GetSize()}));
  wire::BaselinesResponseT r;
  fb::GetRoot<wire::BaselinesResponse>(fbb.GetBufferPointer())->UnPackTo(&r);
  ASSERT_EQ(r.baselines.size(), 1u);
  EXPECT_EQ(r.baselines[0]->id, "ds-1");
  EXPECT_EQ(r.baselines[0]->origin, "export");
  EXPECT_EQ(r.baselines[0]->rows, 7u);
  EXPECT_EQ(r.baselines[0]->updated_ts, 2);
  EXPECT_EQ(r.baselines[0]->features, (std::vector<std::string>{"user:ctr@2", "item:price@1"}));
}

}  // namespace
}  // namespace asof
