#include "wire/client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdio>

#include "flatbuffers/flatbuffers.h"
#include "wire/verify.h"

namespace asof {

namespace {

using Clock = std::chrono::steady_clock;
using wire::MessageType;

std::string ErrnoText(int err) { return std::generic_category().message(err); }

std::string TypeName(MessageType type) { return std::string(wire::MessageTypeName(type)); }

// Requests are even and their responses odd (request + 1), see wire/frame.h.
MessageType ResponseTypeOf(MessageType request) {
  return static_cast<MessageType>(static_cast<uint8_t>(request) + 1);
}

std::span<const uint8_t> BufferOf(const flatbuffers::FlatBufferBuilder& fbb) {
  return {fbb.GetBufferPointer(), fbb.GetSize()};
}

// The root table of `payload` after a full verification, or nullptr: a peer's bytes are
// never read through the FlatBuffers accessors before they have been verified.
template <typename T>
const T* VerifiedRoot(MessageType type, const std::string& payload) {
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
  // A legitimate answer (an as-of chunk of many values) can hold more tables than the
  // default bound; every table takes at least 4 bytes, so scale the bound with the size.
  wire::VerifyLimits limits;
  limits.max_tables =
      static_cast<uint32_t>(std::max<size_t>(limits.max_tables, payload.size() / 4));
  if (!wire::VerifyPayload(type, bytes, limits)) return nullptr;
  return flatbuffers::GetRoot<T>(bytes.data());
}

// Unpacks a single response frame of type `expected` into its object-API type.
template <typename T>
Result<typename T::NativeTableType> Unpack(const Frame& frame, MessageType expected) {
  RETURN_IF_ERROR(StatusOfFrame(frame));
  if (frame.type != expected) {
    return Internal("expected a " + TypeName(expected) + ", the server sent a " +
                    TypeName(frame.type));
  }
  const T* root = VerifiedRoot<T>(expected, frame.payload);
  if (root == nullptr) return Internal("malformed " + TypeName(expected) + " from the server");
  typename T::NativeTableType out;
  root->UnPackTo(&out);
  return out;
}

// Closes a socket on every early return of the connect path.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Connects one resolved address before `deadline`: a non-blocking connect bounded by
// poll, then back to blocking mode (the reader thread blocks in recv).
Result<int> ConnectOne(const addrinfo& ai, Clock::time_point deadline) {
  UniqueFd fd(
      ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol));
  if (fd.get() < 0) return Unavailable(ErrnoText(errno));
  if (::connect(fd.get(), ai.ai_addr, ai.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return Unavailable(ErrnoText(errno));
    pollfd p{fd.get(), POLLOUT, 0};
    while (true) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      int n = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
      if (n > 0) break;
      if (n == 0) return Unavailable("connect timed out");
      if (errno != EINTR) return Unavailable(ErrnoText(errno));
    }
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) return Unavailable(ErrnoText(err));
  }
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return Unavailable(ErrnoText(errno));
  }
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd.release();
}

Result<int> ConnectSocket(const ClientOptions& options, const std::string& peer) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int rc =
      ::getaddrinfo(options.host.c_str(), std::to_string(options.port).c_str(), &hints, &found);
  if (rc != 0) return Unavailable("cannot resolve " + peer + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, &::freeaddrinfo);
  auto deadline = Clock::now() + options.connect_timeout;
  std::string why = "no address";
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    Result<int> fd = ConnectOne(*ai, deadline);
    if (fd.ok()) return fd;
    why = fd.status().message();
  }
  return Unavailable("cannot connect to " + peer + ": " + why);
}

// What a waiting caller and the reader thread share. The reader's callback holds a
// reference, so a caller that gave up (timeout, early stop) leaves nothing dangling;
// `abandoned` makes the callback drop the rest of the response instead of buffering it.
struct Waiter {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Frame> frames;  // guarded by mu
  Status failure;            // guarded by mu
  bool done = false;         // guarded by mu: the last frame or a failure arrived
  bool abandoned = false;    // guarded by mu

  static Connection::Callback CallbackOf(const std::shared_ptr<Waiter>& w) {
    return [w](Result<Frame> r) {
      std::lock_guard lock(w->mu);
      if (w->abandoned) return;
      if (r.ok()) {
        w->done = !r->more();
        w->frames.push_back(std::move(r).value());
      } else {
        w->failure = r.status();
        w->done = true;
      }
      w->cv.notify_all();
    };
  }
};

}  // namespace

