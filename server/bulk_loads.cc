#include "server/bulk_loads.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <system_error>

namespace asof::server {

namespace fs = std::filesystem;

namespace {

std::string ErrnoText(int err) { return std::generic_category().message(err); }

using HashState = std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)>;

}  // namespace

struct BulkLoads::Load {
  const void* owner = nullptr;
  uint64_t id = 0;
  std::string fingerprint;
  int64_t ingest_ts = 0;
  std::string dir;
  // Set by Begin before the id is shared; used on the worker thread only afterwards.
  std::unique_ptr<BulkLoadSession> session;

  std::mutex mu;
  struct File {
    int fd = -1;
    uint64_t size = 0;
    // Of the bytes staged so far: hashed as they arrive, so neither Seal nor Commit reads
    // the file again.
    HashState hash{nullptr, &XXH3_freeState};
    bool sealed = false;
    bool latest = false;  // as sealed
  };
  std::map<uint32_t, File> files;       // guarded by mu
  uint64_t bytes = 0;                   // guarded by mu
  bool committing = false;              // guarded by mu
  bool removed = false;                 // guarded by mu
  size_t verifying = 0;                 // guarded by mu: sealed files queued or being verified
  std::condition_variable verified_cv;  // verifying went down

  std::string PathOf(uint32_t index) const { return dir + "/" + std::to_string(index) + ".sst"; }
  void CloseFiles() {  // mu held
    for (auto& [index, f] : files) {
      if (f.fd >= 0) ::close(f.fd);
      f.fd = -1;
    }
  }
};

BulkLoads::BulkLoads(Engine* engine, std::string dir, Limits limits)
    : engine_(engine), dir_(std::move(dir)), limits_(limits) {
  std::error_code ec;
  if (fs::exists(dir_, ec)) {
    const auto removed = fs::remove_all(dir_, ec);
    if (ec) {
      spdlog::warn("[bulk] cannot delete leftovers in {}: {}", dir_, ec.message());
    } else if (removed > 1) {
      spdlog::info("[bulk] deleted {} leftover staged files and directories in {}", removed - 1,
                   dir_);
    }
  }
  worker_ = std::thread([this] { Worker(&work_, &work_cv_); });
  for (size_t i = 0; i < std::max<size_t>(limits_.verify_threads, 1); ++i) {
    verifiers_.emplace_back([this] { Worker(&verify_work_, &verify_cv_); });
  }
}

BulkLoads::~BulkLoads() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  verify_cv_.notify_all();
  // Verifications left are skipped (RunVerify), so a commit waiting for them goes on.
  for (std::thread& t : verifiers_) t.join();
  worker_.join();
  std::vector<std::shared_ptr<Load>> left;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, load] : loads_) left.push_back(load);
  }
  for (auto& load : left) Remove(load->id);
}

void BulkLoads::Worker(std::deque<std::function<void()>>* queue, std::condition_variable* cv) {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv->wait(lock, [&] { return stopping_ || !queue->empty(); });
      if (queue->empty()) return;
      job = std::move(queue->front());
      queue->pop_front();
    }
    job();
  }
}

size_t BulkLoads::open_loads() const {
  std::lock_guard lock(mu_);
  return loads_.size();
}

