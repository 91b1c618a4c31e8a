// The command table: names, usage, help text, options and examples of every command.
// `help`, `asof --help`, argument checks and completion all read it.
#include <cstdint>

#include "tools/asof/commands.h"

namespace asof::shell {

namespace {
constexpr size_t kAny = SIZE_MAX;
}  // namespace

std::vector<CommandSpec> Shell::BuildCommandTable() {
  std::vector<CommandSpec> t;
  t.push_back({"help",
               "help [COMMAND]",
               "list the commands, or explain one",
               "Without an argument, lists every command with a one-line summary. With a\n"
               "command name, shows its usage, what it does, its options and examples.",
               {},
               {"help", "help put"},
               0,
               1,
               false,
               &Shell::RunHelp});
  t.push_back({"ping",
               "ping",
               "check that the server answers",
               "Prints the server's version, its clock, and the round trip time.",
               {},
               {"ping"},
               0,
               0,
               true,
               &Shell::RunPing});
  t.push_back({"stats",
               "stats",
               "server counters: uptime, requests, records, cache",
               "Counters since the server started: connections, requests, records accepted,\n"
               "duplicate and rejected, block cache hits and misses, registered objects.",
               {},
               {"stats"},
               0,
               0,
               true,
               &Shell::RunStats});
  t.push_back({"entity",
               "entity create NAME [DESCRIPTION...]",
               "register an entity type",
               "Entity types (user, item, ...) must exist before features can use them.\n"
               "Creating an existing type again is harmless; a different non-empty\n"
               "description replaces the old one. The rest of the line is the description.",
               {},
               {"entity create user people who buy things"},
               2,
               kAny,
               true,
               &Shell::RunEntity});
  t.push_back({"entities",
               "entities",
               "list the entity types",
               "Lists every entity type.",
               {},
               {"entities"},
               0,
               0,
               true,
               &Shell::RunEntities});
  t.push_back(
      {"register",
       "register NAME --entity ENTITY --type TYPE [OPTIONS]",
       "register a feature, or change its metadata",
       "Registration is declarative: the options describe the whole feature, and an option\n"
       "left out is empty. Prints what happened:\n"
       "  created      the feature is new (version 1)\n"
       "  unchanged    it was already registered exactly so\n"
       "  updated      metadata changed in place (the change history records what)\n"
       "  new version  the value type changed and --new-version asked for version N+1\n"
       "A value type change without --new-version is refused (CONFLICT).\n"
       "Types: BOOL, INT32, INT64, FLOAT, DOUBLE, STRING, BYTES, TIMESTAMP, FLOAT_LIST,\n"
       "DOUBLE_LIST, INT64_LIST, STRING_LIST (any case).\n"
       "Durations: a number and a unit, us ms s m h d w, combinable: 90s, 5m, 1h30m, 30d.\n"
       "--ttl is the maximum age of a served value: older values are OUTSIDE_MAX_AGE and\n"
       "withheld (the default is served instead, if there is one).",
       {{"entity", "ENTITY", "entity type the feature belongs to (required)"},
        {"type", "TYPE", "value type (required)"},
        {"description", "TEXT", "what the feature means"},
        {"owner", "TEAM", "owning team"},
        {"tags", "A,B", "comma-separated tags"},
        {"ttl", "DURATION", "max age of a served value (0: never too old)"},
        {"sla", "DURATION", "freshness SLA: how stale the newest value may get"},
        {"retention", "DURATION", "history kept at least this long (0: forever)"},
        {"default", "VALUE", "value served for NOT_FOUND and OUTSIDE_MAX_AGE"},
        {"source", "TEXT", "where the raw data comes from"},
        {"transformation", "TEXT", "how the value is computed"},
        {"upstream", "A,B", "features it is derived from (name or entity:name)"},
        {"new-version", "", "allow a value type change: creates version N+1"}},
       {"register user_avg_purchase_30d --entity user --type DOUBLE --ttl 30d --default 0.0",
        "register click_rate_7d --entity user --type double --owner growth --tags ctr,web",
        "register click_rate_7d --entity user --type FLOAT --new-version"},
       1,
       1,
       true,
       &Shell::RunRegister});
  t.push_back({"describe",
               "describe ENTITY NAME[@N]",
               "show a feature: metadata, versions, change history",
               "Shows the newest version of NAME (or version N), every version, and the\n"
               "change history of the version shown.",
               {},
               {"describe user click_rate_7d", "describe user click_rate_7d@1"},
               2,
               2,
               true,
               &Shell::RunDescribe});
  t.push_back({"features",
               "features [--entity E] [--owner TEAM] [--tag TAG] [--all]",
               "list features, or search them: features search TEXT",
               "Lists the newest version of each feature, ordered by entity and name.\n"
               "Deprecated features are left out unless --all is given.\n"
               "`features search TEXT` ranks matches over name, tags, description, owner and\n"
               "entity (case-insensitive): exact name, name prefix, name substring, tag,\n"
               "whole word of description/owner/entity, description substring.",
               {{"entity", "ENTITY", "only this entity type"},
                {"owner", "TEAM", "only features of this owner"},
                {"tag", "TAG", "only features with this tag"},
                {"all", "", "include deprecated features"}},
               {"features", "features --entity user --tag ctr", "features search purchase"},
               0,
               2,
               true,
               &Shell::RunFeatures});
  t.push_back({"deprecate",
               "deprecate ENTITY NAME[@N]",
               "deprecate a feature (or one version)",
               "Writes to a deprecated feature are rejected; reads keep working. Without @N\n"
               "every version is deprecated.",
               {},
               {"deprecate user click_rate_7d", "deprecate user click_rate_7d@1"},
               2,
               2,
               true,
               &Shell::RunDeprecate});
  t.push_back(
      {"put",
       "put ENTITY ID FEATURE=VALUE [FEATURE=VALUE...] [--at TIME] [--event-id ID]",
       "write feature values of one entity",
       "Writes one record per FEATURE=VALUE for entity ID, all with event time --at\n"
       "(default: now). Values are parsed as the feature's registered type, and a value\n"
       "that is not of that type is an error before anything is sent:\n"
       "  BOOL true|false   INT32/INT64 42   FLOAT/DOUBLE 1.5, 2e-3, nan\n"
       "  STRING Paris or \"two words\"   BYTES 0x48690a or \"text\"\n"
       "  TIMESTAMP 2026-03-01T10:00:00Z   lists [1, 2, 3] or '[\"a b\", \"c\"]'\n"
       "  null (any type): an explicit null; \"null\" in quotes is the text\n"
       "Quote a value with spaces: city=\"New York\" or tags='[\"a b\", \"c\"]'.\n"
       "Prints how many records were accepted, were duplicates (their --event-id was\n"
       "seen before) or were rejected (with the reason; the record goes to the dead\n"
       "letters). A rejected record makes the command fail. With several features,\n"
       "--event-id E gives each record the id E/FEATURE.",
       {{"at", "TIME", "event time: ISO-8601 UTC, now, or relative (-1h)"},
        {"event-id", "ID", "idempotency key: a repeat is acknowledged, not applied"}},
       {"put user 123 user_avg_purchase_30d=42.5 click_rate_7d=0.12 --at 2026-03-01T10:00:00Z",
        "put user 456 click_rate_7d=0.3 --at -2h --event-id evt-991"},
       3,
       kAny,
       true,
       &Shell::RunPut});
  t.push_back({"get",
               "get ENTITY ID[,ID...] FEATURE[,FEATURE...]",
               "online read: the latest value of each feature now",
               "For every entity id and feature: the value with the latest event time, and\n"
               "its status: PRESENT, NULL_VALUE (an explicit null was written), NOT_FOUND\n"
               "(never written), or OUTSIDE_MAX_AGE (older than the feature's ttl: the\n"
               "value is withheld). A registered default is served for NOT_FOUND and\n"
               "OUTSIDE_MAX_AGE and marked (default). Pin a version with NAME@N.",
               {},
               {"get user 123,456 user_avg_purchase_30d,click_rate_7d"},
               3,
               3,
               true,
               &Shell::RunGet});
  t.push_back({"asof",
               "asof ENTITY ID[,ID...] TIME FEATURE[,FEATURE...] [--replay]",
               "point-in-time read: the values as of TIME",
               "For every entity id and feature: the version with the latest event time <= TIME\n"
               "(nothing dated after TIME can appear), OUTSIDE_MAX_AGE when it is older than\n"
               "TIME - ttl. With --replay, only versions the store had already received by\n"
               "TIME count: the answer is what an online read at TIME returned.",
               {{"replay", "", "also require ingest time <= TIME"}},
               {"asof user 123,456 2026-03-02T00:00:00Z user_avg_purchase_30d,click_rate_7d",
                "asof user 123 -1d click_rate_7d --replay"},
               4,
               4,
               true,
               &Shell::RunAsOf});
  t.push_back({"dlq",
               "dlq [--limit N] [--after TS:SEQ]",
               "list dead letters: records that were rejected, with the reason",
               "Dead letters in arrival order. Each has an id TS:SEQ (ingest time in\n"
               "microseconds and a sequence number); --after ID continues a listing.",
               {{"limit", "N", "at most N letters (default 100, at most 10000)"},
                {"after", "TS:SEQ", "start after this dead letter id"}},
               {"dlq", "dlq --limit 10 --after 1767225600000000:3"},
               0,
               0,
               true,
               &Shell::RunDlq});
  t.push_back({"freshness",
               "freshness [--stale] [--all]",
               "how fresh each feature is against its freshness SLA, stale ones first",
               "Per feature (newest version): STALE when the newest event is older than the\n"
               "feature's freshness SLA, or when a feature with an SLA was never written;\n"
               "fresh when within it; no SLA when none is registered. LAST_HOUR counts the\n"
               "values written in the last hour (since the server started, at most), LAG is\n"
               "the server's now minus the newest event time. Stale features come first,\n"
               "then the most lagging.",
               {{"stale", "", "only the stale features"}, {"all", "", "include deprecated"}},
               {"freshness", "freshness --stale"},
               0,
               0,
               true,
               &Shell::RunFreshness});
  t.push_back(
      {"drift",
       "drift [ENTITY:]FEATURE|--all [--baseline ID] [--window DURATION]",
       "served values against the training set's: KS, PSI, chi-square, alert state",
       "Compares the values served (online reads) over the last --window (default: the\n"
       "server's, 1h) with a baseline: the values of a training set (asof-export records\n"
       "one per export, its dataset id) or of an earlier window (baselines --from).\n"
       "Without --baseline, each feature's newest baseline that has it. Numeric features:\n"
       "KS statistic (with the sketches' error bound) and PSI; STRING/BOOL: PSI and\n"
       "chi-square with its p-value. DRIFTING when KS or PSI passes the server's threshold\n"
       "and both sides have enough values; NOTE says why a feature is not judged. --all:\n"
       "every feature that has a baseline. FEATURE without ENTITY: must be unique.",
       {{"all", "", "every feature that has a baseline"},
        {"baseline", "ID", "compare with this baseline (dataset id)"},
        {"window", "DURATION", "served values of this last stretch of time"}},
       {"drift user:click_rate_7d", "drift --all --baseline ds-20260301T100000Z-3fa2c1",
        "drift city --window 15m"},
       0,
       1,
       true,
       &Shell::RunDrift});
  t.push_back({"baselines",
               "baselines [--delete ID] [--from TIME [--to TIME] --id ID]",
               "list the drift baselines, delete one, or take one from served values",
               "Without options, lists every baseline, newest first: its id, origin (export,\n"
               "historical, window), rows (training rows, or served values) and features.\n"
               "--delete ID removes one. --from/--to/--id records the values served between\n"
               "--from and --to (default now; whole drift windows) as baseline ID, to compare\n"
               "later traffic with a period known to be good.",
               {{"delete", "ID", "delete this baseline"},
                {"from", "TIME", "start of the served values to record"},
                {"to", "TIME", "end of the served values to record (default now)"},
                {"id", "ID", "id of the new baseline ([A-Za-z0-9_.-], up to 64)"}},
               {"baselines", "baselines --from -1d --id good-week", "baselines --delete good-week"},
               0,
               0,
               true,
               &Shell::RunBaselines});
  t.push_back({"lineage",
               "lineage NAME [--entity E] [--direction D] [--depth N] [--dot]",
               "where a feature comes from and what uses it",
               "Sources, transformations and upstream features of NAME (upstream), and the\n"
               "features derived from it and the consumers (models) that use them\n"
               "(downstream), up to --depth hops (default 10). --dot prints Graphviz DOT:\n"
               "asof -c 'lineage ctr --dot' | dot -Tsvg > ctr.svg",
               {{"entity", "ENTITY", "entity type, when NAME exists under several"},
                {"direction", "D", "upstream, downstream or both (default)"},
                {"depth", "N", "hops from NAME, 0 to 100 (default 10)"},
                {"dot", "", "print Graphviz DOT"}},
               {"lineage ctr", "lineage ctr --direction upstream --dot"},
               1,
               1,
               true,
               &Shell::RunLineage});
  t.push_back(
      {"export-served",
       "export-served [--from TIME] [--to TIME] [--entity E] [--format jsonl|csv] "
       "[--output FILE]",
       "export the sampled log of served feature vectors (feature logging)",
       "Writes the rows of the server's served-feature log (asofd [logging]: each\n"
       "entity row of an online read is kept with probability sample_rate) whose\n"
       "request time is in [--from, --to], oldest first: JSON Lines (default, one\n"
       "object per row: request_timestamp, seq, entity, entity_id, features) or CSV\n"
       "(request_timestamp, entity_type, entity_id, then FEATURE and FEATURE__status\n"
       "for every feature of the export). To stdout, or to --output FILE (then a\n"
       "summary line is printed). Rows still buffered on the server are included.",
       {{"from", "TIME", "oldest request time (default: the beginning)"},
        {"to", "TIME", "newest request time (default: no limit)"},
        {"entity", "E", "only rows of this entity type"},
        {"format", "F", "jsonl (default) or csv"},
        {"output", "FILE", "write to FILE instead of stdout"}},
       {"export-served --from -1d --format csv --output served.csv", "export-served --entity user"},
       0,
       0,
       true,
       &Shell::RunExportServed});
  return t;
}

std::span<const CommandSpec> Shell::Commands() {
  static const std::vector<CommandSpec> kTable = BuildCommandTable();
  return kTable;
}

const CommandSpec* Shell::FindCommand(std::string_view name) {
  for (const CommandSpec& c : Commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace asof::shell