Status StatusOfFrame(const Frame& frame) {
  if (frame.type != MessageType::kErrorResponse) return Status::Ok();
  const auto* error = VerifiedRoot<wire::ErrorResponse>(frame.type, frame.payload);
  if (error == nullptr) return Internal("malformed ErrorResponse from the server");
  std::string message = error->message() != nullptr ? error->message()->str() : "";
  uint8_t code = error->code();
  // The wire code is the ErrorCode number (asof.fbs); anything else is a server bug.
  if (code == 0 || code > static_cast<uint8_t>(ErrorCode::kInternal)) {
    return Internal("server sent error code " + std::to_string(code) + ": " + message);
  }
  return Status(static_cast<ErrorCode>(code), std::move(message));
}

// ---- Connection ---------------------------------------------------------------------

struct Connection::Impl {
  ClientOptions options;
  std::string peer;  // "host:port", for messages
  int fd = -1;
  wire::HelloResponseT hello;
  std::thread reader;

  // Lock order: send_mu before mu. The reader thread never takes send_mu.
  std::mutex send_mu;    // one frame at a time on the socket
  uint64_t next_id = 1;  // guarded by send_mu

  std::mutex mu;
  std::unordered_map<uint64_t, std::shared_ptr<Callback>> pending;  // guarded by mu
  std::string break_reason;                                         // guarded by mu
  std::atomic<bool> broken{false};  // written under mu, read anywhere

  Result<uint64_t> Send(MessageType type, std::span<const uint8_t> payload, Callback cb);
  Status WriteAll(const std::string& bytes);
  Result<std::vector<Frame>> Wait(MessageType type, std::span<const uint8_t> payload,
                                  std::chrono::milliseconds timeout);
  void Break(const std::string& why);
  void ReadLoop();
  void Deliver(uint64_t id, bool last, Result<Frame> frame);
  void FailAll();
};

Result<uint64_t> Connection::Impl::Send(MessageType type, std::span<const uint8_t> payload,
                                        Callback cb) {
  if (hello.max_frame_bytes != 0 && payload.size() > hello.max_frame_bytes) {
    return PayloadTooLarge(TypeName(type) + " of " + std::to_string(payload.size()) +
                           " bytes is over the server's limit of " +
                           std::to_string(hello.max_frame_bytes));
  }
  std::lock_guard send_lock(send_mu);
  uint64_t id = next_id++;
  {
    std::lock_guard lock(mu);
    if (broken) return Unavailable("connection to " + peer + " is broken: " + break_reason);
    // Registered before the write: the response may arrive before the write returns.
    pending.emplace(id, std::make_shared<Callback>(std::move(cb)));
  }
  std::string frame;
  frame.reserve(wire::kHeaderSize + payload.size());
  wire::AppendFrame(type, 0, id, payload, &frame);
  Status written = WriteAll(frame);
  if (written.ok()) return id;
  Break("send failed: " + written.message());
  std::lock_guard lock(mu);
  // If the reader already failed our callback, the caller has been told through it.
  if (pending.erase(id) == 0) return id;
  return Unavailable("connection to " + peer + " lost: send failed: " + written.message());
}

Status Connection::Impl::WriteAll(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n >= 0) {
      done += static_cast<size_t>(n);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return Unavailable("timed out (the server does not read)");  // SO_SNDTIMEO
    } else if (errno != EINTR) {
      return Unavailable(ErrnoText(errno));
    }
  }
  return Status::Ok();
}

Result<std::vector<Frame>> Connection::Impl::Wait(MessageType type,
                                                  std::span<const uint8_t> payload,
                                                  std::chrono::milliseconds timeout) {
  auto waiter = std::make_shared<Waiter>();
  ASSIGN_OR_RETURN(uint64_t id, Send(type, payload, Waiter::CallbackOf(waiter)));
  std::unique_lock lock(waiter->mu);
  if (!waiter->cv.wait_for(lock, timeout, [&] { return waiter->done; })) {
    waiter->abandoned = true;
    lock.unlock();
    std::lock_guard pending_lock(mu);
    pending.erase(id);  // a late answer is dropped; the callback may still be running
    return Unavailable("request timed out after " + std::to_string(timeout.count()) + " ms (" +
                       TypeName(type) + " to " + peer + ")");
  }
  if (!waiter->failure.ok()) return waiter->failure;
  return std::vector<Frame>(std::make_move_iterator(waiter->frames.begin()),
                            std::make_move_iterator(waiter->frames.end()));
}