Result<BulkLoads::Begun> BulkLoads::Begin(const void* owner, std::string fingerprint) {
  if (fingerprint.empty()) return InvalidArgument("bulk load: the fingerprint is empty");
  ASSIGN_OR_RETURN(std::optional<int64_t> applied, engine_->BulkLoadApplied(fingerprint));
  if (applied.has_value()) return Begun{0, *applied, true, *applied};
  auto load = std::make_shared<Load>();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Unavailable("shutting down");
    if (loads_.size() >= limits_.max_loads) {
      return Status(ErrorCode::kResourceExhausted,
                    "bulk load: " + std::to_string(loads_.size()) +
                        " loads are open, the limit (limits.max_bulk_loads); retry later");
    }
    for (const auto& [id, other] : loads_) {
      if (other->fingerprint == fingerprint) {
        return Conflict("bulk load: a load of the same input (fingerprint) is in progress");
      }
    }
    load->id = next_id_++;
    load->owner = owner;
    load->fingerprint = std::move(fingerprint);
    load->dir = dir_ + "/" + std::to_string(load->id);
    loads_.emplace(load->id, load);
  }
  std::error_code ec;
  fs::create_directories(load->dir, ec);
  Result<int64_t> ts =
      ec ? Result<int64_t>(Internal("cannot create " + load->dir + ": " + ec.message()))
         : engine_->ReserveIngestTs();
  Result<std::unique_ptr<BulkLoadSession>> session =
      ts.ok() ? engine_->StartBulkLoad(*ts) : Result<std::unique_ptr<BulkLoadSession>>(ts.status());
  if (!session.ok()) {
    Remove(load->id);
    return session.status();
  }
  // Before anyone else can see the id: Begin's answer is what hands it out.
  load->ingest_ts = *ts;
  load->session = std::move(*session);
  return Begun{load->id, *ts, false, 0};
}

Result<std::shared_ptr<BulkLoads::Load>> BulkLoads::Find(const void* owner, uint64_t load_id) {
  std::lock_guard lock(mu_);
  auto it = loads_.find(load_id);
  // Another connection's load is reported as unknown: ids are not secrets, but loads
  // are not shared.
  if (it == loads_.end() || it->second->owner != owner) {
    return NotFound("no bulk load " + std::to_string(load_id) + " on this connection");
  }
  return it->second;
}

