#include "tools/asof-bench/runner.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <semaphore>
#include <thread>

#include "tools/asof-bench/workload.h"
#include "wire/client.h"

namespace asof::bench {

namespace {

using Nanos = int64_t;  // steady-clock nanoseconds
constexpr Nanos kNever = std::numeric_limits<Nanos>::max();
// How long the open loop may keep sending a backlog after the scheduled end.
constexpr Nanos kBacklogGrace = 2'000'000'000;
constexpr size_t kMaxErrorSamples = 5;

Nanos MonoNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Nanos SaturatingAdd(Nanos a, Nanos b) { return a > kNever - b ? kNever : a + b; }

Nanos SecondsToNanos(double s) { return static_cast<Nanos>(std::llround(s * 1e9)); }

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

// Every failure of the run, from any thread: counted, and a few kept to be shown.
class ErrorLog {
 public:
  void Add(const Status& status) {
    count_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(mu_);
    if (samples_.size() >= kMaxErrorSamples) return;
    std::string text = status.ToString();
    if (std::find(samples_.begin(), samples_.end(), text) == samples_.end()) {
      samples_.push_back(std::move(text));
    }
  }
  uint64_t count() const { return count_.load(); }
  std::vector<std::string> samples() const {
    std::lock_guard lock(mu_);
    return samples_;
  }

 private:
  std::atomic<uint64_t> count_{0};
  mutable std::mutex mu_;
  std::vector<std::string> samples_;  // guarded by mu_
};

// What all senders share. Times are fixed before the senders start.
struct Plan {
  const BenchOptions* options = nullptr;
  Nanos start = 0;
  Nanos measure_start = 0;
  Nanos end = kNever;                // no new request is due (or sent, closed loop) from here on
  Nanos hard_end = kNever;           // the open loop's backlog is abandoned from here on
  std::atomic<uint64_t> claimed{0};  // measured requests sent, for --requests
  std::atomic<bool> stop{false};
  ErrorLog errors;
};

// One connection: its sender thread and the callbacks its reader thread runs.
class Sender {
 public:
  Sender(Plan* plan, std::unique_ptr<Connection> conn, uint32_t index)
      : plan_(*plan),
        options_(*plan->options),
        conn_(std::move(conn)),
        index_(index),
        factory_(options_, options_.seed * 1000003 + index),
        slots_(static_cast<std::ptrdiff_t>(options_.depth)) {}

  void Run();
  // After Run: waits for the requests in flight, then closes the connection (which
  // fails whatever is still unanswered). The tallies are final afterwards.
  void Finish();

  // Read only after Finish. Written only by the reader thread's callbacks.
  const LatencyHistogram& latency() const { return latency_; }
  const LatencyHistogram& send_lag() const { return send_lag_; }
  uint64_t requests() const { return requests_; }
  uint64_t values() const { return values_; }
  uint64_t not_present() const { return not_present_; }
  uint64_t unsent() const { return unsent_; }
  Nanos last_done() const { return last_done_; }

 private:
  bool AcquireSlot(Nanos give_up_at);
  bool ClaimMeasured();
  Nanos DueTime(uint64_t i) const;
  void Send(Nanos timed_from, bool measured);
  Connection::Callback CallbackFor(Nanos timed_from, bool measured);
  void RunClosed();
  void RunOpen();

  Plan& plan_;
  const BenchOptions& options_;
  std::unique_ptr<Connection> conn_;
  const uint32_t index_;
  RequestFactory factory_;
  std::counting_semaphore<> slots_;  // free places for requests in flight