// Marks the connection unusable and wakes the reader, which fails what is pending; the
// callbacks thus always run on the reader thread.
void Connection::Impl::Break(const std::string& why) {
  {
    std::lock_guard lock(mu);
    if (break_reason.empty()) break_reason = why;
    broken = true;
  }
  ::shutdown(fd, SHUT_RDWR);
}

void Connection::Impl::FailAll() {
  std::unordered_map<uint64_t, std::shared_ptr<Callback>> orphans;
  std::string why;
  {
    std::lock_guard lock(mu);
    broken = true;
    orphans.swap(pending);
    why = break_reason;
  }
  Status status = Unavailable("connection to " + peer + " lost: " + why);
  for (auto& [id, cb] : orphans) (*cb)(status);
}

void Connection::Impl::Deliver(uint64_t id, bool last, Result<Frame> frame) {
  std::shared_ptr<Callback> cb;
  {
    std::lock_guard lock(mu);
    auto it = pending.find(id);
    if (it == pending.end()) return;  // e.g. a late answer to a caller that gave up
    cb = it->second;
    if (last) pending.erase(it);
  }
  (*cb)(std::move(frame));
}

void Connection::Impl::ReadLoop() {
  wire::FrameDecoder decoder(options.max_frame_bytes);
  std::string buffer(64 << 10, '\0');
  while (true) {
    ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n == 0) {
      Break("closed by the server");
      break;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      Break(ErrnoText(errno));
      break;
    }
    decoder.Append(std::string_view(buffer.data(), static_cast<size_t>(n)));
    wire::FrameHeader header;
    std::string_view payload;
    wire::FrameError error = wire::FrameError::kNone;
    wire::FrameDecoder::Step step;
    while ((step = decoder.Next(&header, &payload, &error)) !=
           wire::FrameDecoder::Step::kNeedMore) {
      if (step == wire::FrameDecoder::Step::kFrame) {
        bool last = (header.flags & wire::kFlagMore) == 0;
        Deliver(header.request_id, last,
                Frame{header.type, header.flags, header.request_id, std::string(payload)});
      } else if (wire::CanContinueAfter(error)) {
        // The frame is skipped but its request is known: that request fails, others go on.
        Deliver(header.request_id, true,
                Internal("bad response frame from " + peer + ": " +
                         std::string(wire::FrameErrorMessage(error))));
      } else {
        Break("unreadable stream: " + std::string(wire::FrameErrorMessage(error)));
        FailAll();
        return;
      }
    }
  }
  FailAll();
}

