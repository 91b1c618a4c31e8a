#include "server/dispatcher.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>

#include "engine/lineage.h"
#include "server/native_drift.h"
#include "server/native_logging.h"
#include "wire/engine_convert.h"

namespace asio = boost::asio;

namespace asof::server {

namespace {

using wire::MessageType;

int64_t NowMicros() { return SystemClock::Default()->NowMicros(); }

template <typename T>
const T* Root(std::span<const uint8_t> payload) {
  return flatbuffers::GetRoot<T>(payload.data());
}

Status TooLarge(std::string_view what, size_t n, uint32_t limit) {
  return PayloadTooLarge(std::string(what) + ": " + std::to_string(n) + " exceeds the limit of " +
                         std::to_string(limit) + " (see [limits] in asofd.toml)");
}

// The weakest role that may send each request (server/auth.h). Unknown types need only a
// reader: after authentication they are answered "unsupported".
Role RequiredRole(MessageType type) {
  switch (type) {
    case MessageType::kWriteRequest:
    case MessageType::kRegisterEntityTypeRequest:
    case MessageType::kRegisterFeatureRequest:
    case MessageType::kDeprecateFeatureRequest:
    case MessageType::kListDeadLettersRequest:
    case MessageType::kBulkLoadBeginRequest:
    case MessageType::kBulkLoadChunkRequest:
    case MessageType::kBulkLoadCommitRequest:
    case MessageType::kBulkLoadAbortRequest:
    case MessageType::kBulkLoadSealRequest:
      return Role::kWriter;
    default:
      return Role::kReader;
  }
}

// Every request but the hello needs a principal (set by the hello, or anonymous with auth
// off), a strong enough role, and room in its token's rate limit; in that order, as on
// HTTP, so refused requests do not use up the rate.
Status Admit(MessageType type, const std::optional<Principal>& who, RateLimiter* limiter) {
  if (!who.has_value()) {
    return Status(ErrorCode::kUnauthenticated,
                  "authentication required: send a HelloRequest with an API token first");
  }
  RETURN_IF_ERROR(RequireRole(*who, RequiredRole(type), wire::MessageTypeName(type)));
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
  const int wait_s =
      limiter->Acquire(who->name, who->rate_limit_rps, who->rate_limit_burst, now_us);
  if (wait_s > 0) {
    return Status(ErrorCode::kResourceExhausted,
                  "rate limit of token '" + who->name + "' exceeded (" +
                      std::to_string(who->rate_limit_rps) + " requests/s); retry in " +
                      std::to_string(wait_s) + " s");
  }
  return Status::Ok();
}

// Registering, changing or deprecating `entity`/`ref`: checked against the owner of the
// registered version when there is one (a team cannot take over another's feature by
// re-registering it), else against `new_owner`; with no `new_owner` (deprecating) an
// absent feature is NOT_FOUND. The HTTP registry routes apply the same rule.
// Check-then-act: an owner change racing with the check is not excluded; owners change
// rarely, and only by their owner or an admin.
Status AuthorizeFeatureChange(const Registry& registry, const Principal& who,
                              std::string_view entity, std::string_view ref,
                              std::optional<std::string_view> new_owner) {
  auto existing = registry.Resolve(entity, ref);
  if (!existing.ok() && (existing.status().code() != ErrorCode::kNotFound || !new_owner)) {
    return existing.status();
  }
  std::string_view owner = existing.ok() ? std::string_view((*existing)->spec.owner) : *new_owner;
  return RequireOwner(who, owner, std::string(entity) + "/" + std::string(ref));
}

Operation OperationOf(MessageType type) {
  switch (type) {
    case MessageType::kOnlineReadRequest:
      return Operation::kOnline;
    case MessageType::kAsOfReadRequest:
      return Operation::kAsOf;
    case MessageType::kWriteRequest:
      return Operation::kIngest;
    case MessageType::kRegisterEntityTypeRequest:
    case MessageType::kListEntityTypesRequest:
    case MessageType::kRegisterFeatureRequest:
    case MessageType::kDescribeFeatureRequest:
    case MessageType::kListFeaturesRequest:
    case MessageType::kDeprecateFeatureRequest:
    case MessageType::kLineageRequest:
      return Operation::kRegistry;
    default:
      return Operation::kOther;
  }
}

// The native `lineage` request: the HTTP route's semantics, rendered on the server so
// that the wire carries text only.
Result<std::string> LineageText(const Registry& registry, const wire::LineageRequest& r) {
  std::string entity(wire::StringOf(r.entity()));
  const std::string name(wire::StringOf(r.name()));
  if (entity.empty()) {
    for (const EntityType& e : registry.ListEntityTypes()) {
      if (!registry.Versions(e.name, name).ok()) continue;
      if (!entity.empty()) {
        return InvalidArgument("feature '" + name + "' exists under several entity types; " +
                               "choose one with --entity");
      }
      entity = e.name;
    }
    if (entity.empty()) return NotFound("feature '" + name + "' is not registered");
  }
  const std::string direction_text(wire::StringOf(r.direction()));
  ASSIGN_OR_RETURN(LineageDirection direction,
                   ParseLineageDirection(direction_text.empty() ? "both" : direction_text));
  const int depth = r.depth() < 0 ? 10 : r.depth();
  if (depth > 100) return InvalidArgument("depth must be from 0 to 100");
  ASSIGN_OR_RETURN(LineageGraph graph, BuildLineage(registry, entity, name, direction, depth));
  return r.dot() ? LineageToDot(graph) : LineageToText(graph);
}

}  // namespace

// One native request in the metrics: in flight from construction until the first Finish
// (or destruction), then counted with its answer's error code and timed. Shared with the
// batcher's callback for writes, which finish on the batcher's thread.
class NativeRequestMeter {
 public:
  NativeRequestMeter(Metrics* metrics, MessageType type)
      : metrics_(metrics), type_(type), start_(std::chrono::steady_clock::now()) {
    metrics_->inflight(Protocol::kNative).fetch_add(1, std::memory_order_relaxed);
  }
  ~NativeRequestMeter() { Finish(); }
  NativeRequestMeter(const NativeRequestMeter&) = delete;
  NativeRequestMeter& operator=(const NativeRequestMeter&) = delete;

