// ServerConfig parsing: the shipped conf/asofd.toml is exactly the built-in defaults,
// every key is read, and every kind of mistake (unknown key or section, wrong type, out
// of range, bad enum value, TOML syntax) is an error that names the key or the line.
#include "server/config.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/util/test_util.h"

namespace asof::server {
namespace {

// Expects `toml` to fail with kInvalidArgument and a message containing `text`.
void ExpectRejected(const std::string& toml, const std::string& text) {
  Result<ServerConfig> parsed = ParseConfig(toml, "test.toml");
  ASSERT_FALSE(parsed.ok()) << "accepted:\n" << toml;
  EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find(text), std::string::npos)
      << "message: " << parsed.status().message() << "\nwanted: " << text;
}

TEST(ConfigTest, ShippedConfigEqualsTheBuiltInDefaults) {
  ASSERT_OK_AND_ASSIGN(ServerConfig shipped, LoadConfigFile(ASOF_SOURCE_DIR "/conf/asofd.toml"));
  EXPECT_TRUE(shipped == ServerConfig()) << "conf/asofd.toml and ServerConfig disagree";
  EXPECT_OK(ValidateConfig(ServerConfig()));
}

TEST(ConfigTest, EmptyDocumentGivesTheDefaults) {
  ASSERT_OK_AND_ASSIGN(ServerConfig empty, ParseConfig("", "empty"));
  EXPECT_TRUE(empty == ServerConfig());
  ASSERT_OK_AND_ASSIGN(ServerConfig sections, ParseConfig("[server]\n[log]\n", "sections"));
  EXPECT_TRUE(sections == ServerConfig());
}

TEST(ConfigTest, EveryKeyIsRead) {
  const char* toml = R"(
[server]
listen = "0.0.0.0"
port = 9000
threads = 3
io_backend = "io_uring"
data_dir = "/var/lib/asof"
shutdown_grace_ms = 500
[http]
enabled = false
port = 9001
max_body_bytes = 2000
max_historical_body_bytes = 3000
max_header_bytes = 4000
header_timeout_ms = 5
body_timeout_ms = 6
idle_timeout_ms = 7
[auth]
rate_limit_rps = 12.5
rate_limit_burst = 40
[[auth.tokens]]
name = "ops"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
role = "admin"
team = "platform"
rate_limit_rps = 3
[durability]
sync_writes = false
max_write_group = 17
[storage]
block_cache_mb = 8
direct_reads = true
write_buffer_mb = 4
dedup_window_s = 60
max_future_skew_s = 5
[limits]
max_frame_bytes = 2048
max_entities_per_request = 11
max_rows_per_asof_request = 12
max_records_per_write = 13
max_connections = 14
max_inflight_per_connection = 15
asof_chunk_rows = 16
max_inflight_requests = 18
[log]
level = "debug"
)";
  ASSERT_OK_AND_ASSIGN(ServerConfig c, ParseConfig(toml, "all.toml"));
  EXPECT_EQ(c.listen, "0.0.0.0");
  EXPECT_EQ(c.port, 9000);
  EXPECT_EQ(c.threads, 3);
  EXPECT_EQ(c.io_backend, "io_uring");
  EXPECT_EQ(c.data_dir, "/var/lib/asof");
  EXPECT_EQ(c.shutdown_grace_ms, 500);
  EXPECT_FALSE(c.http_enabled);
  EXPECT_EQ(c.http_port, 9001);
  EXPECT_EQ(c.http_max_body_bytes, 2000u);
  EXPECT_EQ(c.http_max_historical_body_bytes, 3000u);
  EXPECT_EQ(c.http_max_header_bytes, 4000u);
  EXPECT_EQ(c.http_header_timeout_ms, 5);
  EXPECT_EQ(c.http_body_timeout_ms, 6);
  EXPECT_EQ(c.http_idle_timeout_ms, 7);
  EXPECT_EQ(c.rate_limit_rps, 12.5);
  EXPECT_EQ(c.rate_limit_burst, 40);
  ASSERT_EQ(c.tokens.size(), 1u);
  EXPECT_EQ(c.tokens[0].name, "ops");
  EXPECT_EQ(c.tokens[0].sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(c.tokens[0].role, "admin");
  EXPECT_EQ(c.tokens[0].team, "platform");
  EXPECT_EQ(c.tokens[0].rate_limit_rps, 3);
  EXPECT_FALSE(c.sync_writes);
  EXPECT_EQ(c.max_write_group, 17);
  EXPECT_EQ(c.block_cache_mb, 8);
  EXPECT_TRUE(c.direct_reads);
  EXPECT_EQ(c.write_buffer_mb, 4);
  EXPECT_EQ(c.dedup_window_s, 60);
  EXPECT_EQ(c.max_future_skew_s, 5);
  EXPECT_EQ(c.max_frame_bytes, 2048u);
  EXPECT_EQ(c.max_entities_per_request, 11u);
  EXPECT_EQ(c.max_rows_per_asof_request, 12u);
  EXPECT_EQ(c.max_records_per_write, 13u);
  EXPECT_EQ(c.max_connections, 14u);
  EXPECT_EQ(c.max_inflight_per_connection, 15u);
  EXPECT_EQ(c.asof_chunk_rows, 16u);
  EXPECT_EQ(c.max_inflight_requests, 18u);
  EXPECT_EQ(c.log_level, "debug");
}

TEST(ConfigTest, UnknownKeysAndSectionsAreNamed) {
  ExpectRejected("[server]\nprot = 7070\n", "server.prot");
  ExpectRejected("[limits]\nmax_frame_byte = 4096\n", "limits.max_frame_byte");
  ExpectRejected("[serverr]\nport = 1\n", "serverr");
  ExpectRejected("port = 7070\n", "port");  // a key outside any section
  ExpectRejected("server = 5\n", "[server] must be a table");
}

TEST(ConfigTest, WrongTypesAreNamed) {
  ExpectRejected("[server]\nport = \"7070\"\n", "server.port must be an integer");
  ExpectRejected("[server]\nport = 70.5\n", "server.port must be an integer");
  ExpectRejected("[server]\nlisten = 127\n", "server.listen must be a string");
  ExpectRejected("[durability]\nsync_writes = 1\n", "durability.sync_writes must be true or false");
  ExpectRejected("[durability]\nsync_writes = \"yes\"\n", "durability.sync_writes");
  ExpectRejected("[log]\nlevel = [\"info\"]\n", "log.level must be a string");
}

TEST(ConfigTest, OutOfRangeValuesAreNamed) {
  ExpectRejected("[server]\nport = 70000\n", "server.port is out of range");
  ExpectRejected("[server]\nport = -1\n", "server.port is out of range");
  ExpectRejected("[limits]\nmax_frame_bytes = 5000000000\n", "limits.max_frame_bytes");
  ExpectRejected("[limits]\nmax_frame_bytes = 100\n", "limits.max_frame_bytes must be >= 1024");
  ExpectRejected("[server]\nthreads = 300\n", "server.threads");
  ExpectRejected("[server]\nthreads = -2\n", "server.threads");
  ExpectRejected("[server]\nshutdown_grace_ms = -1\n", "server.shutdown_grace_ms");
  ExpectRejected("[durability]\nmax_write_group = 0\n", "durability.max_write_group");
  ExpectRejected("[storage]\nblock_cache_mb = 0\n", "storage.block_cache_mb");
  ExpectRejected("[storage]\ndirect_reads = \"on\"\n", "storage.direct_reads");
  ExpectRejected("[limits]\nasof_chunk_rows = 0\n", "limits");
  ExpectRejected("[server]\ndata_dir = \"\"\n", "server.data_dir");
  // The edges themselves are fine.
  EXPECT_OK(ParseConfig("[server]\nport = 65535\nthreads = 256\n", "edges"));
  EXPECT_OK(ParseConfig("[server]\nport = 0\n", "any port"));
  EXPECT_OK(ParseConfig("[limits]\nmax_frame_bytes = 1024\n", "smallest frame"));
}

TEST(ConfigTest, BadEnumValuesAreNamed) {
  ExpectRejected("[server]\nio_backend = \"kqueue\"\n", "server.io_backend");
  ExpectRejected("[server]\nio_backend = \"kqueue\"\n", "kqueue");
  ExpectRejected("[log]\nlevel = \"verbose\"\n", "log.level");
  ExpectRejected("[log]\nlevel = \"INFO\"\n", "log.level");  // case matters
  for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
    EXPECT_OK(ParseConfig(std::string("[log]\nlevel = \"") + level + "\"\n", level));
  }
}