Result<std::unique_ptr<Connection>> Connection::Open(const ClientOptions& options) {
  std::string peer = options.host + ":" + std::to_string(options.port);
  ASSIGN_OR_RETURN(int fd, ConnectSocket(options, peer));
  // Bounds a blocked send (a server that stopped reading) by the request timeout.
  timeval tv{static_cast<time_t>(options.request_timeout.count() / 1000),
             static_cast<suseconds_t>(options.request_timeout.count() % 1000 * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

  std::unique_ptr<Connection> conn(new Connection());
  conn->impl_ = std::make_unique<Impl>();
  Impl* impl = conn->impl_.get();
  impl->options = options;
  impl->peer = peer;
  impl->fd = fd;
  try {
    impl->reader = std::thread([impl] { impl->ReadLoop(); });
  } catch (const std::system_error& e) {
    return Internal("cannot start the reader thread of " + peer + ": " + e.what());
  }

  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreateHelloRequestDirect(
      fbb, options.client_name.c_str(), options.token.empty() ? nullptr : options.token.c_str()));
  // The hello is bounded by connect_timeout as well: a server that accepts but does not
  // answer is as unreachable as one that does not accept.
  Result<std::vector<Frame>> answer =
      impl->Wait(MessageType::kHelloRequest, BufferOf(fbb), options.connect_timeout);
  if (!answer.ok()) {
    return Status(answer.status().code(),
                  "no hello from " + peer + ": " + answer.status().message());
  }
  ASSIGN_OR_RETURN(impl->hello,
                   Unpack<wire::HelloResponse>(answer->front(), MessageType::kHelloResponse));
  return conn;
}

Connection::~Connection() {
  if (impl_ == nullptr) return;
  ASOF_CHECK(std::this_thread::get_id() != impl_->reader.get_id())
      << "a Connection must not be destroyed from one of its own callbacks";
  impl_->Break("connection closed by the client");
  if (impl_->reader.joinable()) impl_->reader.join();
  ::close(impl_->fd);
}

Status Connection::SendAsync(MessageType type, std::span<const uint8_t> payload,
                             Callback on_frame) {
  return impl_->Send(type, payload, std::move(on_frame)).status();
}

Result<std::vector<Frame>> Connection::Call(MessageType type, std::span<const uint8_t> payload) {
  return impl_->Wait(type, payload, impl_->options.request_timeout);
}

bool Connection::healthy() const { return !impl_->broken; }

const wire::HelloResponseT& Connection::hello() const { return impl_->hello; }

// ---- Client -------------------------------------------------------------------------

struct Client::Impl {
  struct Slot {
    std::mutex mu;  // held while (re)connecting, so one caller reconnects a slot
    std::shared_ptr<Connection> conn;
  };
  ClientOptions options;
  std::vector<std::unique_ptr<Slot>> slots;
  std::atomic<size_t> next{0};

  Result<std::shared_ptr<Connection>> Take();

  // Sends the request in `fbb`, expects one frame of the request's response type.
  template <typename Response>
  Result<typename Response::NativeTableType> Exchange(MessageType type,
                                                      const flatbuffers::FlatBufferBuilder& fbb) {
    ASSIGN_OR_RETURN(std::shared_ptr<Connection> conn, Take());
    ASSIGN_OR_RETURN(std::vector<Frame> frames, conn->Call(type, BufferOf(fbb)));
    if (frames.size() != 1) {
      return Internal("expected one frame answering " + TypeName(type) + ", got " +
                      std::to_string(frames.size()));
    }
    return Unpack<Response>(frames.front(), ResponseTypeOf(type));
  }
};

Result<std::shared_ptr<Connection>> Client::Impl::Take() {
  Slot& slot = *slots[next.fetch_add(1, std::memory_order_relaxed) % slots.size()];
  std::lock_guard lock(slot.mu);
  if (slot.conn == nullptr || !slot.conn->healthy()) {
    // Callers still holding the old connection keep it alive until they are done.
    slot.conn.reset();
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> fresh, Connection::Open(options));
    slot.conn = std::move(fresh);
  }
  return slot.conn;
}

Result<std::unique_ptr<Client>> Client::Connect(const ClientOptions& options) {
  std::unique_ptr<Client> client(new Client());
  client->impl_ = std::make_unique<Impl>();
  client->impl_->options = options;
  size_t n = std::max<size_t>(options.pool_size, 1);
  for (size_t i = 0; i < n; ++i) {
    auto slot = std::make_unique<Impl::Slot>();
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(options));
    slot->conn = std::move(conn);
    client->impl_->slots.push_back(std::move(slot));
  }
  return client;
}

Client::~Client() = default;

Result<std::shared_ptr<Connection>> Client::connection() { return impl_->Take(); }

Result<wire::PingResponseT> Client::Ping() {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreatePingRequest(fbb));
  return impl_->Exchange<wire::PingResponse>(MessageType::kPingRequest, fbb);
}

Result<wire::StatsResponseT> Client::Stats() {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreateStatsRequest(fbb));
  return impl_->Exchange<wire::StatsResponse>(MessageType::kStatsRequest, fbb);
}

Result<wire::EntityTypeT> Client::RegisterEntityType(const std::string& name,
                                                     const std::string& description) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreateRegisterEntityTypeRequestDirect(fbb, name.c_str(), description.c_str()));
  ASSIGN_OR_RETURN(auto response, impl_->Exchange<wire::RegisterEntityTypeResponse>(
                                      MessageType::kRegisterEntityTypeRequest, fbb));
  if (response.entity_type == nullptr) return Internal("RegisterEntityTypeResponse is empty");
  return std::move(*response.entity_type);
}

