// asof::Client, the C++ client of the native protocol. The shell, the import tool and
// the bench use only this (and never link the engine).
//
// Connection: one TCP connection with pipelining: many requests in flight, responses
// matched by request id (they may come back in any order). A reader thread owns the
// receiving side and runs callbacks; sending is serialized by a mutex.
//
// Client: a synchronous convenience API over a small pool of connections, round-robin.
// A connection that fails is replaced on the next call (reconnect); a request that was
// in flight when its connection failed reports kUnavailable and is not retried, because
// a write might have been applied.
//
// Errors: server error frames become a Status with the server's ErrorCode and message;
// transport failures are kUnavailable; a response that does not verify is kInternal.
// Thread-safety: Connection and Client are safe to use from many threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/status.h"
#include "wire/asof_generated.h"
#include "wire/frame.h"

namespace asof {

inline constexpr uint16_t kDefaultNativePort = 7070;

struct ClientOptions {
  std::string host = "127.0.0.1";
  uint16_t port = kDefaultNativePort;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{30000};
  uint32_t max_frame_bytes = wire::kDefaultMaxFrameBytes;
  std::string token;  // API token sent in the hello; empty: none
  std::string client_name = "asof-client";
  size_t pool_size = 1;  // connections of a Client
  // A bulk-load commit verifies and ingests every staged file before it answers.
  std::chrono::milliseconds bulk_commit_timeout{3600 * 1000};
};

// One response frame, payload owned.
struct Frame {
  wire::MessageType type = wire::MessageType::kErrorResponse;
  uint16_t flags = 0;
  uint64_t request_id = 0;
  std::string payload;
  bool more() const { return (flags & wire::kFlagMore) != 0; }
};

// Turns an ErrorResponse frame into its Status; OK for any other frame.
Status StatusOfFrame(const Frame& frame);

class Connection {
 public:
  // Connects (within connect_timeout) and exchanges the hello. kUnavailable when the
  // server cannot be reached, with host:port in the message.
  static Result<std::unique_ptr<Connection>> Open(const ClientOptions& options);
  // Closes the socket; callbacks of requests still in flight get kUnavailable.
  ~Connection();

  // Called once per response frame, on the reader thread (must not block for long); a
  // streamed response calls it once per chunk, the last without the MORE flag. A
  // transport failure calls it once with kUnavailable.
  using Callback = std::function<void(Result<Frame>)>;

  // Sends one request frame. Fails at once (without calling `on_frame`) when the
  // connection is already broken.
  Status SendAsync(wire::MessageType type, std::span<const uint8_t> payload, Callback on_frame);

  // Sends and waits (up to request_timeout) for every frame of the response.
  Result<std::vector<Frame>> Call(wire::MessageType type, std::span<const uint8_t> payload);

  // False once the transport failed; a Client then reconnects.
  bool healthy() const;

  const wire::HelloResponseT& hello() const;

