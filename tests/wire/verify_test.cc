#include "wire/verify.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "tests/util/test_util.h"
#include "wire/asof_generated.h"

namespace asof::wire {
namespace {

namespace fb = flatbuffers;

std::span<const uint8_t> Bytes(const fb::FlatBufferBuilder& fbb) {
  return {fbb.GetBufferPointer(), fbb.GetSize()};
}

// A default (empty) instance of every message verifies as its own type.
TEST(VerifyTest, EveryMessageTypeVerifies) {
  int n = 0;
#define ASOF_EMPTY_MESSAGE_(Name)                                          \
  {                                                                        \
    fb::FlatBufferBuilder fbb;                                             \
    Name##T t;                                                             \
    fbb.Finish(Name::Pack(fbb, &t));                                       \
    EXPECT_TRUE(VerifyPayload(MessageType::k##Name, Bytes(fbb))) << #Name; \
    ++n;                                                                   \
  }
  ASOF_WIRE_MESSAGES(ASOF_EMPTY_MESSAGE_)
#undef ASOF_EMPTY_MESSAGE_
  EXPECT_EQ(n, kMaxMessageType);
}

fb::FlatBufferBuilder WriteRequestWithStrings() {
  WriteRequestT req;
  for (int i = 0; i < 3; ++i) {
    auto r = std::make_unique<WriteRecordT>();
    r->entity_type = "user";
    r->entity_id = "u" + std::to_string(i);
    r->value = std::make_unique<ValueT>();
    r->value->type = 12;
    r->value->strings = {"a", "bb", "ccc"};
    req.records.push_back(std::move(r));
  }
  fb::FlatBufferBuilder fbb;
  fbb.Finish(WriteRequest::Pack(fbb, &req));
  return fbb;
}

TEST(VerifyTest, RejectsEmptyTruncatedAndUnknown) {
  fb::FlatBufferBuilder fbb = WriteRequestWithStrings();
  auto full = Bytes(fbb);
  EXPECT_TRUE(VerifyPayload(MessageType::kWriteRequest, full));
  EXPECT_FALSE(VerifyPayload(MessageType::kWriteRequest, {}));
  // (The last few bytes may be alignment padding, which nothing refers to.)
  for (size_t cut : {size_t{1}, size_t{4}, size_t{12}, full.size() / 2}) {
    EXPECT_FALSE(VerifyPayload(MessageType::kWriteRequest, full.first(cut))) << cut;
  }
  EXPECT_FALSE(VerifyPayload(static_cast<MessageType>(0), full));
  EXPECT_FALSE(VerifyPayload(static_cast<MessageType>(kMaxMessageType + 1), full));
}

TEST(VerifyTest, OffsetPointingOutsideThePayloadIsRejected) {
  fb::FlatBufferBuilder fbb = WriteRequestWithStrings();
  std::vector<uint8_t> bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  bytes[0] = 0xF0;  // the root offset now points far past the end
  bytes[1] = 0xFF;
  EXPECT_FALSE(VerifyPayload(MessageType::kWriteRequest, bytes));
}

TEST(VerifyTest, DepthLimit) {
  // ListDeadLettersResponse > DeadLetter > WriteRecord > Value: four tables deep.
  ListDeadLettersResponseT t;
  t.letters.push_back(std::make_unique<DeadLetterT>());
  t.letters[0]->record = std::make_unique<WriteRecordT>();
  t.letters[0]->record->value = std::make_unique<ValueT>();
  fb::FlatBufferBuilder fbb;
  fbb.Finish(ListDeadLettersResponse::Pack(fbb, &t));
  EXPECT_TRUE(VerifyPayload(MessageType::kListDeadLettersResponse, Bytes(fbb)));
  EXPECT_TRUE(VerifyPayload(MessageType::kListDeadLettersResponse, Bytes(fbb), {4, 100}));
  EXPECT_FALSE(VerifyPayload(MessageType::kListDeadLettersResponse, Bytes(fbb), {3, 100}));
}

TEST(VerifyTest, TableLimit) {
  ListEntityTypesResponseT t;
  for (int i = 0; i < 10; ++i) t.entity_types.push_back(std::make_unique<EntityTypeT>());
  fb::FlatBufferBuilder fbb;
  fbb.Finish(ListEntityTypesResponse::Pack(fbb, &t));
  // The root and ten entity types.
  EXPECT_TRUE(VerifyPayload(MessageType::kListEntityTypesResponse, Bytes(fbb), {16, 11}));
  EXPECT_FALSE(VerifyPayload(MessageType::kListEntityTypesResponse, Bytes(fbb), {16, 10}));
}

// A WriteRequest whose `n` records are all one table whose value lists one string `n`
// times: small on the wire, n * n work to verify or decode.
fb::FlatBufferBuilder SharedRecords(int n) {
  fb::FlatBufferBuilder fbb;
  auto s = fbb.CreateString("x");
  std::vector<fb::Offset<fb::String>> strings(n, s);
  auto list = fbb.CreateVector(strings);
  ValueBuilder vb(fbb);
  vb.add_type(12);
  vb.add_strings(list);
  auto value = vb.Finish();
  std::vector<fb::Offset<WriteRecord>> records(n, CreateWriteRecord(fbb, 0, 0, 0, value));
  fbb.Finish(CreateWriteRequest(fbb, fbb.CreateVector(records)));
  return fbb;
}

TEST(VerifyTest, SharedTablesThatMultiplyTheWorkAreRejected) {
  fb::FlatBufferBuilder small = SharedRecords(50);
  VerifyLimits unbounded;
  unbounded.max_expansion = 1000000;
  // A valid FlatBuffer: only the expansion limit rejects it.
  EXPECT_TRUE(VerifyPayload(MessageType::kWriteRequest, Bytes(small), unbounded));
  EXPECT_FALSE(VerifyPayload(MessageType::kWriteRequest, Bytes(small)));
  // 16,000 x 16,000 took 0.44 s in the stock verifier; rejected before that work.
  fb::FlatBufferBuilder big = SharedRecords(16000);
  EXPECT_FALSE(VerifyPayload(MessageType::kWriteRequest, Bytes(big)));
}

TEST(VerifyTest, SharedStringsThatMultiplyTheDecodeAreRejected) {
  fb::FlatBufferBuilder fbb;
  auto id = fbb.CreateString(std::string(1000, 'u'));
  std::vector<fb::Offset<fb::String>> ids(1000, id);
  fbb.Finish(CreateOnlineReadRequest(fbb, 0, fbb.CreateVector(ids)));
  EXPECT_FALSE(VerifyPayload(MessageType::kOnlineReadRequest, Bytes(fbb)));

  fbb.Clear();
  id = fbb.CreateString(std::string(1000, 'u'));
  std::vector<fb::Offset<AsOfRow>> rows(1000, CreateAsOfRow(fbb, id, 5));
  fbb.Finish(CreateAsOfReadRequest(fbb, 0, 0, false, fbb.CreateVector(rows)));
  EXPECT_FALSE(VerifyPayload(MessageType::kAsOfReadRequest, Bytes(fbb)));

  fbb.Clear();
  auto tag = fbb.CreateString(std::string(1000, 't'));
  std::vector<fb::Offset<fb::String>> tags(1000, tag);
  auto spec = CreateFeatureSpec(fbb, 0, 0, 3, 0, 0, fbb.CreateVector(tags));
  fbb.Finish(CreateRegisterFeatureRequest(fbb, spec));
  EXPECT_FALSE(VerifyPayload(MessageType::kRegisterFeatureRequest, Bytes(fbb)));
}

TEST(VerifyTest, UnsharedAndModestlySharedRequestsPass) {
  // 10,000 distinct ids: the expanded size is the payload's own.
  OnlineReadRequestT online;
  for (int i = 0; i < 10000; ++i) online.entity_ids.push_back("user-" + std::to_string(i));
  online.features = {"a", "b"};
  fb::FlatBufferBuilder fbb;
  fbb.Finish(OnlineReadRequest::Pack(fbb, &online));
  EXPECT_TRUE(VerifyPayload(MessageType::kOnlineReadRequest, Bytes(fbb)));

  // CreateSharedString for the repeated short strings of 1,000 records.
  fbb.Clear();
  std::vector<fb::Offset<WriteRecord>> records;
  for (int i = 0; i < 1000; ++i) {
    auto type = fbb.CreateSharedString("user");
    auto id = fbb.CreateString("u" + std::to_string(i));
    auto feature = fbb.CreateSharedString("clicks_7d");
    auto value = CreateValue(fbb, 3, false, i);
    records.push_back(CreateWriteRecord(fbb, type, id, feature, value, true, 1000 + i));
  }
  fbb.Finish(CreateWriteRequest(fbb, fbb.CreateVector(records)));
  EXPECT_TRUE(VerifyPayload(MessageType::kWriteRequest, Bytes(fbb)));
}

// Random bytes and random damage to a valid message never crash the verifier. (That a
// verified buffer is also safe to read is what the fuzzer checks under ASan.)
TEST(VerifyTest, RandomDamageNeverCrashes) {
  const uint64_t seed = testing::TestSeed();
  std::mt19937_64 rng(seed);
  fb::FlatBufferBuilder fbb = WriteRequestWithStrings();
  std::vector<uint64_t> storage((fbb.GetSize() + 7) / 8 + 64);  // 8-byte aligned
  auto* base = reinterpret_cast<uint8_t*>(storage.data());
  int verified = 0;
  for (int round = 0; round < 2000; ++round) {
    size_t n;
    if (round % 2 == 0) {
      n = fbb.GetSize();
      std::memcpy(base, fbb.GetBufferPointer(), n);
      for (int k = 0; k < 1 + round % 4; ++k) base[rng() % n] = static_cast<uint8_t>(rng());
    } else {
      n = rng() % (storage.size() * 8);
      for (size_t i = 0; i < n; ++i) base[i] = static_cast<uint8_t>(rng());
    }
    auto type = static_cast<MessageType>(rng() % (kMaxMessageType + 2));
    if (!VerifyPayload(type, {base, n})) continue;
    ++verified;
    if (type == MessageType::kWriteRequest) {  // verified means every field can be read
      auto req = fb::GetRoot<WriteRequest>(base)->UnPack();
      EXPECT_LE(req->records.size(), n);
      delete req;
    }
  }
  RecordProperty("verified", verified);
  SUCCEED() << "seed " << seed << ", " << verified << " damaged buffers still verified";
}

}  // namespace
}  // namespace asof::wire