Result<std::vector<wire::EntityTypeT>> Client::ListEntityTypes() {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreateListEntityTypesRequest(fbb));
  ASSIGN_OR_RETURN(auto response, impl_->Exchange<wire::ListEntityTypesResponse>(
                                      MessageType::kListEntityTypesRequest, fbb));
  std::vector<wire::EntityTypeT> out;
  out.reserve(response.entity_types.size());
  for (auto& e : response.entity_types) {
    if (e != nullptr) out.push_back(std::move(*e));
  }
  return out;
}

Result<wire::RegisterFeatureResponseT> Client::RegisterFeature(const wire::FeatureSpecT& spec,
                                                               bool new_version) {
  flatbuffers::FlatBufferBuilder fbb;
  auto packed = wire::FeatureSpec::Pack(fbb, &spec);
  fbb.Finish(wire::CreateRegisterFeatureRequest(fbb, packed, new_version));
  return impl_->Exchange<wire::RegisterFeatureResponse>(MessageType::kRegisterFeatureRequest, fbb);
}

Result<wire::DescribeFeatureResponseT> Client::DescribeFeature(const std::string& entity,
                                                               const std::string& ref) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreateDescribeFeatureRequestDirect(fbb, entity.c_str(), ref.c_str()));
  return impl_->Exchange<wire::DescribeFeatureResponse>(MessageType::kDescribeFeatureRequest, fbb);
}

Result<wire::ListFeaturesResponseT> Client::ListFeatures(const wire::ListFeaturesRequestT& filter) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::ListFeaturesRequest::Pack(fbb, &filter));
  return impl_->Exchange<wire::ListFeaturesResponse>(MessageType::kListFeaturesRequest, fbb);
}

Status Client::DeprecateFeature(const std::string& entity, const std::string& ref,
                                std::vector<std::string>* warnings) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreateDeprecateFeatureRequestDirect(fbb, entity.c_str(), ref.c_str()));
  ASSIGN_OR_RETURN(
      wire::DeprecateFeatureResponseT response,
      impl_->Exchange<wire::DeprecateFeatureResponse>(MessageType::kDeprecateFeatureRequest, fbb));
  if (warnings != nullptr) *warnings = std::move(response.warnings);
  return Status::Ok();
}

Result<std::string> Client::Lineage(const wire::LineageRequestT& request) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::LineageRequest::Pack(fbb, &request));
  ASSIGN_OR_RETURN(wire::LineageResponseT response,
                   impl_->Exchange<wire::LineageResponse>(MessageType::kLineageRequest, fbb));
  return std::move(response.text);
}

Result<wire::DriftResponseT> Client::Drift(const wire::DriftRequestT& request) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::DriftRequest::Pack(fbb, &request));
  return impl_->Exchange<wire::DriftResponse>(MessageType::kDriftRequest, fbb);
}

Result<wire::ServedLogResponseT> Client::ServedLog(const wire::ServedLogRequestT& request) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::ServedLogRequest::Pack(fbb, &request));
  return impl_->Exchange<wire::ServedLogResponse>(MessageType::kServedLogRequest, fbb);
}

Result<wire::BaselinesResponseT> Client::Baselines(const wire::BaselinesRequestT& request) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::BaselinesRequest::Pack(fbb, &request));
  return impl_->Exchange<wire::BaselinesResponse>(MessageType::kBaselinesRequest, fbb);
}

Result<wire::WriteResponseT> Client::Write(const std::vector<wire::WriteRecordT>& records) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<wire::WriteRecord>> packed;
  packed.reserve(records.size());
  for (const auto& r : records) packed.push_back(wire::WriteRecord::Pack(fbb, &r));
  fbb.Finish(wire::CreateWriteRequestDirect(fbb, &packed));
  return impl_->Exchange<wire::WriteResponse>(MessageType::kWriteRequest, fbb);
}