 private:
  Connection() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Client {
 public:
  static Result<std::unique_ptr<Client>> Connect(const ClientOptions& options);
  ~Client();

  Result<wire::PingResponseT> Ping();
  Result<wire::StatsResponseT> Stats();

  Result<wire::EntityTypeT> RegisterEntityType(const std::string& name,
                                               const std::string& description);
  Result<std::vector<wire::EntityTypeT>> ListEntityTypes();
  Result<wire::RegisterFeatureResponseT> RegisterFeature(const wire::FeatureSpecT& spec,
                                                         bool new_version = false);
  // Every version (oldest first) and the change history of `ref` ("name" or "name@N").
  Result<wire::DescribeFeatureResponseT> DescribeFeature(const std::string& entity,
                                                         const std::string& ref);
  Result<wire::ListFeaturesResponseT> ListFeatures(const wire::ListFeaturesRequestT& filter);
  // `warnings`, when given, receives the server's warnings (consumers still using it).
  Status DeprecateFeature(const std::string& entity, const std::string& ref,
                          std::vector<std::string>* warnings = nullptr);
  // The lineage graph of a feature rendered as text or DOT (wire/asof.fbs LineageRequest).
  Result<std::string> Lineage(const wire::LineageRequestT& request);

  // Drift of served values against training baselines, and the baselines themselves
  // (wire/asof.fbs DriftRequest, BaselinesRequest).
  Result<wire::DriftResponseT> Drift(const wire::DriftRequestT& request);
  Result<wire::BaselinesResponseT> Baselines(const wire::BaselinesRequestT& request);
  // One page of the sampled served-feature log (wire/asof.fbs ServedLogRequest).
  Result<wire::ServedLogResponseT> ServedLog(const wire::ServedLogRequestT& request);

  // Per-record results come back in the response (accepted / duplicate / rejected).
  Result<wire::WriteResponseT> Write(const std::vector<wire::WriteRecordT>& records);

  Result<wire::OnlineReadResponseT> OnlineRead(const std::string& entity_type,
                                               const std::vector<std::string>& entity_ids,
                                               const std::vector<std::string>& features);

  // Streams the answer: `on_chunk` runs for each chunk in row order (on the calling
  // thread); a non-OK status from it stops the read and is returned. A non-empty
  // `baseline_id` adds the answered rows to that drift baseline on the server
  // (AsOfReadRequest.baseline_id).
  Status AsOfRead(const std::string& entity_type, const std::vector<std::string>& features,
                  bool replay, const std::vector<wire::AsOfRowT>& rows,
                  const std::function<Status(const wire::AsOfReadChunkT&)>& on_chunk,
                  const std::string& baseline_id = {});

  Result<wire::ListDeadLettersResponseT> ListDeadLetters(
      std::optional<std::pair<int64_t, uint64_t>> after, uint32_t limit);

  // Every feature's freshness, stale first (wire/asof.fbs FreshnessRequest).
  Result<wire::FreshnessResponseT> Freshness(bool include_deprecated);

  // ---- bulk load (wire/README.md "Bulk load") ----
  // A load belongs to the connection that began it, so every call of one load goes over
  // `conn`; closing that connection (or losing it) makes the server abort the load.
  struct BulkLoad {
    std::shared_ptr<Connection> conn;
    wire::BulkLoadBeginResponseT begin;  // load_id, ingest_ts, already_loaded, loaded_at_us
  };
  // Size and xxh3_64 of an uploaded file: what BulkLoadCommit's BulkFile needs.
  struct UploadedFile {
    uint64_t size = 0;
    uint64_t xxh3 = 0;
  };
  // Starts a load. When begin.already_loaded is set nothing was started (load_id 0): the
  // caller skips the upload.
  Result<BulkLoad> BulkLoadBegin(const std::string& fingerprint);
  // Sends one chunk and waits for its answer (offset: where `data` goes in the file).
  Status BulkLoadChunk(const BulkLoad& load, uint32_t file_index, uint64_t offset,
                       std::span<const uint8_t> data);
  // Uploads the whole file at `path` as file `file_index`: chunks of at most
  // min(chunk_bytes, what fits in the server's max frame) pipelined with up to
  // `max_in_flight` unanswered, the xxh3 computed on the way. The first error (local
  // I/O or the server's) is returned; the load is then best aborted.
  Result<UploadedFile> BulkLoadUploadFile(const BulkLoad& load, uint32_t file_index,
                                          const std::string& path, size_t chunk_bytes = 1u << 20,
                                          size_t max_in_flight = 8);
  // Seals an uploaded file (`file` as for the commit): the server checks its size and
  // xxh3 now and verifies its entries while the next files upload; a verification
  // failure is reported by the commit. False (not an error) when the server predates
  // sealing: it then verifies the file at commit.
  Result<bool> BulkLoadSeal(const BulkLoad& load, const wire::BulkFileT& file);
  // Verifies and applies the load; waits up to options.bulk_commit_timeout (verification
  // reads every file not sealed, and waits for those sealed). Nothing is applied when it
  // fails.
  Result<wire::BulkLoadCommitResponseT> BulkLoadCommit(const BulkLoad& load,
                                                       const std::vector<wire::BulkFileT>& files);
  Status BulkLoadAbort(const BulkLoad& load);

  // A healthy pooled connection (reconnecting if needed), for pipelined or raw use.
  // Shared: it stays valid for its holder after the Client replaces a broken one.
  Result<std::shared_ptr<Connection>> connection();

 private:
  Client() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace asof
