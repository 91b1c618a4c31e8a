// Monitoring commands: `freshness` (docs/api.md, GET /api/monitoring/freshness, is the
// same view over HTTP).
#include <string>

#include "tools/asof/commands.h"
#include "tools/asof/output.h"
#include "tools/asof/render.h"
#include "tools/asof/time_format.h"

namespace asof::shell {

namespace {

constexpr int64_t kSecondUs = 1000000;

std::string StateCell(const wire::FreshnessEntryT& f) {
  if (f.stale) return "STALE";
  return f.freshness_sla_us == 0 ? "no SLA" : "fresh";
}

// Whole seconds: the lag is read against an SLA, and sub-second digits would only be noise.
std::string LagCell(const wire::FreshnessEntryT& f) {
  if (!f.written) return "-";
  const int64_t lag = f.lag_us - f.lag_us % kSecondUs;
  return lag == 0 ? "0s" : FormatDuration(lag);
}

void WriteFreshnessJson(JsonWriter& json, const wire::FreshnessEntryT& f) {
  json.BeginObject();
  json.Field("entity", f.entity);
  json.Field("feature", f.name);
  json.Key("version");
  json.Uint(f.version);
  json.Key("stale");
  json.Bool(f.stale);
  json.Key("freshness_sla");
  if (f.freshness_sla_us == 0) {
    json.Null();
  } else {
    json.String(FormatDuration(f.freshness_sla_us));
  }
  auto time_or_null = [&](std::string_view key, int64_t micros) {
    json.Key(key);
    if (f.written) {
      json.String(FormatTime(micros));
    } else {
      json.Null();
    }
  };
  time_or_null("last_event_time", f.last_event_ts);
  time_or_null("last_ingest_time", f.last_ingest_ts);
  json.Key("lag_us");
  if (f.written) {
    json.Int(f.lag_us);
  } else {
    json.Null();
  }
  json.Key("values_last_hour");
  json.Uint(f.values_last_hour);
  json.Key("deprecated");
  json.Bool(f.deprecated);
  json.EndObject();
}

}  // namespace

Status Shell::RunFreshness(const ParsedArgs& args) {
  ASSIGN_OR_RETURN(Client * c, client());
  ASSIGN_OR_RETURN(wire::FreshnessResponseT r, c->Freshness(args.Has("all")));
  std::erase_if(r.features,
                [&](const auto& f) { return f == nullptr || (args.Has("stale") && !f->stale); });
  size_t stale = 0;
  for (const auto& f : r.features) stale += f->stale ? 1 : 0;
  if (options_.json) {
    JsonWriter json;
    json.BeginObject();
    json.Key("stale_count");
    json.Uint(stale);
    json.Key("features");
    json.BeginArray();
    for (const auto& f : r.features) WriteFreshnessJson(json, *f);
    json.EndArray();
    json.EndObject();
    Emit(json);
    return Status::Ok();
  }
  // The lag, which moves with the clock, goes last so that the other columns stay put.
  Table table({"STATE", "FEATURE", "SLA", "LAST_HOUR", "LAST_EVENT", "LAG"});
  for (const auto& f : r.features) {
    table.AddRow(
        {StateCell(*f),
         FeatureLabel(f->entity, f->name, f->version) + (f->deprecated ? " (deprecated)" : ""),
         DurationCell(f->freshness_sla_us), std::to_string(f->values_last_hour),
         f->written ? FormatTime(f->last_event_ts) : "never", LagCell(*f)});
  }
  Emit(table.Render() + std::to_string(stale) + " stale of " + std::to_string(r.features.size()) +
       "\n");
  return Status::Ok();
}

}  // namespace asof::shell