Result<wire::OnlineReadResponseT> Client::OnlineRead(const std::string& entity_type,
                                                     const std::vector<std::string>& entity_ids,
                                                     const std::vector<std::string>& features) {
  flatbuffers::FlatBufferBuilder fbb;
  auto type = fbb.CreateString(entity_type);
  auto ids = fbb.CreateVectorOfStrings(entity_ids);
  auto names = fbb.CreateVectorOfStrings(features);
  fbb.Finish(wire::CreateOnlineReadRequest(fbb, type, ids, names));
  return impl_->Exchange<wire::OnlineReadResponse>(MessageType::kOnlineReadRequest, fbb);
}

// Chunks are buffered by the reader thread and handed over here, so `on_chunk` runs on
// the calling thread. request_timeout bounds the wait for each chunk, not the whole
// stream: a long answer that keeps coming is not a stuck one.
Status Client::AsOfRead(const std::string& entity_type, const std::vector<std::string>& features,
                        bool replay, const std::vector<wire::AsOfRowT>& rows,
                        const std::function<Status(const wire::AsOfReadChunkT&)>& on_chunk,
                        const std::string& baseline_id) {
  flatbuffers::FlatBufferBuilder fbb;
  auto type = fbb.CreateString(entity_type);
  auto names = fbb.CreateVectorOfStrings(features);
  std::vector<flatbuffers::Offset<wire::AsOfRow>> packed;
  packed.reserve(rows.size());
  for (const auto& r : rows) packed.push_back(wire::AsOfRow::Pack(fbb, &r));
  auto baseline = baseline_id.empty() ? 0 : fbb.CreateString(baseline_id);
  fbb.Finish(
      wire::CreateAsOfReadRequest(fbb, type, names, replay, fbb.CreateVector(packed), baseline));

  ASSIGN_OR_RETURN(std::shared_ptr<Connection> conn, impl_->Take());
  auto waiter = std::make_shared<Waiter>();
  RETURN_IF_ERROR(
      conn->SendAsync(MessageType::kAsOfReadRequest, BufferOf(fbb), Waiter::CallbackOf(waiter)));
  auto give_up = [&](Status status) {
    std::lock_guard lock(waiter->mu);
    waiter->abandoned = true;
    waiter->frames.clear();
    return status;
  };
  const auto timeout = impl_->options.request_timeout;
  uint64_t next_row = 0;
  while (true) {
    std::unique_lock lock(waiter->mu);
    if (!waiter->cv.wait_for(lock, timeout,
                             [&] { return !waiter->frames.empty() || waiter->done; })) {
      lock.unlock();
      return give_up(Unavailable("request timed out after " + std::to_string(timeout.count()) +
                                 " ms (AsOfReadRequest, waiting for a chunk)"));
    }
    if (waiter->frames.empty()) {  // done without a frame: the request failed
      return waiter->failure.ok() ? Internal("as-of read ended without its last chunk")
                                  : waiter->failure;
    }
    Frame frame = std::move(waiter->frames.front());
    waiter->frames.pop_front();
    lock.unlock();

    Result<wire::AsOfReadChunkT> chunk =
        Unpack<wire::AsOfReadChunk>(frame, MessageType::kAsOfReadChunk);
    if (!chunk.ok()) return give_up(chunk.status());
    if (chunk->first_row != next_row) {
      return give_up(Internal("as-of chunk starts at row " + std::to_string(chunk->first_row) +
                              ", expected " + std::to_string(next_row)));
    }
    next_row += chunk->num_rows;
    Status status = on_chunk(*chunk);
    if (!status.ok()) return give_up(std::move(status));
    if (!frame.more()) break;
  }
  if (next_row != rows.size()) {
    return Internal("as-of read answered " + std::to_string(next_row) + " of " +
                    std::to_string(rows.size()) + " rows");
  }
  return Status::Ok();
}

Result<wire::ListDeadLettersResponseT> Client::ListDeadLetters(
    std::optional<std::pair<int64_t, uint64_t>> after, uint32_t limit) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreateListDeadLettersRequest(fbb, after.has_value(), after ? after->first : 0,
                                                after ? after->second : 0, limit));
  return impl_->Exchange<wire::ListDeadLettersResponse>(MessageType::kListDeadLettersRequest, fbb);
}

Result<wire::FreshnessResponseT> Client::Freshness(bool include_deprecated) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreateFreshnessRequest(fbb, include_deprecated));
  return impl_->Exchange<wire::FreshnessResponse>(MessageType::kFreshnessRequest, fbb);
}

