#include "engine/internal/latest_merge_operator.h"

#include <string>
#include <vector>

#include "engine/internal/latest_record.h"

namespace asof::internal {

namespace {

class LatestMergeOperator final : public rocksdb::MergeOperator {
 public:
  const char* Name() const override { return "asof.LatestMerge.v1"; }

  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    // An entity whose bins all came in one write (or were merged by a flush) is one
    // operand over nothing: that operand is already the record. Online reads of freshly
    // written entities hit this on every Get, so skip the decode / sort / encode.
    if (in.existing_value == nullptr && in.operand_list.size() == 1) {
      out->existing_operand = in.operand_list.front();
      return true;
    }
    std::vector<BinView> bins;
    if (in.existing_value != nullptr && !Decode(*in.existing_value, &bins)) return false;
    for (const rocksdb::Slice& op : in.operand_list) {
      if (!Decode(op, &bins)) return false;
    }
    EncodeWinners(&bins, &out->new_value);
    return true;
  }

  bool PartialMergeMulti(const rocksdb::Slice& key, const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value, rocksdb::Logger* logger) const override {
    std::vector<BinView> bins;
    for (const rocksdb::Slice& op : operands) {
      if (!Decode(op, &bins)) return false;
    }
    EncodeWinners(&bins, new_value);
    return true;
  }

 private:
  // Returning false makes RocksDB report corruption instead of guessing.
  static bool Decode(const rocksdb::Slice& s, std::vector<BinView>* bins) {
    return DecodeLatestRecord(std::string_view(s.data(), s.size()), bins);
  }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewLatestMergeOperator() {
  return std::make_shared<LatestMergeOperator>();
}

}  // namespace asof::internal
