#include "engine/internal/bulk_load_verify.h"

#include <rocksdb/comparator.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/table_properties.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "engine/internal/coding.h"
#include "engine/internal/keys.h"
#include "engine/internal/latest_merge_operator.h"
#include "engine/internal/latest_record.h"
#include "engine/internal/record_validation.h"
#include "engine/internal/value_codec.h"

namespace asof::internal {

namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  const size_t n = std::min<size_t>(bytes.size(), 64);
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  if (n < bytes.size()) out += "...";
  return out;
}

std::string_view KindName(BulkFileKind kind) {
  return kind == BulkFileKind::kHistory ? "history" : "latest";
}

}  // namespace

BulkLoadVerifier::BulkLoadVerifier(const Registry& registry, int64_t ingest_ts,
                                   int64_t max_event_ts)
    : registry_(registry), ingest_ts_(ingest_ts), max_event_ts_(max_event_ts) {
  for (const EntityType& e : registry.ListEntityTypes()) entity_types_[e.id] = e.name;
}

Result<uint32_t> BulkLoadVerifier::CheckEntityKey(std::string_view key) const {
  if (key.size() < EntityKeySize(0)) return InvalidArgument("key too short for an entity key");
  const size_t id_len = LoadBE16(key.data() + 6);
  if (key.size() != EntityKeySize(id_len)) {
    return InvalidArgument("entity key length does not match its entity id length");
  }
  const uint32_t type_id = LoadBE32(key.data() + 2);
  if (entity_types_.count(type_id) == 0) {
    return InvalidArgument("unknown entity type id " + std::to_string(type_id));
  }
  std::string_view entity_id = key.substr(EntityKeySize(0));
  if (Status s = CheckEntityId(entity_id); !s.ok()) return InvalidArgument(s.message());
  // A key in the wrong partition would be unreachable by every read.
  if (LoadBE16(key.data()) != PartitionOf(type_id, entity_id)) {
    return InvalidArgument("wrong partition for entity id '" + std::string(entity_id) + "'");
  }
  return type_id;
}

Result<FeaturePtr> BulkLoadVerifier::CheckFeature(uint32_t id, uint32_t entity_type_id) {
  auto it = features_.find(id);
  FeaturePtr feature = it != features_.end() ? it->second : registry_.FindById(id);
  if (feature == nullptr) return InvalidArgument("unknown feature id " + std::to_string(id));
  const std::string& type_name = entity_types_.at(entity_type_id);
  if (feature->spec.entity != type_name) {
    return InvalidArgument("feature " + feature->spec.name + " (id " + std::to_string(id) +
                           ") belongs to entity type " + feature->spec.entity + ", not " +
                           type_name);
  }
  // Writes to a deprecated version are refused; a bulk load is a write.
  if (feature->deprecated) {
    return InvalidArgument("feature " + feature->spec.name + "@" +
                           std::to_string(feature->version) + " is deprecated");
  }
  features_.emplace(id, feature);
  return feature;
}

Result<const Feature*> BulkLoadVerifier::CachedFeature(uint32_t id, uint32_t entity_type_id) {
  // A slot with entity_type_id 0 is empty (an entity type with id 0, if there were one,
  // would just never be cached). Ids past the bound go the slow way rather than growing
  // the table for a corrupt id.
  constexpr uint32_t kMaxCachedId = 1u << 20;
  if (id < checked_.size() && checked_[id].entity_type_id == entity_type_id &&
      entity_type_id != 0) {
    return checked_[id].feature;
  }
  ASSIGN_OR_RETURN(FeaturePtr feature, CheckFeature(id, entity_type_id));
  if (id < kMaxCachedId && entity_type_id != 0) {
    if (id >= checked_.size()) checked_.resize(id + 1);
    checked_[id].feature = feature.get();
    checked_[id].entity_type_id = entity_type_id;
  }
  return feature.get();
}

std::vector<uint32_t> BulkLoadVerifier::feature_ids() const {
  std::vector<uint32_t> ids;
  ids.reserve(features_.size());
  for (const auto& [id, feature] : features_) ids.push_back(id);
  return ids;
}

Status BulkLoadVerifier::CheckValue(std::string_view encoded, const Feature& feature,
                                    bool whole) const {
  const ValueType expected = feature.spec.value_type;
  const auto expected_index = static_cast<uint8_t>(expected);
  // Text must also be valid UTF-8, which only CheckValueType checks; an expected type
  // that is not a feature type is CheckValueType's to report.
  const bool text = expected == ValueType::kString || expected == ValueType::kStringList;
  if (!text && expected != ValueType::kNull && expected_index <= kMaxValueType) {
    std::string_view rest = encoded;
    ValueType type;
    Status s = SkipValue(&rest, &type);
    if (!s.ok()) return InvalidArgument(s.message());
    if (type == expected || type == ValueType::kNull) {
      if (whole && !rest.empty()) return InvalidArgument("trailing bytes after the value");
      return Status::Ok();
    }
    // A type mismatch: the full check below words the error.
  }
  Result<Value> value = DecodeValue(&encoded);
  if (!value.ok()) return InvalidArgument(value.status().message());
  if (whole && !encoded.empty()) return InvalidArgument("trailing bytes after the value");
  Status s = CheckValueType(*value, expected);
  if (!s.ok()) return InvalidArgument("feature " + feature.spec.name + ": " + s.message());
  return Status::Ok();
}

Status BulkLoadVerifier::CheckEventTs(int64_t event_ts) const {
  if (event_ts < 0 || event_ts > kMaxEventTs) {
    return InvalidArgument("event_ts " + std::to_string(event_ts) + " out of range");
  }
  if (event_ts > max_event_ts_) {
    return InvalidArgument("event_ts " + std::to_string(event_ts) +
                           " is too far in the future (max_future_skew)");
  }
  return Status::Ok();
}

