// Feature-logging route: GET /api/logging/served, one page of the sampled served-feature
// log (engine/served_log.h; docs/api.md, "Feature logging") as JSON Lines or CSV.
// Answered on the calling I/O thread: one bounded engine scan per request.
#include <boost/json/object.hpp>
#include <charconv>
#include <set>
#include <string>
#include <vector>

#include "server/api_json.h"
#include "server/historical_format.h"
#include "server/http_api.h"
#include "server/http_errors.h"
#include "server/json_text.h"

namespace asof::server {

namespace {

namespace json = boost::json;

constexpr size_t kDefaultLimit = 1000;
constexpr size_t kMaxLimit = 10000;

template <typename T>
bool ParseDecimal(std::string_view text, T* out) {
  if (text.empty() || text.front() == '+' || text.front() == '-') return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// RFC 3339, or an integer of epoch microseconds.
Result<int64_t> QueryTimestamp(std::string_view name, std::string_view text) {
  int64_t micros = 0;
  if (ParseDecimal(text, &micros)) return micros;
  Result<int64_t> parsed = ParseTimestamp(text);
  if (!parsed.ok()) return InvalidArgument(std::string(name) + ": " + parsed.status().message());
  return parsed;
}

struct ServedQuery {
  ServedLogQuery query;
  bool csv = false;
};

Result<ServedQuery> ParseServedQuery(const HttpRequest& request, Engine& engine) {
  static const std::set<std::string_view> kKnown = {"from",  "to",    "entity",
                                                    "limit", "after", "format"};
  for (const auto& [key, value] : request.query) {
    if (!kKnown.count(key)) {
      return InvalidArgument("unknown query parameter '" + key +
                             "' (GET /api/logging/served takes from, to, entity, format, "
                             "limit and after)");
    }
  }
  ServedQuery out;
  ServedLogQuery& q = out.query;
  q.limit = kDefaultLimit;
  if (auto v = request.Query("from")) {
    ASSIGN_OR_RETURN(q.from_ts, QueryTimestamp("from", *v));
  }
  if (auto v = request.Query("to")) {
    ASSIGN_OR_RETURN(q.to_ts, QueryTimestamp("to", *v));
  }
  if (q.from_ts > q.to_ts) return InvalidArgument("from is after to");
  if (auto v = request.Query("entity")) {
    if (v->empty()) return InvalidArgument("entity: empty");
    // A typo must not look like an empty log.
    RETURN_IF_ERROR(engine.registry().GetEntityType(*v).status());
    q.entity_type = *v;
  }
  if (auto v = request.Query("limit")) {
    if (!ParseDecimal(*v, &q.limit) || q.limit < 1 || q.limit > kMaxLimit) {
      return InvalidArgument("limit: '" + std::string(*v) + "' is not an integer from 1 to " +
                             std::to_string(kMaxLimit));
    }
  }
  if (auto v = request.Query("after")) {
    int64_t ts = 0;
    uint64_t seq = 0;
    const size_t dash = v->find('-');
    if (dash == std::string_view::npos || !ParseDecimal(v->substr(0, dash), &ts) ||
        !ParseDecimal(v->substr(dash + 1), &seq)) {
      return InvalidArgument("after: '" + std::string(*v) +
                             "' is not a row cursor (\"<request_ts>-<seq>\", as in the "
                             "X-Asof-Next-After header)");
    }
    q.after = std::make_pair(ts, seq);
  }
  if (auto v = request.Query("format")) {
    if (*v == "csv") {
      out.csv = true;
    } else if (*v != "jsonl") {
      return InvalidArgument("format: '" + std::string(*v) + "' is not jsonl or csv");
    }
  }
  return out;
}

void AppendJsonLine(const ServedRow& row, std::string* out) {
  json::object features;
  for (size_t j = 0; j < row.features.size(); ++j) {
    features[row.features[j]] = FeatureValueToJson(row.values[j]);
  }
  json::object line;
  line["request_timestamp"] = FormatTimestamp(row.request_ts);
  line["seq"] = row.seq;
  line["entity"] = row.entity_type;
  line["entity_id"] = row.entity_id;
  line["features"] = std::move(features);
  AppendJsonText(line, out);
  out->push_back('\n');
}

// Columns: the union of the page's features, in order of first appearance; a row
// without one of them has empty cells there.
void AppendCsv(const std::vector<ServedRow>& rows, std::string* out) {
  std::vector<std::string> columns;
  std::set<std::string, std::less<>> seen;
  for (const ServedRow& row : rows) {
    for (const std::string& f : row.features) {
      if (seen.insert(f).second) columns.push_back(f);
    }
  }
  out->append("request_timestamp,entity_type,entity_id");
  for (const std::string& c : columns) {
    out->push_back(',');
    AppendCsvCell(c, out);
    out->push_back(',');
    AppendCsvCell(c + "__status", out);
  }
  out->push_back('\n');
  for (const ServedRow& row : rows) {
    out->append(FormatTimestamp(row.request_ts));
    out->push_back(',');
    AppendCsvCell(row.entity_type, out);
    out->push_back(',');
    AppendCsvCell(row.entity_id, out);
    for (const std::string& c : columns) {
      auto it = std::find(row.features.begin(), row.features.end(), c);
      out->push_back(',');
      if (it == row.features.end()) {
        out->push_back(',');
        continue;
      }
      const FeatureValue& v = row.values[static_cast<size_t>(it - row.features.begin())];
      AppendCsvCell(CsvValueText(v.value), out);
      out->push_back(',');
      out->append(ValueStatusName(v.status));
    }
    out->push_back('\n');
  }
}

Result<HttpResponse> Served(const ApiCall& call) {
  ASSIGN_OR_RETURN(ServedQuery parsed, ParseServedQuery(call.request, *call.ctx.engine));
  const size_t limit = parsed.query.limit;
  parsed.query.limit = limit + 1;  // one more tells whether a next page exists
  // Buffered rows first, so that the export holds every row sampled before the request.
  RETURN_IF_ERROR(call.ctx.engine->served_log().Flush());
  ASSIGN_OR_RETURN(std::vector<ServedRow> rows, call.ctx.engine->served_log().Read(parsed.query));
  HttpResponse response;
  if (rows.size() > limit) {
    rows.resize(limit);
    response.headers.emplace_back("X-Asof-Next-After", std::to_string(rows.back().request_ts) +
                                                           "-" + std::to_string(rows.back().seq));
  }
  if (parsed.csv) {
    response.content_type = "text/csv; charset=utf-8";
    AppendCsv(rows, &response.body);
  } else {
    response.content_type = "application/x-ndjson";
    for (const ServedRow& row : rows) AppendJsonLine(row, &response.body);
  }
  return response;
}

}  // namespace

std::vector<RouteSpec> LoggingRoutes() {
  return {
      RouteSpec{HttpMethod::kGet, "/api/logging/served", "logging_served", Operation::kOther,
                Role::kReader, true,
                [](const ApiCall& call, Respond respond) {
                  Result<HttpResponse> response = Served(call);
                  respond(response.ok() ? std::move(response).value()
                                        : ErrorResponse(response.status()));
                }},
  };
}

}  // namespace asof::server
