#include "server/config.h"

#include <arpa/inet.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "server/api_json.h"

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
  } else if constexpr (std::is_same_v<T, double>) {
    // An integer is a fine rate: `rate_limit_rps = 100`.
    // TOML also has nan and inf, which no rate or size can sensibly be.
    if (auto v = node->value<double>(); v && std::isfinite(*v)) {
      *out = *v;
      return Status::Ok();
    }
    return InvalidArgument(name + " must be a finite number");
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (auto v = node->value_exact<std::string>()) {
      *out = *v;
      return Status::Ok();
    }
    return InvalidArgument(name + " must be a string");
  } else {
    auto v = node->value_exact<int64_t>();
    if (!v) return InvalidArgument(name + " must be an integer");
    // Signed and unsigned bounds compared without converting a negative value to unsigned.
    if (*v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
        (*v > 0 &&
         static_cast<uint64_t>(*v) > static_cast<uint64_t>(std::numeric_limits<T>::max()))) {
      return InvalidArgument(name + " is out of range");
    }
    *out = static_cast<T>(*v);
    return Status::Ok();
  }
}

// A duration written as the API writes them ("90s", "15m", "2d"), into microseconds.
Status ReadDuration(const toml::table& table, std::string_view section, std::string_view key,
                    int64_t* out_us) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return Status::Ok();
  std::string name = std::string(section) + "." + std::string(key);
  auto v = node->value_exact<std::string>();
  if (!v) return InvalidArgument(name + " must be a duration string such as \"15m\" or \"2d\"");
  Result<int64_t> us = ParseDuration(*v);
  if (!us.ok()) return InvalidArgument(name + ": " + us.status().message());
  *out_us = *us;
  return Status::Ok();
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
  RETURN_IF_ERROR(CheckKeys(root, "",
                            {"server", "http", "resp", "auth", "durability", "storage", "limits",
                             "drift", "logging", "log"}));
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
  if (const auto* s = Section(root, "http")) {
    RETURN_IF_ERROR(
        CheckKeys(*s, "http",
                  {"enabled", "port", "max_body_bytes", "max_historical_body_bytes",
                   "max_header_bytes", "header_timeout_ms", "body_timeout_ms", "idle_timeout_ms"}));
    RETURN_IF_ERROR(Read(*s, "http", "enabled", &c->http_enabled));
    RETURN_IF_ERROR(Read(*s, "http", "port", &c->http_port));
    RETURN_IF_ERROR(Read(*s, "http", "max_body_bytes", &c->http_max_body_bytes));
    RETURN_IF_ERROR(
        Read(*s, "http", "max_historical_body_bytes", &c->http_max_historical_body_bytes));
    RETURN_IF_ERROR(Read(*s, "http", "max_header_bytes", &c->http_max_header_bytes));
    RETURN_IF_ERROR(Read(*s, "http", "header_timeout_ms", &c->http_header_timeout_ms));
    RETURN_IF_ERROR(Read(*s, "http", "body_timeout_ms", &c->http_body_timeout_ms));
    RETURN_IF_ERROR(Read(*s, "http", "idle_timeout_ms", &c->http_idle_timeout_ms));
  }
  if (const auto* s = Section(root, "resp")) {
    RETURN_IF_ERROR(
        CheckKeys(*s, "resp",
                  {"enabled", "port", "max_bulk_bytes", "max_array_length", "max_request_bytes"}));
    RETURN_IF_ERROR(Read(*s, "resp", "enabled", &c->resp_enabled));
    RETURN_IF_ERROR(Read(*s, "resp", "port", &c->resp_port));
    RETURN_IF_ERROR(Read(*s, "resp", "max_bulk_bytes", &c->resp_max_bulk_bytes));
    RETURN_IF_ERROR(Read(*s, "resp", "max_array_length", &c->resp_max_array_length));
    RETURN_IF_ERROR(Read(*s, "resp", "max_request_bytes", &c->resp_max_request_bytes));
  }
  if (const auto* s = Section(root, "auth")) {
    RETURN_IF_ERROR(CheckKeys(*s, "auth", {"tokens", "rate_limit_rps", "rate_limit_burst"}));
    RETURN_IF_ERROR(Read(*s, "auth", "rate_limit_rps", &c->rate_limit_rps));
    RETURN_IF_ERROR(Read(*s, "auth", "rate_limit_burst", &c->rate_limit_burst));
    if (const toml::node* tokens = s->get("tokens")) {
      const toml::array* list = tokens->as_array();
      if (list == nullptr) return InvalidArgument("auth.tokens must be an array of tables");
      for (const toml::node& item : *list) {
        const toml::table* t = item.as_table();
        if (t == nullptr) return InvalidArgument("auth.tokens must be an array of tables");
        std::string where = "auth.tokens[" + std::to_string(c->tokens.size()) + "]";
        RETURN_IF_ERROR(CheckKeys(*t, where, {"name", "sha256", "role", "team", "rate_limit_rps"}));
        TokenConfig token;
        RETURN_IF_ERROR(Read(*t, where, "name", &token.name));
        RETURN_IF_ERROR(Read(*t, where, "sha256", &token.sha256));
        RETURN_IF_ERROR(Read(*t, where, "role", &token.role));
        RETURN_IF_ERROR(Read(*t, where, "team", &token.team));
        RETURN_IF_ERROR(Read(*t, where, "rate_limit_rps", &token.rate_limit_rps));
        c->tokens.push_back(std::move(token));
      }
    }
  }
  if (const auto* s = Section(root, "durability")) {
    RETURN_IF_ERROR(CheckKeys(*s, "durability", {"sync_writes", "max_write_group"}));
    RETURN_IF_ERROR(Read(*s, "durability", "sync_writes", &c->sync_writes));
    RETURN_IF_ERROR(Read(*s, "durability", "max_write_group", &c->max_write_group));
  }
  if (const auto* s = Section(root, "storage")) {
    RETURN_IF_ERROR(CheckKeys(*s, "storage",
                              {"block_cache_mb", "row_cache_mb", "direct_reads", "write_buffer_mb",
                               "dedup_window_s", "max_future_skew_s"}));
    RETURN_IF_ERROR(Read(*s, "storage", "block_cache_mb", &c->block_cache_mb));
    RETURN_IF_ERROR(Read(*s, "storage", "row_cache_mb", &c->row_cache_mb));
    RETURN_IF_ERROR(Read(*s, "storage", "direct_reads", &c->direct_reads));
    RETURN_IF_ERROR(Read(*s, "storage", "write_buffer_mb", &c->write_buffer_mb));
    RETURN_IF_ERROR(Read(*s, "storage", "dedup_window_s", &c->dedup_window_s));
    RETURN_IF_ERROR(Read(*s, "storage", "max_future_skew_s", &c->max_future_skew_s));
  }
  if (const auto* s = Section(root, "limits")) {
    RETURN_IF_ERROR(CheckKeys(
        *s, "limits",
        {"max_frame_bytes", "max_entities_per_request", "max_rows_per_asof_request",
         "max_records_per_write", "max_connections", "max_inflight_per_connection",
         "asof_chunk_rows", "max_inflight_requests", "max_bulk_loads", "max_bulk_staged_mb"}));
    RETURN_IF_ERROR(Read(*s, "limits", "max_frame_bytes", &c->max_frame_bytes));
    RETURN_IF_ERROR(Read(*s, "limits", "max_entities_per_request", &c->max_entities_per_request));
    RETURN_IF_ERROR(Read(*s, "limits", "max_rows_per_asof_request", &c->max_rows_per_asof_request));
    RETURN_IF_ERROR(Read(*s, "limits", "max_records_per_write", &c->max_records_per_write));
    RETURN_IF_ERROR(Read(*s, "limits", "max_connections", &c->max_connections));
    RETURN_IF_ERROR(
        Read(*s, "limits", "max_inflight_per_connection", &c->max_inflight_per_connection));
    RETURN_IF_ERROR(Read(*s, "limits", "asof_chunk_rows", &c->asof_chunk_rows));
    RETURN_IF_ERROR(Read(*s, "limits", "max_inflight_requests", &c->max_inflight_requests));
    RETURN_IF_ERROR(Read(*s, "limits", "max_bulk_loads", &c->max_bulk_loads));
    RETURN_IF_ERROR(Read(*s, "limits", "max_bulk_staged_mb", &c->max_bulk_staged_mb));
  }
  if (const auto* s = Section(root, "drift")) {
    RETURN_IF_ERROR(CheckKeys(*s, "drift",
                              {"sample_rate", "window", "retention", "default_query_window",
                               "ks_threshold", "psi_threshold", "min_samples"}));
    RETURN_IF_ERROR(Read(*s, "drift", "sample_rate", &c->drift_sample_rate));
    RETURN_IF_ERROR(ReadDuration(*s, "drift", "window", &c->drift_window_us));
    RETURN_IF_ERROR(ReadDuration(*s, "drift", "retention", &c->drift_retention_us));
    RETURN_IF_ERROR(
        ReadDuration(*s, "drift", "default_query_window", &c->drift_default_query_window_us));
    RETURN_IF_ERROR(Read(*s, "drift", "ks_threshold", &c->drift_ks_threshold));
    RETURN_IF_ERROR(Read(*s, "drift", "psi_threshold", &c->drift_psi_threshold));
    RETURN_IF_ERROR(Read(*s, "drift", "min_samples", &c->drift_min_samples));
  }
  if (const auto* s = Section(root, "logging")) {
    RETURN_IF_ERROR(CheckKeys(
        *s, "logging", {"sample_rate", "retention", "flush_interval", "max_buffered", "rates"}));
    RETURN_IF_ERROR(Read(*s, "logging", "sample_rate", &c->logging_sample_rate));
    RETURN_IF_ERROR(ReadDuration(*s, "logging", "retention", &c->logging_retention_us));
    RETURN_IF_ERROR(ReadDuration(*s, "logging", "flush_interval", &c->logging_flush_interval_us));
    RETURN_IF_ERROR(Read(*s, "logging", "max_buffered", &c->logging_max_buffered));
    if (const toml::node* rates = s->get("rates")) {
      const toml::table* t = rates->as_table();
      if (t == nullptr)
        return InvalidArgument("logging.rates must be a table (entity type = rate)");
      for (const auto& [entity, node] : *t) {
        double rate = 0;
        RETURN_IF_ERROR(Read(*t, "logging.rates", entity.str(), &rate));
        c->logging_rates[std::string(entity.str())] = rate;
      }
    }
  }
  if (const auto* s = Section(root, "log")) {
    RETURN_IF_ERROR(CheckKeys(*s, "log", {"level"}));
    RETURN_IF_ERROR(Read(*s, "log", "level", &c->log_level));
  }
  return Status::Ok();
}

