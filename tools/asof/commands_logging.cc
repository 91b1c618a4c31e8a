// Feature logging: `export-served` pages through the server's sampled served-feature log
// (ServedLogRequest; GET /api/logging/served is the same over HTTP) and writes it as JSON
// Lines or CSV, to stdout or a file. Value cells follow asof-export's conventions
// (tools/asof-export/value_text.h), so a logged set reads like an exported training set.
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "tools/asof-export/value_text.h"
#include "tools/asof/commands.h"
#include "tools/asof/output.h"
#include "tools/asof/render.h"
#include "tools/asof/time_format.h"

namespace asof::shell {

namespace {

constexpr uint32_t kPageRows = 10000;  // the server's largest page

void AppendJsonLine(const wire::ServedRowT& row, std::string* out) {
  JsonWriter json;
  json.BeginObject();
  json.Field("request_timestamp", FormatTime(row.request_ts));
  json.Key("seq");
  json.Uint(row.seq);
  json.Field("entity", row.entity_type);
  json.Field("entity_id", row.entity_id);
  json.Key("features");
  json.BeginObject();
  for (size_t j = 0; j < row.features.size() && j < row.values.size(); ++j) {
    json.Key(row.features[j]);
    json.BeginObject();
    if (row.values[j] != nullptr) WriteServedValueFields(json, *row.values[j]);
    json.EndObject();
  }
  json.EndObject();
  json.EndObject();
  out->append(json.str());
  out->push_back('\n');
}

// Columns: every feature of the export, in order of first appearance; a row without one
// has empty cells there. That needs every row first, which is why JSON Lines (written
// page by page) is the format for very large exports.
void AppendCsv(const std::vector<std::unique_ptr<wire::ServedRowT>>& rows, std::string* out) {
  std::vector<std::string> columns;
  std::set<std::string, std::less<>> seen;
  for (const auto& row : rows) {
    for (const std::string& f : row->features) {
      if (seen.insert(f).second) columns.push_back(f);
    }
  }
  out->append("request_timestamp,entity_type,entity_id");
  for (const std::string& c : columns) {
    out->push_back(',');
    exporter::AppendCsvCell(c, ',', out);
    out->push_back(',');
    exporter::AppendCsvCell(c + "__status", ',', out);
  }
  out->push_back('\n');
  for (const auto& row : rows) {
    out->append(FormatTime(row->request_ts));
    out->push_back(',');
    exporter::AppendCsvCell(row->entity_type, ',', out);
    out->push_back(',');
    exporter::AppendCsvCell(row->entity_id, ',', out);
    for (const std::string& c : columns) {
      out->push_back(',');
      size_t j = 0;
      while (j < row->features.size() && row->features[j] != c) ++j;
      if (j == row->features.size() || j >= row->values.size() || row->values[j] == nullptr) {
        out->push_back(',');
        continue;
      }
      const wire::FeatureValueT& v = *row->values[j];
      exporter::AppendValueCsv(v.value.get(), ',', out);
      out->push_back(',');
      out->append(ValueStatusName(v.status));
    }
    out->push_back('\n');
  }
}

}  // namespace

Status Shell::RunExportServed(const ParsedArgs& args) {
  wire::ServedLogRequestT request;
  if (auto from = args.Get("from")) {
    ASSIGN_OR_RETURN(request.from_ts, ParseTime(*from, Now()));
  }
  if (auto to = args.Get("to")) {
    ASSIGN_OR_RETURN(request.to_ts, ParseTime(*to, Now()));
  }
  if (request.from_ts > request.to_ts)
    return InvalidArgument("export-served: --from is after --to");
  request.entity_type = args.Get("entity").value_or("");
  const std::string format = args.Get("format").value_or("jsonl");
  if (format != "jsonl" && format != "csv") {
    return InvalidArgument("export-served: --format must be jsonl or csv, not '" + format + "'");
  }
  const std::optional<std::string> path = args.Get("output");
  if (!path) return WriteServedLog(request, format, out_).status();
  // Written under a temporary name and renamed when complete: a failed export (no server,
  // an error on any page) leaves no file behind, and an earlier export at --output intact.
  const std::string partial = *path + ".partial";
  std::ofstream file(partial, std::ios::binary | std::ios::trunc);
  if (!file) return InvalidArgument("export-served: cannot write '" + *path + "'");
  Result<uint64_t> count = WriteServedLog(request, format, file);
  file.close();
  std::error_code ec;
  if (count.ok()) std::filesystem::rename(partial, *path, ec);
  if (!count.ok() || ec) {
    std::filesystem::remove(partial, ec);
    if (!count.ok()) return count.status();
    return Internal("export-served: cannot rename '" + partial + "' to '" + *path + "'");
  }
  if (options_.json) {
    JsonWriter json;
    json.BeginObject();
    json.Key("rows");
    json.Uint(*count);
    json.Field("output", *path);
    json.EndObject();
    Emit(json);
  } else {
    Emit(std::to_string(*count) + " rows written to " + *path + "\n");
  }
  return Status::Ok();
}

Result<uint64_t> Shell::WriteServedLog(wire::ServedLogRequestT request, const std::string& format,
                                       std::ostream& sink) {
  ASSIGN_OR_RETURN(Client * c, client());
  request.limit = kPageRows;
  std::vector<std::unique_ptr<wire::ServedRowT>> all;  // CSV only
  uint64_t count = 0;
  for (;;) {
    ASSIGN_OR_RETURN(wire::ServedLogResponseT page, c->ServedLog(request));
    std::erase(page.rows, nullptr);
    count += page.rows.size();
    if (!page.rows.empty()) {
      request.has_after = true;
      request.after_ts = page.rows.back()->request_ts;
      request.after_seq = page.rows.back()->seq;
    }
    const bool last = page.rows.size() < kPageRows;
    if (format == "csv") {
      for (auto& row : page.rows) all.push_back(std::move(row));
    } else {
      std::string text;
      for (const auto& row : page.rows) AppendJsonLine(*row, &text);
      sink << text;
    }
    if (last) break;
  }
  if (format == "csv") {
    std::string text;
    AppendCsv(all, &text);
    sink << text;
  }
  sink.flush();
  if (!sink) return Internal("export-served: writing the rows failed");
  return count;
}

}  // namespace asof::shell
