// Data commands: put, get, asof, dlq.
#include <charconv>
#include <ostream>
#include <set>

#include "tools/asof/commands.h"
#include "tools/asof/output.h"
#include "tools/asof/render.h"
#include "tools/asof/time_format.h"
#include "tools/asof/value_format.h"

namespace asof::shell {

namespace {

constexpr uint8_t kDuplicate = 1;

// One requested (entity id, feature) cell of a read.
struct ReadCell {
  const std::string* entity_id;
  const std::string* feature;
  const wire::FeatureValueT* value;
};

// Rows of a read answer, entity-major like the request: entity i, feature j at
// i * features.size() + j.
Result<std::vector<ReadCell>> CellsOf(const std::vector<std::string>& ids,
                                      const std::vector<std::string>& features,
                                      const std::vector<std::unique_ptr<wire::FeatureValueT>>& v) {
  if (v.size() != ids.size() * features.size()) {
    return Internal("the server answered " + std::to_string(v.size()) + " values for " +
                    std::to_string(ids.size() * features.size()) + " requested");
  }
  std::vector<ReadCell> cells;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == nullptr) return Internal("the server answered an empty value");
    cells.push_back({&ids[i / features.size()], &features[i % features.size()], v[i].get()});
  }
  return cells;
}

std::string ReadTable(const std::vector<ReadCell>& cells, std::optional<int64_t> as_of) {
  std::vector<std::string> headers = {"ENTITY_ID", "FEATURE", "VALUE", "STATUS", "EVENT_TIME"};
  if (as_of) headers.insert(headers.begin() + 1, "AS_OF");
  Table table(std::move(headers));
  for (const ReadCell& c : cells) {
    std::vector<std::string> row = {*c.entity_id, *c.feature, ServedValueCell(*c.value),
                                    ValueStatusName(c.value->status), EventTimeCell(*c.value)};
    if (as_of) row.insert(row.begin() + 1, FormatTime(*as_of));
    table.AddRow(std::move(row));
  }
  return table.Render();
}

void WriteReadRows(JsonWriter& json, const std::vector<ReadCell>& cells) {
  json.Key("rows");
  json.BeginArray();
  for (const ReadCell& c : cells) {
    json.BeginObject();
    json.Field("entity_id", *c.entity_id);
    json.Field("feature", *c.feature);
    WriteServedValueFields(json, *c.value);
    json.EndObject();
  }
  json.EndArray();
}

using Problems = std::vector<const wire::RecordProblemT*>;

JsonWriter PutJson(const std::vector<wire::WriteRecordT>& records, const wire::WriteResponseT& w,
                   const Problems& problems, int64_t at) {
  JsonWriter json;
  json.BeginObject();
  json.Field("entity_type", records.front().entity_type);
  json.Field("entity_id", records.front().entity_id);
  json.Field("event_time", FormatTime(at));
  json.Key("accepted");
  json.Uint(w.accepted);
  json.Key("duplicates");
  json.Uint(w.duplicates);
  json.Key("rejected");
  json.Uint(w.rejected);
  json.Key("records");
  json.BeginArray();
  for (size_t i = 0; i < records.size(); ++i) {
    json.BeginObject();
    json.Field("feature", records[i].feature);
    json.Key("value");
    WriteJsonValue(json, records[i].value.get());
    const wire::RecordProblemT* p = problems[i];
    json.Field("outcome", p == nullptr               ? "accepted"
                          : p->outcome == kDuplicate ? "duplicate"
                                                     : "rejected");
    if (p != nullptr && p->outcome != kDuplicate) {
      json.Key("reason");
      WriteStatusJson(json, p->reason.get());
    }
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
  return json;
}

std::string PutText(const std::vector<wire::WriteRecordT>& records, const wire::WriteResponseT& w,
                    const Problems& problems, int64_t at) {
  std::string text = "accepted " + std::to_string(w.accepted) + ", duplicate " +
                     std::to_string(w.duplicates) + ", rejected " + std::to_string(w.rejected) +
                     " (" + records.front().entity_type + " " + records.front().entity_id + " at " +
                     FormatTime(at) + ")\n";
  for (size_t i = 0; i < records.size(); ++i) {
    const wire::RecordProblemT* p = problems[i];
    if (p == nullptr) continue;
    text += "  " + records[i].feature + ": ";
    if (p->outcome == kDuplicate) {
      text += "duplicate (event id " + records[i].event_id + " was already applied)\n";
    } else {
      text += "rejected: " +
              (p->reason ? ErrorName(p->reason->code) + ": " + p->reason->message
                         : std::string("no reason given")) +
              "\n";
    }
  }
  return text;
}

std::string DeadLetterId(const wire::DeadLetterT& l) {
  return std::to_string(l.ingest_ts) + ":" + std::to_string(l.seq);
}

JsonWriter DeadLettersJson(const wire::ListDeadLettersResponseT& r, bool more) {
  JsonWriter json;
  json.BeginObject();
  json.Key("letters");
  json.BeginArray();
  for (const auto& l : r.letters) {
    const wire::WriteRecordT& rec = *l->record;
    json.BeginObject();
    json.Field("id", DeadLetterId(*l));
    json.Field("ingest_time", FormatTime(l->ingest_ts));
    json.Field("entity_type", rec.entity_type);
    json.Field("entity_id", rec.entity_id);
    json.Field("feature", rec.feature);
    json.Key("value");
    WriteJsonValue(json, rec.value.get());
    json.Key("event_time");
    if (rec.has_event_ts) {
      json.String(FormatTime(rec.event_ts));
    } else {
      json.Null();
    }
    json.Field("event_id", rec.event_id);
    json.Key("reason");
    WriteStatusJson(json, l->reason.get());
    json.EndObject();
  }
  json.EndArray();
  json.Key("next");
  if (more) {
    json.String(DeadLetterId(*r.letters.back()));
  } else {
    json.Null();
  }
  json.EndObject();
  return json;
}

Result<uint64_t> ParseCount(std::string_view text, std::string_view what) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return InvalidArgument(std::string(what) + ": '" + std::string(text) + "' is not a number");
  }
  return n;
}

