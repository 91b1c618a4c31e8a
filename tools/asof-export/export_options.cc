#include "tools/asof-export/export_options.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <random>

namespace asof::exporter {

namespace {

void AddConnectionOptions(CLI::App& app, ExportOptions& o, uint32_t& timeout_ms) {
  app.add_option("--host", o.client.host, "asofd host")->capture_default_str();
  app.add_option("-p,--port", o.client.port, "asofd native-protocol port")->capture_default_str();
  app.add_option("--token", o.client.token, "API token sent in the hello (default: $ASOF_TOKEN)")
      ->envname("ASOF_TOKEN");
  app.add_option("--timeout", timeout_ms, "ms to wait for each answer chunk of the server")
      ->check(CLI::Range(1u, 3'600'000u))
      ->capture_default_str();
}

void AddLabelOptions(CLI::App& app, ExportOptions& o, std::string& ts_format) {
  app.add_option("--labels", o.labels.path,
                 "labels: a CSV or JSON Lines file (also .gz/.zst), a folder of part files, "
                 "or - for stdin")
      ->required();
  const std::map<std::string, import::InputFormat> formats{
      {"csv", import::InputFormat::kCsv}, {"jsonl", import::InputFormat::kJsonLines}};
  app.add_option("--input-format", o.labels.format,
                 "format of the labels (default: from the file name, else the first byte)")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case).description(""))
      ->type_name("csv|jsonl");
  app.add_option("--delimiter", o.labels.csv_delimiter,
                 "CSV field delimiter of the labels and of the output")
      ->capture_default_str();
  app.add_option("--entity-column", o.entity_column, "column of the entity id")
      ->capture_default_str();
  app.add_option("--ts-column", o.ts_column, "column of the as-of time")->capture_default_str();
  app.add_option("--ts-format", ts_format, "how --ts-column is written")
      ->check(CLI::IsMember({"iso8601", "epoch_s", "epoch_ms", "epoch_us"}))
      ->type_name("iso8601|epoch_s|epoch_ms|epoch_us")
      ->capture_default_str();
  app.add_option("--max-bad-rows", o.max_bad_rows,
                 "label rows that may be skipped (each is reported on stderr) before the "
                 "export fails")
      ->capture_default_str();
}

void AddJoinOptions(CLI::App& app, ExportOptions& o) {
  app.add_option("--entity-type", o.entity_type, "entity type of the features")->required();
  app.add_option("--features", o.features,
                 "features to join: name or name@VERSION, one column each")
      ->required()
      ->delimiter(',');
  const std::map<std::string, bool> modes{{"event_time", false}, {"replay", true}};
  app.add_option("--mode", o.replay,
                 "event_time: the value with the greatest event time <= T; replay: also "
                 "ingested by T (what a live system served)")
      ->transform(CLI::CheckedTransformer(modes, CLI::ignore_case).description(""))
      ->type_name("event_time|replay")
      ->default_str("event_time");
  app.add_flag("--status-columns", o.status_columns,
               "add a <feature>__status column (PRESENT, NULL_VALUE, NOT_FOUND, "
               "OUTSIDE_MAX_AGE) after each feature");
}

void AddOutputOptions(CLI::App& app, ExportOptions& o) {
  app.add_option("-o,--output", o.output,
                 "output file (written as FILE.partial, renamed when complete), - for stdout")
      ->capture_default_str();
  const std::map<std::string, OutputFormat> formats{{"csv", OutputFormat::kCsv},
                                                    {"jsonl", OutputFormat::kJsonLines}};
  app.add_option("--output-format", o.output_format, "format of the output")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case).description(""))
      ->type_name("csv|jsonl")
      ->default_str("csv");
  app.add_option("--chunk-rows", o.chunk_rows, "label rows per as-of request")
      ->check(CLI::Range(1u, 1'000'000u))
      ->capture_default_str();
  app.add_option("--parallel", o.parallel, "as-of requests in flight, one connection each")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  app.add_flag("-q,--quiet", o.quiet, "no progress bar and no summary on stderr");
}

void AddBaselineOptions(CLI::App& app, std::string& dataset_id, bool& no_baseline) {
  app.add_option("--dataset-id", dataset_id,
                 "id of this training set: its feature distributions are recorded on the "
                 "server as the drift baseline ID (asof drift --baseline ID); default "
                 "ds-<UTC time>-<random hex>. An existing id is added to, not replaced")
      ->check([](const std::string& id) -> std::string {
        const bool ok = !id.empty() && id.size() <= 64 &&
                        id.find_first_not_of(
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                            "0123456789_.-") == std::string::npos;
        return ok ? "" : "a dataset id is 1 to 64 of A-Z a-z 0-9 _ . -";
      })
      ->type_name("ID");
  app.add_flag("--no-baseline", no_baseline, "record no drift baseline for this export")
      ->excludes("--dataset-id");
}

// "ds-20260301T100000Z-3fa2c1": sortable by time, unique enough for ids made by hand.
std::string NewDatasetId() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &utc);
  std::random_device random;
  char hex[16];
  std::snprintf(hex, sizeof(hex), "%06x", random() & 0xffffffu);
  return std::string("ds-") + buf + "-" + hex;
}

}  // namespace

ParsedOptions ParseOptions(int argc, char** argv) {
  ParsedOptions parsed;
  ExportOptions& o = parsed.options;
  CLI::App app{
      "asof-export: training sets from asofd. Reads labelled rows (entity id, time, label "
      "columns), joins each feature's value as of the row's time on the server, in streamed "
      "chunks, and writes the label columns followed by one column per feature."};
  app.footer(
      "Example:\n"
      "  asof-export --labels labels.csv.gz --entity-type user \\\n"
      "      --features click_rate_7d,avg_purchase_30d@2 --status-columns -o train.csv\n"
      "See also: asof-import (bulk loads of snapshots), asof (the shell). Exit codes: 0 done, "
      "1 failed (no output file is left behind), 2 bad options.");
  app.get_formatter()->column_width(30);
  uint32_t timeout_ms = 30'000;
  std::string ts_format = "iso8601";
  bool no_baseline = false;
  try {
    AddConnectionOptions(app, o, timeout_ms);
    AddLabelOptions(app, o, ts_format);
    AddJoinOptions(app, o);
    AddOutputOptions(app, o);
    AddBaselineOptions(app, o.dataset_id, no_baseline);
    app.parse(argc, argv);
    if (!no_baseline && o.dataset_id.empty()) o.dataset_id = NewDatasetId();
    o.client.request_timeout = std::chrono::milliseconds(timeout_ms);
    o.client.client_name = "asof-export";
    o.client.pool_size = o.parallel;
    o.ts_format = *import::ParseTimestampFormat(ts_format);  // checked by IsMember
    if (o.entity_column == o.ts_column) {
      throw CLI::ValidationError("--entity-column and --ts-column name the same column");
    }
  } catch (const CLI::ParseError& e) {
    parsed.exit_code = app.exit(e);
    // CLI11's own errors are bad options; app.exit returns their code (2 for most).
    if (*parsed.exit_code != 0) parsed.exit_code = 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "asof-export: %s\n", e.what());
    parsed.exit_code = 2;
  }
  return parsed;
}

}  // namespace asof::exporter
