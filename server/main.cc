// asofd: the asof storage daemon. See `asofd --help` and conf/asofd.toml.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <openssl/rand.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "engine/engine.h"
#include "server/auth.h"
#include "server/backend_switch.h"
#include "server/config.h"
#include "server/server.h"

namespace {

using asof::server::ServerConfig;

void SetUpLogging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("asofd");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

asof::EngineOptions EngineOptionsFrom(const ServerConfig& c) {
  asof::EngineOptions o;
  o.path = c.data_dir;
  o.sync_writes = c.sync_writes;
  o.block_cache_bytes = static_cast<size_t>(c.block_cache_mb) << 20;
  o.row_cache_bytes = static_cast<size_t>(c.row_cache_mb) << 20;
  o.direct_reads = c.direct_reads;
  o.write_buffer_bytes = static_cast<size_t>(c.write_buffer_mb) << 20;
  o.dedup_window_us = c.dedup_window_s * 1000000;
  o.max_future_skew_us = c.max_future_skew_s * 1000000;
  o.drift = asof::server::DriftOptionsFrom(c);
  o.served_log = asof::server::ServedLogOptionsFrom(c);
  return o;
}

// Says who may connect, so an operator reading the log knows whether auth is on.
void LogAuth(const ServerConfig& config) {
  if (config.tokens.empty()) {
    spdlog::info(
        "[auth] protected mode: no tokens configured; accepting only loopback connections "
        "without authentication (see [auth] in conf/asofd.toml)");
    return;
  }
  std::string names;
  for (const auto& t : config.tokens) {
    if (!names.empty()) names += ", ";
    names += t.name + " (" + t.role + (t.team.empty() ? "" : ", team " + t.team) + ")";
  }
  spdlog::info("[auth] {} API token(s) configured: {}", config.tokens.size(), names);
}

// base64url without padding: safe in headers, URLs, shells and TOML strings unquoted.
std::string Base64Url(const unsigned char* data, size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (size_t i = 0; i < n; ++i) {
    bits = (bits << 8) | data[i];
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kAlphabet[(bits >> count) & 0x3f];
    }
  }
  if (count > 0) out += kAlphabet[(bits << (6 - count)) & 0x3f];
  return out;
}

struct HashTokenArgs {
  std::string secret;
  bool generate = false;
  std::string name = "CHANGE-ME";
  std::string role = "reader";
  std::string team = "CHANGE-ME";
};

int HashToken(const HashTokenArgs& args, bool secret_given) {
  if (args.generate) {
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) {
      std::fprintf(stderr, "asofd: the system random generator failed\n");
      return 1;
    }
    const std::string secret = Base64Url(bytes, sizeof bytes);
    const std::string hash = asof::server::Sha256Hex(secret);
    std::printf(
        "secret: %s\nsha256: %s\n\n"
        "# Give the secret to the client (asof --token, ASOF_TOKEN, or HTTP\n"
        "# \"Authorization: Bearer <secret>\"); only its hash goes into asofd.toml:\n"
        "[[auth.tokens]]\nname = \"%s\"\nsha256 = \"%s\"\nrole = \"%s\"\nteam = \"%s\"\n",
        secret.c_str(), hash.c_str(), args.name.c_str(), hash.c_str(), args.role.c_str(),
        args.team.c_str());
    return 0;
  }
  std::string secret = args.secret;
  if (!secret_given) {
    if (isatty(STDIN_FILENO)) std::fprintf(stderr, "secret (one line): ");
    if (!std::getline(std::cin, secret)) secret.clear();
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  }
  if (secret.empty()) {
    std::fprintf(stderr, "asofd: hash-token: the secret is empty\n");
    return 2;
  }
  std::printf("%s\n", asof::server::Sha256Hex(secret).c_str());
  return 0;
}