// "TS:SEQ", TS in microseconds (as dlq prints it) or as a time.
Result<std::pair<int64_t, uint64_t>> ParseDeadLetterId(std::string_view text, int64_t now_us) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return InvalidArgument("--after: expected TS:SEQ as dlq prints it, got '" + std::string(text) +
                           "'");
  }
  std::string_view ts_text = text.substr(0, colon);
  int64_t ts = 0;
  auto [end, ec] = std::from_chars(ts_text.data(), ts_text.data() + ts_text.size(), ts);
  if (ec != std::errc() || end != ts_text.data() + ts_text.size()) {
    ASSIGN_OR_RETURN(ts, ParseTime(ts_text, now_us));
  }
  ASSIGN_OR_RETURN(uint64_t seq, ParseCount(text.substr(colon + 1), "--after sequence number"));
  return std::make_pair(ts, seq);
}

}  // namespace

Result<std::vector<wire::WriteRecordT>> Shell::PutRecords(const ParsedArgs& args, int64_t at) {
  const std::string& entity = args.positional[0].text;
  const std::optional<std::string> event_id = args.Get("event-id");
  const size_t n = args.positional.size() - 2;
  std::vector<wire::WriteRecordT> records;
  std::set<std::string> seen;
  for (size_t i = 2; i < args.positional.size(); ++i) {
    ASSIGN_OR_RETURN(Assignment a, SplitAssignment(args.positional[i]));
    if (!seen.insert(a.feature).second) {
      return InvalidArgument("feature " + a.feature + " is given twice");
    }
    ASSIGN_OR_RETURN(ValueType type, FeatureType(entity, a.feature));
    auto value = ParseValue(type, a.value, a.value_quoted, Now());
    if (!value.ok()) {
      return Status(value.status().code(), "feature " + FeatureLabel(entity, a.feature) + " is " +
                                               TypeName(uint8_t(type)) + ": " +
                                               value.status().message());
    }
    wire::WriteRecordT r;
    r.entity_type = entity;
    r.entity_id = args.positional[1].text;
    r.feature = a.feature;
    r.value = std::make_unique<wire::ValueT>(std::move(*value));
    r.has_event_ts = true;
    r.event_ts = at;
    if (event_id) r.event_id = n == 1 ? *event_id : *event_id + "/" + a.feature;
    records.push_back(std::move(r));
  }
  return records;
}

Status Shell::RunPut(const ParsedArgs& args) {
  int64_t at = Now();
  if (auto text = args.Get("at")) {
    ASSIGN_OR_RETURN(at, ParseTime(*text, Now()));
  }
  ASSIGN_OR_RETURN(std::vector<wire::WriteRecordT> records, PutRecords(args, at));
  ASSIGN_OR_RETURN(Client * c, client());
  ASSIGN_OR_RETURN(wire::WriteResponseT w, c->Write(records));
  // Problems by record index; accepted records are not listed.
  std::vector<const wire::RecordProblemT*> problems(records.size(), nullptr);
  for (const auto& p : w.problems) {
    if (p != nullptr && p->index < problems.size()) problems[p->index] = p.get();
  }
  if (options_.json) {
    Emit(PutJson(records, w, problems, at));
  } else {
    Emit(PutText(records, w, problems, at));
  }
  if (w.rejected == 0) return Status::Ok();
  // The command fails with the code of the first rejection.
  uint8_t code = static_cast<uint8_t>(ErrorCode::kUnprocessable);
  for (const auto* p : problems) {
    if (p != nullptr && p->outcome != kDuplicate && p->reason && p->reason->code != 0) {
      code = p->reason->code;
      break;
    }
  }
  return Status(static_cast<ErrorCode>(code), std::to_string(w.rejected) + " of " +
                                                  std::to_string(records.size()) +
                                                  " records rejected (see dlq)");
}

