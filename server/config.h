// ServerConfig: every setting of asofd, with its default. conf/asofd.toml documents each
// one; with no config file asofd runs on these embedded defaults. Parsed in one place:
// the TOML file first, then command-line flags over it.
#pragma once

#include <cstdint>
#include <string>

#include "engine/status.h"

namespace asof::server {

struct ServerConfig {
  // [server]
  std::string listen = "127.0.0.1";
  uint16_t port = 7070;              // native protocol
  int threads = 0;                   // I/O threads; 0: one per core
  std::string io_backend = "epoll";  // "epoll" or "io_uring"
  std::string data_dir = "./asof-data";
  int shutdown_grace_ms = 10000;  // how long SIGTERM waits for in-flight requests

  // [durability]
  bool sync_writes = true;     // fsync the WAL before acknowledging a write group
  int max_write_group = 4096;  // records applied in one WAL write (one fsync)

  // [storage]
  int64_t block_cache_mb = 512;
  int64_t write_buffer_mb = 64;
  int64_t dedup_window_s = 86400;
  int64_t max_future_skew_s = 86400;

  // [limits]
  uint32_t max_frame_bytes = 16u << 20;
  uint32_t max_entities_per_request = 10000;
  uint32_t max_rows_per_asof_request = 1000000;
  uint32_t max_records_per_write = 100000;
  uint32_t max_connections = 10000;
  uint32_t max_inflight_per_connection = 1024;
  uint32_t asof_chunk_rows = 8192;  // rows per streamed as-of response frame

  // [log]
  std::string log_level = "info";  // trace, debug, info, warn, error, off

  bool operator==(const ServerConfig&) const = default;
};

// Parses a TOML document over the defaults. Unknown sections or keys and values of the
// wrong type or out of range are kInvalidArgument naming the key (a typo must not be
// silently ignored). `origin` names the source in messages.
Result<ServerConfig> ParseConfig(std::string_view toml_text, std::string_view origin);
// Reads and parses a file; kNotFound when it does not exist.
Result<ServerConfig> LoadConfigFile(const std::string& path);
// Range checks shared by the file and the flags.
Status ValidateConfig(const ServerConfig& config);

}  // namespace asof::server