// ---- bulk load ------------------------------------------------------------------------

namespace {

// Payload room left for a chunk's data in a frame of `max_frame` bytes: the request
// table around the data vector takes well under a KiB.
constexpr size_t kChunkOverhead = 4096;

Status CheckLoad(const Client::BulkLoad& load) {
  if (load.conn == nullptr || load.begin.load_id == 0) {
    return InvalidArgument("no bulk load in progress (already loaded, or Begin failed)");
  }
  return Status::Ok();
}

template <typename Response>
Result<typename Response::NativeTableType> CallOn(Connection& conn, MessageType type,
                                                  const flatbuffers::FlatBufferBuilder& fbb) {
  ASSIGN_OR_RETURN(std::vector<Frame> frames, conn.Call(type, BufferOf(fbb)));
  if (frames.size() != 1) return Internal("expected one frame answering " + TypeName(type));
  return Unpack<Response>(frames.front(), ResponseTypeOf(type));
}

void BuildChunk(uint64_t load_id, uint32_t file_index, uint64_t offset,
                std::span<const uint8_t> data, flatbuffers::FlatBufferBuilder* fbb) {
  auto bytes = fbb->CreateVector(data.data(), data.size());
  fbb->Finish(wire::CreateBulkLoadChunkRequest(*fbb, load_id, file_index, offset, bytes));
}

// Chunks in flight of one upload, shared with the reader thread's callbacks.
struct UploadWindow {
  std::mutex mu;
  std::condition_variable cv;
  size_t in_flight = 0;  // guarded by mu
  Status failure;        // guarded by mu: the first error

  Connection::Callback Callback(const std::shared_ptr<UploadWindow>& self) {
    return [self](Result<Frame> r) {
      Status s = r.ok()
                     ? Unpack<wire::BulkLoadChunkResponse>(*r, MessageType::kBulkLoadChunkResponse)
                           .status()
                     : r.status();
      std::lock_guard lock(self->mu);
      --self->in_flight;
      if (!s.ok() && self->failure.ok()) self->failure = std::move(s);
      self->cv.notify_all();
    };
  }
};

}  // namespace

Result<Client::BulkLoad> Client::BulkLoadBegin(const std::string& fingerprint) {
  ASSIGN_OR_RETURN(std::shared_ptr<Connection> conn, impl_->Take());
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreateBulkLoadBeginRequestDirect(fbb, fingerprint.c_str()));
  BulkLoad load;
  ASSIGN_OR_RETURN(load.begin, CallOn<wire::BulkLoadBeginResponse>(
                                   *conn, MessageType::kBulkLoadBeginRequest, fbb));
  load.conn = std::move(conn);
  return load;
}

Status Client::BulkLoadChunk(const BulkLoad& load, uint32_t file_index, uint64_t offset,
                             std::span<const uint8_t> data) {
  RETURN_IF_ERROR(CheckLoad(load));
  flatbuffers::FlatBufferBuilder fbb(data.size() + 256);
  BuildChunk(load.begin.load_id, file_index, offset, data, &fbb);
  return CallOn<wire::BulkLoadChunkResponse>(*load.conn, MessageType::kBulkLoadChunkRequest, fbb)
      .status();
}