Status Shell::RunGet(const ParsedArgs& args) {
  const std::string& entity = args.positional[0].text;
  ASSIGN_OR_RETURN(std::vector<std::string> ids, SplitList(args.positional[1].text, "entity ids"));
  ASSIGN_OR_RETURN(std::vector<std::string> features,
                   SplitList(args.positional[2].text, "features"));
  ASSIGN_OR_RETURN(Client * c, client());
  ASSIGN_OR_RETURN(wire::OnlineReadResponseT r, c->OnlineRead(entity, ids, features));
  ASSIGN_OR_RETURN(std::vector<ReadCell> cells, CellsOf(ids, features, r.values));
  if (options_.json) {
    JsonWriter json;
    json.BeginObject();
    json.Field("entity_type", entity);
    WriteReadRows(json, cells);
    json.EndObject();
    Emit(json);
  } else {
    Emit(ReadTable(cells, std::nullopt));
  }
  return Status::Ok();
}

Status Shell::RunAsOf(const ParsedArgs& args) {
  const std::string& entity = args.positional[0].text;
  ASSIGN_OR_RETURN(std::vector<std::string> ids, SplitList(args.positional[1].text, "entity ids"));
  ASSIGN_OR_RETURN(int64_t t, ParseTime(args.positional[2].text, Now()));
  ASSIGN_OR_RETURN(std::vector<std::string> features,
                   SplitList(args.positional[3].text, "features"));
  const bool replay = args.Has("replay");
  std::vector<wire::AsOfRowT> rows;
  for (const auto& id : ids) {
    wire::AsOfRowT row;
    row.entity_id = id;
    row.ts = t;
    rows.push_back(std::move(row));
  }
  ASSIGN_OR_RETURN(Client * c, client());
  std::vector<std::unique_ptr<wire::FeatureValueT>> values;
  RETURN_IF_ERROR(c->AsOfRead(entity, features, replay, rows, [&](const wire::AsOfReadChunkT& ch) {
    for (const auto& v : ch.values) {
      values.push_back(v ? std::make_unique<wire::FeatureValueT>(*v) : nullptr);
    }
    return Status::Ok();
  }));
  ASSIGN_OR_RETURN(std::vector<ReadCell> cells, CellsOf(ids, features, values));
  if (options_.json) {
    JsonWriter json;
    json.BeginObject();
    json.Field("entity_type", entity);
    json.Field("as_of", FormatTime(t));
    json.Key("replay");
    json.Bool(replay);
    WriteReadRows(json, cells);
    json.EndObject();
    Emit(json);
  } else {
    Emit(ReadTable(cells, t));
  }
  return Status::Ok();
}

Status Shell::RunDlq(const ParsedArgs& args) {
  uint64_t limit = 100;
  if (auto text = args.Get("limit")) {
    ASSIGN_OR_RETURN(limit, ParseCount(*text, "--limit"));
    if (limit == 0 || limit > 10000) return InvalidArgument("--limit must be 1 to 10000");
  }
  std::optional<std::pair<int64_t, uint64_t>> after;
  if (auto text = args.Get("after")) {
    ASSIGN_OR_RETURN(after, ParseDeadLetterId(*text, Now()));
  }
  ASSIGN_OR_RETURN(Client * c, client());
  ASSIGN_OR_RETURN(wire::ListDeadLettersResponseT r,
                   c->ListDeadLetters(after, static_cast<uint32_t>(limit)));
  std::erase_if(r.letters, [](const auto& l) { return l == nullptr || l->record == nullptr; });
  const bool more = r.letters.size() == limit;
  if (options_.json) {
    Emit(DeadLettersJson(r, more));
    return Status::Ok();
  }
  Table table({"ID", "ENTITY", "ENTITY_ID", "FEATURE", "VALUE", "EVENT_TIME", "REASON"});
  for (const auto& l : r.letters) {
    const wire::WriteRecordT& rec = *l->record;
    table.AddRow({DeadLetterId(*l), rec.entity_type, rec.entity_id, rec.feature,
                  FormatValue(rec.value.get()), rec.has_event_ts ? FormatTime(rec.event_ts) : "-",
                  l->reason ? ErrorName(l->reason->code) + ": " + l->reason->message : "-"});
  }
  std::string text = table.Render();
  if (more) text += "more: dlq --after " + DeadLetterId(*r.letters.back()) + "\n";
  Emit(text);
  return Status::Ok();
}

}  // namespace asof::shell
