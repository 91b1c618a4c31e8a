// The dead-letter store: listing it, and letters for records rejected before Write.
#include <rocksdb/write_batch.h>

#include <algorithm>

#include "engine/internal/dead_letter_codec.h"
#include "engine/internal/engine_impl.h"
#include "engine/internal/keys.h"

namespace asof::internal {

Result<std::vector<DeadLetter>> EngineImpl::ListDeadLetters(std::optional<DeadLetterId> after,
                                                            size_t limit) {
  std::vector<DeadLetter> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kDlqCf]));
  if (after.has_value()) {
    std::string start = DeadLetterKey(after->ingest_ts, after->seq);
    it->Seek(start);
    if (it->Valid() && it->key() == start) it->Next();
  } else {
    it->SeekToFirst();
  }
  for (; it->Valid() && out.size() < limit; it->Next()) {
    DeadLetter d;
    if (!ParseDeadLetterKey(std::string_view(it->key().data(), it->key().size()), &d.id.ingest_ts,
                            &d.id.seq)) {
      return Internal("corrupt dead-letter key");
    }
    RETURN_IF_ERROR(DecodeDeadLetter(std::string_view(it->value().data(), it->value().size()),
                                     &d.record, &d.reason));
    out.push_back(std::move(d));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "listing dead letters"));
  return out;
}

Status EngineImpl::AddDeadLetters(std::span<const DeadLetterInput> letters) {
  for (const DeadLetterInput& letter : letters) {
    if (letter.reason.ok()) return InvalidArgument("a dead letter needs a reason");
  }
  if (letters.empty()) return Status::Ok();
  std::lock_guard<std::mutex> lock(write_mu_);
  // Keys as in Write: the same sequence under the same lock, so letters of both paths
  // list in one arrival order.
  last_dlq_ts_ = std::max(last_dlq_ts_, options_.clock->NowMicros());
  const uint64_t first_seq = next_dlq_seq_;
  rocksdb::WriteBatch batch;
  std::string value;
  rocksdb::Status s;
  for (size_t i = 0; i < letters.size() && s.ok(); ++i) {
    value.clear();
    EncodeDeadLetter(letters[i].record, letters[i].reason, &value);
    s = batch.Put(cfs_[kDlqCf], DeadLetterKey(last_dlq_ts_, first_seq + i), value);
  }
  RETURN_IF_ERROR(FromRocks(s, "building dead-letter batch"));
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync_writes;
  RETURN_IF_ERROR(FromRocks(db_->Write(wo, &batch), "writing dead letters"));
  // Only a stored batch consumes its sequence numbers.
  next_dlq_seq_ = first_seq + letters.size();
  rejected_.fetch_add(letters.size(), std::memory_order_relaxed);
  return Status::Ok();
}

}  // namespace asof::internal