  // The answer is an error with `code` (else it counts as OK).
  void Fail(ErrorCode code) { code_.store(code, std::memory_order_relaxed); }
  void Finish() {
    if (finished_.exchange(true, std::memory_order_acq_rel)) return;
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start_;
    metrics_->CountNative(type_, code_.load(std::memory_order_relaxed));
    metrics_->ObserveLatency(Protocol::kNative, OperationOf(type_), took.count());
    metrics_->inflight(Protocol::kNative).fetch_sub(1, std::memory_order_relaxed);
  }

 private:
  Metrics* const metrics_;
  const MessageType type_;
  const std::chrono::steady_clock::time_point start_;
  std::atomic<ErrorCode> code_{ErrorCode::kOk};
  std::atomic<bool> finished_{false};
};

Dispatcher::Dispatcher(Engine* engine, WriteBatcher* batcher, const ServerConfig* config,
                       Metrics* metrics, const TokenStore* tokens, RateLimiter* limiter,
                       std::function<size_t()> connection_count)
    : engine_(engine),
      batcher_(batcher),
      config_(config),
      metrics_(metrics),
      tokens_(tokens),
      limiter_(limiter),
      connection_count_(std::move(connection_count)),
      started_us_(NowMicros()),
      bulk_loads_(std::make_shared<BulkLoads>(
          engine, config->data_dir + "/bulk",
          BulkLoads::Limits{config->max_bulk_loads,
                            static_cast<uint64_t>(config->max_bulk_staged_mb) << 20})) {}

void Dispatcher::BuildError(const Status& status, flatbuffers::FlatBufferBuilder* fbb) const {
  if (status.code() == ErrorCode::kInternal) {
    // Details of internal failures go to the log, not to clients.
    spdlog::error("[dispatch] internal error: {}", status.message());
    wire::BuildErrorResponse(Internal("internal error (details in the asofd log)"), fbb);
    return;
  }
  wire::BuildErrorResponse(status, fbb);
}

asio::awaitable<void> Dispatcher::Handle(const wire::FrameHeader& header,
                                         std::span<const uint8_t> payload,
                                         std::shared_ptr<ResponseSink> sink) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  auto meter = std::make_shared<NativeRequestMeter>(metrics_, header.type);
  const auto type = static_cast<uint8_t>(header.type);
  if (type % 2 != 0) {
    meter->Fail(ErrorCode::kInvalidArgument);
    sink->SendError(
        header.request_id,
        InvalidArgument(std::string(wire::MessageTypeName(header.type)) + " is not a request"));
    co_return;
  }
  if (header.type != MessageType::kHelloRequest) {
    if (Status admitted = Admit(header.type, sink->principal(), limiter_); !admitted.ok()) {
      meter->Fail(admitted.code());
      sink->SendError(header.request_id, admitted);
      co_return;
    }
  }
  if (header.type == MessageType::kWriteRequest) {
    HandleWrite(header, payload, sink, std::move(meter));
  } else if (header.type == MessageType::kBulkLoadCommitRequest) {
    HandleBulkCommit(header, payload, sink, std::move(meter));
  } else if (header.type == MessageType::kAsOfReadRequest) {
    co_await HandleAsOf(header, payload, sink, *meter);
  } else {
    HandleSync(header, payload, *sink, *meter);
  }
}

