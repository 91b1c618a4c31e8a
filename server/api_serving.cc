// Serving routes: online reads and the historical (as-of) join. Both run on the calling
// I/O thread, as the native protocol's reads do, with the same limits
// (limits.max_entities_per_request, limits.max_rows_per_asof_request, asof_chunk_rows).
#include <openssl/rand.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <unordered_set>

#include "server/api_json.h"
#include "server/historical_format.h"
#include "server/historical_request.h"
#include "server/http_api.h"
#include "server/http_errors.h"

namespace asof::server {

namespace {

namespace json = boost::json;

Status TooLarge(std::string_view what, size_t n, uint32_t limit, std::string_view setting) {
  return PayloadTooLarge(std::string(what) + ": " + std::to_string(n) + " exceeds the limit of " +
                         std::to_string(limit) + " (limits." + std::string(setting) + ")");
}

// Every value of query parameter `key`, each split at commas.
Result<std::vector<std::string>> ListParam(const HttpRequest& request, std::string_view key) {
  std::vector<std::string> out;
  for (const auto& [k, v] : request.query) {
    if (k != key) continue;
    size_t begin = 0;
    while (true) {
      size_t comma = v.find(',', begin);
      std::string item = v.substr(begin, comma == std::string::npos ? comma : comma - begin);
      if (item.empty()) {
        return InvalidArgument("query parameter '" + std::string(key) + "' has an empty item");
      }
      out.push_back(std::move(item));
      if (comma == std::string::npos) break;
      begin = comma + 1;
    }
  }
  if (out.empty()) return InvalidArgument("query parameter '" + std::string(key) + "' is missing");
  return out;
}

Result<std::vector<std::string>> StringArray(const json::object& body, std::string_view member) {
  const json::value* v = body.if_contains(member);
  if (v == nullptr) return InvalidArgument("missing member '" + std::string(member) + "'");
  if (!v->is_array()) return InvalidArgument(std::string(member) + ": expected an array");
  std::vector<std::string> out;
  out.reserve(v->as_array().size());
  for (const json::value& item : v->as_array()) {
    if (!item.is_string()) {
      return InvalidArgument(std::string(member) + "[" + std::to_string(out.size()) +
                             "]: expected a string");
    }
    out.emplace_back(item.as_string());
  }
  if (out.empty()) return InvalidArgument(std::string(member) + " is empty");
  return out;
}

Result<OnlineRequest> OnlineFromBody(std::string_view text) {
  ASSIGN_OR_RETURN(json::value body, ParseJsonBody(text));
  if (!body.is_object()) return InvalidArgument("body: expected a JSON object");
  const json::object& obj = body.as_object();
  for (const auto& member : obj) {
    if (member.key() != "entity" && member.key() != "entity_ids" && member.key() != "features") {
      return InvalidArgument("unknown member '" + std::string(member.key()) +
                             "' (expected entity, entity_ids, features)");
    }
  }
  OnlineRequest request;
  const json::value* entity = obj.if_contains("entity");
  if (entity == nullptr) return InvalidArgument("missing member 'entity'");
  if (!entity->is_string()) return InvalidArgument("entity: expected a string");
  request.entity_type = std::string(entity->as_string());
  ASSIGN_OR_RETURN(request.entity_ids, StringArray(obj, "entity_ids"));
  ASSIGN_OR_RETURN(request.features, StringArray(obj, "features"));
  return request;
}

Result<OnlineRequest> OnlineFromQuery(const HttpRequest& http) {
  OnlineRequest request;
  std::optional<std::string_view> entity = http.Query("entity");
  if (!entity.has_value()) return InvalidArgument("query parameter 'entity' is missing");
  request.entity_type = std::string(*entity);
  ASSIGN_OR_RETURN(request.entity_ids, ListParam(http, "entity_id"));
  ASSIGN_OR_RETURN(request.features, ListParam(http, "features"));
  return request;
}

// The checks both forms share, before the engine sees the request.
Status CheckOnline(const OnlineRequest& request, const ServerConfig& config) {
  if (request.entity_type.empty()) return InvalidArgument("entity is empty");
  if (request.entity_ids.size() > config.max_entities_per_request) {
    return TooLarge("entities in one online read", request.entity_ids.size(),
                    config.max_entities_per_request, "max_entities_per_request");
  }
  std::unordered_set<std::string_view> seen;
  for (const std::string& f : request.features) {
    if (f.empty()) return InvalidArgument("a feature name is empty");
    // Features are the keys of each result's object: a repeat would collide.
    if (!seen.insert(f).second) return InvalidArgument("feature '" + f + "' is listed twice");
  }
  return Status::Ok();
}

HttpResponse OnlineResponse(const OnlineRequest& request, const OnlineResult& result) {
  json::object body;
  body["entity"] = request.entity_type;
  json::array features;
  for (const std::string& f : request.features) features.emplace_back(f);
  body["features"] = std::move(features);
  json::array results;
  results.reserve(result.num_entities);
  for (size_t i = 0; i < result.num_entities; ++i) {
    json::object values;
    for (size_t j = 0; j < request.features.size(); ++j) {
      values[request.features[j]] = FeatureValueToJson(result.at(i, j));
    }
    json::object row;
    row["entity_id"] = request.entity_ids[i];
    row["features"] = std::move(values);
    results.emplace_back(std::move(row));
  }
  body["results"] = std::move(results);
  return JsonResponse(200, body);
}

void HandleOnline(const ApiCall& call, Respond respond) {
  Result<OnlineRequest> request = call.request.method == HttpMethod::kPost
                                      ? OnlineFromBody(call.request.body)
                                      : OnlineFromQuery(call.request);
  Status status = request.status();
  if (status.ok()) status = CheckOnline(*request, *call.ctx.config);
  if (!status.ok()) {
    respond(ErrorResponse(status));
    return;
  }
  Result<OnlineResult> result = call.ctx.engine->ReadOnline(*request);
  if (!result.ok()) {
    respond(ErrorResponse(result.status()));
    return;
  }
  respond(OnlineResponse(*request, *result));
}

// "ds-20260301T100000Z-9f3a6c21e07b4d58": sortable by time, unique by the random part.
std::string NewDatasetId() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char time_text[32];
  std::strftime(time_text, sizeof time_text, "%Y%m%dT%H%M%SZ", &utc);
  unsigned char random[8];
  if (RAND_bytes(random, sizeof random) != 1) {
    // Never expected; a counter still keeps ids of this process distinct.
    static std::atomic<uint64_t> counter{0};
    const uint64_t n = counter.fetch_add(1) ^ static_cast<uint64_t>(now);
    std::memcpy(random, &n, sizeof random);
  }
  std::string id = std::string("ds-") + time_text + "-";
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char b : random) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

// A historical answer in progress. Owned by the response's BodyProducer, so it lives
// until the last chunk is written or the connection goes away, whichever comes first.
class HistoricalStream {
 public:
  HistoricalStream(HistoricalRequest request, std::unique_ptr<AsOfJoin> join,
                   HistoricalFormat format, size_t chunk_rows)
      : rows_(std::move(request.rows)),
        join_(std::move(join)),
        writer_(format, std::move(request.entity), request.mode, std::move(request.features),
                request.include_status, std::move(request.dataset_id)),
        chunk_rows_(chunk_rows) {}