Status ValidateTokens(const ServerConfig& c) {
  static const std::set<std::string> kRoles = {"reader", "writer", "admin"};
  std::set<std::string> names, hashes;
  for (size_t i = 0; i < c.tokens.size(); ++i) {
    const TokenConfig& t = c.tokens[i];
    std::string where = "auth.tokens[" + std::to_string(i) + "]";
    if (t.name.empty()) return InvalidArgument(where + ".name is missing");
    // Names appear in logs, metrics labels and error messages: keep them plain.
    const bool plain =
        t.name.size() <= 64 && std::all_of(t.name.begin(), t.name.end(), [](char ch) {
          return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' ||
                 ch == '.';
        });
    if (!plain) {
      return InvalidArgument(where + ".name must be 1-64 characters of [A-Za-z0-9_.-]");
    }
    if (t.name == "anonymous") {
      return InvalidArgument(where + ".name \"anonymous\" is reserved for protected mode");
    }
    if (!names.insert(t.name).second) {
      return InvalidArgument(where + ": the name '" + t.name + "' is used twice");
    }
    bool hex = t.sha256.size() == 64 && std::all_of(t.sha256.begin(), t.sha256.end(), [](char ch) {
                 return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
               });
    if (!hex) {
      return InvalidArgument(where + ".sha256 must be 64 lowercase hex digits (asofd hash-token)");
    }
    if (!hashes.insert(t.sha256).second) {
      return InvalidArgument(where + ": the same token hash is configured twice");
    }
    if (!kRoles.count(t.role)) {
      return InvalidArgument(where + ".role must be \"reader\", \"writer\" or \"admin\"");
    }
    // A writer's team is what RequireOwner compares feature owners with; without one it
    // could change nothing, which is surely a mistake in the file.
    if (t.role == "writer" && t.team.empty()) {
      return InvalidArgument(where +
                             ".team is missing: a writer token needs the team whose "
                             "features it may change");
    }
    if (t.rate_limit_rps < 0 && t.rate_limit_rps != -1) {
      return InvalidArgument(where + ".rate_limit_rps must be >= 0");
    }
  }
  return Status::Ok();
}

