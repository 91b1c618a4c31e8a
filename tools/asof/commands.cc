// Shell core: dispatch, the connection, caches, completion, and the commands that need
// no registry or data (help, ping, stats).
#include "tools/asof/commands.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "tools/asof/output.h"
#include "tools/asof/render.h"
#include "tools/asof/time_format.h"
#include "tools/asof/value_format.h"

namespace asof::shell {

namespace {

int64_t SystemNowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

Status UnknownCommand(std::string_view name) {
  std::string message = "unknown command '" + std::string(name) + "'";
  for (const CommandSpec& c : Shell::Commands()) {
    if (EditDistance(name, c.name) <= 2) {
      message += " (did you mean '" + std::string(c.name) + "'?)";
      return InvalidArgument(std::move(message));
    }
  }
  return InvalidArgument(message + " (type 'help' for the list)");
}

// The leading lower-case words of the usage: "entity create", "features".
std::string ListedName(const CommandSpec& c) {
  std::string out;
  std::istringstream words{std::string(c.usage)};
  for (std::string w; words >> w;) {
    if (!std::all_of(w.begin(), w.end(), [](char ch) { return std::islower(ch) || ch == '-'; })) {
      break;
    }
    out += (out.empty() ? "" : " ") + w;
  }
  return out;
}

std::string OptionLabel(const OptionSpec& o) {
  std::string out = "--" + std::string(o.name);
  if (o.takes_value()) out += " " + std::string(o.value_name);
  return out;
}

std::string CommandHelp(const CommandSpec& c) {
  std::string out = "usage: " + std::string(c.usage) + "\n\n" + std::string(c.summary) + "\n\n" +
                    std::string(c.details) + "\n";
  if (!c.options.empty()) {
    Table options;
    for (const OptionSpec& o : c.options)
      options.AddRow({"  " + OptionLabel(o), std::string(o.help)});
    out += "\noptions:\n" + options.Render();
  }
  out += "\nexamples:\n";
  for (std::string_view e : c.examples) out += "  " + std::string(e) + "\n";
  return out;
}

void WriteCommandJson(JsonWriter& json, const CommandSpec& c, bool full) {
  json.BeginObject();
  json.Field("name", c.name);
  json.Field("usage", c.usage);
  json.Field("summary", c.summary);
  if (full) {
    json.Field("details", c.details);
    json.Key("options");
    json.BeginArray();
    for (const OptionSpec& o : c.options) {
      json.BeginObject();
      json.Field("name", "--" + std::string(o.name));
      json.Field("value", o.value_name);
      json.Field("help", o.help);
      json.EndObject();
    }
    json.EndArray();
  }
  json.Key("examples");
  json.BeginArray();
  for (std::string_view e : c.examples) json.String(e);
  json.EndArray();
  json.EndObject();
}

void AddMatches(const std::vector<std::string>& names, std::string_view word,
                std::vector<std::string>* out) {
  for (const auto& n : names) {
    if (n.starts_with(word)) out->push_back(n);
  }
}

}  // namespace

Shell::Shell(ShellOptions options, std::ostream& out) : options_(std::move(options)), out_(out) {
  if (!options_.now_us) options_.now_us = SystemNowMicros;
}

Shell::~Shell() = default;

Status Shell::Execute(std::string_view line) {
  size_t first = line.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || line[first] == '#') return Status::Ok();
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(line));
  const CommandSpec* spec = FindCommand(tokens[0].text);
  if (spec == nullptr) return UnknownCommand(tokens[0].text);
  ASSIGN_OR_RETURN(ParsedArgs args,
                   ParseArgs(std::span(tokens).subspan(1), spec->options, spec->name));
  size_t n = args.positional.size();
  if (n < spec->min_args || n > spec->max_args) {
    return InvalidArgument("wrong number of arguments for '" + std::string(spec->name) +
                           "'; usage: " + std::string(spec->usage));
  }
  return (this->*spec->run)(args);
}

Result<Client*> Shell::client() {
  if (client_ == nullptr) {
    ASSIGN_OR_RETURN(client_, Client::Connect(options_.client));
  }
  return client_.get();
}

Result<ValueType> Shell::FeatureType(const std::string& entity, const std::string& ref) {
  auto key = std::make_pair(entity, ref);
  if (auto it = types_.find(key); it != types_.end()) return it->second;
  ASSIGN_OR_RETURN(Client * c, client());
  ASSIGN_OR_RETURN(wire::DescribeFeatureResponseT d, c->DescribeFeature(entity, ref));
  // Cache every version, and the bare name as the newest one.
  const wire::FeatureT* newest = nullptr;
  for (const auto& f : d.versions) {
    if (f == nullptr || f->spec == nullptr) continue;
    auto type = static_cast<ValueType>(f->spec->value_type);
    types_[{entity, f->spec->name + "@" + std::to_string(f->version)}] = type;
    if (newest == nullptr || f->version > newest->version) newest = f.get();
  }
  if (newest != nullptr) {
    types_[{entity, newest->spec->name}] = static_cast<ValueType>(newest->spec->value_type);
  }
  if (auto it = types_.find(key); it != types_.end()) return it->second;
  return NotFound("feature " + FeatureLabel(entity, ref) + " is not registered");
}

void Shell::RegistryChanged() {
  types_.clear();
  completion_names_.reset();
}

void Shell::Emit(const JsonWriter& json) { out_ << json.str() << '\n'; }

void Shell::Emit(std::string_view text) { out_ << text; }