TEST(ConfigTest, SyntaxErrorsNameTheOriginAndLine) {
  ExpectRejected("[server]\nport = 7070\nlisten = \"127.0.0.1\n", "test.toml:3:");
  ExpectRejected("[server]\n\n\nport = = 1\n", "test.toml:4:");
  ExpectRejected("[server]\nport = 1\n[server]\n", "test.toml:3:");  // duplicate table
}

TEST(ConfigTest, ValidationErrorsNameTheOrigin) {
  Result<ServerConfig> parsed = ParseConfig("[log]\nlevel = \"loud\"\n", "my.toml");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message().rfind("my.toml", 0), 0u) << parsed.status().message();
}

// A token block with every field valid; `extra` lines are appended inside it.
std::string Token(const std::string& name, char hash_digit, const std::string& role,
                  const std::string& extra = "") {
  return "[[auth.tokens]]\nname = \"" + name + "\"\nsha256 = \"" + std::string(64, hash_digit) +
         "\"\nrole = \"" + role + "\"\nteam = \"growth\"\n" + extra;
}

TEST(ConfigTest, TokensAreParsedInOrderWithTheirDefaults) {
  const std::string toml = "[auth]\nrate_limit_rps = 100\n" + Token("a", '1', "reader") +
                           Token("b", '2', "writer", "rate_limit_rps = 0\n") +
                           "[[auth.tokens]]\nname = \"c\"\nsha256 = \"" + std::string(64, '3') +
                           "\"\nrole = \"admin\"\n";
  ASSERT_OK_AND_ASSIGN(ServerConfig c, ParseConfig(toml, "tokens.toml"));
  ASSERT_EQ(c.tokens.size(), 3u);
  EXPECT_EQ(c.rate_limit_rps, 100);  // an integer is a fine rate
  EXPECT_EQ(c.tokens[0], (TokenConfig{"a", std::string(64, '1'), "reader", "growth", -1}));
  EXPECT_EQ(c.tokens[1], (TokenConfig{"b", std::string(64, '2'), "writer", "growth", 0}));
  // Admins and readers need no team.
  EXPECT_EQ(c.tokens[2], (TokenConfig{"c", std::string(64, '3'), "admin", "", -1}));
  // The inline-table spelling is the same array.
  ASSERT_OK_AND_ASSIGN(ServerConfig inline_tokens,
                       ParseConfig("[auth]\ntokens = [{name = \"a\", sha256 = \"" +
                                       std::string(64, 'f') + "\", role = \"reader\"}]\n",
                                   "inline.toml"));
  ASSERT_EQ(inline_tokens.tokens.size(), 1u);
  EXPECT_EQ(inline_tokens.tokens[0].name, "a");
}

