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
[durability]
sync_writes = false
max_write_group = 17
[storage]
block_cache_mb = 8
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
  EXPECT_FALSE(c.sync_writes);
  EXPECT_EQ(c.max_write_group, 17);
  EXPECT_EQ(c.block_cache_mb, 8);
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

TEST(ConfigTest, MissingFileIsNotFound) {
  testing::TempDir dir;
  auto missing = LoadConfigFile(dir.path() + "/absent.toml");
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.status().message().find("absent.toml"), std::string::npos);
}

}  // namespace
}  // namespace asof::server
