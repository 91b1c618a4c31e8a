// RespCommands: the Redis commands asofd answers on its RESP port, executed against the
// engine, with the replies appended in RESP2.
//
// Data model: a Redis hash per entity. The key is `entity_type:entity_id` (split at the
// first ':'; entity type names cannot contain one), the hash's fields are the entity
// type's feature names ("name" is the newest version, "name@N" pins one), the values the
// newest versions at the server's now.
//   HGET key field / HMGET key field...  bulk strings; nil for an unknown feature, a
//                                        missing value, an explicit null or a value older
//                                        than the feature's ttl, as Redis answers nil for
//                                        a missing field. A registered default is served
//                                        where the engine substitutes it (as on HTTP).
//   HGETALL key                          field/value pairs of every (non-deprecated)
//                                        feature of the entity type that has a value.
//   HSET key field value [field value...] writes with event time = now, through the write
//                                        batcher (group commit); answers the number of
//                                        records accepted (Redis counts only new fields;
//                                        a time-versioned store has no such notion). Values
//                                        are parsed by the feature's type (ParseRespValue);
//                                        nothing is written when one does not parse or a
//                                        feature is unknown. Records the engine rejects are
//                                        reported as an error naming the reason.
//   EXISTS key...                        how many keys have at least one present value.
//   PING [msg], ECHO, INFO [section], COMMAND [COUNT|DOCS|INFO], AUTH [user] token,
//   HELLO [2 [AUTH user token] [SETNAME name]], SELECT 0, QUIT, CLIENT SETNAME|GETNAME|ID
//   (other CLIENT subcommands answer OK), CONFIG GET (a few keys, for redis-benchmark).
// Values are rendered as text: integers in decimal, FLOAT/DOUBLE in their shortest
// round-trip form (0.1 -> "0.1"), BOOL as "true"/"false", STRING and BYTES raw,
// TIMESTAMP in RFC 3339 (UTC), lists as JSON arrays.
//
// Auth: with [[auth.tokens]] configured a connection must AUTH first (the HTTP API's
// tokens: the password is the secret; a user name is accepted and ignored); until then
// every command but AUTH, HELLO, PING and QUIT answers -NOAUTH. Reads need the reader
// role, HSET the writer role (-NOPERM otherwise); each command takes one unit of its
// token's rate limit. Errors: -ERR, -NOAUTH, -NOPERM, -WRONGPASS, as Redis spells them;
// internal errors are logged and answered without their details.
//
// Thread-safety: Execute runs on many I/O threads at once; a RespClient belongs to one
// connection (one thread). Deferred replies arrive on the write batcher's thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/metrics.h"
#include "server/rate_limiter.h"
#include "server/write_batcher.h"

namespace asof::server {

namespace resp {
struct CommandSpec;
}

// The state of one RESP connection that commands read and change.
struct RespClient {
  uint64_t id = 0;
  std::optional<Principal> principal;  // set by AUTH, or the anonymous admin with auth off
  std::string name;                    // CLIENT SETNAME
  bool close = false;                  // QUIT: close once the reply is sent
  // Reused from command to command so a read allocates nothing of its own.
  OnlineRequest online;
  std::vector<size_t> slots;  // HMGET fallback: field -> index in `online.features`
};

// Where a command that answers later (HSET) gets its reply slot. Implemented by the
// session, which keeps replies in request order.
class RespReplySlots {
 public:
  virtual ~RespReplySlots() = default;
  // Reserves the next place in the reply stream. The returned function must be called
  // exactly once, from any thread, with the complete RESP reply for that place.
  virtual std::function<void(std::string)> Defer() = 0;
};

class RespCommands {
 public:
  enum class Outcome { kReplied, kDeferred };

  // Pointers are not owned and outlive this object. `connections`: open RESP connections.
  RespCommands(Engine* engine, WriteBatcher* batcher, const ServerConfig* config, Metrics* metrics,
               const TokenStore* tokens, RateLimiter* limiter, std::string version,
               std::function<size_t()> connections);

  // True for the commands whose reply is deferred (HSET), by name, any case.
  static bool Defers(std::string_view name);

  // A new connection: its client state (id, and the anonymous principal with auth off).
  RespClient NewClient();
  // The bound port, for INFO.
  void set_port(uint16_t port) { port_ = port; }

  // Executes one command (args[0] is its name, any case; args is not empty). kReplied:
  // the reply was appended to `out`. kDeferred: the reply goes to a slot taken from
  // `slots` (nothing was appended).
  Outcome Execute(std::span<const std::string_view> args, RespClient* client, std::string* out,
                  RespReplySlots* slots);

 private:
  Outcome Dispatch(const resp::CommandSpec& command, std::span<const std::string_view> args,
                   RespClient* client, std::string* out, RespReplySlots* slots);
  void HGet(std::span<const std::string_view> args, RespClient* client, std::string* out);
  void HGetAll(std::string_view key, RespClient* client, std::string* out);
  void Exists(std::span<const std::string_view> args, RespClient* client, std::string* out);
  Outcome HSet(std::span<const std::string_view> args, std::string* out, RespReplySlots* slots);
  void Auth(std::span<const std::string_view> args, RespClient* client, std::string* out);
  void Hello(std::span<const std::string_view> args, RespClient* client, std::string* out);
  void Info(std::span<const std::string_view> args, std::string* out);
  void CommandCmd(std::span<const std::string_view> args, std::string* out);
  void Client(std::span<const std::string_view> args, RespClient* client, std::string* out);
  void Config(std::span<const std::string_view> args, std::string* out);
  bool Admit(const resp::CommandSpec& command, RespClient* client, std::string* out);
  // Reads `fields` of one entity; client->slots[i] is field i's index in the result, or
  // kNoSlot for a feature that does not exist (nil, as a missing hash field).
  Result<OnlineResult> ReadFields(std::string_view entity_type, std::string_view entity_id,
                                  std::span<const std::string_view> fields, RespClient* client);
  // Every feature of an entity type, newest versions, for HGETALL and EXISTS.
  Result<OnlineResult> ReadAll(std::string_view entity_type, std::string_view entity_id,
                               RespClient* client);

  Engine* const engine_;
  WriteBatcher* const batcher_;
  const ServerConfig* const config_;
  Metrics* const metrics_;
  const TokenStore* const tokens_;
  RateLimiter* const limiter_;
  const std::string version_;
  std::function<size_t()> connections_;
  const int64_t started_us_;
  uint16_t port_ = 0;
  std::atomic<uint64_t> next_client_id_{1};
  std::atomic<uint64_t> commands_{0};
};

// Parses the text of a RESP argument as a value of `type` (HSET): BOOL true/false/1/0,
// integers in decimal, FLOAT/DOUBLE as decimal or scientific, STRING and BYTES as they
// are, TIMESTAMP as RFC 3339 or integer epoch microseconds, lists as JSON arrays of
// their element type. kUnprocessable naming the problem.
Result<Value> ParseRespValue(std::string_view text, ValueType type);
// Appends `value` rendered as text (see the header comment); null appends nothing.
void AppendValueText(const Value& value, std::string* out);
// Room WriteNumberText needs.
inline constexpr size_t kMaxNumberText = 32;
// The text AppendValueText gives an INT32, INT64, FLOAT or DOUBLE value, written at `out`;
// returns its end. nullptr, writing nothing, for a value of any other type.
char* WriteNumberText(const Value& value, char* out);

}  // namespace asof::server