void Dispatcher::HandleSync(const wire::FrameHeader& header, std::span<const uint8_t> payload,
                            ResponseSink& sink, NativeRequestMeter& meter) {
  flatbuffers::FlatBufferBuilder fbb(1024);
  Status status;
  Registry& registry = engine_->registry();
  switch (header.type) {
    case MessageType::kHelloRequest: {
      // With auth off this is the anonymous admin whatever the token. A failed hello
      // leaves an earlier successful one in force: it grants nothing not already held.
      const auto* r = Root<wire::HelloRequest>(payload);
      std::optional<std::string_view> token;
      if (r->token() != nullptr) token = wire::StringOf(r->token());
      auto who = tokens_->Authenticate(token);
      if (!(status = who.status()).ok()) break;
      sink.set_principal(std::move(*who));
      fbb.Finish(wire::CreateHelloResponse(fbb, fbb.CreateString(ASOF_SERVER_VERSION),
                                           wire::kProtocolVersion, config_->max_frame_bytes));
      break;
    }
    case MessageType::kPingRequest:
      fbb.Finish(wire::CreatePingResponse(fbb, NowMicros()));
      break;
    case MessageType::kRegisterEntityTypeRequest: {
      const auto* r = Root<wire::RegisterEntityTypeRequest>(payload);
      auto et =
          registry.RegisterEntityType(wire::StringOf(r->name()), wire::StringOf(r->description()));
      if (!(status = et.status()).ok()) break;
      wire::BuildRegisterEntityTypeResponse(*et, &fbb);
      break;
    }
    case MessageType::kListEntityTypesRequest:
      wire::BuildListEntityTypesResponse(registry.ListEntityTypes(), &fbb);
      break;
    case MessageType::kRegisterFeatureRequest: {
      auto args = wire::DecodeRegisterFeatureRequest(*Root<wire::RegisterFeatureRequest>(payload));
      if (!(status = args.status()).ok()) break;
      const Principal& who = *sink.principal();
      // A writer registering without an owner registers for its own team.
      if (args->spec.owner.empty() && who.role == Role::kWriter) args->spec.owner = who.team;
      // Before the lookup: a name like "x@1" would otherwise resolve as a reference.
      if (!(status = ValidateName("feature", args->spec.name)).ok()) break;
      status = AuthorizeFeatureChange(registry, who, args->spec.entity, args->spec.name,
                                      args->spec.owner);
      if (!status.ok()) break;
      auto registered = registry.RegisterFeature(args->spec, args->new_version);
      if (!(status = registered.status()).ok()) break;
      wire::BuildRegisterFeatureResponse(*registered, &fbb);
      break;
    }
    case MessageType::kDescribeFeatureRequest: {
      const auto* r = Root<wire::DescribeFeatureRequest>(payload);
      std::string_view entity = wire::StringOf(r->entity()), ref = wire::StringOf(r->ref());
      auto versions = registry.Versions(entity, ref.substr(0, ref.find('@')));
      if (!(status = versions.status()).ok()) break;
      auto history = registry.History(entity, ref);
      if (!(status = history.status()).ok()) break;
      wire::BuildDescribeFeatureResponse(*versions, *history, &fbb);
      break;
    }
    case MessageType::kListFeaturesRequest:
      wire::BuildListFeaturesResponse(
          registry.List(wire::DecodeListFeaturesRequest(*Root<wire::ListFeaturesRequest>(payload))),
          &fbb);
      break;
    case MessageType::kDeprecateFeatureRequest: {
      const auto* r = Root<wire::DeprecateFeatureRequest>(payload);
      status = AuthorizeFeatureChange(registry, *sink.principal(), wire::StringOf(r->entity()),
                                      wire::StringOf(r->ref()), std::nullopt);
      if (!status.ok()) break;
      if (!(status = registry.Deprecate(wire::StringOf(r->entity()), wire::StringOf(r->ref())))
               .ok()) {
        break;
      }
      wire::DeprecateFeatureResponseT response;
      response.warnings =
          DeprecationWarnings(registry, wire::StringOf(r->entity()), wire::StringOf(r->ref()));
      fbb.Finish(wire::DeprecateFeatureResponse::Pack(fbb, &response));
      break;
    }
    case MessageType::kLineageRequest: {
      Result<std::string> text = LineageText(registry, *Root<wire::LineageRequest>(payload));
      if (!(status = text.status()).ok()) break;
      fbb.Finish(wire::CreateLineageResponseDirect(fbb, text->c_str()));
      break;
    }
    case MessageType::kOnlineReadRequest: {
      OnlineRequest request =
          wire::DecodeOnlineReadRequest(*Root<wire::OnlineReadRequest>(payload));
      if (request.entity_ids.size() > config_->max_entities_per_request) {
        status = TooLarge("entities in one online read", request.entity_ids.size(),
                          config_->max_entities_per_request);
        break;
      }
      auto result = engine_->ReadOnline(request);
      if (!(status = result.status()).ok()) break;
      wire::BuildOnlineReadResponse(*result, &fbb);
      break;
    }
    case MessageType::kListDeadLettersRequest: {
      auto q = wire::DecodeListDeadLettersRequest(*Root<wire::ListDeadLettersRequest>(payload));
      uint32_t limit = q.limit == 0 ? 100 : std::min<uint32_t>(q.limit, 10000);
      auto letters = engine_->ListDeadLetters(q.after, limit);
      if (!(status = letters.status()).ok()) break;
      wire::BuildListDeadLettersResponse(*letters, &fbb);
      break;
    }
    case MessageType::kStatsRequest: {
      EngineStats s = engine_->stats();
      auto version = fbb.CreateString(ASOF_SERVER_VERSION);
      wire::StatsResponseBuilder stats(fbb);
      stats.add_version(version);
      stats.add_uptime_s((NowMicros() - started_us_) / 1000000);
      stats.add_connections(static_cast<uint32_t>(connection_count_()));
      stats.add_requests(requests());
      stats.add_records_accepted(s.records_accepted);
      stats.add_records_duplicate(s.records_duplicate);
      stats.add_records_rejected(s.records_rejected);
      stats.add_block_cache_hits(s.block_cache_hits);
      stats.add_block_cache_misses(s.block_cache_misses);
      FeatureFilter all;
      all.include_deprecated = true;
      stats.add_features(static_cast<uint32_t>(registry.List(all).size()));
      stats.add_entity_types(static_cast<uint32_t>(registry.ListEntityTypes().size()));
      fbb.Finish(stats.Finish());
      break;
    }
    case MessageType::kFreshnessRequest:
      wire::BuildFreshnessResponse(
          engine_->Freshness(Root<wire::FreshnessRequest>(payload)->include_deprecated()), &fbb);
      break;
    case MessageType::kDriftRequest:
      status = AnswerDrift(*engine_, *Root<wire::DriftRequest>(payload), &fbb);
      break;
    case MessageType::kServedLogRequest:
      status = AnswerServedLog(*engine_, *Root<wire::ServedLogRequest>(payload), &fbb);
      break;
    case MessageType::kBaselinesRequest:
      status = AnswerBaselines(*engine_, *sink.principal(), *Root<wire::BaselinesRequest>(payload),
                               &fbb);
      break;
    case MessageType::kBulkLoadBeginRequest: {
      const auto* r = Root<wire::BulkLoadBeginRequest>(payload);
      auto begun = bulk_loads_->Begin(&sink, std::string(wire::StringOf(r->fingerprint())));
      if (!(status = begun.status()).ok()) break;
      if (!begun->already_loaded) {
        // The load dies with its connection.
        sink.OnClose([loads = std::weak_ptr<BulkLoads>(bulk_loads_), owner = &sink] {
          if (auto l = loads.lock()) l->AbortAll(owner);
        });
      }
      fbb.Finish(wire::CreateBulkLoadBeginResponse(fbb, begun->load_id, begun->ingest_ts,
                                                   begun->already_loaded, begun->loaded_at_us));
      break;
    }
    case MessageType::kBulkLoadChunkRequest: {
      const auto* r = Root<wire::BulkLoadChunkRequest>(payload);
      std::span<const uint8_t> data;
      if (r->data() != nullptr) data = {r->data()->data(), r->data()->size()};
      auto staged = bulk_loads_->Chunk(&sink, r->load_id(), r->file_index(), r->offset(), data);
      if (!(status = staged.status()).ok()) break;
      fbb.Finish(wire::CreateBulkLoadChunkResponse(fbb, *staged));
      break;
    }
    case MessageType::kBulkLoadSealRequest: {
      // Quick: checks the size and the xxh3 kept while staging, and queues the file's
      // verification on the bulk-load worker.
      const auto* r = Root<wire::BulkLoadSealRequest>(payload);
      if (r->file() == nullptr) {
        status = InvalidArgument("BulkLoadSealRequest without a file");
        break;
      }
      const wire::BulkFile& f = *r->file();
      status = bulk_loads_->Seal(
          &sink, r->load_id(),
          {f.file_index(), f.kind() == wire::BulkFileKind::Latest, f.size(), f.xxh3()});
      if (status.ok()) fbb.Finish(wire::CreateBulkLoadSealResponse(fbb));
      break;
    }
    case MessageType::kBulkLoadAbortRequest:
      status = bulk_loads_->Abort(&sink, Root<wire::BulkLoadAbortRequest>(payload)->load_id());
      if (status.ok()) fbb.Finish(wire::CreateBulkLoadAbortResponse(fbb));
      break;
    default:
      status =
          InvalidArgument("unsupported request " + std::string(wire::MessageTypeName(header.type)));
  }
  if (!status.ok()) {
    meter.Fail(status.code());
    sink.SendError(header.request_id, status);
    return;
  }
  sink.Send(static_cast<MessageType>(static_cast<uint8_t>(header.type) + 1), 0, header.request_id,
            fbb);
}