TEST(ConfigTest, EveryInvalidTokenFieldIsNamed) {
  const std::string hash(64, 'a');
  auto token = [&](const std::string& body) { return "[[auth.tokens]]\n" + body; };
  // name
  ExpectRejected(token("sha256 = \"" + hash + "\"\nrole = \"admin\"\n"),
                 "auth.tokens[0].name is missing");
  ExpectRejected(Token("has space", 'a', "admin"), "auth.tokens[0].name must be 1-64");
  ExpectRejected(Token("emoji\u00e9", 'a', "admin"), "auth.tokens[0].name must be 1-64");
  ExpectRejected(Token(std::string(65, 'n'), 'a', "admin"), "auth.tokens[0].name must be 1-64");
  EXPECT_OK(ParseConfig(Token(std::string(64, 'n'), 'a', "admin"), "longest name"));
  ExpectRejected(Token("anonymous", 'a', "admin"), "reserved");
  ExpectRejected(Token("a", 'a', "admin") + Token("b", 'b', "admin") + token("name = 7\n"),
                 "auth.tokens[2].name must be a string");
  // sha256
  ExpectRejected(token("name = \"a\"\nrole = \"admin\"\n"), "auth.tokens[0].sha256 must be 64");
  ExpectRejected(Token("a", 'A', "admin"), "lowercase hex");
  ExpectRejected(Token("a", 'g', "admin"), "auth.tokens[0].sha256");
  ExpectRejected(token("name = \"a\"\nrole = \"admin\"\nsha256 = \"" + hash.substr(1) + "\"\n"),
                 "auth.tokens[0].sha256");
  ExpectRejected(token("name = \"a\"\nrole = \"admin\"\nsha256 = \"" + hash + "0\"\n"),
                 "auth.tokens[0].sha256");
  // role
  ExpectRejected(token("name = \"a\"\nsha256 = \"" + hash + "\"\n"), "auth.tokens[0].role");
  ExpectRejected(Token("a", 'a', "root"), "auth.tokens[0].role must be");
  ExpectRejected(Token("a", 'a', "Admin"), "auth.tokens[0].role must be");  // case matters
  // team
  ExpectRejected(token("name = \"w\"\nsha256 = \"" + hash + "\"\nrole = \"writer\"\n"),
                 "auth.tokens[0].team is missing");
  ExpectRejected(Token("a", 'a', "admin", "team2 = \"x\"\n"), "auth.tokens[0].team2");
  ExpectRejected(token("name = \"a\"\nsha256 = \"" + hash + "\"\nrole = \"admin\"\nteam = 1\n"),
                 "auth.tokens[0].team must be a string");
  // rate_limit_rps
  ExpectRejected(Token("a", 'a', "admin", "rate_limit_rps = -5\n"),
                 "auth.tokens[0].rate_limit_rps must be >= 0");
  ExpectRejected(Token("a", 'a', "admin", "rate_limit_rps = nan\n"),
                 "auth.tokens[0].rate_limit_rps must be a finite number");
  ExpectRejected(Token("a", 'a', "admin", "rate_limit_rps = inf\n"),
                 "auth.tokens[0].rate_limit_rps must be a finite number");
  ExpectRejected(Token("a", 'a', "admin", "rate_limit_rps = \"10\"\n"),
                 "auth.tokens[0].rate_limit_rps must be a finite number");
  // the array itself
  ExpectRejected("[auth]\ntokens = \"abc\"\n", "auth.tokens must be an array of tables");
  ExpectRejected("[auth]\ntokens = [1, 2]\n", "auth.tokens must be an array of tables");
  ExpectRejected("[auth]\nrate_limit_rps = -1\n", "auth rate limits must be >= 0");
  ExpectRejected("[auth]\nrate_limit_burst = -1\n", "auth rate limits must be >= 0");
  ExpectRejected("[auth]\nrate_limit_rps = nan\n", "auth.rate_limit_rps must be a finite number");
  ExpectRejected("[auth]\nrate_limit_burst = -inf\n", "auth.rate_limit_burst");
  ExpectRejected("[auth]\nrate_limits = 1\n", "auth.rate_limits");
}

