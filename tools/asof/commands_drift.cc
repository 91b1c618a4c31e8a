// Drift commands: `drift` (served values against a training baseline) and `baselines`
// (docs/monitoring.md; GET /api/monitoring/drift is the same view over HTTP).
#include <cstdio>
#include <string>

#include "tools/asof/commands.h"
#include "tools/asof/output.h"
#include "tools/asof/render.h"
#include "tools/asof/time_format.h"

namespace asof::shell {

namespace {

std::string Fixed(double value, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, value);
  return buf;
}

std::string KsCell(const wire::DriftEntryT& d) {
  if (!d.has_ks) return "-";
  return Fixed(d.ks, 3) + "+-" + Fixed(d.ks_error_bound, 3);
}

std::string ChiSquareCell(const wire::DriftEntryT& d) {
  if (!d.has_chi_square) return "-";
  return Fixed(d.chi_square, 2) + "/" + Fixed(d.chi_square_p_value, 3);
}

void OptionalDouble(JsonWriter& json, std::string_view key, bool has, double value) {
  json.Key(key);
  if (has) {
    json.Double(value);
  } else {
    json.Null();
  }
}

void WriteDriftJson(JsonWriter& json, const wire::DriftEntryT& d) {
  json.BeginObject();
  json.Field("entity", d.entity);
  json.Field("feature", d.name);
  json.Key("version");
  json.Uint(d.version);
  json.Field("baseline", d.baseline_id);
  json.Field("window_from", FormatTime(d.window_from));
  json.Field("window_to", FormatTime(d.window_to));
  json.Key("categorical");
  json.Bool(d.categorical);
  json.Key("served_count");
  json.Uint(d.served_count);
  json.Key("served_missing");
  json.Uint(d.served_missing);
  json.Key("baseline_count");
  json.Uint(d.baseline_count);
  json.Key("baseline_missing");
  json.Uint(d.baseline_missing);
  OptionalDouble(json, "ks", d.has_ks, d.ks);
  OptionalDouble(json, "ks_error_bound", d.has_ks, d.ks_error_bound);
  OptionalDouble(json, "psi", d.has_psi, d.psi);
  OptionalDouble(json, "chi_square", d.has_chi_square, d.chi_square);
  OptionalDouble(json, "chi_square_p_value", d.has_chi_square, d.chi_square_p_value);
  json.Key("drifting");
  json.Bool(d.drifting);
  json.Field("note", d.note);
  json.EndObject();
}

void WriteBaselineJson(JsonWriter& json, const wire::BaselineEntryT& b) {
  json.BeginObject();
  json.Field("id", b.id);
  json.Field("origin", b.origin);
  json.Key("rows");
  json.Uint(b.rows);
  json.Key("features");
  json.BeginArray();
  for (const std::string& f : b.features) json.String(f);
  json.EndArray();
  json.Field("created", FormatTime(b.created_ts));
  json.Field("updated", FormatTime(b.updated_ts));
  json.EndObject();
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

// The entity type of a feature named without one: the only entity type that has it.
Result<std::string> EntityOf(Client& client, const std::string& ref) {
  const std::string name = ref.substr(0, ref.find('@'));
  wire::ListFeaturesRequestT filter;
  filter.include_deprecated = true;
  ASSIGN_OR_RETURN(wire::ListFeaturesResponseT all, client.ListFeatures(filter));
  std::string entity;
  for (const auto& f : all.features) {
    if (f == nullptr || f->spec == nullptr || f->spec->name != name) continue;
    if (!entity.empty() && entity != f->spec->entity) {
      return InvalidArgument("feature '" + name + "' exists under several entity types; write " +
                             "ENTITY:" + ref);
    }
    entity = f->spec->entity;
  }
  if (entity.empty()) return NotFound("feature '" + name + "' is not registered");
  return entity;
}

}  // namespace

Status Shell::RunDrift(const ParsedArgs& args) {
  const bool all = args.Has("all");
  if (all == !args.positional.empty()) {
    return InvalidArgument(all ? "drift: give a FEATURE or --all, not both"
                               : "drift: give a FEATURE ([ENTITY:]NAME[@N]) or --all");
  }
  wire::DriftRequestT request;
  request.baseline_id = args.Get("baseline").value_or("");
  if (std::optional<std::string> window = args.Get("window")) {
    ASSIGN_OR_RETURN(request.window_us, ParseDuration(*window));
    if (request.window_us == 0) return InvalidArgument("drift: --window must be more than 0");
  }
  ASSIGN_OR_RETURN(Client * c, client());
  if (!all) {
    const std::string& word = args.positional[0].text;
    const size_t colon = word.find(':');
    request.feature = colon == std::string::npos ? word : word.substr(colon + 1);
    if (colon != std::string::npos) request.entity_type = word.substr(0, colon);
    if (request.feature.empty() || (colon != std::string::npos && request.entity_type.empty())) {
      return InvalidArgument("drift: '" + word + "' is not [ENTITY:]NAME[@N]");
    }
    if (colon == std::string::npos) {
      ASSIGN_OR_RETURN(request.entity_type, EntityOf(*c, request.feature));
    }
  }
  ASSIGN_OR_RETURN(wire::DriftResponseT r, c->Drift(request));
  std::erase_if(r.features, [](const auto& d) { return d == nullptr; });
  size_t drifting = 0;
  for (const auto& d : r.features) drifting += d->drifting ? 1 : 0;
  if (options_.json) {
    JsonWriter json;
    json.BeginObject();
    json.Key("ks_threshold");
    json.Double(r.ks_threshold);
    json.Key("psi_threshold");
    json.Double(r.psi_threshold);
    json.Key("min_samples");
    json.Uint(r.min_samples);
    json.Key("drifting_count");
    json.Uint(drifting);
    json.Key("features");
    json.BeginArray();
    for (const auto& d : r.features) WriteDriftJson(json, *d);
    json.EndArray();
    json.EndObject();
    Emit(json);
    return Status::Ok();
  }
  // The note, the one long cell, goes last so that the numbers stay in columns.
  Table table(
      {"FEATURE", "BASELINE", "SERVED", "BASELINE_N", "KS", "PSI", "CHI2/P", "STATE", "NOTE"});
  for (const auto& d : r.features) {
    table.AddRow({FeatureLabel(d->entity, d->name, d->version), d->baseline_id,
                  std::to_string(d->served_count), std::to_string(d->baseline_count), KsCell(*d),
                  d->has_psi ? Fixed(d->psi, 3) : "-", ChiSquareCell(*d),
                  d->drifting ? "DRIFTING" : "ok", d->note});
  }
  std::string summary =
      std::to_string(drifting) + " drifting of " + std::to_string(r.features.size());
  if (!r.features.empty()) {
    // The server widens the window to whole sketch windows: print what it compared.
    summary += " (served values from " + FormatTime(r.features[0]->window_from) + " to " +
               FormatTime(r.features[0]->window_to) + ")";
  }
  Emit(table.Render() + summary + "; alert when KS > " + FormatDouble(r.ks_threshold) +
       " or PSI > " + FormatDouble(r.psi_threshold) + " with at least " +
       std::to_string(r.min_samples) + " values on each side\n");
  return Status::Ok();
}

Status Shell::RunBaselines(const ParsedArgs& args) {
  const bool remove = args.Has("delete");
  const bool window = args.Has("from") || args.Has("to") || args.Has("id");
  if (remove && window) {
    return InvalidArgument("baselines: --delete does not go with --from, --to or --id");
  }
  if (window && (!args.Has("from") || !args.Has("id"))) {
    return InvalidArgument("baselines: a baseline from served values needs --from and --id");
  }
  wire::BaselinesRequestT request;
  if (remove) {
    request.action = "delete";
    request.id = *args.Get("delete");
  } else if (window) {
    request.action = "from_window";
    request.id = *args.Get("id");
    ASSIGN_OR_RETURN(request.from_ts, ParseTime(*args.Get("from"), Now()));
    ASSIGN_OR_RETURN(request.to_ts, ParseTime(args.Get("to").value_or("now"), Now()));
    if (request.from_ts > request.to_ts) {
      return InvalidArgument("baselines: --from is after --to");
    }
  } else {
    request.action = "list";
  }
  ASSIGN_OR_RETURN(Client * c, client());
  ASSIGN_OR_RETURN(wire::BaselinesResponseT r, c->Baselines(request));
  std::erase_if(r.baselines, [](const auto& b) { return b == nullptr; });
  if (options_.json) {
    JsonWriter json;
    if (remove) {
      json.BeginObject();
      json.Field("deleted", request.id);
      json.EndObject();
    } else if (window && !r.baselines.empty()) {
      WriteBaselineJson(json, *r.baselines[0]);
    } else {
      json.BeginObject();
      json.Key("baselines");
      json.BeginArray();
      for (const auto& b : r.baselines) WriteBaselineJson(json, *b);
      json.EndArray();
      json.EndObject();
    }
    Emit(json);
    return Status::Ok();
  }
  if (remove) {
    Emit("deleted baseline " + request.id + "\n");
    return Status::Ok();
  }
  if (window && !r.baselines.empty()) {
    const wire::BaselineEntryT& b = *r.baselines[0];
    Emit("created baseline " + b.id + " from " + std::to_string(b.rows) + " served values of " +
         Joined(b.features) + "\n");
    return Status::Ok();
  }
  // UPDATED moves with the clock for fresh baselines: last, so masking it shifts nothing.
  Table table({"ID", "ORIGIN", "ROWS", "FEATURES", "UPDATED"});
  for (const auto& b : r.baselines) {
    table.AddRow({b->id, b->origin, std::to_string(b->rows), Joined(b->features),
                  FormatTime(b->updated_ts)});
  }
  Emit(table.Render());
  return Status::Ok();
}

}  // namespace asof::shell
