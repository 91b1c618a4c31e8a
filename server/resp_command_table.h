// The commands of the RESP listener: name, arity, who may run them, and what COMMAND
// reports about them. Private to resp_commands.cc and resp_admin.cc.
#pragma once

#include <array>
#include <string_view>

#include "server/auth.h"
#include "server/metrics.h"

namespace asof::server::resp {

enum class Kind : uint8_t {
  kHGet,
  kHMGet,
  kHGetAll,
  kHSet,
  kExists,
  kPing,
  kEcho,
  kInfo,
  kCommand,
  kAuth,
  kHello,
  kSelect,
  kQuit,
  kClient,
  kConfig
};

struct CommandSpec {
  std::string_view name;  // lower case, as Redis reports it
  int arity;              // Redis' convention: n exactly, -n at least n (the name counts)
  Kind kind;
  bool needs_auth;  // false: allowed before AUTH
  Role role;        // least role, once authenticated
  Operation operation;
  std::string_view flags;  // for COMMAND, space-separated
  int first_key, last_key, step;
  std::string_view group, summary;  // for COMMAND DOCS
};

inline constexpr std::array<CommandSpec, 15> kCommands = {{
    {"hget", 3, Kind::kHGet, true, Role::kReader, Operation::kOnline, "readonly fast", 1, 1, 1,
     "hash", "Returns the newest value of a feature of an entity."},
    {"hmget", -3, Kind::kHMGet, true, Role::kReader, Operation::kOnline, "readonly fast", 1, 1, 1,
     "hash", "Returns the newest values of features of an entity."},
    {"hgetall", 2, Kind::kHGetAll, true, Role::kReader, Operation::kOnline, "readonly", 1, 1, 1,
     "hash", "Returns every feature of an entity that has a value."},
    {"hset", -4, Kind::kHSet, true, Role::kWriter, Operation::kIngest, "write denyoom fast", 1, 1,
     1, "hash", "Writes feature values of an entity with event time = now."},
    {"exists", -2, Kind::kExists, true, Role::kReader, Operation::kOnline, "readonly fast", 1, -1,
     1, "generic", "Counts the entities that have at least one value."},
    {"ping", -1, Kind::kPing, false, Role::kReader, Operation::kOther, "fast stale", 0, 0, 0,
     "connection", "Returns PONG, or the message given."},
    {"echo", 2, Kind::kEcho, true, Role::kReader, Operation::kOther, "fast", 0, 0, 0, "connection",
     "Returns the message given."},
    {"info", -1, Kind::kInfo, true, Role::kReader, Operation::kOther, "stale", 0, 0, 0, "server",
     "Returns information about the server."},
    {"command", -1, Kind::kCommand, true, Role::kReader, Operation::kOther, "stale", 0, 0, 0,
     "server", "Returns details about the commands."},
    {"auth", -2, Kind::kAuth, false, Role::kReader, Operation::kOther, "noscript fast", 0, 0, 0,
     "connection", "Authenticates the connection with an API token."},
    {"hello", -1, Kind::kHello, false, Role::kReader, Operation::kOther, "noscript fast", 0, 0, 0,
     "connection", "Handshakes (RESP2 only)."},
    {"select", 2, Kind::kSelect, true, Role::kReader, Operation::kOther, "fast", 0, 0, 0,
     "connection", "Selects database 0, the only one."},
    {"quit", -1, Kind::kQuit, false, Role::kReader, Operation::kOther, "fast", 0, 0, 0,
     "connection", "Closes the connection."},
    {"client", -2, Kind::kClient, true, Role::kReader, Operation::kOther, "", 0, 0, 0, "connection",
     "Names the connection (SETNAME, GETNAME, ID)."},
    {"config", -2, Kind::kConfig, true, Role::kReader, Operation::kOther, "", 0, 0, 0, "server",
     "CONFIG GET of a few settings, for redis-benchmark."},
}};

}  // namespace asof::server::resp
