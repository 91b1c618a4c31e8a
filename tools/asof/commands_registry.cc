// Registry commands: entity, entities, register, describe, features, deprecate.
#include <algorithm>
#include <charconv>
#include <ostream>

#include "tools/asof/commands.h"
#include "tools/asof/output.h"
#include "tools/asof/render.h"
#include "tools/asof/time_format.h"
#include "tools/asof/value_format.h"

namespace asof::shell {

namespace {

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

Status SetDuration(const ParsedArgs& args, std::string_view option, int64_t* out) {
  std::optional<std::string> text = args.Get(option);
  if (!text) return Status::Ok();
  auto d = ParseDuration(*text);
  if (!d.ok()) return InvalidArgument("--" + std::string(option) + ": " + d.status().message());
  *out = *d;
  return Status::Ok();
}

// The FeatureSpec that `register`'s arguments describe.
Result<wire::FeatureSpecT> SpecFromArgs(const ParsedArgs& args, int64_t now_us) {
  wire::FeatureSpecT spec;
  spec.name = args.positional[0].text;
  std::optional<std::string> entity = args.Get("entity"), type = args.Get("type");
  if (!entity) return InvalidArgument("register needs --entity ENTITY");
  if (!type) return InvalidArgument("register needs --type TYPE (" + AllTypeNames() + ")");
  std::optional<ValueType> value_type = ParseTypeName(*type);
  if (!value_type) {
    return InvalidArgument("unknown value type '" + *type + "'; types are " + AllTypeNames());
  }
  spec.entity = *entity;
  spec.value_type = static_cast<uint8_t>(*value_type);
  spec.description = args.Get("description").value_or("");
  spec.owner = args.Get("owner").value_or("");
  spec.source = args.Get("source").value_or("");
  spec.transformation = args.Get("transformation").value_or("");
  if (auto upstream = args.Get("upstream"); upstream && !upstream->empty()) {
    ASSIGN_OR_RETURN(spec.upstream, SplitList(*upstream, "upstream"));
  }
  if (auto tags = args.Get("tags"); tags && !tags->empty()) {
    ASSIGN_OR_RETURN(spec.tags, SplitList(*tags, "tags"));
  }
  RETURN_IF_ERROR(SetDuration(args, "ttl", &spec.ttl_us));
  RETURN_IF_ERROR(SetDuration(args, "sla", &spec.freshness_sla_us));
  RETURN_IF_ERROR(SetDuration(args, "retention", &spec.retention_us));
  if (const Token* def = args.GetToken("default")) {
    auto value = ParseValue(*value_type, def->text, def->quoted(), now_us);
    if (!value.ok()) return Status(value.status().code(), "--default: " + value.status().message());
    if (value->type == 0) return InvalidArgument("--default cannot be null; leave it out instead");
    spec.default_value = std::make_unique<wire::ValueT>(std::move(*value));
  }
  return spec;
}

void AddFeatureFacts(const wire::FeatureT& f, size_t version_count, Table* t) {
  const wire::FeatureSpecT& s = *f.spec;
  t->AddRow({"feature", FeatureLabel(s.entity, s.name)});
  t->AddRow({"version", std::to_string(f.version) + " of " + std::to_string(version_count) +
                            " (id " + std::to_string(f.id) + ", revision " +
                            std::to_string(f.revision) + ")"});
  t->AddRow({"value type", TypeName(s.value_type)});
  t->AddRow({"description", OrDash(s.description)});
  t->AddRow({"owner", OrDash(s.owner)});
  t->AddRow({"tags", s.tags.empty() ? "-" : Join(s.tags, ", ")});
  t->AddRow({"upstream", s.upstream.empty() ? "-" : Join(s.upstream, ", ")});
  t->AddRow({"source", OrDash(s.source)});
  t->AddRow({"transformation", OrDash(s.transformation)});
  t->AddRow({"ttl", DurationCell(s.ttl_us)});
  t->AddRow({"freshness sla", DurationCell(s.freshness_sla_us)});
  t->AddRow({"retention", DurationCell(s.retention_us)});
  t->AddRow({"default", s.default_value ? FormatValue(s.default_value.get()) : "-"});
  t->AddRow({"deprecated", f.deprecated ? "yes" : "no"});
  t->AddRow({"created", FormatTime(f.created_us)});
  t->AddRow({"updated", FormatTime(f.updated_us)});
}

}  // namespace

Status Shell::RunEntity(const ParsedArgs& args) {
  if (args.positional[0].text != "create") {
    return InvalidArgument("unknown subcommand 'entity " + args.positional[0].text +
                           "'; usage: entity create NAME [DESCRIPTION...]");
  }
  const std::string& name = args.positional[1].text;
  std::vector<std::string> words;
  for (size_t i = 2; i < args.positional.size(); ++i) words.push_back(args.positional[i].text);
  const std::string description = Join(words, " ");
  ASSIGN_OR_RETURN(Client * c, client());
  ASSIGN_OR_RETURN(std::vector<wire::EntityTypeT> existing, c->ListEntityTypes());
  auto before = std::find_if(existing.begin(), existing.end(),
                             [&](const wire::EntityTypeT& e) { return e.name == name; });
  ASSIGN_OR_RETURN(wire::EntityTypeT et, c->RegisterEntityType(name, description));
  RegistryChanged();
  std::string outcome = before == existing.end()                ? "created"
                        : before->description != et.description ? "updated"
                                                                : "unchanged";
  if (options_.json) {
    JsonWriter json;
    json.BeginObject();
    json.Field("outcome", outcome);
    json.Key("id");
    json.Uint(et.id);
    json.Field("name", et.name);
    json.Field("description", et.description);
    json.EndObject();
    Emit(json);
  } else {
    Emit(outcome + " entity type " + et.name + " (id " + std::to_string(et.id) + ")\n");
  }
  return Status::Ok();
}

Status Shell::RunEntities(const ParsedArgs&) {
  ASSIGN_OR_RETURN(Client * c, client());
  ASSIGN_OR_RETURN(std::vector<wire::EntityTypeT> types, c->ListEntityTypes());
  if (options_.json) {
    JsonWriter json;
    json.BeginObject();
    json.Key("entity_types");
    json.BeginArray();
    for (const auto& e : types) {
      json.BeginObject();
      json.Key("id");
      json.Uint(e.id);
      json.Field("name", e.name);
      json.Field("description", e.description);
      json.Field("created", FormatTime(e.created_us));
      json.EndObject();
    }
    json.EndArray();
    json.EndObject();
    Emit(json);
    return Status::Ok();
  }
  Table table({"ID", "NAME", "DESCRIPTION", "CREATED"});
  for (const auto& e : types) {
    table.AddRow({std::to_string(e.id), e.name, OrDash(e.description), FormatTime(e.created_us)});
  }
  Emit(table.Render());
  return Status::Ok();
}

Status Shell::RunRegister(const ParsedArgs& args) {
  ASSIGN_OR_RETURN(wire::FeatureSpecT spec, SpecFromArgs(args, Now()));
  ASSIGN_OR_RETURN(Client * c, client());
  auto registered = c->RegisterFeature(spec, args.Has("new-version"));
  if (registered.status().code() == ErrorCode::kConflict && !args.Has("new-version")) {
    return Conflict(registered.status().message() + " (add --new-version to create it)");
  }
  ASSIGN_OR_RETURN(wire::RegisterFeatureResponseT r, std::move(registered));
  RegistryChanged();
  if (r.feature == nullptr || r.feature->spec == nullptr) {
    return Internal("the server's RegisterFeatureResponse has no feature");
  }
  const wire::FeatureT& f = *r.feature;
  if (options_.json) {
    JsonWriter json;
    json.BeginObject();
    json.Field("outcome", OutcomeName(r.outcome));
    json.Key("feature");
    WriteFeatureJson(json, f);
    json.EndObject();
    Emit(json);
    return Status::Ok();
  }
  const std::string label = FeatureLabel(f.spec->entity, f.spec->name);
  const std::string type = TypeName(f.spec->value_type);
  const std::string id = std::to_string(f.id), version = std::to_string(f.version);
  switch (r.outcome) {
    case wire::RegisterOutcome::Created:
      Emit("created " + label + " (" + type + ", version 1, id " + id + ")\n");
      break;
    case wire::RegisterOutcome::NewVersion:
      Emit("new version " + version + " of " + label + " (" + type + ", id " + id + ")\n");
      break;
    default:
      Emit(OutcomeName(r.outcome) + " " + label + " (version " + version + ", revision " +
           std::to_string(f.revision) + ")\n");
  }
  return Status::Ok();
}

Status Shell::RunDescribe(const ParsedArgs& args) {
  const std::string& entity = args.positional[0].text;
  const std::string& ref = args.positional[1].text;
  ASSIGN_OR_RETURN(Client * c, client());
  ASSIGN_OR_RETURN(wire::DescribeFeatureResponseT d, c->DescribeFeature(entity, ref));
  std::erase_if(d.versions, [](const auto& f) { return f == nullptr || f->spec == nullptr; });
  if (d.versions.empty())
    return NotFound("feature " + FeatureLabel(entity, ref) + " has no versions");
  const wire::FeatureT* shown = d.versions.back().get();
  if (size_t at = ref.find('@'); at != std::string::npos) {
    for (const auto& f : d.versions) {
      if (std::to_string(f->version) == ref.substr(at + 1)) shown = f.get();
    }
  }
  if (options_.json) {
    JsonWriter json;
    json.BeginObject();
    json.Key("feature");
    WriteFeatureJson(json, *shown);
    json.Key("versions");
    json.BeginArray();
    for (const auto& f : d.versions) WriteFeatureJson(json, *f);
    json.EndArray();
    json.Key("history");
    json.BeginArray();
    for (const auto& h : d.history) {
      if (h == nullptr) continue;
      json.BeginObject();
      json.Key("revision");
      json.Uint(h->revision);
      json.Field("time", FormatTime(h->ts_us));
      json.Field("what", h->what);
      json.EndObject();
    }
    json.EndArray();
    json.EndObject();
    Emit(json);
    return Status::Ok();
  }
  Table facts;
  AddFeatureFacts(*shown, d.versions.size(), &facts);
  Table versions({"VERSION", "ID", "TYPE", "DEPRECATED", "CREATED"});
  for (const auto& f : d.versions) {
    versions.AddRow({std::to_string(f->version), std::to_string(f->id),
                     TypeName(f->spec->value_type), f->deprecated ? "yes" : "no",
                     FormatTime(f->created_us)});
  }
  // Times that depend on when things happened go last, so that they never shift a column.
  Table history({"REVISION", "CHANGE", "TIME"});
  for (const auto& h : d.history) {
    if (h != nullptr) history.AddRow({std::to_string(h->revision), h->what, FormatTime(h->ts_us)});
  }
  Emit(facts.Render() + "\nversions:\n" + versions.Render() + "\nhistory of version " +
       std::to_string(shown->version) + ":\n" + history.Render());
  return Status::Ok();
}

Status Shell::RunFeatures(const ParsedArgs& args) {
  wire::ListFeaturesRequestT filter;
  if (!args.positional.empty()) {
    if (args.positional[0].text != "search" || args.positional.size() != 2) {
      return InvalidArgument(
          "usage: features [--entity E] [--owner TEAM] [--tag TAG] [--all] "
          "or features search TEXT");
    }
    filter.text = args.positional[1].text;
  }
  filter.entity = args.Get("entity").value_or("");
  filter.owner = args.Get("owner").value_or("");
  filter.tag = args.Get("tag").value_or("");
  filter.include_deprecated = args.Has("all");
  ASSIGN_OR_RETURN(Client * c, client());
  ASSIGN_OR_RETURN(wire::ListFeaturesResponseT list, c->ListFeatures(filter));
  std::erase_if(list.features, [](const auto& f) { return f == nullptr || f->spec == nullptr; });
  if (options_.json) {
    JsonWriter json;
    json.BeginObject();
    json.Key("features");
    json.BeginArray();
    for (const auto& f : list.features) WriteFeatureJson(json, *f);
    json.EndArray();
    json.EndObject();
    Emit(json);
    return Status::Ok();
  }
  Table table(
      {"ENTITY", "NAME", "VERSION", "TYPE", "TTL", "DEFAULT", "OWNER", "TAGS", "DESCRIPTION"});
  for (const auto& f : list.features) {
    const wire::FeatureSpecT& s = *f->spec;
    table.AddRow({s.entity, s.name + (f->deprecated ? " (deprecated)" : ""),
                  std::to_string(f->version), TypeName(s.value_type), DurationCell(s.ttl_us),
                  s.default_value ? FormatValue(s.default_value.get()) : "-", OrDash(s.owner),
                  s.tags.empty() ? "-" : Join(s.tags, ","), OrDash(s.description)});
  }
  Emit(table.Render());
  return Status::Ok();
}

Status Shell::RunDeprecate(const ParsedArgs& args) {
  const std::string& entity = args.positional[0].text;
  const std::string& ref = args.positional[1].text;
  ASSIGN_OR_RETURN(Client * c, client());
  std::vector<std::string> warnings;
  RETURN_IF_ERROR(c->DeprecateFeature(entity, ref, &warnings));
  RegistryChanged();
  if (options_.json) {
    JsonWriter json;
    json.BeginObject();
    json.Field("entity", entity);
    json.Field("feature", ref);
    json.Key("deprecated");
    json.Bool(true);
    json.Key("warnings");
    json.BeginArray();
    for (const std::string& w : warnings) json.String(w);
    json.EndArray();
    json.EndObject();
    Emit(json);
  } else {
    std::string text = "deprecated " + FeatureLabel(entity, ref) + "\n";
    for (const std::string& w : warnings) text += "warning: " + w + "\n";
    Emit(text);
  }
  return Status::Ok();
}

Status Shell::RunLineage(const ParsedArgs& args) {
  wire::LineageRequestT request;
  request.name = args.positional[0].text;
  request.entity = args.Get("entity").value_or("");
  request.direction = args.Get("direction").value_or("");
  request.dot = args.Has("dot");
  if (std::optional<std::string> depth = args.Get("depth")) {
    int n = -1;
    auto [end, ec] = std::from_chars(depth->data(), depth->data() + depth->size(), n);
    if (ec != std::errc() || end != depth->data() + depth->size() || n < 0 || n > 100) {
      return InvalidArgument("--depth must be an integer from 0 to 100, not '" + *depth + "'");
    }
    request.depth = n;
  }
  ASSIGN_OR_RETURN(Client * c, client());
  ASSIGN_OR_RETURN(std::string text, c->Lineage(request));
  Emit(text);
  return Status::Ok();
}

}  // namespace asof::shell