void Dispatcher::HandleWrite(const wire::FrameHeader& header, std::span<const uint8_t> payload,
                             const std::shared_ptr<ResponseSink>& sink,
                             std::shared_ptr<NativeRequestMeter> meter) {
  auto records = wire::DecodeWriteRequest(*Root<wire::WriteRequest>(payload));
  if (!records.ok()) {
    meter->Fail(records.status().code());
    sink->SendError(header.request_id, records.status());
    return;
  }
  if (records->size() > config_->max_records_per_write) {
    meter->Fail(ErrorCode::kPayloadTooLarge);
    sink->SendError(header.request_id, TooLarge("records in one write", records->size(),
                                                config_->max_records_per_write));
    return;
  }
  sink->BeginAsync();
  const uint64_t id = header.request_id;
  batcher_->Submit(std::move(*records),
                   [this, sink, id, meter = std::move(meter)](Result<WriteResult> result) {
                     meter->Fail(result.status().code());
                     meter->Finish();
                     // Runs on the batcher thread: hand the answer back to the connection's thread.
                     asio::post(sink->executor(), [this, sink, id, result = std::move(result)]() {
                       if (result.ok()) {
                         flatbuffers::FlatBufferBuilder fbb(256);
                         wire::BuildWriteResponse(*result, &fbb);
                         sink->Send(MessageType::kWriteResponse, 0, id, fbb);
                       } else {
                         sink->SendError(id, result.status());
                       }
                       sink->EndAsync();
                     });
                   });
}