TEST(ConfigTest, DuplicateTokenNamesAndHashesAreRefused) {
  ExpectRejected(Token("ci", 'a', "reader") + Token("ci", 'b', "reader"),
                 "auth.tokens[1]: the name 'ci' is used twice");
  // The same secret under two names would make the principal depend on lookup order.
  ExpectRejected(Token("ci", 'a', "reader") + Token("cd", 'a', "admin"),
                 "auth.tokens[1]: the same token hash is configured twice");
  EXPECT_OK(ParseConfig(Token("ci", 'a', "reader") + Token("cd", 'b', "admin"), "distinct"));
}

TEST(ConfigTest, ProtectedModeRefusesNonLoopbackWithoutTokens) {
  for (const char* address : {"0.0.0.0", "::", "10.1.2.3", "192.168.0.1", "asof.example.com"}) {
    const std::string toml = std::string("[server]\nlisten = \"") + address + "\"\n";
    ExpectRejected(toml, "protected mode");
    ExpectRejected(toml, std::string("before listening on ") + address);
    ExpectRejected(toml, "asofd hash-token");
    // With a token the same address is fine.
    EXPECT_OK(ParseConfig(toml + Token("ops", 'a', "admin"), address));
  }
  for (const char* address : {"127.0.0.1", "127.0.0.2", "::1", "localhost", "::ffff:127.0.0.1"}) {
    EXPECT_OK(ParseConfig(std::string("[server]\nlisten = \"") + address + "\"\n", address));
  }
  // Flags are checked the same way: asofd validates the merged settings.
  ServerConfig flags;
  flags.listen = "0.0.0.0";
  Status refused = ValidateConfig(flags);
  EXPECT_EQ(refused.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("protected mode"), std::string::npos) << refused.message();
  flags.tokens.push_back(TokenConfig{"ops", std::string(64, 'a'), "admin", "", -1});
  EXPECT_OK(ValidateConfig(flags));
}

