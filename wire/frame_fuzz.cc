// libFuzzer target: the frame decoder and payload verification, on arbitrary bytes.
// Built only with -DASOF_FUZZ=ON (clang); run it with scripts/fuzz.sh.
//
// Input: byte 0 picks the largest piece size and byte 1 the decoder's max_payload; the
// rest is a byte stream, fed to a FrameDecoder in pieces of pseudo-random size (seeded
// by the first two bytes), the way a socket delivers it. Every frame the decoder yields
// must match its header; its payload is verified as the root table of its message type
// (what the server does before decoding), and a payload that verifies is then read in
// full through the object API and re-encoded, so ASan reports any read the verifier
// should have prevented and the re-encoded message must verify too.
//
// Seeds: with ASOF_FUZZ_WRITE_SEEDS=<dir> set, the binary writes a few valid streams
// into <dir> and exits instead of fuzzing.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "wire/asof_generated.h"
#include "wire/frame.h"
#include "wire/verify.h"

namespace asof::wire {
namespace {

// An invariant the code under test broke: libFuzzer records the input.
#define FUZZ_ASSERT(cond) \
  if (!(cond)) __builtin_trap()

// Reads the whole message (every string and vector) and re-encodes it.
void ReadAndRepack(MessageType type, const uint8_t* payload) {
  flatbuffers::FlatBufferBuilder fbb;
  switch (type) {
#define ASOF_REPACK_(Name)                                                     \
  case MessageType::k##Name: {                                                 \
    std::unique_ptr<Name##T> t(flatbuffers::GetRoot<Name>(payload)->UnPack()); \
    fbb.Finish(Name::Pack(fbb, t.get()));                                      \
    break;                                                                     \
  }
    ASOF_WIRE_MESSAGES(ASOF_REPACK_)
#undef ASOF_REPACK_
  }
  FUZZ_ASSERT(VerifyPayload(type, {fbb.GetBufferPointer(), fbb.GetSize()}));
}

void CheckFrame(const FrameHeader& h, std::string_view payload, uint32_t max_payload) {
  FUZZ_ASSERT(payload.size() == h.length && h.length <= max_payload);
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
  FUZZ_ASSERT(CheckPayload(h, bytes) == FrameError::kNone);
  // FlatBuffers reads scalars in place: give it the 8-byte alignment a builder gives.
  std::vector<uint64_t> aligned(payload.size() / 8 + 1);
  std::memcpy(aligned.data(), payload.data(), payload.size());
  std::span<const uint8_t> copy(reinterpret_cast<const uint8_t*>(aligned.data()), payload.size());
  if (VerifyPayload(h.type, copy)) ReadAndRepack(h.type, copy.data());
  // Tight limits take the verifier's other exits; the answer may differ, never crash.
  (void)VerifyPayload(h.type, copy, VerifyLimits{2, 3});
}

uint32_t NextRandom(uint32_t* state) {  // xorshift32
  *state ^= *state << 13;
  *state ^= *state >> 17;
  *state ^= *state << 5;
  return *state;
}

// ---- seed corpus ----------------------------------------------------------------------

template <typename T>
std::string Encode(const T& message) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(T::TableType::Pack(fbb, &message));
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

void Add(MessageType type, uint64_t id, const std::string& payload, std::string* stream) {
  AppendFrame(type, 0, id, {reinterpret_cast<const uint8_t*>(payload.data()), payload.size()},
              stream);
}

std::unique_ptr<ValueT> MakeValue(uint8_t type, int64_t i, std::vector<std::string> strings) {
  auto v = std::make_unique<ValueT>();
  v->type = type;
  v->i = i;
  v->strings = std::move(strings);
  return v;
}

std::vector<std::string> SeedStreams() {
  std::vector<std::string> seeds(6, std::string("\x05\x07", 2));  // pieces <= 64, max 8 KiB
  Add(MessageType::kPingRequest, 1, Encode(PingRequestT{}), &seeds[0]);

  HelloRequestT hello;
  hello.client = "fuzz";
  hello.token = "secret";
  Add(MessageType::kHelloRequest, 1, Encode(hello), &seeds[1]);
  Add(MessageType::kStatsRequest, 2, Encode(StatsRequestT{}), &seeds[1]);
  FreshnessRequestT freshness;
  freshness.include_deprecated = true;
  Add(MessageType::kFreshnessRequest, 3, Encode(freshness), &seeds[1]);
  DriftRequestT drift;
  drift.entity_type = "user";
  drift.feature = "age@2";
  drift.baseline_id = "ds-1";
  drift.window_us = 3600000000;
  Add(MessageType::kDriftRequest, 4, Encode(drift), &seeds[1]);
  BaselinesRequestT baselines;
  baselines.action = "from_window";
  baselines.id = "w-1";
  baselines.to_ts = 5;
  Add(MessageType::kBaselinesRequest, 5, Encode(baselines), &seeds[1]);

  WriteRequestT write;
  for (int i = 0; i < 3; ++i) {
    auto r = std::make_unique<WriteRecordT>();
    r->entity_type = "user";
    r->entity_id = "u" + std::to_string(i);
    r->feature = "f";
    r->value = i == 0 ? MakeValue(3, 42, {}) : MakeValue(12, 0, {"a", "bc"});
    r->has_event_ts = true;
    r->event_ts = 1000 + i;
    write.records.push_back(std::move(r));
  }
  Add(MessageType::kWriteRequest, 7, Encode(write), &seeds[2]);

  OnlineReadRequestT online;
  online.entity_type = "user";
  online.entity_ids = {"u1", "u2"};
  online.features = {"age", "ctr@2"};
  Add(MessageType::kOnlineReadRequest, 8, Encode(online), &seeds[3]);
  AsOfReadRequestT asof;
  asof.entity_type = "user";
  asof.features = {"age"};
  asof.baseline_id = "ds-1";
  asof.rows.push_back(std::make_unique<AsOfRowT>());
  asof.rows[0]->entity_id = "u1";
  asof.rows[0]->ts = 5;
  Add(MessageType::kAsOfReadRequest, 9, Encode(asof), &seeds[3]);
  BulkLoadBeginRequestT begin;
  begin.fingerprint = "sha256:abc";
  Add(MessageType::kBulkLoadBeginRequest, 10, Encode(begin), &seeds[3]);
  BulkLoadChunkRequestT chunk;
  chunk.load_id = 1;
  chunk.data = {1, 2, 3};
  Add(MessageType::kBulkLoadChunkRequest, 11, Encode(chunk), &seeds[3]);
  BulkLoadCommitRequestT commit;
  commit.load_id = 1;
  commit.files.push_back(std::make_unique<BulkFileT>());
  commit.files[0]->size = 3;
  Add(MessageType::kBulkLoadCommitRequest, 12, Encode(commit), &seeds[3]);
  BulkLoadAbortRequestT abort_load;
  abort_load.load_id = 1;
  Add(MessageType::kBulkLoadAbortRequest, 13, Encode(abort_load), &seeds[3]);
  BulkLoadSealRequestT seal;
  seal.load_id = 1;
  seal.file = std::make_unique<BulkFileT>();
  seal.file->size = 3;
  Add(MessageType::kBulkLoadSealRequest, 14, Encode(seal), &seeds[3]);

  DescribeFeatureResponseT describe;
  describe.versions.push_back(std::make_unique<FeatureT>());
  describe.versions[0]->spec = std::make_unique<FeatureSpecT>();
  describe.versions[0]->spec->name = "age";
  describe.versions[0]->spec->tags = {"t"};
  describe.versions[0]->spec->default_value = MakeValue(3, -1, {});
  Add(MessageType::kDescribeFeatureResponse, 3, Encode(describe), &seeds[4]);
  ErrorResponseT error;
  error.code = 4;
  error.message = "not found";
  Add(MessageType::kErrorResponse, 4, Encode(error), &seeds[4]);

  // A damaged frame, an unknown type, then a good frame.
  std::string bad;
  Add(MessageType::kPingRequest, 5, Encode(PingRequestT{}), &bad);
  bad.back() ^= 1;
  std::string unknown;
  Add(MessageType::kPingRequest, 6, Encode(PingRequestT{}), &unknown);
  unknown[5] = static_cast<char>(kMaxMessageType + 1);
  seeds[5] += bad + unknown;
  Add(MessageType::kPingRequest, 7, Encode(PingRequestT{}), &seeds[5]);
  return seeds;
}

void WriteSeeds(const char* dir) {
  std::vector<std::string> seeds = SeedStreams();
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::ofstream out(std::string(dir) + "/seed-" + std::to_string(i), std::ios::binary);
    out.write(seeds[i].data(), static_cast<std::streamsize>(seeds[i].size()));
    if (!out) std::exit(1);
  }
}

}  // namespace
}  // namespace asof::wire

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (const char* dir = std::getenv("ASOF_FUZZ_WRITE_SEEDS")) {
    asof::wire::WriteSeeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace asof::wire;
  if (size < 2) return 0;
  static constexpr size_t kMaxPiece[] = {1, 7, 29, 64, 300, 4096};
  const size_t max_piece = kMaxPiece[data[0] % std::size(kMaxPiece)];
  const uint32_t max_payload = 64u << (data[1] % 8);  // 64 B .. 8 KiB
  uint32_t state = (uint32_t{data[0]} << 8 | data[1]) | 0x10000;
  std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);

  FrameDecoder decoder(max_payload);
  bool failed = false;
  while (!stream.empty() && !failed) {
    size_t n = std::min(stream.size(), 1 + NextRandom(&state) % max_piece);
    decoder.Append(stream.substr(0, n));
    stream.remove_prefix(n);
    for (;;) {
      FrameHeader h;
      std::string_view payload;
      FrameError e = FrameError::kNone;
      FrameDecoder::Step step = decoder.Next(&h, &payload, &e);
      if (step == FrameDecoder::Step::kNeedMore) break;
      if (step == FrameDecoder::Step::kFrame) {
        CheckFrame(h, payload, max_payload);
        continue;
      }
      FUZZ_ASSERT(e != FrameError::kNone);
      if (!CanContinueAfter(e)) {
        FUZZ_ASSERT(decoder.Next(&h, &payload, &e) == FrameDecoder::Step::kError);
        failed = true;
        break;
      }
    }
  }
  return 0;
}