Status ValidateDrift(const ServerConfig& c) {
  constexpr int64_t kSecond = 1000000;
  if (!(c.drift_sample_rate >= 0 && c.drift_sample_rate <= 1)) {
    return InvalidArgument("drift.sample_rate must be in [0, 1] (0 turns drift sampling off)");
  }
  if (c.drift_window_us < kSecond) return InvalidArgument("drift.window must be at least 1s");
  if (c.drift_retention_us < c.drift_window_us) {
    return InvalidArgument("drift.retention must be at least drift.window");
  }
  if (c.drift_default_query_window_us < kSecond) {
    return InvalidArgument("drift.default_query_window must be at least 1s");
  }
  // KS is a distance between CDFs, in [0, 1]: a threshold of 1 or more never fires.
  if (!(c.drift_ks_threshold > 0 && c.drift_ks_threshold < 1)) {
    return InvalidArgument("drift.ks_threshold must be in (0, 1)");
  }
  if (!(c.drift_psi_threshold > 0)) return InvalidArgument("drift.psi_threshold must be > 0");
  if (c.drift_min_samples < 1) return InvalidArgument("drift.min_samples must be >= 1");
  return Status::Ok();
}

Status ValidateLogging(const ServerConfig& c) {
  constexpr int64_t kMillisecond = 1000;
  if (!(c.logging_sample_rate >= 0 && c.logging_sample_rate <= 1)) {
    return InvalidArgument("logging.sample_rate must be in [0, 1] (0 turns logging off)");
  }
  for (const auto& [entity, rate] : c.logging_rates) {
    if (entity.empty()) return InvalidArgument("logging.rates: empty entity type");
    if (!(rate >= 0 && rate <= 1)) {
      return InvalidArgument("logging.rates." + entity + " must be in [0, 1]");
    }
  }
  if (c.logging_retention_us < 1000 * kMillisecond) {
    return InvalidArgument("logging.retention must be at least 1s");
  }
  if (c.logging_flush_interval_us < 10 * kMillisecond) {
    return InvalidArgument("logging.flush_interval must be at least 10ms");
  }
  if (c.logging_max_buffered < 1 || c.logging_max_buffered > 10'000'000) {
    return InvalidArgument("logging.max_buffered must be 1..10000000");
  }
  return Status::Ok();
}

}  // namespace