Result<uint64_t> BulkLoads::Chunk(const void* owner, uint64_t load_id, uint32_t file_index,
                                  uint64_t offset, std::span<const uint8_t> data) {
  ASSIGN_OR_RETURN(std::shared_ptr<Load> load, Find(owner, load_id));
  std::lock_guard lock(load->mu);
  if (load->committing || load->removed) {
    return Conflict("bulk load " + std::to_string(load_id) + " is being committed");
  }
  Load::File& file = load->files[file_index];
  if (file.sealed) {
    return InvalidArgument("bulk load " + std::to_string(load_id) + " file " +
                           std::to_string(file_index) + " is sealed; no more chunks");
  }
  if (offset != file.size) {
    return InvalidArgument("bulk load " + std::to_string(load_id) + " file " +
                           std::to_string(file_index) + ": chunk at offset " +
                           std::to_string(offset) + ", expected " + std::to_string(file.size) +
                           " (the chunks of a file go in order, without gaps or overlaps)");
  }
  {
    std::lock_guard glock(mu_);
    if (staged_bytes_ + data.size() > limits_.max_staged_bytes) {
      return PayloadTooLarge("bulk loads would stage more than " +
                             std::to_string(limits_.max_staged_bytes >> 20) +
                             " MB (limits.max_bulk_staged_mb)");
    }
    staged_bytes_ += data.size();
  }
  load->bytes += data.size();  // counted now, so Remove gives back exactly what was taken
  const std::string path = load->PathOf(file_index);
  if (file.fd < 0) {
    file.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (file.fd < 0) return Internal("cannot create " + path + ": " + ErrnoText(errno));
  }
  if (file.hash == nullptr) {
    file.hash.reset(XXH3_createState());
    if (file.hash == nullptr) return Internal("out of memory for an xxh3 state");
    XXH3_64bits_reset(file.hash.get());
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(file.fd, data.data() + done, data.size() - done,
                         static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Internal("cannot write " + path + ": " + ErrnoText(errno));
    done += static_cast<size_t>(n);
  }
  file.size += data.size();
  XXH3_64bits_update(file.hash.get(), data.data(), data.size());
  return load->bytes;
}

namespace {

uint64_t DigestOf(const HashState& hash) {
  // A file that was never given a byte (an empty first chunk) hashes as empty input.
  return hash != nullptr ? XXH3_64bits_digest(hash.get()) : XXH3_64bits(nullptr, 0);
}

}  // namespace

Status BulkLoads::Seal(const void* owner, uint64_t load_id, const CommitFile& f) {
  ASSIGN_OR_RETURN(std::shared_ptr<Load> load, Find(owner, load_id));
  {
    std::lock_guard lock(load->mu);
    if (load->committing || load->removed) {
      return Conflict("bulk load " + std::to_string(load_id) + " is being committed");
    }
    const std::string name = "file " + std::to_string(f.file_index);
    auto it = load->files.find(f.file_index);
    if (it == load->files.end()) return InvalidArgument(name + " was never uploaded");
    Load::File& file = it->second;
    if (file.sealed) return InvalidArgument(name + " is already sealed");
    if (file.size != f.size) {
      return InvalidArgument(name + ": " + std::to_string(file.size) +
                             " bytes staged, the seal says " + std::to_string(f.size));
    }
    const uint64_t staged = DigestOf(file.hash);
    if (staged != f.xxh3) {
      return InvalidArgument(name + ": xxh3 of the staged bytes differs from the seal's");
    }
    std::lock_guard glock(mu_);
    if (stopping_) return Unavailable("shutting down");
    file.sealed = true;
    file.latest = f.latest;
    if (file.fd >= 0) ::close(file.fd);  // written whole: the verifier reads it next
    file.fd = -1;
    ++load->verifying;
    verify_work_.push_back(
        [this, load, index = f.file_index, latest = f.latest] { RunVerify(load, index, latest); });
  }
  verify_cv_.notify_one();
  return Status::Ok();
}

void BulkLoads::RunVerify(const std::shared_ptr<Load>& load, uint32_t file_index, bool latest) {
  // However this ends, the commit stops waiting for this file (a file skipped here is
  // verified by Ingest if the load is still committed).
  struct Done {
    Load* load;
    ~Done() {
      std::lock_guard lock(load->mu);
      --load->verifying;
      load->verified_cv.notify_all();
    }
  } done{load.get()};
  {
    std::lock_guard lock(load->mu);
    if (load->removed) return;  // aborted since: nothing to verify for
  }
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;  // its load goes with the shutdown
  }
  // The outcome stays in the session; Commit reports it. A file deleted by an Abort
  // racing with this fails here, harmlessly.
  const auto start = std::chrono::steady_clock::now();
  Status s = load->session->Verify(load->PathOf(file_index),
                                   latest ? BulkFileKind::kLatest : BulkFileKind::kHistory);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  if (s.ok()) {
    spdlog::info("[bulk] load {} file {} verified in {} ms", load->id, file_index, ms);
  } else {
    spdlog::info("[bulk] load {} file {} failed verification in {} ms: {}", load->id, file_index,
                 ms, s.ToString());
  }
}

void BulkLoads::Commit(const void* owner, uint64_t load_id, std::vector<CommitFile> files,
                       std::function<void(Result<Committed>)> done) {
  Result<std::shared_ptr<Load>> found = Find(owner, load_id);
  if (!found.ok()) return done(found.status());
  std::shared_ptr<Load> load = *found;
  std::vector<uint64_t> staged;  // xxh3 of each listed file's staged bytes
  {
    std::lock_guard lock(load->mu);
    if (load->committing || load->removed) {
      return done(Conflict("bulk load " + std::to_string(load_id) + " is already committing"));
    }
    std::set<uint32_t> listed;
    for (const CommitFile& f : files) {
      auto it = load->files.find(f.file_index);
      const std::string name = "file " + std::to_string(f.file_index);
      if (!listed.insert(f.file_index).second) return done(InvalidArgument(name + " listed twice"));
      if (it == load->files.end()) return done(InvalidArgument(name + " was never uploaded"));
      if (it->second.size != f.size) {
        return done(InvalidArgument(name + ": " + std::to_string(it->second.size) +
                                    " bytes staged, the commit says " + std::to_string(f.size)));
      }
      if (it->second.sealed && it->second.latest != f.latest) {
        return done(InvalidArgument(name + " was sealed as a " +
                                    (it->second.latest ? "latest" : "history") +
                                    " file, the commit says otherwise"));
      }
      staged.push_back(DigestOf(it->second.hash));
    }
    if (listed.size() != load->files.size()) {
      return done(InvalidArgument("the commit does not list every uploaded file"));
    }
    load->committing = true;
    load->CloseFiles();
  }
  std::lock_guard lock(mu_);
  if (stopping_) return done(Unavailable("shutting down"));
  work_.push_back(
      [this, load, files = std::move(files), staged = std::move(staged), done = std::move(done),
       asked = std::chrono::steady_clock::now()] { RunCommit(load, files, staged, asked, done); });
  work_cv_.notify_one();
}