Result<Client::UploadedFile> Client::BulkLoadUploadFile(const BulkLoad& load, uint32_t file_index,
                                                        const std::string& path, size_t chunk_bytes,
                                                        size_t max_in_flight) {
  RETURN_IF_ERROR(CheckLoad(load));
  const size_t max_frame = load.conn->hello().max_frame_bytes;
  if (max_frame <= 2 * kChunkOverhead) return Internal("the server's max frame size is too small");
  chunk_bytes = std::clamp<size_t>(chunk_bytes, 1, max_frame - kChunkOverhead);
  max_in_flight = std::max<size_t>(max_in_flight, 1);

  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (file == nullptr) return InvalidArgument("cannot open " + path + ": " + ErrnoText(errno));
  std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> hash(XXH3_createState(),
                                                                       &XXH3_freeState);
  XXH3_64bits_reset(hash.get());

  auto window = std::make_shared<UploadWindow>();
  const auto timeout = impl_->options.request_timeout;
  auto wait_until = [&](size_t max_pending) -> Status {
    std::unique_lock lock(window->mu);
    if (!window->cv.wait_for(lock, timeout, [&] {
          return window->in_flight <= max_pending || !window->failure.ok();
        })) {
      return Unavailable("bulk-load chunk timed out after " + std::to_string(timeout.count()) +
                         " ms");
    }
    return window->failure;
  };

  UploadedFile out;
  std::vector<uint8_t> buffer(chunk_bytes);
  while (true) {
    size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get());
    if (n == 0) {
      if (std::ferror(file.get())) return Internal("reading " + path + ": " + ErrnoText(errno));
      break;
    }
    XXH3_64bits_update(hash.get(), buffer.data(), n);
    RETURN_IF_ERROR(wait_until(max_in_flight - 1));
    flatbuffers::FlatBufferBuilder fbb(n + 256);
    BuildChunk(load.begin.load_id, file_index, out.size, {buffer.data(), n}, &fbb);
    {
      std::lock_guard lock(window->mu);
      ++window->in_flight;
    }
    Status sent = load.conn->SendAsync(MessageType::kBulkLoadChunkRequest, BufferOf(fbb),
                                       window->Callback(window));
    if (!sent.ok()) return sent;  // the callback will not run; the window goes with us
    out.size += n;
  }
  RETURN_IF_ERROR(wait_until(0));
  out.xxh3 = XXH3_64bits_digest(hash.get());
  return out;
}

Result<bool> Client::BulkLoadSeal(const BulkLoad& load, const wire::BulkFileT& file) {
  RETURN_IF_ERROR(CheckLoad(load));
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(
      wire::CreateBulkLoadSealRequest(fbb, load.begin.load_id, wire::BulkFile::Pack(fbb, &file)));
  Result<wire::BulkLoadSealResponseT> r =
      CallOn<wire::BulkLoadSealResponse>(*load.conn, MessageType::kBulkLoadSealRequest, fbb);
  // An older server answers a type it does not know this way and keeps the connection.
  if (!r.ok() && r.status().code() == ErrorCode::kInvalidArgument &&
      r.status().message() == wire::FrameErrorMessage(wire::FrameError::kUnknownType)) {
    return false;
  }
  RETURN_IF_ERROR(r.status());
  return true;
}

Result<wire::BulkLoadCommitResponseT> Client::BulkLoadCommit(
    const BulkLoad& load, const std::vector<wire::BulkFileT>& files) {
  RETURN_IF_ERROR(CheckLoad(load));
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<wire::BulkFile>> packed;
  packed.reserve(files.size());
  for (const auto& f : files) packed.push_back(wire::BulkFile::Pack(fbb, &f));
  fbb.Finish(wire::CreateBulkLoadCommitRequestDirect(fbb, load.begin.load_id, &packed));

  // Not Call: the commit reads every staged file, so it gets its own, longer timeout.
  auto waiter = std::make_shared<Waiter>();
  RETURN_IF_ERROR(load.conn->SendAsync(MessageType::kBulkLoadCommitRequest, BufferOf(fbb),
                                       Waiter::CallbackOf(waiter)));
  std::unique_lock lock(waiter->mu);
  const auto timeout = impl_->options.bulk_commit_timeout;
  if (!waiter->cv.wait_for(lock, timeout, [&] { return waiter->done; })) {
    waiter->abandoned = true;
    return Unavailable("bulk-load commit timed out after " + std::to_string(timeout.count()) +
                       " ms; the load may still be applied");
  }
  if (waiter->frames.size() != 1) {
    return waiter->failure.ok() ? Internal("bulk-load commit: no single answer") : waiter->failure;
  }
  Frame frame = std::move(waiter->frames.front());
  lock.unlock();
  return Unpack<wire::BulkLoadCommitResponse>(frame, MessageType::kBulkLoadCommitResponse);
}

Status Client::BulkLoadAbort(const BulkLoad& load) {
  RETURN_IF_ERROR(CheckLoad(load));
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreateBulkLoadAbortRequest(fbb, load.begin.load_id));
  return CallOn<wire::BulkLoadAbortResponse>(*load.conn, MessageType::kBulkLoadAbortRequest, fbb)
      .status();
}

}  // namespace asof