TEST(ConfigTest, IsLoopback) {
  EXPECT_TRUE(IsLoopback("127.0.0.1"));
  EXPECT_TRUE(IsLoopback("127.255.255.254"));
  EXPECT_TRUE(IsLoopback("::1"));
  EXPECT_TRUE(IsLoopback("localhost"));
  EXPECT_TRUE(IsLoopback("::ffff:127.0.0.1"));
  EXPECT_FALSE(IsLoopback("0.0.0.0"));
  EXPECT_FALSE(IsLoopback("::"));
  EXPECT_FALSE(IsLoopback("128.0.0.1"));
  EXPECT_FALSE(IsLoopback("::ffff:10.0.0.1"));
  EXPECT_FALSE(IsLoopback(""));
  EXPECT_FALSE(IsLoopback("127.0.0.1 "));
  EXPECT_FALSE(IsLoopback("localhost.evil.com"));
  EXPECT_FALSE(IsLoopback("[::1]"));
}

TEST(ConfigTest, HttpSettingsAreChecked) {
  ExpectRejected("[http]\nenabled = \"yes\"\n", "http.enabled must be true or false");
  ExpectRejected("[http]\nport = 65536\n", "http.port is out of range");
  ExpectRejected("[http]\nmax_body_bytes = 1023\n", "http size limits must be >= 1024");
  ExpectRejected("[http]\nmax_historical_body_bytes = 10\n", "http size limits");
  ExpectRejected("[http]\nmax_header_bytes = 0\n", "http size limits");
  ExpectRejected("[http]\nmax_body_bytes = 4294967296\n", "http.max_body_bytes is out of range");
  ExpectRejected("[http]\nheader_timeout_ms = 0\n", "http timeouts must be >= 1 ms");
  ExpectRejected("[http]\nbody_timeout_ms = -1\n", "http timeouts");
  ExpectRejected("[http]\nidle_timeout_ms = 0\n", "http timeouts");
  ExpectRejected("[http]\nport = 7070\n", "http.port and server.port must differ");
  ExpectRejected("[resp]\nport = 7070\n", "resp.port must differ");
  ExpectRejected("[resp]\nport = 7071\n", "resp.port must differ");
  ExpectRejected("[resp]\nmax_bulk_bytes = 100\n", "resp limits");
  ExpectRejected("[resp]\nmax_request_bytes = 2048\n", "resp limits");
  ExpectRejected("[resp]\nenabled = 1\n", "resp.enabled must be true or false");
  ExpectRejected("[resp]\nmax_bulk = 1\n", "unknown setting resp.max_bulk");
  ExpectRejected("[http]\nmax_body = 1\n", "http.max_body");
  // Disabled, it may name any port; 0 means "any free" for both.
  EXPECT_OK(ParseConfig("[http]\nenabled = false\nport = 7070\n", "disabled"));
  EXPECT_OK(ParseConfig("[server]\nport = 0\n[http]\nport = 0\n", "both ephemeral"));
  ExpectRejected("[limits]\nmax_inflight_requests = 0\n", "limits.max_inflight_requests");
}

