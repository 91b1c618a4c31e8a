// libFuzzer target for the parsers that read request bytes from the network on the HTTP
// and RESP ports (scripts/fuzz.sh runs it): request targets, JSON bodies (registration),
// the historical SAX parser, ingest bodies (array and JSON Lines), and the RESP parser fed
// in pieces. The first input byte picks the parser; the rest is the input. Each must
// return a value or an error, never crash, hang or read out of bounds.
//
// Seeds: with ASOF_FUZZ_WRITE_SEEDS=<dir> set, the binary writes valid inputs there and exits.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "server/api_json.h"
#include "server/historical_request.h"
#include "server/http_target.h"
#include "server/ingest_records.h"
#include "server/resp_parser.h"

namespace {

enum Target : uint8_t {
  kTarget = 0,
  kRegistration,
  kHistorical,
  kIngestArray,
  kIngestLines,
  kResp
};
constexpr uint8_t kTargets = 6;

void FuzzResp(std::string_view input) {
  // Delivered a few bytes at a time, as a socket does; a parsed request is dropped from
  // the front and parsing goes on with the rest.
  using Step = asof::server::RespParser::Step;
  asof::server::RespParser parser;
  size_t start = 0;
  size_t end = 0;
  while (end < input.size()) {
    end = std::min(input.size(), end + 1 + end % 7);
    for (;;) {
      Step step = parser.Next(input.substr(start, end - start));
      if (step == Step::kError) return;
      if (step == Step::kNeedMore) break;
      if (parser.consumed() == 0 || parser.consumed() > end - start) std::abort();
      start += parser.consumed();
    }
  }
}

void Fuzz(uint8_t which, std::string_view input) {
  using namespace asof::server;
  switch (which % kTargets) {
    case kTarget:
      DecodeTarget(input).status().IgnoreError();
      break;
    case kRegistration: {
      auto body = ParseJsonBody(input);
      if (body.ok()) FeatureRegistrationFromJson(*body).status().IgnoreError();
      break;
    }
    case kHistorical:
      ParseHistoricalRequest(input, 1000).status().IgnoreError();
      break;
    case kIngestArray:
      ParseIngestBody(input, "application/json", 1000).status().IgnoreError();
      break;
    case kIngestLines:
      ParseIngestBody(input, "application/x-ndjson", 1000).status().IgnoreError();
      break;
    case kResp:
      FuzzResp(input);
      break;
  }
}

std::vector<std::string> Seeds() {
  return {
      std::string(1, kTarget) + "/api/features?q=a%20b&tag=x+y&include_deprecated=true",
      std::string(1, kRegistration) +
          R"({"name":"avg","entity":"user","value_type":"DOUBLE","ttl":"30d","tags":["a"],)"
          R"("freshness_sla":"1h","default_value":0.0,"owner":"growth","new_version":false})",
      std::string(1, kHistorical) +
          R"({"entity":"user","features":["a","b@2"],"mode":"replay","include_status":true,)"
          R"("entity_ids_with_timestamps":[{"entity_id":"1","timestamp":"2026-03-01T10:00:00Z"},)"
          R"({"entity_id":"2","timestamp":1767225600000000}]})",
      std::string(1, kIngestArray) +
          R"([{"entity":"user","entity_id":"1","feature":"a","value":[1.5,2],)"
          R"("event_timestamp":"2026-03-01T10:00:00.5+02:00","event_id":"e1"}])",
      std::string(1, kIngestLines) +
          "{\"entity\":\"user\",\"entity_id\":\"1\",\"feature\":\"a\",\"value\":\"x\","
          "\"event_timestamp\":1}\r\n\n{\"entity\":\"user\"}\n",
      std::string(1, kResp) +
          "*3\r\n$4\r\nHGET\r\n$6\r\nuser:1\r\n$1\r\na\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n",
  };
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (const char* dir = std::getenv("ASOF_FUZZ_WRITE_SEEDS")) {
    std::vector<std::string> seeds = Seeds();
    for (size_t i = 0; i < seeds.size(); ++i) {
      std::ofstream out(std::string(dir) + "/api-seed-" + std::to_string(i), std::ios::binary);
      out.write(seeds[i].data(), static_cast<std::streamsize>(seeds[i].size()));
      if (!out) std::exit(1);
    }
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Fuzz(data[0], std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
