// For --register: infers a value type for each unknown feature column from a sample of
// records, and builds the FeatureSpecT to register. The pipeline keeps the sampled
// records and validates them after registering (stdin cannot be read twice).
//
// From CSV text, every non-null value of a column must fit the candidate: true/false ->
// BOOL; integers -> INT64; numbers (integers mixed in) -> DOUBLE; JSON arrays of numbers
// -> DOUBLE_LIST, of strings -> STRING_LIST; anything else -> STRING. "0"/"1" are
// integers, not booleans; "007" is a STRING (a number would lose the zeros). From JSON Lines the
// JSON types decide (a string is a STRING even when it looks like a number).
//
// Thread-safety: not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "engine/status.h"
#include "engine/value.h"
#include "tools/asof-import/mapping.h"
#include "tools/asof-import/record_reader.h"
#include "wire/asof_generated.h"

namespace asof::import {

class TypeInference {
 public:
  // `columns`: the columns to infer (UnknownFeatures); `null_markers` from the mapping.
  TypeInference(std::vector<ResolvedMapping::Feature> columns,
                std::vector<std::string> null_markers);

  // Observes one record (its fields aligned with the reader's columns).
  void Observe(const InputRecord& record);
  uint64_t records_observed() const { return records_; }

  // One spec per column: name = feature name, entity = entity_type, value_type inferred,
  // description noting it was inferred by asof-import. kInvalidArgument naming the
  // columns whose type cannot be inferred (only nulls in the sample, JSON objects, or
  // mixed kinds such as strings and numbers in JSON).
  Result<std::vector<wire::FeatureSpecT>> Specs(const std::string& entity_type) const;

 private:
  std::vector<ResolvedMapping::Feature> columns_;
  std::vector<std::string> null_markers_;
  std::vector<uint32_t> seen_;  // bitmask of observed kinds per column
  uint64_t records_ = 0;
};

}  // namespace asof::import
