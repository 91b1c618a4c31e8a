// The introspection commands of the RESP listener: INFO, COMMAND, CLIENT, CONFIG GET.
// Just enough for redis-cli, redis-benchmark and client libraries' handshakes.
#include <unistd.h>

#include "server/resp_command_table.h"
#include "server/resp_commands.h"
#include "server/resp_reply.h"

namespace asof::server {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void AppendCommandEntry(const resp::CommandSpec& spec, std::string* out) {
  resp::AppendArray(10, out);  // the Redis 7 shape; the last four are empty here
  resp::AppendBulk(spec.name, out);
  resp::AppendInt(spec.arity, out);
  std::vector<std::string_view> flags;
  for (size_t start = 0; start < spec.flags.size();) {
    size_t end = spec.flags.find(' ', start);
    if (end == std::string_view::npos) end = spec.flags.size();
    flags.push_back(spec.flags.substr(start, end - start));
    start = end + 1;
  }
  resp::AppendArray(flags.size(), out);
  for (std::string_view flag : flags) resp::AppendSimple(flag, out);
  resp::AppendInt(spec.first_key, out);
  resp::AppendInt(spec.last_key, out);
  resp::AppendInt(spec.step, out);
  for (int i = 0; i < 4; ++i) resp::AppendArray(0, out);  // acl categories, tips, keys, subs
}

const resp::CommandSpec* Find(std::string_view name) {
  const std::string lower = Lower(name);
  for (const auto& spec : resp::kCommands) {
    if (spec.name == lower) return &spec;
  }
  return nullptr;
}

void AppendInfoLine(std::string_view key, const std::string& value, std::string* text) {
  text->append(key).append(":").append(value).append("\r\n");
}

}  // namespace

void RespCommands::Info(std::span<const std::string_view> args, std::string* out) {
  const std::string section = args.size() > 1 ? Lower(args[1]) : "default";
  const bool all = section == "default" || section == "all" || section == "everything";
  std::string text;
  auto begin = [&](std::string_view name, std::string_view title) {
    if (!all && section != name) return false;
    if (!text.empty()) text.append("\r\n");
    text.append("# ").append(title).append("\r\n");
    return true;
  };
  const int64_t uptime_s = (SystemClock::Default()->NowMicros() - started_us_) / 1000000;
  if (begin("server", "Server")) {
    // Client libraries branch on redis_version; asof answers the RESP2 subset of 7.0.
    AppendInfoLine("redis_version", "7.0.0", &text);
    AppendInfoLine("asof_version", version_, &text);
    AppendInfoLine("redis_mode", "standalone", &text);
    AppendInfoLine("os", "Linux", &text);
    AppendInfoLine("arch_bits", std::to_string(sizeof(void*) * 8), &text);
    AppendInfoLine("process_id", std::to_string(getpid()), &text);
    AppendInfoLine("tcp_port", std::to_string(port_), &text);
    AppendInfoLine("uptime_in_seconds", std::to_string(uptime_s), &text);
    AppendInfoLine("uptime_in_days", std::to_string(uptime_s / 86400), &text);
  }
  if (begin("clients", "Clients")) {
    AppendInfoLine("connected_clients", std::to_string(connections_()), &text);
    AppendInfoLine("maxclients", std::to_string(config_->max_connections), &text);
  }
  if (begin("stats", "Stats")) {
    const EngineStats stats = engine_->stats();
    AppendInfoLine("total_connections_received",
                   std::to_string(next_client_id_.load(std::memory_order_relaxed) - 1), &text);
    AppendInfoLine("total_commands_processed",
                   std::to_string(commands_.load(std::memory_order_relaxed)), &text);
    AppendInfoLine("records_accepted", std::to_string(stats.records_accepted), &text);
    AppendInfoLine("records_duplicate", std::to_string(stats.records_duplicate), &text);
    AppendInfoLine("records_rejected", std::to_string(stats.records_rejected), &text);
    AppendInfoLine("block_cache_hits", std::to_string(stats.block_cache_hits), &text);
    AppendInfoLine("block_cache_misses", std::to_string(stats.block_cache_misses), &text);
  }
  if (begin("keyspace", "Keyspace")) {
    // Keys are entities, which asof does not count; the registry is what it knows.
    AppendInfoLine("entity_types", std::to_string(engine_->registry().ListEntityTypes().size()),
                   &text);
    AppendInfoLine("features", std::to_string(engine_->registry().List({}).size()), &text);
  }
  resp::AppendBulk(text, out);
}

