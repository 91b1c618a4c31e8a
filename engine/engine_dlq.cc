// Listing the dead-letter store.
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

}  // namespace asof::internal