Status Shell::RunHelp(const ParsedArgs& args) {
  if (!args.positional.empty()) {
    const std::string& name = args.positional[0].text;
    const CommandSpec* c = FindCommand(name);
    if (c == nullptr) return UnknownCommand(name);
    if (options_.json) {
      JsonWriter json;
      WriteCommandJson(json, *c, true);
      Emit(json);
    } else {
      Emit(CommandHelp(*c));
    }
    return Status::Ok();
  }
  if (options_.json) {
    JsonWriter json;
    json.BeginObject();
    json.Key("commands");
    json.BeginArray();
    for (const CommandSpec& c : Commands()) WriteCommandJson(json, c, false);
    json.EndArray();
    json.EndObject();
    Emit(json);
    return Status::Ok();
  }
  Table table;
  for (const CommandSpec& c : Commands())
    table.AddRow({"  " + ListedName(c), std::string(c.summary)});
  Emit("Commands (help COMMAND shows usage, options and examples):\n" + table.Render() +
       "Values are typed by the feature's registration; times are ISO-8601 UTC\n"
       "(2026-03-01T10:00:00Z), now, or relative (-1h, -30d). quit or Ctrl-D leaves.\n");
  return Status::Ok();
}

Status Shell::RunPing(const ParsedArgs&) {
  ASSIGN_OR_RETURN(Client * c, client());
  auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(wire::PingResponseT pong, c->Ping());
  auto rtt = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::steady_clock::now() - start)
                 .count();
  std::string version;
  if (auto conn = c->connection(); conn.ok()) version = (*conn)->hello().server_version;
  if (options_.json) {
    JsonWriter json;
    json.BeginObject();
    json.Field("server_version", version);
    json.Field("server_time", FormatTime(pong.server_time_us));
    json.Key("rtt_us");
    json.Int(rtt);
    json.EndObject();
    Emit(json);
    return Status::Ok();
  }
  char ms[32];
  std::snprintf(ms, sizeof(ms), "%.3f", static_cast<double>(rtt) / 1000.0);
  Emit("pong: asofd " + version + ", server time " + FormatTime(pong.server_time_us) +
       ", round trip " + ms + " ms\n");
  return Status::Ok();
}

Status Shell::RunStats(const ParsedArgs&) {
  ASSIGN_OR_RETURN(Client * c, client());
  ASSIGN_OR_RETURN(wire::StatsResponseT s, c->Stats());
  const std::pair<const char*, uint64_t> counters[] = {
      {"connections", s.connections},
      {"requests", s.requests},
      {"records_accepted", s.records_accepted},
      {"records_duplicate", s.records_duplicate},
      {"records_rejected", s.records_rejected},
      {"block_cache_hits", s.block_cache_hits},
      {"block_cache_misses", s.block_cache_misses},
      {"entity_types", s.entity_types},
      {"features", s.features},
  };
  if (options_.json) {
    JsonWriter json;
    json.BeginObject();
    json.Field("version", s.version);
    json.Key("uptime_s");
    json.Int(s.uptime_s);
    for (const auto& [name, value] : counters) {
      json.Key(name);
      json.Uint(value);
    }
    json.EndObject();
    Emit(json);
    return Status::Ok();
  }
  Table table;
  table.AddRow({"version", s.version});
  table.AddRow({"uptime", s.uptime_s == 0 ? "0s" : FormatDuration(s.uptime_s * 1000000)});
  for (const auto& [name, value] : counters) table.AddRow({name, std::to_string(value)});
  Emit(table.Render());
  return Status::Ok();
}

std::vector<std::string> Shell::Complete(std::string_view line_before_word, std::string_view word) {
  std::vector<std::string> out;
  auto tokens = Tokenize(line_before_word);
  if (!tokens.ok()) return out;  // inside an open quote: nothing sensible to offer
  if (tokens->empty()) {
    for (const CommandSpec& c : Commands()) AddMatches({std::string(c.name)}, word, &out);
    AddMatches({"exit", "quit"}, word, &out);
    return out;
  }
  const std::string& command = tokens->front().text;
  const CommandSpec* spec = FindCommand(command);
  const std::string previous = tokens->back().text;
  if (command == "help" && tokens->size() == 1) {
    for (const CommandSpec& c : Commands()) AddMatches({std::string(c.name)}, word, &out);
    return out;
  }
  if (command == "entity" && tokens->size() == 1) {
    AddMatches({"create"}, word, &out);
    return out;
  }
  if (command == "features" && tokens->size() == 1) AddMatches({"search"}, word, &out);
  if (spec != nullptr && word.starts_with("-")) {
    for (const OptionSpec& o : spec->options) AddMatches({"--" + std::string(o.name)}, word, &out);
    return out;
  }
  if (previous == "--type") {
    for (uint8_t t = 1; t <= kMaxValueType; ++t) AddMatches({TypeName(t)}, word, &out);
    return out;
  }
  if (!completion_names_) {
    completion_names_.emplace();
    if (auto c = client(); c.ok()) {
      if (auto entities = (*c)->ListEntityTypes(); entities.ok()) {
        for (const auto& e : *entities) completion_names_->push_back(e.name);
      }
      wire::ListFeaturesRequestT all;
      all.include_deprecated = true;
      if (auto features = (*c)->ListFeatures(all); features.ok()) {
        for (const auto& f : features->features) {
          if (f && f->spec) completion_names_->push_back(f->spec->name);
        }
      }
      std::sort(completion_names_->begin(), completion_names_->end());
      completion_names_->erase(std::unique(completion_names_->begin(), completion_names_->end()),
                               completion_names_->end());
    }
  }
  AddMatches(*completion_names_, word, &out);
  return out;
}

std::string Shell::CommandsOverview() {
  std::string out;
  for (const CommandSpec& c : Commands()) {
    out += "  " + std::string(c.usage) + "\n      " + std::string(c.summary) + "\n";
    for (std::string_view e : c.examples) out += "      e.g. " + std::string(e) + "\n";
  }
  return out;
}

}  // namespace asof::shell