void RespCommands::CommandCmd(std::span<const std::string_view> args, std::string* out) {
  const std::string sub = args.size() > 1 ? Lower(args[1]) : "";
  if (args.size() == 1) {
    resp::AppendArray(resp::kCommands.size(), out);
    for (const auto& spec : resp::kCommands) AppendCommandEntry(spec, out);
  } else if (sub == "count") {
    resp::AppendInt(static_cast<int64_t>(resp::kCommands.size()), out);
  } else if (sub == "list") {
    resp::AppendArray(resp::kCommands.size(), out);
    for (const auto& spec : resp::kCommands) resp::AppendBulk(spec.name, out);
  } else if (sub == "info") {
    resp::AppendArray(args.size() - 2, out);
    for (size_t i = 2; i < args.size(); ++i) {
      if (const auto* spec = Find(args[i])) {
        AppendCommandEntry(*spec, out);
      } else {
        resp::AppendNil(out);
      }
    }
  } else if (sub == "docs") {
    std::vector<const resp::CommandSpec*> listed;
    for (const auto& spec : resp::kCommands) {
      bool wanted = args.size() == 2;
      for (size_t i = 2; i < args.size() && !wanted; ++i) wanted = Lower(args[i]) == spec.name;
      if (wanted) listed.push_back(&spec);
    }
    resp::AppendArray(2 * listed.size(), out);
    for (const auto* spec : listed) {
      resp::AppendBulk(spec->name, out);
      resp::AppendArray(6, out);
      resp::AppendBulk("summary", out);
      resp::AppendBulk(spec->summary, out);
      resp::AppendBulk("since", out);
      resp::AppendBulk("1.0.0", out);
      resp::AppendBulk("group", out);
      resp::AppendBulk(spec->group, out);
    }
  } else {
    resp::AppendError("ERR unknown subcommand '" + std::string(args[1].substr(0, 128)) +
                          "'. Try COMMAND, COMMAND COUNT, COMMAND DOCS, COMMAND INFO.",
                      out);
  }
}

void RespCommands::Client(std::span<const std::string_view> args, RespClient* client,
                          std::string* out) {
  const std::string sub = Lower(args[1]);
  if (sub == "setname" && args.size() == 3) {
    for (char c : args[2]) {
      if (c < '!' || c > '~') {
        resp::AppendError("ERR Client names cannot contain spaces, newlines or special characters.",
                          out);
        return;
      }
    }
    client->name = std::string(args[2]);
    resp::AppendOk(out);
  } else if (sub == "getname" && args.size() == 2) {
    if (client->name.empty()) {
      resp::AppendNil(out);
    } else {
      resp::AppendBulk(client->name, out);
    }
  } else if (sub == "id" && args.size() == 2) {
    resp::AppendInt(static_cast<int64_t>(client->id), out);
  } else if (sub == "info" || sub == "list") {
    resp::AppendBulk(
        "id=" + std::to_string(client->id) + " name=" + client->name + " db=0 resp=2\n", out);
  } else if (sub == "setname" || sub == "getname" || sub == "id") {
    resp::AppendError("ERR wrong number of arguments for 'client|" + sub + "' command", out);
  } else {
    // SETINFO, NO-EVICT, REPLY ON, ...: client libraries send these at connect; nothing
    // in asofd depends on them.
    resp::AppendOk(out);
  }
}

void RespCommands::Config(std::span<const std::string_view> args, std::string* out) {
  if (Lower(args[1]) != "get" || args.size() < 3) {
    resp::AppendError("ERR CONFIG " + std::string(args[1].substr(0, 32)) +
                          " is not supported by asofd (settings live in asofd.toml)",
                      out);
    return;
  }
  // redis-benchmark asks for these two to print how the server persists data.
  const std::pair<std::string_view, std::string> known[] = {
      {"save", ""},
      {"appendonly", "yes"},
      {"appendfsync", config_->sync_writes ? "always" : "no"},
      {"databases", "1"},
  };
  std::vector<std::pair<std::string_view, std::string_view>> found;
  for (size_t i = 2; i < args.size(); ++i) {
    const std::string pattern = Lower(args[i]);
    for (const auto& [key, value] : known) {
      if (pattern == "*" || pattern == key) found.emplace_back(key, value);
    }
  }
  resp::AppendArray(2 * found.size(), out);
  for (const auto& [key, value] : found) {
    resp::AppendBulk(key, out);
    resp::AppendBulk(value, out);
  }
}

}  // namespace asof::server
