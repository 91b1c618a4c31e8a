#include "server/write_batcher.h"

#include <chrono>

namespace asof::server {

WriteBatcher::WriteBatcher(Engine* engine, size_t max_group, Metrics* metrics)
    : engine_(engine), max_group_(max_group), metrics_(metrics) {}

WriteBatcher::~WriteBatcher() { Stop(); }

void WriteBatcher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void WriteBatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WriteBatcher::Submit(std::vector<WriteRecord> records, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(records), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(Unavailable("server is shutting down"));
}

void WriteBatcher::Loop() {
  for (;;) {
    std::vector<Pending> group;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      size_t records = 0;
      // Always take at least one request, however large, so nothing starves.
      while (!queue_.empty() &&
             (group.empty() || records + queue_.front().records.size() <= max_group_)) {
        records += queue_.front().records.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    Apply(&group);
  }
}

Result<WriteResult> WriteBatcher::TimedWrite(std::span<const WriteRecord> records) {
  const auto start = std::chrono::steady_clock::now();
  Result<WriteResult> result = engine_->Write(records);
  if (metrics_ != nullptr) {
    metrics_->ObserveWriteGroup(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (result.ok()) metrics_->CountRecords(*result);
  }
  return result;
}

void WriteBatcher::Apply(std::vector<Pending>* group) {
  if (group->size() == 1) {
    Pending& p = group->front();
    p.done(TimedWrite(p.records));
    return;
  }
  std::vector<WriteRecord> all;
  std::vector<size_t> offsets;
  for (Pending& p : *group) {
    offsets.push_back(all.size());
    std::move(p.records.begin(), p.records.end(), std::back_inserter(all));
  }
  Result<WriteResult> result = TimedWrite(all);
  if (!result.ok()) {
    for (Pending& p : *group) p.done(result.status());
    return;
  }
  // Split the group's result back into one result per request, re-basing indexes.
  std::vector<WriteResult> parts(group->size());
  for (size_t i = 0; i < group->size(); ++i) {
    parts[i].accepted = (*group)[i].records.size();
  }
  size_t part = 0;
  for (RecordProblem& problem : result->problems) {
    while (part + 1 < offsets.size() && problem.index >= offsets[part + 1]) ++part;
    WriteResult& r = parts[part];
    problem.index -= offsets[part];
    --r.accepted;
    (problem.outcome == RecordOutcome::kDuplicate ? r.duplicates : r.rejected)++;
    r.problems.push_back(std::move(problem));
  }
  for (size_t i = 0; i < group->size(); ++i) (*group)[i].done(std::move(parts[i]));
}

}  // namespace asof::server