Status BulkLoadVerifier::CheckHistoryEntry(std::string_view key, std::string_view value) {
  HistoryKey hk;
  if (!ParseHistoryKey(key, &hk)) return InvalidArgument("not a history key");
  const std::string_view entity_key = hk.prefix.substr(0, hk.prefix.size() - 4);
  uint32_t type_id;
  if (have_last_entity_ && entity_key == last_entity_key_) {
    type_id = last_entity_type_;  // the same bytes passed every check just before
  } else {
    ASSIGN_OR_RETURN(type_id, CheckEntityKey(entity_key));
    last_entity_key_.assign(entity_key);
    last_entity_type_ = type_id;
    have_last_entity_ = true;
  }
  if (hk.ingest_ts != ingest_ts_) {
    return InvalidArgument("ingest_ts " + std::to_string(hk.ingest_ts) + ", the load's is " +
                           std::to_string(ingest_ts_));
  }
  RETURN_IF_ERROR(CheckEventTs(hk.event_ts));
  ASSIGN_OR_RETURN(const Feature* feature, CachedFeature(hk.feature_id, type_id));
  RETURN_IF_ERROR(CheckValue(value, *feature, /*whole=*/true));
  FeatureActivity* a = hk.feature_id < checked_.size() ? checked_[hk.feature_id].activity : nullptr;
  if (a == nullptr) {
    a = &activity_[hk.feature_id];
    a->feature_id = hk.feature_id;
    if (hk.feature_id < checked_.size()) checked_[hk.feature_id].activity = a;
  }
  a->last_event_ts = a->values_written == 0 ? hk.event_ts : std::max(a->last_event_ts, hk.event_ts);
  a->last_ingest_ts = ingest_ts_;
  ++a->values_written;
  ++history_entries_;
  return Status::Ok();
}

Status BulkLoadVerifier::CheckLatestEntry(std::string_view key, std::string_view value) {
  ASSIGN_OR_RETURN(uint32_t type_id, CheckEntityKey(key));
  bins_.clear();
  if (!DecodeLatestRecord(value, &bins_)) return InvalidArgument("corrupt latest record");
  if (bins_.empty()) return InvalidArgument("latest record without bins");
  for (const BinView& bin : bins_) {
    if (bin.ingest_ts != ingest_ts_) {
      return InvalidArgument("bin of feature id " + std::to_string(bin.feature_id) +
                             " has ingest_ts " + std::to_string(bin.ingest_ts) +
                             ", the load's is " + std::to_string(ingest_ts_));
    }
    RETURN_IF_ERROR(CheckEventTs(bin.event_ts));
    ASSIGN_OR_RETURN(const Feature* feature, CachedFeature(bin.feature_id, type_id));
    RETURN_IF_ERROR(CheckValue(bin.value, *feature, /*whole=*/true));
  }
  ++latest_entries_;
  return Status::Ok();
}

Status BulkLoadVerifier::VerifyFile(const std::string& path, BulkFileKind kind) {
  const std::string where = std::string(KindName(kind)) + " file " + path;
  auto fail = [&](std::string_view what) {
    return InvalidArgument(where + ": " + std::string(what));
  };

  rocksdb::Options options;
  // Reading a merge operand needs the operator; a single operand per key comes back as
  // the operator's full merge of it, which is the same record re-encoded.
  if (kind == BulkFileKind::kLatest) options.merge_operator = NewLatestMergeOperator();
  rocksdb::SstFileReader reader(options);
  rocksdb::Status rs = reader.Open(path);
  if (!rs.ok()) return fail("cannot open as an SST file: " + rs.ToString());
  rs = reader.VerifyChecksum();
  if (!rs.ok()) return fail("checksum verification failed: " + rs.ToString());

  std::shared_ptr<const rocksdb::TableProperties> props = reader.GetTableProperties();
  if (props == nullptr) return fail("no table properties");
  if (props->comparator_name != rocksdb::BytewiseComparator()->Name()) {
    return fail("written with comparator " + props->comparator_name + ", not bytewise");
  }
  if (props->num_deletions != 0 || props->num_range_deletions != 0) {
    return fail("holds deletions");
  }
  if (kind == BulkFileKind::kHistory && props->num_merge_operands != 0) {
    return fail("history entries must be puts, found merge operands");
  }
  if (kind == BulkFileKind::kLatest && props->num_merge_operands != props->num_entries) {
    return fail("latest entries must be merge operands, found puts");
  }

  // One sequential pass over blocks never read again: caching them only costs.
  rocksdb::ReadOptions read_options;
  read_options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(reader.NewIterator(read_options));
  uint64_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
    std::string_view key(it->key().data(), it->key().size());
    std::string_view value(it->value().data(), it->value().size());
    Status s = kind == BulkFileKind::kHistory ? CheckHistoryEntry(key, value)
                                              : CheckLatestEntry(key, value);
    if (!s.ok()) {
      return fail("entry " + std::to_string(n) + " (key " + Hex(key) + "): " + s.message());
    }
  }
  if (!it->status().ok()) {
    // In a latest file this is the merge operator refusing an operand it cannot decode.
    return fail("entry " + std::to_string(n) + ": " +
                (kind == BulkFileKind::kLatest ? "corrupt latest record: " : "") +
                it->status().ToString());
  }
  if (n != props->num_entries) {
    return fail("read " + std::to_string(n) + " entries, the file says " +
                std::to_string(props->num_entries));
  }
  return Status::Ok();
}

}  // namespace asof::internal