  // Appends the next piece: the prologue with the first chunk, then one chunk a call,
  // the epilogue with the last. Returns whether more follow.
  Result<bool> Produce(std::string* out) {
    if (next_ == 0) writer_.Begin(out);
    const size_t n = std::min(chunk_rows_, rows_.size() - next_);
    std::span<const AsOfRow> chunk(rows_.data() + next_, n);
    ASSIGN_OR_RETURN(std::vector<FeatureValue> values, join_->Next(chunk));
    writer_.AppendRows(chunk, values, out);
    next_ += n;
    if (next_ < rows_.size()) return true;
    writer_.End(out);
    // Done: let go of the rows and the snapshot before the connection moves on.
    join_.reset();
    std::vector<AsOfRow>().swap(rows_);
    return false;
  }

 private:
  std::vector<AsOfRow> rows_;  // not empty
  size_t next_ = 0;            // first row not yet answered
  std::unique_ptr<AsOfJoin> join_;
  HistoricalWriter writer_;
  const size_t chunk_rows_;
};

void HandleHistorical(const ApiCall& call, Respond respond) {
  const ServerConfig& config = *call.ctx.config;
  Result<HistoricalRequest> request =
      ParseHistoricalRequest(call.request.body, config.max_rows_per_asof_request);
  if (!request.ok()) {
    respond(ErrorResponse(request.status()));
    return;
  }
  if (request->record_baseline && request->dataset_id.empty()) {
    request->dataset_id = NewDatasetId();
  }
  AsOfSpec spec;
  spec.entity_type = request->entity;
  spec.features = request->features;
  spec.mode = request->mode;
  spec.baseline_id = request->dataset_id;  // empty with record_baseline false: none
  spec.baseline_origin = "historical";
  const std::string dataset_id = request->dataset_id;
  Result<std::unique_ptr<AsOfJoin>> join = call.ctx.engine->StartAsOf(spec);
  if (!join.ok()) {
    respond(ErrorResponse(join.status()));
    return;
  }
  const HistoricalFormat format = HistoricalFormatFor(call.request.accept);
  auto stream = std::make_shared<HistoricalStream>(std::move(*request), std::move(*join), format,
                                                   config.asof_chunk_rows);
  // The first chunk is answered now, so a failure there still gets a proper status.
  auto first = std::make_shared<std::string>();
  Result<bool> more = stream->Produce(first.get());
  if (!more.ok()) {
    respond(ErrorResponse(more.status()));
    return;
  }
  HttpResponse response;
  response.content_type = std::string(HistoricalContentType(format));
  // For CSV the only place; for JSON also in the body.
  if (!dataset_id.empty()) response.headers.emplace_back("X-Asof-Dataset-Id", dataset_id);
  response.stream = [stream, first, more = *more](std::string* out) -> Result<bool> {
    if (first->empty()) return stream->Produce(out);
    out->append(*first);
    std::string().swap(*first);
    return more;
  };
  respond(std::move(response));
}

}  // namespace

std::vector<RouteSpec> ServingRoutes() {
  std::vector<RouteSpec> routes;
  routes.push_back({HttpMethod::kGet, "/api/features/online", "features_online", Operation::kOnline,
                    Role::kReader, true, HandleOnline});
  routes.push_back({HttpMethod::kPost, "/api/features/online", "features_online_post",
                    Operation::kOnline, Role::kReader, true, HandleOnline});
  routes.push_back({HttpMethod::kPost, "/api/features/historical", "features_historical",
                    Operation::kAsOf, Role::kReader, true, HandleHistorical});
  return routes;
}

}  // namespace asof::server