TEST(ConfigTest, NegativeValuesOfSignedSettingsAreNotCalledOutOfRange) {
  // Regression: a negative value was converted to unsigned for the upper-bound check and
  // reported as out of range instead of reaching the setting's own check.
  ExpectRejected("[server]\nshutdown_grace_ms = -1\n", "server.shutdown_grace_ms is negative");
  ExpectRejected("[storage]\ndedup_window_s = -1\n", "storage durations must not be negative");
  ExpectRejected("[server]\nthreads = -2\n", "server.threads must be 0..256");
}

TEST(ConfigTest, DriftSectionIsReadIntoTheEngineOptions) {
  ASSERT_OK_AND_ASSIGN(ServerConfig c, ParseConfig(R"([drift]
sample_rate = 0.25
window = "5m"
retention = "3d"
default_query_window = "90m"
ks_threshold = 0.05
psi_threshold = 1
min_samples = 20
)",
                                                   "drift.toml"));
  const DriftOptions o = DriftOptionsFrom(c);
  EXPECT_EQ(o.sample_rate, 0.25);
  EXPECT_EQ(o.window_us, 5LL * 60 * 1000000);
  EXPECT_EQ(o.retention_us, 3LL * 86400 * 1000000);
  EXPECT_EQ(o.default_query_window_us, 90LL * 60 * 1000000);
  EXPECT_EQ(o.ks_threshold, 0.05);
  EXPECT_EQ(o.psi_threshold, 1.0);
  EXPECT_EQ(o.min_samples, 20u);
  // The defaults are the engine's.
  const DriftOptions d = DriftOptionsFrom(ServerConfig());
  const DriftOptions e;
  EXPECT_EQ(d.sample_rate, e.sample_rate);
  EXPECT_EQ(d.window_us, e.window_us);
  EXPECT_EQ(d.retention_us, e.retention_us);
  EXPECT_EQ(d.default_query_window_us, e.default_query_window_us);
  EXPECT_EQ(d.ks_threshold, e.ks_threshold);
  EXPECT_EQ(d.psi_threshold, e.psi_threshold);
  EXPECT_EQ(d.min_samples, e.min_samples);
}

TEST(ConfigTest, MalformedDriftSettingsAreNamed) {
  ExpectRejected("[drift]\nwindw = \"5m\"\n", "unknown setting drift.windw");
  ExpectRejected("[drift]\nwindow = 900\n", "drift.window must be a duration string");
  ExpectRejected("[drift]\nwindow = \"15\"\n", "drift.window: bad duration '15': missing unit");
  ExpectRejected("[drift]\nretention = \"2w\"\n", "drift.retention: bad duration '2w'");
  ExpectRejected("[drift]\ndefault_query_window = \"-1h\"\n", "drift.default_query_window");
  ExpectRejected("[drift]\nwindow = \"500ms\"\n", "drift.window must be at least 1s");
  ExpectRejected("[drift]\nwindow = \"1d\"\nretention = \"1h\"\n",
                 "drift.retention must be at least drift.window");
  ExpectRejected("[drift]\nsample_rate = 1.5\n", "drift.sample_rate must be in [0, 1]");
  ExpectRejected("[drift]\nsample_rate = -0.1\n", "drift.sample_rate must be in [0, 1]");
  ExpectRejected("[drift]\nsample_rate = \"all\"\n", "drift.sample_rate must be a finite number");
  ExpectRejected("[drift]\nks_threshold = 0\n", "drift.ks_threshold must be in (0, 1)");
  ExpectRejected("[drift]\nks_threshold = 1\n", "drift.ks_threshold must be in (0, 1)");
  ExpectRejected("[drift]\npsi_threshold = -2\n", "drift.psi_threshold must be > 0");
  ExpectRejected("[drift]\npsi_threshold = nan\n", "drift.psi_threshold must be a finite number");
  ExpectRejected("[drift]\nmin_samples = 0\n", "drift.min_samples must be >= 1");
  ExpectRejected("[drift]\nmin_samples = -5\n", "drift.min_samples is out of range");
  ExpectRejected("[drift]\nmin_samples = 1.5\n", "drift.min_samples must be an integer");
  ExpectRejected("drift = 3\n", "[drift] must be a table");
}