int Run(const ServerConfig& config, char** argv) {
  SetUpLogging(config.log_level);
  std::string backend = config.io_backend;
  if (backend == "io_uring" && !asof::server::IoUringAvailable()) {
    spdlog::warn("[server] io_uring is not allowed here (kernel or seccomp); using epoll");
    backend = "epoll";
  }
  if (backend != asof::server::BuiltBackend()) {
    asof::Status s = asof::server::ExecBackend(backend, argv);  // returns only on failure
    spdlog::error("[server] {}", s.ToString());
    return 1;
  }
  LogAuth(config);
  auto engine = asof::Engine::Open(EngineOptionsFrom(config));
  if (!engine.ok()) {
    spdlog::error("[engine] cannot open {}: {}", config.data_dir, engine.status().ToString());
    return 1;
  }
  auto server = std::make_unique<asof::server::Server>(config, engine->get());
  if (auto s = server->Start(); !s.ok()) {
    spdlog::error("[server] {}", s.ToString());
    return 1;
  }
  // Before the native line, which tests take as "fully up".
  if (server->http_port() != 0) {
    spdlog::info("[http] HTTP API listening on {}:{} (try: curl http://{}:{}/healthz)",
                 config.listen, server->http_port(), config.listen, server->http_port());
  }
  if (server->resp_port() != 0) {
    spdlog::info("[resp] RESP listening on {}:{} (try: redis-cli -p {} PING)", config.listen,
                 server->resp_port(), server->resp_port());
  }
  spdlog::info("[server] asofd {} listening on {}:{} (data in {}, sync_writes={}, io={})",
               ASOF_SERVER_VERSION, config.listen, server->port(), config.data_dir,
               config.sync_writes, asof::server::BuiltBackend());

  boost::asio::io_context signals_loop(1);
  boost::asio::signal_set signals(signals_loop, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("[server] signal {}: draining connections", signo);
    server->Stop();
  });
  signals_loop.run();
  server->Wait();
  server.reset();
  engine->reset();  // closes the engine: everything acknowledged is in the WAL
  // Until here a second SIGTERM (a supervisor or test repeating itself) was swallowed by
  // the signal set; dropping it restores the default action, which would kill the process
  // during exit and report a clean stop as "killed by signal 15". Ignore them instead.
  boost::system::error_code ignored;
  signals.clear(ignored);
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
  spdlog::info("[server] stopped cleanly");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "asofd: the asof feature store daemon.\n"
      "With no options it runs on its embedded defaults (the values shown in "
      "conf/asofd.toml):\nnative protocol on 127.0.0.1:7070, data in ./asof-data.\n"
      "Flags override the config file.",
      "asofd"};
  std::string config_path;
  ServerConfig flags;
  app.add_option("-c,--config", config_path, "TOML config file (see conf/asofd.toml)");
  auto* data_dir = app.add_option("-d,--data-dir", flags.data_dir, "data directory");
  auto* listen = app.add_option("--listen", flags.listen, "listen address");
  auto* port = app.add_option("-p,--port", flags.port, "native protocol port (0: any free)");
  auto* http_port = app.add_option("--http-port", flags.http_port, "HTTP API port (0: any free)");
  auto* resp_port =
      app.add_option("--resp-port", flags.resp_port, "RESP (Redis-compatible) port (0: any free)");
  auto* threads = app.add_option("--threads", flags.threads, "I/O threads (0: one per core)");
  // The last one wins: switching backends re-executes asofd with one appended.
  auto* backend = app.add_option("--io-backend", flags.io_backend, "epoll or io_uring")
                      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  auto* sync = app.add_option("--sync-writes", flags.sync_writes,
                              "fsync the WAL before acknowledging writes (true/false)");
  auto* cache = app.add_option("--block-cache-mb", flags.block_cache_mb, "block cache in MiB");
  auto* level =
      app.add_option("--log-level", flags.log_level, "trace, debug, info, warn, error or off");
  bool print_config = false;
  app.add_flag("--print-config", print_config, "print the effective settings and exit");
  app.set_version_flag("-V,--version", std::string("asofd ") + ASOF_SERVER_VERSION);

  HashTokenArgs hash_args;
  CLI::App* hash_token = app.add_subcommand(
      "hash-token",
      "Print the SHA-256 of an API token's secret, for sha256 in [[auth.tokens]]. The secret "
      "is read as one line from stdin (trailing newline stripped), e.g.\n"
      "  printf %s \"$SECRET\" | asofd hash-token\n"
      "or given with --secret (visible in ps and shell history). With --generate, asofd makes "
      "a new random secret (32 bytes, base64url) and prints it, its hash and a ready-to-paste "
      "[[auth.tokens]] block.");
  auto* secret_opt =
      hash_token->add_option("--secret", hash_args.secret, "the secret (default: read stdin)");
  hash_token
      ->add_flag("-g,--generate", hash_args.generate,
                 "generate a new secret and print it with its hash and a config block")
      ->excludes(secret_opt);
  hash_token->add_option("--name", hash_args.name, "token name for the --generate block");
  hash_token->add_option("--role", hash_args.role, "role for the --generate block")
      ->check(CLI::IsMember({"reader", "writer", "admin"}));
  hash_token->add_option("--team", hash_args.team, "team for the --generate block");
  CLI11_PARSE(app, argc, argv);
  if (hash_token->parsed()) return HashToken(hash_args, static_cast<bool>(*secret_opt));

  ServerConfig config;
  if (!config_path.empty()) {
    auto loaded = asof::server::LoadConfigFile(config_path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "asofd: %s\n", loaded.status().message().c_str());
      return 2;
    }
    config = *loaded;
  }
  if (*data_dir) config.data_dir = flags.data_dir;
  if (*listen) config.listen = flags.listen;
  if (*port) config.port = flags.port;
  if (*http_port) config.http_port = flags.http_port;
  if (*resp_port) config.resp_port = flags.resp_port;
  if (*threads) config.threads = flags.threads;
  if (*backend) config.io_backend = flags.io_backend;
  if (*sync) config.sync_writes = flags.sync_writes;
  if (*cache) config.block_cache_mb = flags.block_cache_mb;
  if (*level) config.log_level = flags.log_level;
  if (auto s = asof::server::ValidateConfig(config); !s.ok()) {
    std::fprintf(stderr, "asofd: %s\n", s.message().c_str());
    return 2;
  }
  if (print_config) {
    std::printf(
        "listen=%s port=%u threads=%d io_backend=%s data_dir=%s sync_writes=%s "
        "block_cache_mb=%lld log_level=%s\n",
        config.listen.c_str(), config.port, config.threads, config.io_backend.c_str(),
        config.data_dir.c_str(), config.sync_writes ? "true" : "false",
        static_cast<long long>(config.block_cache_mb), config.log_level.c_str());
    return 0;
  }
  return Run(config, argv);
}
