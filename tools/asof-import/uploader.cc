#include "tools/asof-import/uploader.h"

namespace asof::import {

Result<std::unique_ptr<LoadSession>> LoadSession::Begin(Client& client,
                                                        const std::string& fingerprint) {
  ASSIGN_OR_RETURN(Client::BulkLoad load, client.BulkLoadBegin(fingerprint));
  std::unique_ptr<LoadSession> session(new LoadSession(client, std::move(load)));
  session->open_ = !session->already_loaded();
  return session;
}

LoadSession::~LoadSession() {
  // Nothing to report to here; the server aborts the load anyway when the connection
  // closes, so a failed Abort leaves nothing behind either.
  if (open_) client_.BulkLoadAbort(load_).IgnoreError();
}

Status LoadSession::Upload(const SstFile& file) {
  ASOF_CHECK(open_) << "LoadSession::Upload on a load that is not open";
  auto index = static_cast<uint32_t>(files_.size());
  ASSIGN_OR_RETURN(Client::UploadedFile uploaded,
                   client_.BulkLoadUploadFile(load_, index, file.path));
  if (uploaded.size != file.size) {
    return Internal("uploaded " + std::to_string(uploaded.size) + " bytes of " + file.path +
                    ", which has " + std::to_string(file.size) + " (changed while uploading?)");
  }
  wire::BulkFileT f;
  f.file_index = index;
  f.kind = file.latest ? wire::BulkFileKind::Latest : wire::BulkFileKind::History;
  f.size = uploaded.size;
  f.xxh3 = uploaded.xxh3;
  f.entries = file.entries;
  // The server verifies the file while the next one is built and uploaded, so the commit
  // only waits for the last one. An older server verifies everything at commit instead.
  if (seal_) {
    ASSIGN_OR_RETURN(seal_, client_.BulkLoadSeal(load_, f));
  }
  files_.push_back(f);
  bytes_uploaded_ += uploaded.size;
  return Status::Ok();
}

Result<wire::BulkLoadCommitResponseT> LoadSession::Commit() {
  ASOF_CHECK(open_) << "LoadSession::Commit on a load that is not open";
  auto response = client_.BulkLoadCommit(load_, files_);
  // A failed commit applied nothing, but the server may still hold the staged files
  // (e.g. a verification failure): the destructor's Abort releases them. A commit that
  // timed out is ambiguous; Abort then either finds nothing or cancels it.
  if (response.ok()) open_ = false;
  return response;
}

}  // namespace asof::import
