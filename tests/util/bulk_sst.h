// Builds bulk-load SST files the way asof-import does (engine/doc/formats.md): history
// puts and `latest` merge operands, written with rocksdb::SstFileWriter and the
// asof_format encoders. Header-only: a test that includes it links asof_format and
// RocksDB (the engine tests get both through asof_engine).
#pragma once

#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/internal/keys.h"
#include "engine/internal/latest_record.h"
#include "engine/internal/value_codec.h"
#include "engine/status.h"
#include "engine/value.h"

namespace asof::testing {

// One version of one feature of one entity.
struct BulkVersion {
  uint32_t entity_type_id = 0;
  std::string entity_id;
  uint32_t feature_id = 0;
  int64_t event_ts = 0;
  Value value;
};

struct RawEntry {
  std::string key;
  std::string value;
};

// Writes `entries` (sorted here) as puts, or as merge operands when `merge`.
inline Status WriteRawSst(const std::string& path, std::vector<RawEntry> entries, bool merge) {
  std::sort(entries.begin(), entries.end(),
            [](const RawEntry& a, const RawEntry& b) { return a.key < b.key; });
  rocksdb::SstFileWriter writer{rocksdb::EnvOptions(), rocksdb::Options()};
  rocksdb::Status s = writer.Open(path);
  for (size_t i = 0; s.ok() && i < entries.size(); ++i) {
    s = merge ? writer.Merge(entries[i].key, entries[i].value)
              : writer.Put(entries[i].key, entries[i].value);
  }
  if (s.ok()) s = writer.Finish();
  return s.ok() ? Status::Ok() : Internal("SstFileWriter " + path + ": " + s.ToString());
}

inline std::string HistoryKeyOf(const BulkVersion& v, int64_t ingest_ts) {
  std::string key;
  internal::AppendEntityKey(v.entity_type_id, v.entity_id, &key);
  internal::AppendHistorySuffix(v.feature_id, v.event_ts, ingest_ts, &key);
  return key;
}

inline std::string EncodedValue(const Value& value) {
  std::string out;
  internal::EncodeValue(value, &out);
  return out;
}

// History puts of `versions`, every one carrying `ingest_ts`.
inline std::vector<RawEntry> HistoryEntries(const std::vector<BulkVersion>& versions,
                                            int64_t ingest_ts) {
  std::vector<RawEntry> out;
  for (const BulkVersion& v : versions) {
    out.push_back({HistoryKeyOf(v, ingest_ts), EncodedValue(v.value)});
  }
  return out;
}

// One `latest` operand per entity holding the newest of its versions per feature.
inline std::vector<RawEntry> LatestEntries(const std::vector<BulkVersion>& versions,
                                           int64_t ingest_ts) {
  std::map<std::string, std::vector<const BulkVersion*>> by_entity;
  for (const BulkVersion& v : versions) {
    std::string key;
    internal::AppendEntityKey(v.entity_type_id, v.entity_id, &key);
    by_entity[key].push_back(&v);
  }
  std::vector<RawEntry> out;
  for (const auto& [key, list] : by_entity) {
    std::vector<std::string> encoded;
    encoded.reserve(list.size());
    std::vector<internal::BinView> bins;
    for (const BulkVersion* v : list) {
      encoded.push_back(EncodedValue(v->value));
      bins.push_back({v->feature_id, v->event_ts, ingest_ts, encoded.back()});
    }
    std::string record;
    internal::EncodeWinners(&bins, &record);
    out.push_back({key, std::move(record)});
  }
  return out;
}

inline Status WriteHistorySst(const std::string& path, const std::vector<BulkVersion>& versions,
                              int64_t ingest_ts) {
  return WriteRawSst(path, HistoryEntries(versions, ingest_ts), /*merge=*/false);
}

inline Status WriteLatestSst(const std::string& path, const std::vector<BulkVersion>& versions,
                             int64_t ingest_ts) {
  return WriteRawSst(path, LatestEntries(versions, ingest_ts), /*merge=*/true);
}

}  // namespace asof::testing