void BulkLoads::RunCommit(const std::shared_ptr<Load>& load, const std::vector<CommitFile>& files,
                          const std::vector<uint64_t>& staged,
                          std::chrono::steady_clock::time_point asked,
                          const std::function<void(Result<Committed>)>& done) {
  {
    // The sealed files' outcomes must be in the session before Ingest looks.
    std::unique_lock lock(load->mu);
    load->verified_cv.wait(lock, [&] { return load->verifying == 0; });
  }
  BulkLoadFiles paths;
  Status status;
  for (size_t i = 0; i < files.size(); ++i) {
    const CommitFile& f = files[i];
    if (staged[i] != f.xxh3) {
      status = InvalidArgument("file " + std::to_string(f.file_index) +
                               ": xxh3 of the staged bytes differs from the commit's; nothing "
                               "was applied");
      break;
    }
    (f.latest ? paths.latest : paths.history).push_back(load->PathOf(f.file_index));
  }
  Result<Committed> result = Internal("bulk load not run");  // replaced below
  if (!status.ok()) {
    result = status;
  } else {
    // Verifies the files not sealed; the sealed ones were verified by RunVerify.
    Result<BulkLoadResult> ingested = load->session->Ingest(paths, load->fingerprint);
    if (ingested.ok()) {
      result = Committed{*ingested, load->ingest_ts};
      // From the commit request to here: what the client waits for.
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - asked)
                          .count();
      spdlog::info(
          "[bulk] load {} applied: {} history and {} latest entries, ingest_ts {}; commit took {} "
          "ms",
          load->id, ingested->history_entries, ingested->latest_entries, load->ingest_ts, ms);
    } else {
      result = ingested.status();
    }
  }
  if (!result.ok()) spdlog::warn("[bulk] load {} failed: {}", load->id, result.status().ToString());
  Remove(load->id);
  done(std::move(result));
}

void BulkLoads::Remove(uint64_t load_id) {
  std::shared_ptr<Load> load;
  {
    std::lock_guard lock(mu_);
    auto it = loads_.find(load_id);
    if (it == loads_.end()) return;
    load = it->second;
  }
  uint64_t bytes;
  {
    std::lock_guard lock(load->mu);
    load->removed = true;
    load->CloseFiles();
    bytes = load->bytes;
  }
  {
    std::lock_guard lock(mu_);
    loads_.erase(load_id);
    staged_bytes_ -= bytes;
  }
  std::error_code ec;
  fs::remove_all(load->dir, ec);
  if (ec) spdlog::warn("[bulk] cannot delete {}: {}", load->dir, ec.message());
}

Status BulkLoads::Abort(const void* owner, uint64_t load_id) {
  ASSIGN_OR_RETURN(std::shared_ptr<Load> load, Find(owner, load_id));
  {
    std::lock_guard lock(load->mu);
    if (load->committing) {
      return Conflict("bulk load " + std::to_string(load_id) + " is being committed");
    }
  }
  Remove(load_id);
  return Status::Ok();
}

void BulkLoads::AbortAll(const void* owner) {
  std::vector<uint64_t> ids;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, load] : loads_) {
      if (load->owner == owner) ids.push_back(id);
    }
  }
  // A load being committed finishes and removes itself.
  for (uint64_t id : ids) (void)Abort(owner, id);
}

}  // namespace asof::server