// The commit verifies and ingests every staged file: BulkLoads runs it on its worker
// thread, and the answer comes back to the connection's thread as a write's does.
void Dispatcher::HandleBulkCommit(const wire::FrameHeader& header, std::span<const uint8_t> payload,
                                  const std::shared_ptr<ResponseSink>& sink,
                                  std::shared_ptr<NativeRequestMeter> meter) {
  const auto* r = Root<wire::BulkLoadCommitRequest>(payload);
  std::vector<BulkLoads::CommitFile> files;
  if (r->files() != nullptr) {
    for (const wire::BulkFile* f : *r->files()) {
      files.push_back(
          {f->file_index(), f->kind() == wire::BulkFileKind::Latest, f->size(), f->xxh3()});
    }
  }
  sink->BeginAsync();
  const uint64_t id = header.request_id;
  bulk_loads_->Commit(sink.get(), r->load_id(), std::move(files),
                      [sink, id, meter = std::move(meter)](Result<BulkLoads::Committed> result) {
                        meter->Fail(result.status().code());
                        meter->Finish();
                        asio::post(sink->executor(), [sink, id, result = std::move(result)]() {
                          if (result.ok()) {
                            flatbuffers::FlatBufferBuilder fbb(128);
                            fbb.Finish(wire::CreateBulkLoadCommitResponse(
                                fbb, result->result.history_entries, result->result.latest_entries,
                                result->ingest_ts));
                            sink->Send(MessageType::kBulkLoadCommitResponse, 0, id, fbb);
                          } else {
                            sink->SendError(id, result.status());
                          }
                          sink->EndAsync();
                        });
                      });
}