ServedLogOptions ServedLogOptionsFrom(const ServerConfig& c) {
  ServedLogOptions o;
  o.sample_rate = c.logging_sample_rate;
  o.entity_rates = c.logging_rates;
  o.retention_us = c.logging_retention_us;
  o.flush_interval_us = c.logging_flush_interval_us;
  o.max_buffered = static_cast<size_t>(c.logging_max_buffered);
  return o;
}

DriftOptions DriftOptionsFrom(const ServerConfig& c) {
  DriftOptions o;
  o.sample_rate = c.drift_sample_rate;
  o.window_us = c.drift_window_us;
  o.retention_us = c.drift_retention_us;
  o.default_query_window_us = c.drift_default_query_window_us;
  o.ks_threshold = c.drift_ks_threshold;
  o.psi_threshold = c.drift_psi_threshold;
  o.min_samples = c.drift_min_samples;
  return o;
}

bool IsLoopback(std::string_view address) {
  if (address == "localhost") return true;
  std::string text(address);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return false;
  // ::ffff:127.x.x.x is the IPv4 loopback seen through an IPv6 socket.
  return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
}

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
  if (c.row_cache_mb < 0) return InvalidArgument("storage.row_cache_mb must be >= 0");
  if (c.write_buffer_mb < 1) return InvalidArgument("storage.write_buffer_mb must be >= 1");
  if (c.dedup_window_s < 0 || c.max_future_skew_s < 0) {
    return InvalidArgument("storage durations must not be negative");
  }
  if (c.max_frame_bytes < 1024) return InvalidArgument("limits.max_frame_bytes must be >= 1024");
  if (c.max_bulk_loads < 1) return InvalidArgument("limits.max_bulk_loads must be >= 1");
  if (c.max_bulk_staged_mb < 1) return InvalidArgument("limits.max_bulk_staged_mb must be >= 1");
  if (c.asof_chunk_rows < 1 || c.max_inflight_per_connection < 1 || c.max_connections < 1) {
    return InvalidArgument("limits must be >= 1");
  }
  if (c.max_inflight_requests < 1)
    return InvalidArgument("limits.max_inflight_requests must be >= 1");
  if (c.http_max_body_bytes < 1024 || c.http_max_historical_body_bytes < 1024 ||
      c.http_max_header_bytes < 1024) {
    return InvalidArgument("http size limits must be >= 1024 bytes");
  }
  if (c.http_header_timeout_ms < 1 || c.http_body_timeout_ms < 1 || c.http_idle_timeout_ms < 1) {
    return InvalidArgument("http timeouts must be >= 1 ms");
  }
  if (c.http_enabled && c.http_port != 0 && c.http_port == c.port) {
    return InvalidArgument("http.port and server.port must differ");
  }
  if (c.resp_enabled && c.resp_port != 0 &&
      (c.resp_port == c.port || (c.http_enabled && c.resp_port == c.http_port))) {
    return InvalidArgument("resp.port must differ from server.port and http.port");
  }
  if (c.resp_max_bulk_bytes < 1024 || c.resp_max_array_length < 16 ||
      c.resp_max_request_bytes < c.resp_max_bulk_bytes) {
    return InvalidArgument(
        "resp limits: max_bulk_bytes must be >= 1024, max_array_length >= 16, and "
        "max_request_bytes >= max_bulk_bytes");
  }
  if (c.rate_limit_rps < 0 || c.rate_limit_burst < 0) {
    return InvalidArgument("auth rate limits must be >= 0");
  }
  RETURN_IF_ERROR(ValidateTokens(c));
  RETURN_IF_ERROR(ValidateDrift(c));
  RETURN_IF_ERROR(ValidateLogging(c));
  if (c.tokens.empty() && !IsLoopback(c.listen)) {
    return InvalidArgument(
        "protected mode: no [[auth.tokens]] are configured, so asofd only listens on loopback; "
        "configure tokens (asofd hash-token) before listening on " +
        c.listen);
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
