#include "tools/asof-bench/options.h"

#include <CLI/CLI.hpp>
#include <map>

namespace asof::bench {

std::string_view WorkloadName(Workload workload) {
  switch (workload) {
    case Workload::kOnline:
      return "online";
    case Workload::kAsOf:
      return "asof";
    case Workload::kWrite:
      return "write";
  }
  return "?";
}

namespace {

constexpr uint32_t kOpenLoopDefaultDepth = 1024;  // asofd's max_inflight_per_connection

void AddOptions(CLI::App& app, BenchOptions& o) {
  app.add_option("--host", o.host, "asofd host (loopback)")->capture_default_str();
  app.add_option("--port", o.port, "asofd native-protocol port")->capture_default_str();
  app.add_option("--token", o.token, "API token sent in the hello (default: $ASOF_TOKEN)")
      ->envname("ASOF_TOKEN");
  const std::map<std::string, Workload> workloads{
      {"online", Workload::kOnline}, {"asof", Workload::kAsOf}, {"write", Workload::kWrite}};
  app.add_option("--workload", o.workload, "what each request does (README.md)")
      ->transform(CLI::CheckedTransformer(workloads, CLI::ignore_case).description(""))
      ->type_name("online|asof|write")
      ->default_str("online");
  app.add_option("--entity-type", o.entity_type, "entity type of every request")
      ->capture_default_str();
  app.add_option("--entities", o.entities, "K: entities (as-of rows) per request")
      ->check(CLI::Range(1u, 1000000u))
      ->capture_default_str();
  app.add_option("--features", o.features, "M: features f0..f{M-1} per request")
      ->check(CLI::Range(1u, 100000u))
      ->capture_default_str();
  app.add_option("--keyspace", o.keyspace, "entity ids drawn uniformly from 0..N-1")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--id-width", o.id_width,
                 "zero-pad entity ids to this many digits (12 matches redis-benchmark's "
                 "__rand_int__; 0: no padding)")
      ->check(CLI::Range(0u, kMaxIdWidth))
      ->capture_default_str();
  app.add_option("--connections", o.connections, "TCP connections (one sender thread each)")
      ->check(CLI::Range(1u, 1024u))
      ->capture_default_str();
  app.add_option("--depth", o.depth,
                 "closed loop: requests in flight per connection; open loop: their cap "
                 "(default there: 1024)")
      ->check(CLI::Range(1u, 65536u))
      ->capture_default_str();
  app.add_option("--rate", o.rate,
                 "open loop: total requests/s over all connections, latency timed from the "
                 "intended send time (0: closed loop)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--duration", o.duration_s,
                 "measured seconds after the warm-up (0: no limit; with --load and no --requests: "
                 "load only)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--warmup", o.warmup_s, "seconds of load before measuring")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--requests", o.requests, "stop after this many measured requests (0: no limit)")
      ->capture_default_str();
  app.add_flag("--load", o.load,
               "first register the entity type and M DOUBLE features f0..f{M-1} and write a "
               "value of each for all N entities");
  app.add_option("--load-batch", o.load_batch, "records per write request of --load")
      ->check(CLI::Range(1u, 100000u))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the entity and value choices")->capture_default_str();
  app.add_flag("--json", o.json, "print the result as one JSON object");
}

}  // namespace

ParsedOptions ParseOptions(int argc, char** argv) {
  ParsedOptions parsed;
  BenchOptions& o = parsed.options;
  CLI::App app{
      "asof-bench: load generator for asofd over the native protocol. Closed loop by "
      "default (--connections x --depth requests in flight); --rate R runs an open loop."};
  app.get_formatter()->column_width(30);
  try {
    AddOptions(app, o);
    app.parse(argc, argv);
    if (o.rate > 0 && app.count("--depth") == 0) o.depth = kOpenLoopDefaultDepth;
    if (app.count("--duration") == 0 && o.requests > 0) o.duration_s = 0;
    o.load_only = o.load && o.duration_s == 0 && o.requests == 0;
    if (o.duration_s == 0 && o.requests == 0 && !o.load_only) {
      throw CLI::ValidationError(
          "--duration 0 needs --requests N (or --load), or the run never ends");
    }
  } catch (const CLI::ParseError& e) {
    parsed.exit_code = app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "asof-bench: %s\n", e.what());
    parsed.exit_code = 1;
  }
  return parsed;
}

}  // namespace asof::bench
