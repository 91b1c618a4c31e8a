#include "server/resp_commands.h"

#include <chrono>
#include <limits>

#include "server/resp_command_table.h"
#include "server/resp_reply.h"

namespace asof::server {

namespace {

using resp::CommandSpec;
using resp::Kind;
using Clock = std::chrono::steady_clock;

constexpr size_t kNoSlot = std::numeric_limits<size_t>::max();

bool EqualsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

const CommandSpec* FindCommand(std::string_view name) {
  for (const CommandSpec& spec : resp::kCommands) {
    if (EqualsIgnoreCase(name, spec.name)) return &spec;
  }
  return nullptr;
}

bool ArityOk(int arity, size_t argc) {
  return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

// Redis' wording, so tools that match on it keep working.
void AppendUnknownCommand(std::span<const std::string_view> args, std::string* out) {
  std::string listed;
  for (size_t i = 1; i < args.size() && listed.size() < 128; ++i) {
    listed += "'" + std::string(args[i].substr(0, 128 - listed.size())) + "' ";
  }
  resp::AppendError("ERR unknown command '" + std::string(args[0].substr(0, 128)) +
                        "', with args beginning with: " + listed,
                    out);
}

void AppendWrongArity(std::string_view name, std::string* out) {
  resp::AppendError("ERR wrong number of arguments for '" + std::string(name) + "' command", out);
}

// entity_type:entity_id, split at the first ':' (entity type names cannot hold one).
bool SplitKey(std::string_view key, std::string_view* entity_type, std::string_view* entity_id) {
  const size_t colon = key.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  *entity_type = key.substr(0, colon);
  *entity_id = key.substr(colon + 1);
  return true;
}

void AppendBadKey(std::string_view key, std::string* out) {
  resp::AppendError("ERR key '" + std::string(key.substr(0, 128)) +
                        "' is not entity_type:entity_id (e.g. user:42)",
                    out);
}

// nil unless there is a value to serve: present, or a registered default substituted.
void AppendFeatureValue(const FeatureValue& fv, std::string* out) {
  const bool served = fv.status == ValueStatus::kPresent || fv.default_used;
  if (!served || fv.value.is_null()) {
    resp::AppendNil(out);
    return;
  }
  const Value& v = fv.value;
  if (v.type() == ValueType::kString || v.type() == ValueType::kBytes) {
    resp::AppendBulk(v.type() == ValueType::kString ? v.as_string() : v.as_bytes(), out);
    return;
  }
  switch (v.type()) {
    case ValueType::kInt32:
    case ValueType::kInt64:
    case ValueType::kFloat:
    case ValueType::kDouble:
      // The common numbers are written straight into the reply, without a temporary string.
      resp::AppendBulkWritten<kMaxNumberText>([&](char* text) { return WriteNumberText(v, text); },
                                              out);
      return;
    default:
      break;
  }
  // Reused per thread: rendering other values allocates nothing once warm.
  thread_local std::string text;
  text.clear();
  AppendValueText(v, &text);
  resp::AppendBulk(text, out);
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

RespCommands::RespCommands(Engine* engine, WriteBatcher* batcher, const ServerConfig* config,
                           Metrics* metrics, const TokenStore* tokens, RateLimiter* limiter,
                           std::string version, std::function<size_t()> connections)
    : engine_(engine),
      batcher_(batcher),
      config_(config),
      metrics_(metrics),
      tokens_(tokens),
      limiter_(limiter),
      version_(std::move(version)),
      connections_(std::move(connections)),
      started_us_(SystemClock::Default()->NowMicros()) {}

bool RespCommands::Defers(std::string_view name) { return EqualsIgnoreCase(name, "hset"); }

RespClient RespCommands::NewClient() {
  RespClient client;
  client.id = next_client_id_.fetch_add(1, std::memory_order_relaxed);
  if (!tokens_->enabled()) {
    auto anonymous = tokens_->Authenticate(std::nullopt);
    if (anonymous.ok()) client.principal = std::move(*anonymous);
  }
  return client;
}

RespCommands::Outcome RespCommands::Execute(std::span<const std::string_view> args,
                                            RespClient* client, std::string* out,
                                            RespReplySlots* slots) {
  commands_.fetch_add(1, std::memory_order_relaxed);
  const CommandSpec* spec = FindCommand(args[0]);
  if (spec == nullptr) {
    AppendUnknownCommand(args, out);
    return Outcome::kReplied;
  }
  if (!ArityOk(spec->arity, args.size())) {
    AppendWrongArity(spec->name, out);
    return Outcome::kReplied;
  }
  if (!Admit(*spec, client, out)) return Outcome::kReplied;
  const auto start = Clock::now();
  Outcome outcome = Dispatch(*spec, args, client, out, slots);
  if (outcome == Outcome::kReplied) {
    metrics_->ObserveLatency(Protocol::kResp, spec->operation, SecondsSince(start));
  }
  return outcome;
}

// Authentication, role, rate limit and shedding, in the HTTP API's order.
bool RespCommands::Admit(const CommandSpec& spec, RespClient* client, std::string* out) {
  if (!spec.needs_auth) return true;
  if (!client->principal.has_value()) {
    resp::AppendError("NOAUTH Authentication required.", out);
    return false;
  }
  const Principal& who = *client->principal;
  if (Status allowed = RequireRole(who, spec.role, spec.name); !allowed.ok()) {
    resp::AppendStatus(allowed, out);
    return false;
  }
  if (who.rate_limit_rps > 0) {  // the limiter takes a lock: skip it when unlimited
    const int64_t now_us =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
            .count();
    if (int wait_s = limiter_->Acquire(who.name, who.rate_limit_rps, who.rate_limit_burst, now_us);
        wait_s > 0) {
      metrics_->CountRateLimited();
      resp::AppendError("ERR rate limit of token '" + who.name + "' exceeded (" +
                            std::to_string(who.rate_limit_rps) + " requests/s); retry in " +
                            std::to_string(wait_s) + " s",
                        out);
      return false;
    }
  }
  if (spec.operation != Operation::kOther) {
    int64_t inflight = 0;
    for (Protocol p : {Protocol::kNative, Protocol::kHttp, Protocol::kResp}) {
      inflight += metrics_->inflight(p).load(std::memory_order_relaxed);
    }
    if (inflight > static_cast<int64_t>(config_->max_inflight_requests)) {
      metrics_->CountShed();
      resp::AppendError("ERR overloaded: " + std::to_string(inflight) +
                            " requests in flight (limits.max_inflight_requests)",
                        out);
      return false;
    }
  }
  return true;
}

RespCommands::Outcome RespCommands::Dispatch(const CommandSpec& spec,
                                             std::span<const std::string_view> args,
                                             RespClient* client, std::string* out,
                                             RespReplySlots* slots) {
  switch (spec.kind) {
    case Kind::kHGet:
    case Kind::kHMGet:
      HGet(args, client, out);
      break;
    case Kind::kHGetAll:
      HGetAll(args[1], client, out);
      break;
    case Kind::kHSet:
      return HSet(args, out, slots);
    case Kind::kExists:
      Exists(args, client, out);
      break;
    case Kind::kPing:
      if (args.size() > 2) {
        AppendWrongArity(spec.name, out);
      } else if (args.size() == 2) {
        resp::AppendBulk(args[1], out);
      } else {
        resp::AppendSimple("PONG", out);
      }
      break;
    case Kind::kEcho:
      resp::AppendBulk(args[1], out);
      break;
    case Kind::kInfo:
      Info(args, out);
      break;
    case Kind::kCommand:
      CommandCmd(args, out);
      break;
    case Kind::kAuth:
      Auth(args, client, out);
      break;
    case Kind::kHello:
      Hello(args, client, out);
      break;
    case Kind::kSelect:
      if (args[1] == "0") {
        resp::AppendOk(out);
      } else if (args[1].empty() ||
                 args[1].find_first_not_of("-0123456789") != std::string_view::npos) {
        resp::AppendError("ERR value is not an integer or out of range", out);
      } else {
        resp::AppendError("ERR DB index is out of range", out);
      }
      break;
    case Kind::kQuit:
      resp::AppendOk(out);
      client->close = true;
      break;
    case Kind::kClient:
      Client(args, client, out);
      break;
    case Kind::kConfig:
      Config(args, out);
      break;
  }
  return Outcome::kReplied;
}

Result<OnlineResult> RespCommands::ReadFields(std::string_view entity_type,
                                              std::string_view entity_id,
                                              std::span<const std::string_view> fields,
                                              RespClient* client) {
  // assign() into the reused request keeps the strings' capacity: no allocation once warm.
  OnlineRequest& request = client->online;
  request.entity_type.assign(entity_type);
  request.entity_ids.resize(1);
  request.entity_ids[0].assign(entity_id);
  request.features.resize(fields.size());
  client->slots.resize(fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    request.features[i].assign(fields[i]);
    client->slots[i] = i;
  }
  auto result = engine_->ReadOnline(request);
  const ErrorCode code = result.status().code();
  if (code != ErrorCode::kNotFound && code != ErrorCode::kInvalidArgument) return result;
  // An unknown (or malformed) feature or entity type fails the whole read; Redis answers
  // nil for a missing field, so read again with only the features that resolve.
  const Registry& registry = engine_->registry();
  size_t known = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (registry.Resolve(entity_type, fields[i]).ok()) {
      request.features[known].assign(fields[i]);
      client->slots[i] = known++;
    } else {
      client->slots[i] = kNoSlot;
    }
  }
  request.features.resize(known);
  if (known == 0) return OnlineResult{};
  return engine_->ReadOnline(request);  // errors now are about the entity id
}

Result<OnlineResult> RespCommands::ReadAll(std::string_view entity_type, std::string_view entity_id,
                                           RespClient* client) {
  FeatureFilter filter;
  filter.entity = std::string(entity_type);
  std::vector<FeaturePtr> features = engine_->registry().List(filter);
  if (features.empty()) return OnlineResult{};
  OnlineRequest& request = client->online;
  request.entity_type.assign(entity_type);
  request.entity_ids.resize(1);
  request.entity_ids[0].assign(entity_id);
  request.features.resize(features.size());
  for (size_t i = 0; i < features.size(); ++i) request.features[i].assign(features[i]->spec.name);
  return engine_->ReadOnline(request);
}

void RespCommands::HGet(std::span<const std::string_view> args, RespClient* client,
                        std::string* out) {
  std::string_view entity_type, entity_id;
  if (!SplitKey(args[1], &entity_type, &entity_id)) {
    AppendBadKey(args[1], out);
    return;
  }
  const auto fields = args.subspan(2);
  auto result = ReadFields(entity_type, entity_id, fields, client);
  if (!result.ok()) {
    resp::AppendStatus(result.status(), out);
    return;
  }
  const bool single = fields.size() == 1 && EqualsIgnoreCase(args[0], "hget");
  // Room for the usual reply (numbers: `$<len>\r\n` and up to 24 characters) at once.
  out->reserve(out->size() + 16 + fields.size() * 32);
  if (!single) resp::AppendArray(fields.size(), out);
  for (size_t i = 0; i < fields.size(); ++i) {
    const size_t slot = client->slots[i];
    if (slot == kNoSlot || result->num_entities == 0) {
      resp::AppendNil(out);
    } else {
      AppendFeatureValue(result->at(0, slot), out);
    }
  }
}

void RespCommands::HGetAll(std::string_view key, RespClient* client, std::string* out) {
  std::string_view entity_type, entity_id;
  if (!SplitKey(key, &entity_type, &entity_id)) {
    AppendBadKey(key, out);
    return;
  }
  auto result = ReadAll(entity_type, entity_id, client);
  if (!result.ok()) {
    resp::AppendStatus(result.status(), out);
    return;
  }
  auto served = [](const FeatureValue& fv) {
    return (fv.status == ValueStatus::kPresent || fv.default_used) && !fv.value.is_null();
  };
  size_t n = 0;
  for (const FeatureValue& fv : result->values) n += served(fv) ? 1 : 0;
  resp::AppendArray(2 * n, out);
  for (size_t j = 0; j < result->values.size(); ++j) {
    if (!served(result->values[j])) continue;
    resp::AppendBulk(result->features[j]->spec.name, out);
    AppendFeatureValue(result->values[j], out);
  }
}

void RespCommands::Exists(std::span<const std::string_view> args, RespClient* client,
                          std::string* out) {
  int64_t count = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string_view entity_type, entity_id;
    if (!SplitKey(args[i], &entity_type, &entity_id)) {
      AppendBadKey(args[i], out);
      return;
    }
    auto result = ReadAll(entity_type, entity_id, client);
    if (!result.ok()) {
      resp::AppendStatus(result.status(), out);
      return;
    }
    for (const FeatureValue& fv : result->values) {
      if (fv.status == ValueStatus::kPresent) {
        ++count;
        break;
      }
    }
  }
  resp::AppendInt(count, out);
}

RespCommands::Outcome RespCommands::HSet(std::span<const std::string_view> args, std::string* out,
                                         RespReplySlots* slots) {
  if (args.size() % 2 != 0) {
    AppendWrongArity("hset", out);
    return Outcome::kReplied;
  }
  std::string_view entity_type, entity_id;
  if (!SplitKey(args[1], &entity_type, &entity_id)) {
    AppendBadKey(args[1], out);
    return Outcome::kReplied;
  }
  const size_t n = (args.size() - 2) / 2;
  if (n > config_->max_records_per_write) {
    resp::AppendError("ERR " + std::to_string(n) + " fields in one HSET exceed the limit of " +
                          std::to_string(config_->max_records_per_write) +
                          " (limits.max_records_per_write)",
                      out);
    return Outcome::kReplied;
  }
  const int64_t now = SystemClock::Default()->NowMicros();
  std::vector<WriteRecord> records;
  std::vector<std::string> fields;
  records.reserve(n);
  fields.reserve(n);
  // Every value is parsed before anything is written: like Redis, all fields or none.
  for (size_t i = 2; i < args.size(); i += 2) {
    auto feature = engine_->registry().Resolve(entity_type, args[i]);
    if (!feature.ok()) {
      resp::AppendStatus(feature.status(), out);
      return Outcome::kReplied;
    }
    auto value = ParseRespValue(args[i + 1], (*feature)->spec.value_type);
    if (!value.ok()) {
      resp::AppendError("ERR field '" + std::string(args[i]) + "': " + value.status().message(),
                        out);
      return Outcome::kReplied;
    }
    WriteRecord record;
    record.entity_type = std::string(entity_type);
    record.entity_id = std::string(entity_id);
    record.feature = std::string(args[i]);
    record.value = std::move(*value);
    record.event_ts = now;
    fields.push_back(record.feature);
    records.push_back(std::move(record));
  }
  auto reply = slots->Defer();
  Metrics* metrics = metrics_;
  metrics->inflight(Protocol::kResp).fetch_add(1, std::memory_order_relaxed);
  batcher_->Submit(std::move(records), [reply = std::move(reply), fields = std::move(fields),
                                        metrics, start = Clock::now()](Result<WriteResult> result) {
    std::string text;
    if (!result.ok()) {
      resp::AppendStatus(result.status(), &text);
    } else if (result->rejected > 0) {
      for (const RecordProblem& problem : result->problems) {
        if (problem.outcome != RecordOutcome::kRejected) continue;
        std::string message =
            "ERR field '" + fields[problem.index] + "' rejected: " + problem.reason.message();
        if (result->accepted > 0) {
          message += " (" + std::to_string(result->accepted) + " other field(s) written)";
        }
        resp::AppendError(message, &text);
        break;
      }
    } else {
      resp::AppendInt(static_cast<int64_t>(result->accepted), &text);
    }
    metrics->inflight(Protocol::kResp).fetch_sub(1, std::memory_order_relaxed);
    metrics->ObserveLatency(Protocol::kResp, Operation::kIngest, SecondsSince(start));
    reply(std::move(text));
  });
  return Outcome::kDeferred;
}

void RespCommands::Auth(std::span<const std::string_view> args, RespClient* client,
                        std::string* out) {
  if (args.size() > 3) {
    resp::AppendError("ERR syntax error", out);
    return;
  }
  if (!tokens_->enabled()) {
    resp::AppendError(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?",
        out);
    return;
  }
  // A failed AUTH keeps an earlier successful one, as in Redis.
  auto who = tokens_->Authenticate(args.back());
  if (!who.ok()) {
    resp::AppendError("WRONGPASS invalid username-password pair or user is disabled.", out);
    return;
  }
  client->principal = std::move(*who);
  resp::AppendOk(out);
}

void RespCommands::Hello(std::span<const std::string_view> args, RespClient* client,
                         std::string* out) {
  if (args.size() >= 2) {
    if (args[1].empty() || args[1].find_first_not_of("0123456789") != std::string_view::npos) {
      resp::AppendError("ERR Protocol version is not an integer or out of range", out);
      return;
    }
    if (args[1] != "2") {
      resp::AppendError("NOPROTO sorry, this protocol version is not supported.", out);
      return;
    }
  }
  std::optional<std::string_view> name;
  for (size_t i = 2; i < args.size();) {
    if (EqualsIgnoreCase(args[i], "auth") && i + 2 < args.size()) {
      auto who = tokens_->Authenticate(args[i + 2]);
      if (tokens_->enabled() && !who.ok()) {
        resp::AppendError("WRONGPASS invalid username-password pair or user is disabled.", out);
        return;
      }
      if (who.ok()) client->principal = std::move(*who);
      i += 3;
    } else if (EqualsIgnoreCase(args[i], "setname") && i + 1 < args.size()) {
      name = args[i + 1];
      i += 2;
    } else {
      resp::AppendError("ERR Syntax error in HELLO option '" + std::string(args[i]) + "'", out);
      return;
    }
  }
  if (!client->principal.has_value()) {
    resp::AppendError(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
        "select the RESP protocol version at the same time",
        out);
    return;
  }
  if (name.has_value()) client->name = std::string(*name);
  resp::AppendArray(14, out);
  resp::AppendBulk("server", out);
  resp::AppendBulk("asof", out);
  resp::AppendBulk("version", out);
  resp::AppendBulk(version_, out);
  resp::AppendBulk("proto", out);
  resp::AppendInt(2, out);
  resp::AppendBulk("id", out);
  resp::AppendInt(static_cast<int64_t>(client->id), out);
  resp::AppendBulk("mode", out);
  resp::AppendBulk("standalone", out);
  resp::AppendBulk("role", out);
  resp::AppendBulk("master", out);
  resp::AppendBulk("modules", out);
  resp::AppendArray(0, out);
}

}  // namespace asof::server
