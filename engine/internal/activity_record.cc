#include "engine/internal/activity_record.h"

#include <algorithm>

#include "engine/internal/coding.h"

namespace asof::internal {

namespace {

constexpr uint8_t kActivityFormat = 1;

class ActivityMergeOperator final : public rocksdb::MergeOperator {
 public:
  const char* Name() const override { return "asof.ActivityMerge.v1"; }

  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    FeatureActivity sum;
    if (in.existing_value != nullptr && !Fold(*in.existing_value, &sum)) return false;
    for (const rocksdb::Slice& op : in.operand_list) {
      if (!Fold(op, &sum)) return false;
    }
    out->new_value.clear();
    EncodeActivity(sum, &out->new_value);
    return true;
  }

  bool PartialMergeMulti(const rocksdb::Slice&, const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value, rocksdb::Logger*) const override {
    FeatureActivity sum;
    for (const rocksdb::Slice& op : operands) {
      if (!Fold(op, &sum)) return false;
    }
    new_value->clear();
    EncodeActivity(sum, new_value);
    return true;
  }

 private:
  static bool Fold(const rocksdb::Slice& s, FeatureActivity* sum) {
    FeatureActivity a;
    if (!DecodeActivity(std::string_view(s.data(), s.size()), &a)) return false;
    MergeActivity(a, sum);
    return true;
  }
};

}  // namespace

std::string ActivityKey(uint32_t feature_id) {
  std::string key(kActivityKeyPrefix);
  PutBE32(&key, feature_id);
  return key;
}

bool ParseActivityKey(std::string_view key, uint32_t* feature_id) {
  if (key.size() != kActivityKeyPrefix.size() + 4 || !key.starts_with(kActivityKeyPrefix)) {
    return false;
  }
  *feature_id = LoadBE32(key.data() + kActivityKeyPrefix.size());
  return true;
}

void EncodeActivity(const FeatureActivity& a, std::string* out) {
  out->push_back(static_cast<char>(kActivityFormat));
  PutVarsint64(out, a.last_event_ts);
  PutVarsint64(out, a.last_ingest_ts);
  PutVarint64(out, a.values_written);
}

bool DecodeActivity(std::string_view in, FeatureActivity* a) {
  ByteReader r(in);
  uint8_t format = 0;
  return r.GetByte(&format) && format == kActivityFormat && r.GetVarsint64(&a->last_event_ts) &&
         r.GetVarsint64(&a->last_ingest_ts) && r.GetVarint64(&a->values_written) && r.empty();
}

void MergeActivity(const FeatureActivity& delta, FeatureActivity* into) {
  // Event times are never negative, so a zeroed entry is a neutral start.
  into->last_event_ts = std::max(into->last_event_ts, delta.last_event_ts);
  into->last_ingest_ts = std::max(into->last_ingest_ts, delta.last_ingest_ts);
  into->values_written += delta.values_written;
}

std::shared_ptr<rocksdb::MergeOperator> NewActivityMergeOperator() {
  return std::make_shared<ActivityMergeOperator>();
}

}  // namespace asof::internal
