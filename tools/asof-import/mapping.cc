#include "tools/asof-import/mapping.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace asof::import {

namespace {

Status ReadString(const toml::table& root, std::string_view key, std::string* out) {
  const toml::node* node = root.get(key);
  if (node == nullptr) return Status::Ok();
  auto v = node->value_exact<std::string>();
  if (!v) return InvalidArgument(std::string(key) + " must be a string");
  *out = *v;
  return Status::Ok();
}

Status ReadStringList(const toml::table& root, std::string_view key,
                      std::vector<std::string>* out) {
  const toml::node* node = root.get(key);
  if (node == nullptr) return Status::Ok();
  const toml::array* list = node->as_array();
  if (list == nullptr) return InvalidArgument(std::string(key) + " must be an array of strings");
  out->clear();
  for (const toml::node& item : *list) {
    auto v = item.value_exact<std::string>();
    if (!v) return InvalidArgument(std::string(key) + " must be an array of strings");
    out->push_back(*v);
  }
  return Status::Ok();
}

Status ReadMapping(const toml::table& root, Mapping* m) {
  static const std::set<std::string_view> kKeys = {
      "entity_type",       "entity_id_column", "event_ts_column", "ts_format",
      "created_ts_column", "null_markers",     "ignore_columns",  "features"};
  for (const auto& [key, node] : root) {
    if (!kKeys.count(key.str())) return InvalidArgument("unknown key " + std::string(key.str()));
  }
  RETURN_IF_ERROR(ReadString(root, "entity_type", &m->entity_type));
  RETURN_IF_ERROR(ReadString(root, "entity_id_column", &m->entity_id_column));
  RETURN_IF_ERROR(ReadString(root, "event_ts_column", &m->event_ts_column));
  std::string format;
  RETURN_IF_ERROR(ReadString(root, "ts_format", &format));
  if (!format.empty()) {
    auto f = ParseTimestampFormat(format);
    if (!f) return InvalidArgument("ts_format must be iso8601, epoch_s, epoch_ms or epoch_us");
    m->ts_format = *f;
  }
  std::string created;
  RETURN_IF_ERROR(ReadString(root, "created_ts_column", &created));
  if (!created.empty()) m->created_ts_column = created;
  RETURN_IF_ERROR(ReadStringList(root, "null_markers", &m->null_markers));
  RETURN_IF_ERROR(ReadStringList(root, "ignore_columns", &m->ignore_columns));
  if (const toml::node* node = root.get("features")) {
    const toml::table* features = node->as_table();
    if (features == nullptr) return InvalidArgument("[features] must be a table");
    for (const auto& [column, feature] : *features) {
      auto name = feature.value_exact<std::string>();
      if (!name || name->empty()) {
        return InvalidArgument("features." + std::string(column.str()) +
                               " must be a feature name (a string)");
      }
      m->features.push_back({std::string(column.str()), *name});
    }
  }
  return Status::Ok();
}

Status CheckMapping(const Mapping& m) {
  if (m.entity_type.empty()) return InvalidArgument("the entity type is not set (--entity-type)");
  if (m.entity_id_column.empty() || m.event_ts_column.empty()) {
    return InvalidArgument("the entity id and event timestamp columns must be named");
  }
  std::set<std::string> columns = {m.entity_id_column};
  auto use = [&](const std::string& column, std::string_view role) -> Status {
    if (!columns.insert(column).second) {
      return InvalidArgument("column '" + column + "' is used twice (as " + std::string(role) +
                             ")");
    }
    return Status::Ok();
  };
  RETURN_IF_ERROR(use(m.event_ts_column, "event timestamp"));
  if (m.created_ts_column) RETURN_IF_ERROR(use(*m.created_ts_column, "created timestamp"));
  std::set<std::string> names;
  for (const FeatureColumn& f : m.features) {
    RETURN_IF_ERROR(use(f.column, "feature " + f.feature));
    if (!names.insert(f.feature).second) {
      return InvalidArgument("feature '" + f.feature + "' is mapped from two columns");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Mapping> ParseMappingToml(std::string_view text, std::string_view source_name) {
  Mapping m;
  try {
    toml::table root = toml::parse(text, source_name);
    Status s = ReadMapping(root, &m);
    if (!s.ok()) return InvalidArgument(std::string(source_name) + ": " + s.message());
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source_name << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    return InvalidArgument(msg.str());
  }
  return m;
}

Result<Mapping> MappingFromFlags(const MappingFlags& flags) {
  Mapping m;
  if (!flags.mapping_file.empty()) {
    std::ifstream in(flags.mapping_file);
    if (!in) return NotFound(flags.mapping_file + ": cannot open the mapping file");
    std::stringstream text;
    text << in.rdbuf();
    ASSIGN_OR_RETURN(m, ParseMappingToml(text.str(), flags.mapping_file));
  }
  if (!flags.entity_type.empty()) m.entity_type = flags.entity_type;
  if (!flags.entity_id_column.empty()) m.entity_id_column = flags.entity_id_column;
  if (!flags.event_ts_column.empty()) m.event_ts_column = flags.event_ts_column;
  if (!flags.ts_format.empty()) {
    auto f = ParseTimestampFormat(flags.ts_format);
    if (!f) {
      return InvalidArgument("--ts-format must be iso8601, epoch_s, epoch_ms or epoch_us, not '" +
                             flags.ts_format + "'");
    }
    m.ts_format = *f;
  }
  if (!flags.created_ts_column.empty()) m.created_ts_column = flags.created_ts_column;
  if (!flags.features.empty()) {
    m.features.clear();
    for (const std::string& spec : flags.features) {
      size_t eq = spec.find('=');
      FeatureColumn f{spec.substr(0, eq), eq == std::string::npos ? spec : spec.substr(eq + 1)};
      if (f.column.empty() || f.feature.empty()) {
        return InvalidArgument("--feature takes COLUMN or COLUMN=FEATURE, not '" + spec + "'");
      }
      m.features.push_back(std::move(f));
    }
  }
  m.ignore_columns.insert(m.ignore_columns.end(), flags.ignore_columns.begin(),
                          flags.ignore_columns.end());
  if (flags.null_markers) m.null_markers = *flags.null_markers;
  RETURN_IF_ERROR(CheckMapping(m));
  return m;
}

Result<ResolvedMapping> ResolveMapping(const Mapping& mapping,
                                       const std::vector<std::string>& columns) {
  std::string header;
  for (const std::string& c : columns) header += (header.empty() ? "" : ", ") + c;
  auto find = [&](const std::string& column, std::string_view role) -> Result<size_t> {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i] == column) return i;
    }
    return InvalidArgument("the " + std::string(role) + " column '" + column +
                           "' is not in the input's columns: " + header);
  };
  ResolvedMapping r;
  ASSIGN_OR_RETURN(r.entity_id_index, find(mapping.entity_id_column, "entity id"));
  ASSIGN_OR_RETURN(r.event_ts_index, find(mapping.event_ts_column, "event timestamp"));
  if (mapping.created_ts_column) {
    ASSIGN_OR_RETURN(r.created_ts_index, find(*mapping.created_ts_column, "created timestamp"));
  }
  for (const std::string& ignored : mapping.ignore_columns) {
    RETURN_IF_ERROR(find(ignored, "ignored").status());
  }
  if (!mapping.features.empty()) {
    for (const FeatureColumn& f : mapping.features) {
      ASSIGN_OR_RETURN(size_t index, find(f.column, "feature"));
      r.features.push_back({index, f.column, f.feature});
    }
    std::sort(r.features.begin(), r.features.end(),
              [](const auto& a, const auto& b) { return a.index < b.index; });
  } else {
    std::set<std::string> taken(mapping.ignore_columns.begin(), mapping.ignore_columns.end());
    taken.insert(mapping.entity_id_column);
    taken.insert(mapping.event_ts_column);
    if (mapping.created_ts_column) taken.insert(*mapping.created_ts_column);
    for (size_t i = 0; i < columns.size(); ++i) {
      if (!taken.count(columns[i])) r.features.push_back({i, columns[i], columns[i]});
    }
  }
  if (r.features.empty()) {
    return InvalidArgument("no feature column to load; the input's columns: " + header);
  }
  return r;
}

}  // namespace asof::import
