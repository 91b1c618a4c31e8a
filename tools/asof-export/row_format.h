// RowFormat: the text of asof-export's output. Every input column comes first, in input
// order and verbatim (the time as written in the labels), then one column per feature
// (and its status column with --status-columns).
//
//   CSV          a header line, then one line per label row; cells per value_text.h
//   JSON Lines   one object per label row: {"entity_id":"42","timestamp":"...",
//                "label":1,"f":0.5,"f__status":"PRESENT"}; labels from JSON Lines keep
//                their JSON types, labels from CSV are strings; null / absent are null.
//
// A row is built in two steps, so that the reading side can keep the label part of a row
// as one compact string until the as-of answer for it arrives:
//   std::string line;
//   format.AppendLabels(record, &line);           // reader thread
//   format.AppendFeatures(values, first, &line);  // after the join; ends the line
//
// Thread-safety: immutable after construction; use from any number of threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/status.h"
#include "tools/asof-export/export_options.h"
#include "tools/asof-import/record_reader.h"
#include "wire/asof_generated.h"

namespace asof::exporter {

class RowFormat {
 public:
  // kInvalidArgument when an output column name would appear twice (a feature named like
  // a label column, a feature listed twice).
  static Result<RowFormat> Make(OutputFormat format, char delimiter,
                                std::vector<std::string> label_columns,
                                std::vector<std::string> features, bool status_columns);

  // The CSV header line ("\n" included); empty for JSON Lines.
  std::string Header() const;

  void AppendLabels(const import::InputRecord& record, std::string* out) const;
  // The features of one row: values[first .. first + features), then the line's end.
  void AppendFeatures(const std::vector<std::unique_ptr<wire::FeatureValueT>>& values, size_t first,
                      std::string* out) const;

  size_t num_features() const { return features_.size(); }

 private:
  RowFormat() = default;

  OutputFormat format_ = OutputFormat::kCsv;
  char delimiter_ = ',';
  bool status_columns_ = false;
  std::vector<std::string> label_columns_;
  std::vector<std::string> features_;
  // JSON Lines: the quoted keys with their colon, escaped once ("\"f\":").
  std::vector<std::string> label_keys_;
  std::vector<std::string> feature_keys_;
  std::vector<std::string> status_keys_;
};

}  // namespace asof::exporter
