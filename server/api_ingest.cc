// POST /api/ingest and GET /api/dlq (docs/api.md).
//
// Ingest is validate -> persist -> respond. Records that cannot even be read (the body's
// JSON does not make a WriteRecord: server/ingest_records.h) are dead-lettered here with
// Engine::AddDeadLetters; the others go through the write batcher, whose engine write
// rejects and dead-letters the rest. The answer (201) merges both, with indices into the
// request.
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <charconv>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "server/api_json.h"
#include "server/http_api.h"
#include "server/http_errors.h"
#include "server/ingest_records.h"

namespace asof::server {

namespace json = boost::json;

namespace {

constexpr size_t kDefaultDlqLimit = 100;
constexpr size_t kMaxDlqLimit = 1000;

json::object ProblemToJson(const RecordProblem& problem) {
  json::object out;
  out["index"] = problem.index;
  if (problem.outcome == RecordOutcome::kDuplicate) {
    // Not an error: the record was written before, so it has no error code.
    out["outcome"] = "duplicate";
    out["reason"] = "event_id already written within the dedup window";
  } else {
    out["outcome"] = "rejected";
    out["code"] = ErrorCodeName(problem.reason.code());
    out["reason"] = problem.reason.message();
  }
  return out;
}

// What a request's records became. `write_index[i]` is the request index of the i-th
// record sent to the engine; `unreadable` are the problems of records dead-lettered
// before it, already in request indices.
struct IngestOutcome {
  std::vector<size_t> write_index;
  std::vector<RecordProblem> unreadable;
};

HttpResponse IngestAnswer(const IngestOutcome& outcome, const WriteResult& written) {
  std::vector<RecordProblem> problems = outcome.unreadable;
  for (const RecordProblem& p : written.problems) {
    problems.push_back({outcome.write_index[p.index], p.outcome, p.reason});
  }
  std::sort(problems.begin(), problems.end(),
            [](const RecordProblem& a, const RecordProblem& b) { return a.index < b.index; });
  json::array list;
  list.reserve(problems.size());
  for (const RecordProblem& p : problems) list.push_back(ProblemToJson(p));
  json::object body;
  body["accepted"] = written.accepted;
  body["duplicates"] = written.duplicates;
  body["rejected"] = written.rejected + outcome.unreadable.size();
  body["problems"] = std::move(list);
  return JsonResponse(201, body);
}

void HandleIngest(const ApiCall& call, Respond respond) {
  const ApiContext& ctx = call.ctx;
  auto parsed = ParseIngestBody(call.request.body, call.request.content_type,
                                ctx.config->max_records_per_write);
  if (!parsed.ok()) {
    respond(ErrorResponse(parsed.status()));
    return;
  }
  std::vector<WriteRecord> records;
  std::vector<DeadLetterInput> letters;
  IngestOutcome outcome;
  const Registry& registry = ctx.engine->registry();
  for (size_t i = 0; i < parsed->size(); ++i) {
    auto converted = ConvertIngestRecord((*parsed)[i], registry);
    if (auto* record = std::get_if<WriteRecord>(&converted)) {
      records.push_back(std::move(*record));
      outcome.write_index.push_back(i);
    } else {
      auto& letter = std::get<DeadLetterInput>(converted);
      outcome.unreadable.push_back({i, RecordOutcome::kRejected, letter.reason});
      letters.push_back(std::move(letter));
    }
  }
  parsed->clear();

  if (!letters.empty()) {
    // Stored before the rest is submitted, so that an error answer means that no record
    // of the request was applied. Costs this I/O thread one WAL sync, only for batches
    // with unreadable records.
    Status stored = ctx.engine->AddDeadLetters(letters);
    if (!stored.ok()) {
      respond(ErrorResponse(stored));
      return;
    }
    WriteResult counted;
    counted.rejected = letters.size();
    ctx.metrics->CountRecords(counted);
  }
  if (records.empty()) {
    respond(IngestAnswer(outcome, WriteResult{}));
    return;
  }
  auto shared = std::make_shared<IngestOutcome>(std::move(outcome));
  ctx.batcher->Submit(
      std::move(records), [shared, respond = std::move(respond)](Result<WriteResult> result) {
        // On the writer thread; Respond may be called from any thread.
        respond(result.ok() ? IngestAnswer(*shared, *result) : ErrorResponse(result.status()));
      });
}

// ---- GET /api/dlq ------------------------------------------------------------------

std::string FormatDeadLetterId(const DeadLetterId& id) {
  return std::to_string(id.ingest_ts) + "-" + std::to_string(id.seq);
}

template <typename T>
bool ParseDecimal(std::string_view text, T* out) {
  if (text.empty() || text.front() == '+' || text.front() == '-') return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

Result<DeadLetterId> ParseDeadLetterId(std::string_view text) {
  DeadLetterId id;
  size_t dash = text.find('-');
  if (dash == std::string_view::npos || !ParseDecimal(text.substr(0, dash), &id.ingest_ts) ||
      !ParseDecimal(text.substr(dash + 1), &id.seq)) {
    return InvalidArgument("after: '" + std::string(text) +
                           "' is not a dead-letter id (\"<ingest_ts>-<seq>\", as in \"next\")");
  }
  return id;
}

Result<size_t> ParseLimit(std::optional<std::string_view> text) {
  if (!text.has_value()) return kDefaultDlqLimit;
  size_t limit = 0;
  if (!ParseDecimal(*text, &limit) || limit < 1 || limit > kMaxDlqLimit) {
    return InvalidArgument("limit: '" + std::string(*text) + "' is not an integer from 1 to " +
                           std::to_string(kMaxDlqLimit));
  }
  return limit;
}

// Out-of-range event times are among the reasons records are rejected: those are shown
// as the integer of microseconds they were sent as.
json::value EventTimeToJson(const std::optional<int64_t>& ts) {
  if (!ts.has_value()) return nullptr;
  if (*ts < 0 || *ts > kMaxEventTs) return *ts;
  return json::value(FormatTimestamp(*ts));
}

json::object DeadLetterToJson(const DeadLetter& letter) {
  json::object record;
  record["entity"] = letter.record.entity_type;
  record["entity_id"] = letter.record.entity_id;
  record["feature"] = letter.record.feature;
  record["value"] = ValueToJson(letter.record.value);
  record["event_timestamp"] = EventTimeToJson(letter.record.event_ts);
  record["event_id"] =
      letter.record.event_id.empty() ? json::value(nullptr) : json::value(letter.record.event_id);
  json::object reason;
  reason["code"] = ErrorCodeName(letter.reason.code());
  reason["message"] = letter.reason.message();
  json::object out;
  out["id"] = FormatDeadLetterId(letter.id);
  out["received_at"] = FormatTimestamp(letter.id.ingest_ts);
  out["record"] = std::move(record);
  out["reason"] = std::move(reason);
  return out;
}

Result<json::object> ListDeadLetters(const HttpRequest& request, Engine* engine) {
  for (const auto& [key, value] : request.query) {
    if (key != "limit" && key != "after") {
      return InvalidArgument("unknown query parameter '" + key +
                             "' (GET /api/dlq takes limit "
                             "and after)");
    }
  }
  ASSIGN_OR_RETURN(size_t limit, ParseLimit(request.Query("limit")));
  std::optional<DeadLetterId> after;
  if (auto text = request.Query("after")) {
    ASSIGN_OR_RETURN(after, ParseDeadLetterId(*text));
  }
  // One more than asked tells whether a next page exists.
  ASSIGN_OR_RETURN(std::vector<DeadLetter> letters, engine->ListDeadLetters(after, limit + 1));
  json::value next = nullptr;
  if (letters.size() > limit) {
    letters.resize(limit);
    next = json::value(FormatDeadLetterId(letters.back().id));
  }
  json::array list;
  list.reserve(letters.size());
  for (const DeadLetter& letter : letters) list.push_back(DeadLetterToJson(letter));
  json::object body;
  body["dead_letters"] = std::move(list);
  body["next"] = std::move(next);
  return body;
}

void HandleDlq(const ApiCall& call, Respond respond) {
  Result<json::object> body = ListDeadLetters(call.request, call.ctx.engine);
  respond(body.ok() ? JsonResponse(200, *body) : ErrorResponse(body.status()));
}

}  // namespace

std::vector<RouteSpec> IngestRoutes() {
  std::vector<RouteSpec> routes;
  routes.push_back({HttpMethod::kPost, "/api/ingest", "ingest", Operation::kIngest, Role::kWriter,
                    true, HandleIngest});
  // Listing is a read, kept out of the ingest latency histogram.
  routes.push_back(
      {HttpMethod::kGet, "/api/dlq", "dlq", Operation::kOther, Role::kWriter, true, HandleDlq});
  return routes;
}

}  // namespace asof::server
