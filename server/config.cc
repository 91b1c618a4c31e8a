#include "server/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace asof::server {

namespace {

// Reads one key of a table into `out`, checking its type; absent keys keep the default.
template <typename T>
Status Read(const toml::table& table, std::string_view section, std::string_view key, T* out) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return Status::Ok();
  std::string name = std::string(section) + "." + std::string(key);
  if constexpr (std::is_same_v<T, bool>) {
    if (auto v = node->value_exact<bool>()) {
      *out = *v;
      return Status::Ok();
    }
    return InvalidArgument(name + " must be true or false");
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (auto v = node->value_exact<std::string>()) {
      *out = *v;
      return Status::Ok();
    }
    return InvalidArgument(name + " must be a string");
  } else {
    auto v = node->value_exact<int64_t>();
    if (!v) return InvalidArgument(name + " must be an integer");
    if (*v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
        static_cast<uint64_t>(*v) > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      return InvalidArgument(name + " is out of range");
    }
    *out = static_cast<T>(*v);
    return Status::Ok();
  }
}

Status CheckKeys(const toml::table& table, std::string_view section,
                 const std::set<std::string_view>& known) {
  for (const auto& [key, node] : table) {
    if (!known.count(key.str())) {
      return InvalidArgument("unknown setting " + std::string(section) + "." +
                             std::string(key.str()));
    }
  }
  return Status::Ok();
}

const toml::table* Section(const toml::table& root, std::string_view name) {
  const toml::node* node = root.get(name);
  return node ? node->as_table() : nullptr;
}

Status ReadSections(const toml::table& root, ServerConfig* c) {
  RETURN_IF_ERROR(CheckKeys(root, "", {"server", "durability", "storage", "limits", "log"}));
  for (const auto& [key, node] : root) {
    if (!node.is_table())
      return InvalidArgument("[" + std::string(key.str()) + "] must be a table");
  }
  if (const auto* s = Section(root, "server")) {
    RETURN_IF_ERROR(
        CheckKeys(*s, "server",
                  {"listen", "port", "threads", "io_backend", "data_dir", "shutdown_grace_ms"}));
    RETURN_IF_ERROR(Read(*s, "server", "listen", &c->listen));
    RETURN_IF_ERROR(Read(*s, "server", "port", &c->port));
    RETURN_IF_ERROR(Read(*s, "server", "threads", &c->threads));
    RETURN_IF_ERROR(Read(*s, "server", "io_backend", &c->io_backend));
    RETURN_IF_ERROR(Read(*s, "server", "data_dir", &c->data_dir));
    RETURN_IF_ERROR(Read(*s, "server", "shutdown_grace_ms", &c->shutdown_grace_ms));
  }
  if (const auto* s = Section(root, "durability")) {
    RETURN_IF_ERROR(CheckKeys(*s, "durability", {"sync_writes", "max_write_group"}));
    RETURN_IF_ERROR(Read(*s, "durability", "sync_writes", &c->sync_writes));
    RETURN_IF_ERROR(Read(*s, "durability", "max_write_group", &c->max_write_group));
  }
  if (const auto* s = Section(root, "storage")) {
    RETURN_IF_ERROR(
        CheckKeys(*s, "storage",
                  {"block_cache_mb", "write_buffer_mb", "dedup_window_s", "max_future_skew_s"}));
    RETURN_IF_ERROR(Read(*s, "storage", "block_cache_mb", &c->block_cache_mb));
    RETURN_IF_ERROR(Read(*s, "storage", "write_buffer_mb", &c->write_buffer_mb));
    RETURN_IF_ERROR(Read(*s, "storage", "dedup_window_s", &c->dedup_window_s));
    RETURN_IF_ERROR(Read(*s, "storage", "max_future_skew_s", &c->max_future_skew_s));
  }
  if (const auto* s = Section(root, "limits")) {
    RETURN_IF_ERROR(
        CheckKeys(*s, "limits",
                  {"max_frame_bytes", "max_entities_per_request", "max_rows_per_asof_request",
                   "max_records_per_write", "max_connections", "max_inflight_per_connection",
                   "asof_chunk_rows"}));
    RETURN_IF_ERROR(Read(*s, "limits", "max_frame_bytes", &c->max_frame_bytes));
    RETURN_IF_ERROR(Read(*s, "limits", "max_entities_per_request", &c->max_entities_per_request));
    RETURN_IF_ERROR(Read(*s, "limits", "max_rows_per_asof_request", &c->max_rows_per_asof_request));
    RETURN_IF_ERROR(Read(*s, "limits", "max_records_per_write", &c->max_records_per_write));
    RETURN_IF_ERROR(Read(*s, "limits", "max_connections", &c->max_connections));
    RETURN_IF_ERROR(
        Read(*s, "limits", "max_inflight_per_connection", &c->max_inflight_per_connection));
    RETURN_IF_ERROR(Read(*s, "limits", "asof_chunk_rows", &c->asof_chunk_rows));
  }
  if (const auto* s = Section(root, "log")) {
    RETURN_IF_ERROR(CheckKeys(*s, "log", {"level"}));
    RETURN_IF_ERROR(Read(*s, "log", "level", &c->log_level));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateConfig(const ServerConfig& c) {
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "off"};
  if (c.io_backend != "epoll" && c.io_backend != "io_uring") {
    return InvalidArgument("server.io_backend must be \"epoll\" or \"io_uring\", not \"" +
                           c.io_backend + "\"");
  }
  if (c.threads < 0 || c.threads > 256) return InvalidArgument("server.threads must be 0..256");
  if (c.data_dir.empty()) return InvalidArgument("server.data_dir is empty");
  if (c.shutdown_grace_ms < 0) return InvalidArgument("server.shutdown_grace_ms is negative");
  if (c.max_write_group < 1) return InvalidArgument("durability.max_write_group must be >= 1");
  if (c.block_cache_mb < 1) return InvalidArgument("storage.block_cache_mb must be >= 1");
  if (c.write_buffer_mb < 1) return InvalidArgument("storage.write_buffer_mb must be >= 1");
  if (c.dedup_window_s < 0 || c.max_future_skew_s < 0) {
    return InvalidArgument("storage durations must not be negative");
  }
  if (c.max_frame_bytes < 1024) return InvalidArgument("limits.max_frame_bytes must be >= 1024");
  if (c.asof_chunk_rows < 1 || c.max_inflight_per_connection < 1 || c.max_connections < 1) {
    return InvalidArgument("limits must be >= 1");
  }
  if (!kLevels.count(c.log_level)) {
    return InvalidArgument("log.level must be one of trace, debug, info, warn, error, off");
  }
  return Status::Ok();
}

Result<ServerConfig> ParseConfig(std::string_view text, std::string_view origin) {
  ServerConfig config;
  try {
    toml::table root = toml::parse(text, origin);
    RETURN_IF_ERROR(ReadSections(root, &config));
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << origin << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    return InvalidArgument(msg.str());
  }
  Status valid = ValidateConfig(config);
  if (!valid.ok()) return InvalidArgument(std::string(origin) + ": " + valid.message());
  return config;
}

Result<ServerConfig> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read config file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

}  // namespace asof::server
