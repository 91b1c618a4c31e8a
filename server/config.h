// ServerConfig: every setting of asofd, with its default. conf/asofd.toml documents each
// one; with no config file asofd runs on these embedded defaults. Parsed in one place:
// the TOML file first, then command-line flags over it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/drift_monitor.h"
#include "engine/served_log.h"
#include "engine/status.h"

namespace asof::server {

// One API token of [[auth.tokens]]. Only the SHA-256 of the secret is kept (see
// `asofd hash-token`).
struct TokenConfig {
  std::string name;            // for logs and metrics; never the secret
  std::string sha256;          // 64 lowercase hex digits of SHA-256(secret)
  std::string role;            // "reader", "writer" or "admin"
  std::string team;            // owner team whose features this token may change
  double rate_limit_rps = -1;  // requests/s for this token; -1: [auth].rate_limit_rps
  bool operator==(const TokenConfig&) const = default;
};

struct ServerConfig {
  // [server]
  std::string listen = "127.0.0.1";
  uint16_t port = 7070;              // native protocol
  int threads = 0;                   // I/O threads; 0: one per core
  std::string io_backend = "epoll";  // "epoll" or "io_uring"
  std::string data_dir = "./asof-data";
  int shutdown_grace_ms = 10000;  // how long SIGTERM waits for in-flight requests

  // [http]
  bool http_enabled = true;
  uint16_t http_port = 7071;
  uint32_t http_max_body_bytes = 16u << 20;              // larger bodies: 413
  uint32_t http_max_historical_body_bytes = 256u << 20;  // POST /api/features/historical
  uint32_t http_max_header_bytes = 16384;                // request line + headers: 431
  int http_header_timeout_ms = 10000;  // a request's headers must arrive within this (slowloris)
  int http_body_timeout_ms = 60000;    // and its body within this
  int http_idle_timeout_ms = 60000;    // keep-alive connection idle between requests

  // [resp]: the Redis-compatible listener (server/resp_commands.h)
  bool resp_enabled = true;
  uint16_t resp_port = 7072;
  uint32_t resp_max_bulk_bytes = 64u << 20;      // one argument (Redis: proto-max-bulk-len)
  uint32_t resp_max_array_length = 1u << 20;     // arguments of one request
  uint32_t resp_max_request_bytes = 128u << 20;  // one whole request

  // [auth]
  std::vector<TokenConfig> tokens;  // none: protected mode (loopback only, no auth)
  double rate_limit_rps = 0;        // default per-token rate; 0: unlimited
  double rate_limit_burst = 0;      // bucket size; 0: one second's worth of rate_limit_rps

  // [durability]
  bool sync_writes = true;     // fsync the WAL before acknowledging a write group
  int max_write_group = 4096;  // records applied in one WAL write (one fsync)

  // [storage]
  int64_t block_cache_mb = 512;
  int64_t row_cache_mb = 256;
  bool direct_reads = false;  // O_DIRECT reads of SST files: no OS page cache
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
  // Requests being served at once (both protocols) above which new ones are shed with
  // 503 / UNAVAILABLE instead of queueing without bound.
  uint32_t max_inflight_requests = 4096;
  // Bulk loads (asof-import) staged at once, and the bytes they may stage together under
  // <data_dir>/bulk/ before they commit.
  uint32_t max_bulk_loads = 4;
  int64_t max_bulk_staged_mb = 64 * 1024;

  // [drift]: EngineOptions::drift (engine/drift_monitor.h); durations in microseconds,
  // written as "15m", "2d" in the file.
  double drift_sample_rate = DriftOptions{}.sample_rate;
  int64_t drift_window_us = DriftOptions{}.window_us;
  int64_t drift_retention_us = DriftOptions{}.retention_us;
  int64_t drift_default_query_window_us = DriftOptions{}.default_query_window_us;
  double drift_ks_threshold = DriftOptions{}.ks_threshold;
  double drift_psi_threshold = DriftOptions{}.psi_threshold;
  uint64_t drift_min_samples = DriftOptions{}.min_samples;

  // [logging]: EngineOptions::served_log (engine/served_log.h), the sampled log of served
  // feature vectors; off by default. [logging.rates] maps entity type -> rate.
  double logging_sample_rate = 0;
  std::map<std::string, double, std::less<>> logging_rates;
  int64_t logging_retention_us = ServedLogOptions{}.retention_us;
  int64_t logging_flush_interval_us = ServedLogOptions{}.flush_interval_us;
  uint64_t logging_max_buffered = ServedLogOptions{}.max_buffered;

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
// The engine's drift settings of `config`.
DriftOptions DriftOptionsFrom(const ServerConfig& config);
// The engine's served-log settings of `config`.
ServedLogOptions ServedLogOptionsFrom(const ServerConfig& config);
// Range checks shared by the file and the flags, including protected mode: with no
// tokens, listening on a non-loopback address is refused.
Status ValidateConfig(const ServerConfig& config);
// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopback(std::string_view address);

}  // namespace asof::server