asio::awaitable<void> Dispatcher::HandleAsOf(const wire::FrameHeader& header,
                                             std::span<const uint8_t> payload,
                                             std::shared_ptr<ResponseSink> sink,
                                             NativeRequestMeter& meter) {
  const auto* request = Root<wire::AsOfReadRequest>(payload);
  const size_t rows = wire::AsOfRowCount(*request);
  if (rows > config_->max_rows_per_asof_request) {
    meter.Fail(ErrorCode::kPayloadTooLarge);
    sink->SendError(header.request_id,
                    TooLarge("rows in one as-of read", rows, config_->max_rows_per_asof_request));
    co_return;
  }
  auto join = engine_->StartAsOf(wire::DecodeAsOfSpec(*request));
  if (!join.ok()) {
    meter.Fail(join.status().code());
    sink->SendError(header.request_id, join.status());
    co_return;
  }
  // Counted as in flight, so a drain waits for the whole stream.
  sink->BeginAsync();
  struct EndAsync {
    ResponseSink* sink;
    ~EndAsync() { sink->EndAsync(); }
  } end_async{sink.get()};
  const size_t chunk = config_->asof_chunk_rows;
  flatbuffers::FlatBufferBuilder fbb(64 * 1024);
  size_t first = 0;
  do {
    auto chunk_rows = wire::DecodeAsOfRows(*request, first, chunk);
    auto values = (*join)->Next(chunk_rows);
    if (!values.ok()) {
      meter.Fail(values.status().code());
      sink->SendError(header.request_id, values.status());
      co_return;
    }
    fbb.Clear();
    wire::BuildAsOfReadChunk((*join)->features(), static_cast<uint32_t>(first),
                             static_cast<uint32_t>(chunk_rows.size()), *values, &fbb);
    first += chunk_rows.size();
    // Close the join before its last chunk goes out: a drift baseline it records is
    // committed then, so a client that has the whole answer also finds the baseline.
    if (first >= rows) join->reset();
    sink->Send(MessageType::kAsOfReadChunk, first < rows ? wire::kFlagMore : 0, header.request_id,
               fbb);
    if (first < rows) {
      co_await sink->WaitForRoom();
      // Let other connections of this thread in between chunks.
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    }
  } while (first < rows);
}

}  // namespace asof::server
