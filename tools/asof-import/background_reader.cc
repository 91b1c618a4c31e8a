#include "tools/asof-import/background_reader.h"

#include "tools/asof-import/row_validator.h"

namespace asof::import {

BackgroundReader::BackgroundReader(RecordReader& reader)
    : reader_(reader), thread_([this] { Run(); }) {}

BackgroundReader::~BackgroundReader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

RecordBatch BackgroundReader::Next() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !ready_.empty(); });
  RecordBatch batch = std::move(ready_.front());
  ready_.pop_front();
  lock.unlock();
  cv_.notify_all();
  return batch;
}

void BackgroundReader::Run() {
  while (true) {
    RecordBatch batch;
    batch.records.reserve(kBatchRecords);
    while (batch.records.size() < kBatchRecords) {
      auto next = reader_.Next();
      if (!next.ok() && next.status().code() == ErrorCode::kInvalidArgument) {
        batch.records.emplace_back(
            RowValidator::MalformedRecord(next.status(), reader_.last_bad_record()));
        continue;
      }
      if (!next.ok() || !next->has_value()) {
        batch.end = true;
        if (!next.ok()) batch.status = next.status();
        break;
      }
      batch.records.emplace_back(std::move(**next));
    }
    batch.bytes_read = reader_.bytes_read();
    const bool end = batch.end;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return ready_.size() < kMaxBatches || stop_; });
      if (stop_) return;
      ready_.push_back(std::move(batch));
    }
    cv_.notify_all();
    if (end) return;
  }
}

}  // namespace asof::import
