#include "tools/asof-import/rejects_writer.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace asof::import {

namespace {

void AppendCsvField(std::string_view field, std::string* out) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(field);
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

Result<std::unique_ptr<RejectsWriter>> RejectsWriter::Open(const std::string& path,
                                                           RejectsFormat format) {
  std::FILE* file = nullptr;
  if (!path.empty()) {
    file = std::fopen(path.c_str(), "w");
    if (file == nullptr) {
      return Internal("cannot create the rejects file " + path + ": " + std::strerror(errno));
    }
  }
  std::unique_ptr<RejectsWriter> writer(new RejectsWriter(file, path, format));
  if (file != nullptr && format == RejectsFormat::kCsv &&
      std::fputs("source,line,column,reason,message,text\n", file) < 0) {
    return Internal("cannot write the rejects file " + path);
  }
  return writer;
}

RejectsWriter::~RejectsWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

Status RejectsWriter::Write(const Reject& reject) {
  ++total_;
  ++counts_[static_cast<int>(reject.reason)];
  if (file_ == nullptr) return Status::Ok();
  std::string line;
  if (format_ == RejectsFormat::kCsv) {
    AppendCsvField(reject.source, &line);
    line += ',' + std::to_string(reject.line) + ',';
    AppendCsvField(reject.column, &line);
    line += ',';
    line += RejectReasonName(reject.reason);
    line += ',';
    AppendCsvField(reject.message, &line);
    line += ',';
    AppendCsvField(reject.text, &line);
  } else {
    boost::json::object o;
    o["source"] = reject.source;
    o["line"] = reject.line;
    o["column"] = reject.column;
    o["reason"] = RejectReasonName(reject.reason);
    o["message"] = reject.message;
    o["text"] = reject.text;
    line = boost::json::serialize(o);
  }
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size()) {
    return Internal("cannot write the rejects file " + path_ + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Status RejectsWriter::Close() {
  if (file_ == nullptr) return Status::Ok();
  int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0)
    return Internal("cannot write the rejects file " + path_ + ": " + std::strerror(errno));
  return Status::Ok();
}

std::string RejectsWriter::Summary() const {
  std::string out = std::to_string(total_) + (total_ == 1 ? " reject" : " rejects");
  std::vector<std::pair<uint64_t, int>> by_count;
  for (int i = 0; i < kRejectReasonCount; ++i) {
    if (counts_[i] > 0) by_count.emplace_back(counts_[i], i);
  }
  std::stable_sort(by_count.begin(), by_count.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; k < by_count.size(); ++k) {
    out += k == 0 ? " (" : ", ";
    out += std::to_string(by_count[k].first) + " ";
    out += RejectReasonName(static_cast<RejectReason>(by_count[k].second));
  }
  if (!by_count.empty()) out += ")";
  return out;
}

}  // namespace asof::import