TEST(ConfigTest, LoggingSectionIsReadIntoTheEngineOptions) {
  ASSERT_OK_AND_ASSIGN(ServerConfig c, ParseConfig(R"([logging]
sample_rate = 0.01
retention = "2d"
flush_interval = "250ms"
max_buffered = 500

[logging.rates]
user = 1
item = 0
)",
                                                   "logging.toml"));
  const ServedLogOptions o = ServedLogOptionsFrom(c);
  EXPECT_EQ(o.sample_rate, 0.01);
  EXPECT_EQ(o.retention_us, 2LL * 86400 * 1000000);
  EXPECT_EQ(o.flush_interval_us, 250000);
  EXPECT_EQ(o.max_buffered, 500u);
  ASSERT_EQ(o.entity_rates.size(), 2u);
  EXPECT_EQ(o.entity_rates.at("user"), 1.0);
  EXPECT_EQ(o.entity_rates.at("item"), 0.0);
  // Off by default, with the engine's defaults otherwise.
  const ServedLogOptions d = ServedLogOptionsFrom(ServerConfig());
  const ServedLogOptions e;
  EXPECT_EQ(d.sample_rate, 0.0);
  EXPECT_TRUE(d.entity_rates.empty());
  EXPECT_EQ(d.retention_us, e.retention_us);
  EXPECT_EQ(d.flush_interval_us, e.flush_interval_us);
  EXPECT_EQ(d.max_buffered, e.max_buffered);
}

TEST(ConfigTest, MalformedLoggingSettingsAreNamed) {
  ExpectRejected("[logging]\nrate = 1\n", "unknown setting logging.rate");
  ExpectRejected("[logging]\nsample_rate = 1.01\n", "logging.sample_rate must be in [0, 1]");
  ExpectRejected("[logging]\nsample_rate = -1\n", "logging.sample_rate must be in [0, 1]");
  ExpectRejected("[logging]\nsample_rate = nan\n", "logging.sample_rate must be a finite number");
  ExpectRejected("[logging]\nsample_rate = \"10%\"\n", "logging.sample_rate must be a finite");
  ExpectRejected("[logging]\nretention = 3600\n", "logging.retention must be a duration string");
  ExpectRejected("[logging]\nretention = \"forever\"\n", "logging.retention:");
  ExpectRejected("[logging]\nretention = \"500ms\"\n", "logging.retention must be at least 1s");
  ExpectRejected("[logging]\nflush_interval = \"1ms\"\n",
                 "logging.flush_interval must be at least");
  ExpectRejected("[logging]\nmax_buffered = 0\n", "logging.max_buffered must be 1..10000000");
  ExpectRejected("[logging]\nmax_buffered = -3\n", "logging.max_buffered is out of range");
  ExpectRejected("[logging]\nrates = 1\n", "logging.rates must be a table");
  ExpectRejected("[logging.rates]\nuser = 2\n", "logging.rates.user must be in [0, 1]");
  ExpectRejected("[logging.rates]\nuser = \"all\"\n", "logging.rates.user must be a finite");
  ExpectRejected("[logging.rates]\n\"\" = 0.5\n", "logging.rates: empty entity type");
  ExpectRejected("logging = 3\n", "[logging] must be a table");
}

TEST(ConfigTest, MissingFileIsNotFound) {
  testing::TempDir dir;
  auto missing = LoadConfigFile(dir.path() + "/absent.toml");
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.status().message().find("absent.toml"), std::string::npos);
}

}  // namespace
}  // namespace asof::server