  LatencyHistogram latency_;
  LatencyHistogram send_lag_;  // sender thread only
  uint64_t requests_ = 0;
  uint64_t values_ = 0;
  uint64_t not_present_ = 0;
  uint64_t unsent_ = 0;  // sender thread only
  Nanos last_done_ = 0;
};

bool Sender::AcquireSlot(Nanos give_up_at) {
  while (!slots_.try_acquire_for(std::chrono::milliseconds(5))) {
    if (plan_.stop.load(std::memory_order_relaxed) || MonoNow() >= give_up_at) return false;
  }
  return true;
}

bool Sender::ClaimMeasured() {
  if (options_.requests == 0) return true;
  if (plan_.claimed.fetch_add(1, std::memory_order_relaxed) < options_.requests) return true;
  plan_.stop = true;
  return false;
}

Connection::Callback Sender::CallbackFor(Nanos timed_from, bool measured) {
  ResponseTally tally(options_.workload, options_.entities, options_.features);
  bool failed = false;
  return [this, timed_from, measured, tally, failed](Result<Frame> frame) mutable {
    // A transport failure is always the last call; otherwise the frame says.
    const bool last = !frame.ok() || !frame->more();
    if (!failed) {
      Status status = frame.ok() ? tally.Add(*frame) : frame.status();
      if (!status.ok()) {
        failed = true;
        plan_.errors.Add(status);
      }
    }
    if (!last) return;
    if (!failed && measured) {
      const Nanos done = MonoNow();
      latency_.Record(static_cast<uint64_t>(std::max<Nanos>(done - timed_from, 0)));
      ++requests_;
      values_ += tally.values();
      not_present_ += tally.not_present();
      last_done_ = std::max(last_done_, done);
    }
    slots_.release();
  };
}

void Sender::Send(Nanos timed_from, bool measured) {
  std::span<const uint8_t> payload = factory_.Next();
  Status sent = conn_->SendAsync(RequestTypeOf(options_.workload), payload,
                                 CallbackFor(timed_from, measured));
  if (!sent.ok()) {  // the callback will not run
    plan_.errors.Add(sent);
    slots_.release();
  }
}

void Sender::RunClosed() {
  while (!plan_.stop.load(std::memory_order_relaxed) && conn_->healthy()) {
    if (!AcquireSlot(plan_.end)) break;
    const Nanos now = MonoNow();
    const bool measured = now >= plan_.measure_start;
    if (now >= plan_.end || (measured && !ClaimMeasured())) {
      slots_.release();
      break;
    }
    Send(now, measured);
  }
}

Nanos Sender::DueTime(uint64_t i) const {
  const double per_request_ns = 1e9 / options_.rate;
  const double slot = static_cast<double>(index_) + static_cast<double>(i) * options_.connections;
  return plan_.start + static_cast<Nanos>(slot * per_request_ns);
}

void Sender::RunOpen() {
  // Sleeps end within the kernel's timer slack (50 us by default); ask for 1 us, as a
  // late wake-up would count as latency.
  ::prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  uint64_t i = 0;
  for (; !plan_.stop.load(std::memory_order_relaxed) && conn_->healthy(); ++i) {
    const Nanos due = DueTime(i);
    if (due >= plan_.end) break;
    if (MonoNow() < due) {
      std::this_thread::sleep_until(
          std::chrono::steady_clock::time_point(std::chrono::nanoseconds(due)));
    }
    if (!AcquireSlot(plan_.hard_end)) break;
    const bool measured = due >= plan_.measure_start;
    if (measured && !ClaimMeasured()) {
      slots_.release();
      break;
    }
    const Nanos now = MonoNow();
    if (measured) send_lag_.Record(static_cast<uint64_t>(std::max<Nanos>(now - due, 0)));
    Send(due, measured);
  }
  // Requests that fell due but were never sent (backlog abandoned at hard_end, or a
  // broken connection) are reported, not forgotten.
  if (!plan_.stop && plan_.end != kNever) {
    while (DueTime(i) < plan_.end) {
      ++unsent_;
      ++i;
    }
  }
}

// A broken connection ends its sender; the requests it failed are the errors.
void Sender::Run() {
  if (options_.rate > 0) {
    RunOpen();
  } else {
    RunClosed();
  }
}

void Sender::Finish() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (uint32_t i = 0; i < options_.depth; ++i) {
    if (!slots_.try_acquire_until(deadline)) break;  // closing fails the rest
  }
  conn_.reset();
}

ClientOptions ClientOptionsOf(const BenchOptions& o) {
  ClientOptions c;
  c.host = o.host;
  c.port = o.port;
  c.token = o.token;
  c.client_name = "asof-bench";
  return c;
}

void Collect(const Plan& plan, const std::vector<std::unique_ptr<Sender>>& senders,
             RunResult* result) {
  Nanos last_done = plan.measure_start;
  for (const auto& s : senders) {
    result->latency.Merge(s->latency());
    result->send_lag.Merge(s->send_lag());
    result->requests += s->requests();
    result->values += s->values();
    result->not_present += s->not_present();
    result->unsent += s->unsent();
    last_done = std::max(last_done, s->last_done());
  }
  result->errors = plan.errors.count();
  result->error_samples = plan.errors.samples();
  result->seconds = static_cast<double>(last_done - plan.measure_start) / 1e9;
}

}  // namespace

Result<RunResult> RunBenchmark(const BenchOptions& options) {
  Plan plan;
  plan.options = &options;
  std::vector<std::unique_ptr<Sender>> senders;
  for (uint32_t i = 0; i < options.connections; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(ClientOptionsOf(options)));
    senders.push_back(std::make_unique<Sender>(&plan, std::move(conn), i));
  }
  plan.start = MonoNow() + 1'000'000;  // every sender starts on the same schedule
  plan.measure_start = plan.start + SecondsToNanos(options.warmup_s);
  if (options.duration_s > 0) {
    plan.end = plan.measure_start + SecondsToNanos(options.duration_s);
  }
  plan.hard_end = SaturatingAdd(plan.end, kBacklogGrace);

  std::vector<std::thread> threads;
  threads.reserve(senders.size());
  for (auto& s : senders) threads.emplace_back([&s] { s->Run(); });
  std::this_thread::sleep_until(
      std::chrono::steady_clock::time_point(std::chrono::nanoseconds(plan.measure_start)));
  const double cpu_at_start = CpuSeconds();
  for (auto& t : threads) t.join();
  for (auto& s : senders) s->Finish();
  RunResult result;
  result.client_cpu_seconds = CpuSeconds() - cpu_at_start;
  Collect(plan, senders, &result);
  return result;
}

}  // namespace asof::bench
