#include "tools/asof-bench/load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "tools/asof-bench/workload.h"
#include "wire/client.h"

namespace asof::bench {

namespace {

constexpr uint8_t kDoubleType = 5;  // engine ValueType::kDouble

ClientOptions ClientOptionsOf(const BenchOptions& o) {
  ClientOptions c;
  c.host = o.host;
  c.port = o.port;
  c.token = o.token;
  c.client_name = "asof-bench --load";
  return c;
}

Status RegisterSchema(const BenchOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Client> client, Client::Connect(ClientOptionsOf(options)));
  RETURN_IF_ERROR(client->RegisterEntityType(options.entity_type, "").status());
  for (uint32_t j = 0; j < options.features; ++j) {
    wire::FeatureSpecT spec;
    spec.name = "f" + std::to_string(j);
    spec.entity = options.entity_type;
    spec.value_type = kDoubleType;
    spec.description = "asof-bench load";
    spec.owner = "asof-bench";
    RETURN_IF_ERROR(client->RegisterFeature(spec).status());
  }
  return Status::Ok();
}

// Writes batches taken from `next` until every entity is written or `failure` is set.
Status LoadWorker(const BenchOptions& options, int64_t event_ts, uint64_t per_batch,
                  std::atomic<uint64_t>* next, std::atomic<bool>* failed) {
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(ClientOptionsOf(options)));
  flatbuffers::FlatBufferBuilder fbb(64 << 10);
  while (!failed->load()) {
    const uint64_t first = next->fetch_add(per_batch);
    if (first >= options.keyspace) break;
    const uint64_t n = std::min(per_batch, options.keyspace - first);
    fbb.Clear();
    BuildLoadBatch(options, first, n, event_ts, &fbb);
    ASSIGN_OR_RETURN(
        std::vector<Frame> frames,
        conn->Call(wire::MessageType::kWriteRequest, {fbb.GetBufferPointer(), fbb.GetSize()}));
    ResponseTally tally(Workload::kWrite, static_cast<uint32_t>(n), options.features);
    for (const Frame& f : frames) RETURN_IF_ERROR(tally.Add(f));
  }
  return Status::Ok();
}

}  // namespace

Result<LoadResult> LoadData(const BenchOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  RETURN_IF_ERROR(RegisterSchema(options));
  const uint64_t per_batch = std::max<uint64_t>(1, options.load_batch / options.features);
  const int64_t event_ts = NowMicros() - kLoadAgeUs;
  const uint32_t workers = std::clamp<uint32_t>(options.connections, 4, 16);

  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  Status first_error;  // guarded by mu
  std::vector<std::thread> threads;
  for (uint32_t i = 0; i < workers; ++i) {
    threads.emplace_back([&] {
      Status s = LoadWorker(options, event_ts, per_batch, &next, &failed);
      if (s.ok()) return;
      failed = true;
      std::lock_guard lock(mu);
      if (first_error.ok()) first_error = std::move(s);
    });
  }
  for (auto& t : threads) t.join();
  if (!first_error.ok()) {
    return Status(first_error.code(), "--load failed: " + first_error.message());
  }
  LoadResult result;
  result.records = options.keyspace * options.features;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace asof::bench
