#include "server/dispatcher.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

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

}  // namespace

Dispatcher::Dispatcher(Engine* engine, WriteBatcher* batcher, const ServerConfig* config,
                       std::function<size_t()> connection_count)
    : engine_(engine),
      batcher_(batcher),
      config_(config),
      connection_count_(std::move(connection_count)),
      started_us_(NowMicros()) {}

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
  const auto type = static_cast<uint8_t>(header.type);
  if (type % 2 != 0) {
    sink->SendError(
        header.request_id,
        InvalidArgument(std::string(wire::MessageTypeName(header.type)) + " is not a request"));
    co_return;
  }
  if (header.type == MessageType::kWriteRequest) {
    HandleWrite(header, payload, sink);
  } else if (header.type == MessageType::kAsOfReadRequest) {
    co_await HandleAsOf(header, payload, sink);
  } else {
    HandleSync(header, payload, *sink);
  }
}

void Dispatcher::HandleSync(const wire::FrameHeader& header, std::span<const uint8_t> payload,
                            ResponseSink& sink) {
  flatbuffers::FlatBufferBuilder fbb(1024);
  Status status;
  Registry& registry = engine_->registry();
  switch (header.type) {
    case MessageType::kHelloRequest: {
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
      if (!(status = registry.Deprecate(wire::StringOf(r->entity()), wire::StringOf(r->ref())))
               .ok()) {
        break;
      }
      fbb.Finish(wire::CreateDeprecateFeatureResponse(fbb));
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
    default:
      status =
          InvalidArgument("unsupported request " + std::string(wire::MessageTypeName(header.type)));
  }
  if (!status.ok()) {
    sink.SendError(header.request_id, status);
    return;
  }
  sink.Send(static_cast<MessageType>(static_cast<uint8_t>(header.type) + 1), 0, header.request_id,
            fbb);
}

void Dispatcher::HandleWrite(const wire::FrameHeader& header, std::span<const uint8_t> payload,
                             const std::shared_ptr<ResponseSink>& sink) {
  auto records = wire::DecodeWriteRequest(*Root<wire::WriteRequest>(payload));
  if (!records.ok()) {
    sink->SendError(header.request_id, records.status());
    return;
  }
  if (records->size() > config_->max_records_per_write) {
    sink->SendError(header.request_id, TooLarge("records in one write", records->size(),
                                                config_->max_records_per_write));
    return;
  }
  sink->BeginAsync();
  const uint64_t id = header.request_id;
  batcher_->Submit(std::move(*records), [this, sink, id](Result<WriteResult> result) {
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

asio::awaitable<void> Dispatcher::HandleAsOf(const wire::FrameHeader& header,
                                             std::span<const uint8_t> payload,
                                             std::shared_ptr<ResponseSink> sink) {
  const auto* request = Root<wire::AsOfReadRequest>(payload);
  const size_t rows = wire::AsOfRowCount(*request);
  if (rows > config_->max_rows_per_asof_request) {
    sink->SendError(header.request_id,
                    TooLarge("rows in one as-of read", rows, config_->max_rows_per_asof_request));
    co_return;
  }
  auto join = engine_->StartAsOf(wire::DecodeAsOfSpec(*request));
  if (!join.ok()) {
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
      sink->SendError(header.request_id, values.status());
      co_return;
    }
    fbb.Clear();
    wire::BuildAsOfReadChunk((*join)->features(), static_cast<uint32_t>(first),
                             static_cast<uint32_t>(chunk_rows.size()), *values, &fbb);
    first += chunk_rows.size();
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
